import {
  type Alias,
  Composer,
  type CST,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  type Node,
  Parser,
  type YAMLError,
} from 'yaml';
import {
  countProblems,
  formatPath,
  formatProblem,
  issuesToProblems,
  MAX_PROBLEMS,
  type ManifestProblem,
  type PathProblem,
  shortValue,
} from './problems.ts';
import { type Manifest, ManifestSchema } from './schema.ts';

/**
 * A check that needs a valid manifest, run after the schema (e.g. AWS's limits on the synthesised
 * template, shared/manifest/deployable.ts). Passed in, so a function that only reads a manifest
 * does not bundle what the check imports.
 */
export type ManifestCheck = (manifest: Manifest) => PathProblem[];

/** Manifests larger than this are refused before parsing (a real one is a few KiB). */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
/** Deeper nesting than this is refused: a manifest is five levels deep. */
export const MAX_DEPTH = 32;
/** Aliases a manifest may expand (the yaml library's guard against alias bombs). */
export const MAX_ALIAS_COUNT = 100;
/**
 * YAML tokens a manifest may have. A real one has a few hundred (the largest the rules allow, a few
 * thousand); the YAML library's work on broken input grows faster than linearly with the tokens.
 */
export const MAX_TOKENS = 20_000;

export type ManifestResult = { ok: true; manifest: Manifest } | { ok: false; problems: ManifestProblem[] };

/** Thrown by {@link parseManifestOrThrow}; carries every problem found. */
export class ManifestInvalidError extends Error {
  readonly problems: ManifestProblem[];
  constructor(problems: ManifestProblem[]) {
    const file = problems[0]?.file ?? 'manifest';
    const n = countProblems(problems);
    super(
      `${file} is not a valid stackdrop manifest (${n} problem${n === 1 ? '' : 's'}):\n${problems.map(formatProblem).join('\n')}`,
    );
    this.name = 'ManifestInvalidError';
    this.problems = problems;
  }
}

type Position = { line: number; col: number };
/** Line and column (1-based) of a character offset in a text. */
function positionOf(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

function problemAt(
  file: string,
  text: string,
  offset: number,
  message: string,
  hint: string,
): ManifestProblem {
  return { file, ...positionOf(text, offset), path: '', message, hint };
}

// ---- bytes → text ----

/** Index of the first byte that breaks UTF-8, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let extra: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      extra = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      extra = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      extra = 3;
      min = 0x10000;
    } else return i;
    let code = b & (0x3f >> extra);
    for (let k = 1; k <= extra; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += extra + 1;
  }
  return -1;
}

/**
 * UTF-16 or UTF-32 text without a byte order mark: ASCII characters then come with zero bytes on
 * one side, a pattern no UTF-8 text has (a zero byte is never valid in a manifest anyway).
 */
function wideEncoding(bytes: Uint8Array): string | undefined {
  const n = Math.min(bytes.length, 512) & ~3;
  if (n < 4) return undefined;
  const zeros = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) if (bytes[i] === 0) zeros[i % 4]!++;
  const quarter = n / 4;
  const [z0, z1, z2, z3] = zeros as [number, number, number, number];
  const mostly = (z: number) => z >= quarter * 0.75;
  const rarely = (z: number) => z <= quarter * 0.25;
  if (mostly(z1) && mostly(z2) && mostly(z3) && rarely(z0)) return 'UTF-32 (little-endian)';
  if (mostly(z0) && mostly(z1) && mostly(z2) && rarely(z3)) return 'UTF-32 (big-endian)';
  if (mostly(z1) && mostly(z3) && rarely(z0) && rarely(z2)) return 'UTF-16 (little-endian)';
  if (mostly(z0) && mostly(z2) && rarely(z1) && rarely(z3)) return 'UTF-16 (big-endian)';
  return undefined;
}

function decode(
  input: string | Uint8Array,
  file: string,
): { text: string } | { problems: ManifestProblem[] } {
  // Readers stop one byte past the limit, so a size of exactly MAX + 1 means "at least that".
  const tooLarge = (size: number): ManifestProblem => ({
    file,
    path: '',
    message:
      size === MAX_MANIFEST_BYTES + 1
        ? `the file is larger than the ${MAX_MANIFEST_BYTES} bytes (1 MiB) a manifest may have`
        : `the file is ${size} bytes, more than the ${MAX_MANIFEST_BYTES} bytes (1 MiB) a manifest may have`,
    hint: 'a manifest is a few KiB: check that this is the right file',
  });
  if (typeof input === 'string') {
    // A string longer than the limit in UTF-16 units is over it in UTF-8 bytes too.
    const size = input.length > MAX_MANIFEST_BYTES ? input.length : Buffer.byteLength(input, 'utf8');
    if (size > MAX_MANIFEST_BYTES) return { problems: [tooLarge(size)] };
    if (!input.isWellFormed()) {
      const offset = input.search(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      return {
        problems: [
          problemAt(
            file,
            input,
            Math.max(0, offset),
            'the text is not valid Unicode (a lone surrogate)',
            'save the file as UTF-8',
          ),
        ],
      };
    }
    return { text: input.startsWith('\uFEFF') ? input.slice(1) : input };
  }
  if (input.length > MAX_MANIFEST_BYTES) return { problems: [tooLarge(input.length)] };
  const bom = (a: number, b: number) => input[0] === a && input[1] === b;
  if (bom(0xff, 0xfe) || bom(0xfe, 0xff)) {
    return {
      problems: [
        {
          file,
          line: 1,
          col: 1,
          path: '',
          message: 'the file is UTF-16 (or UTF-32), not UTF-8',
          hint: 'save the file as UTF-8 (most editors: "Save with encoding")',
        },
      ],
    };
  }
  const wide = wideEncoding(input);
  if (wide) {
    return {
      problems: [
        {
          file,
          line: 1,
          col: 1,
          path: '',
          message: `the file is ${wide} without a byte order mark, not UTF-8`,
          hint: 'save the file as UTF-8 (most editors: "Save with encoding"; or iconv -f UTF-16 -t UTF-8)',
        },
      ],
    };
  }
  const invalid = firstInvalidUtf8(input);
  if (invalid !== -1) {
    const before = new TextDecoder('utf-8').decode(input.subarray(0, invalid));
    const { line, col } = positionOf(before, before.length);
    return {
      problems: [
        {
          file,
          line,
          col,
          path: '',
          message: `byte 0x${input[invalid]!.toString(16).padStart(2, '0')} at offset ${invalid} is not UTF-8`,
          hint: 'save the file as UTF-8 (it may be Latin-1 or Windows-1252)',
        },
      ],
    };
  }
  // TextDecoder drops a UTF-8 byte order mark by default.
  return { text: new TextDecoder('utf-8').decode(input) };
}

// ---- characters and nesting, before the YAML parser sees them ----

const isBidiControl = (code: number) =>
  (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
const isC0Control = (code: number) => code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d;

/**
 * Outside YAML's printable set (tab and line breaks allowed, U+0085 too), plus the bidirectional
 * controls that make text display differently from how it parses.
 */
function forbiddenInSource(code: number): boolean {
  return (
    isC0Control(code) ||
    (code >= 0x7f && code <= 0x9f && code !== 0x85) ||
    isBidiControl(code) ||
    code === 0xfffe ||
    code === 0xffff
  );
}

/** In a parsed value (where escapes such as "\0" may have produced them). */
function forbiddenInValue(code: number): boolean {
  return isC0Control(code) || code === 0x7f || isBidiControl(code);
}

function findCharacter(text: string, forbidden: (code: number) => boolean, from = 0): number {
  for (let i = from; i < text.length; i++) if (forbidden(text.charCodeAt(i))) return i;
  return -1;
}

function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

function forbiddenCharacter(ch: string): { message: string; hint: string } {
  const bidi = isBidiControl(ch.charCodeAt(0));
  return bidi
    ? {
        message: `invisible bidirectional-text control ${codePoint(ch)} is not allowed`,
        hint: 'remove it: it makes text display differently from how it is read',
      }
    : {
        message: `control character ${codePoint(ch)} is not allowed`,
        hint: 'remove it (it may come from copy-pasting or a binary file)',
      };
}

const SHOWN_CHARACTERS = 10;

function checkCharacters(text: string, file: string): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  let more = 0;
  for (
    let i = findCharacter(text, forbiddenInSource);
    i !== -1;
    i = findCharacter(text, forbiddenInSource, i + 1)
  ) {
    if (problems.length >= SHOWN_CHARACTERS) {
      more++;
      continue;
    }
    const { message, hint } = forbiddenCharacter(text[i]!);
    problems.push(problemAt(file, text, i, message, hint));
  }
  if (more > 0)
    problems.push({
      file,
      path: '',
      message: `… and ${more} more forbidden character${more === 1 ? '' : 's'}`,
      hint: 'the file may be binary or in another encoding: save it as UTF-8 text',
      more,
    });
  return problems;
}

/**
 * A lone carriage return (classic Mac line endings). YAML counts it as a line break but the
 * parser then reads the whole file as one line, so say what it is instead of a syntax error.
 */
function checkLineEndings(text: string, file: string): ManifestProblem[] {
  const index = text.search(/\r(?!\n)/);
  if (index === -1) return [];
  return [
    problemAt(
      file,
      text,
      index,
      'the file uses carriage returns (CR) alone as line endings',
      'save it with LF (Unix) or CRLF (Windows) line endings, e.g. your editor\'s "Line endings" setting or `tr "\\r" "\\n"`',
    ),
  ];
}

/** Unicode spaces that look like indentation but are not (YAML indents with U+0020 only). */
const LOOKALIKE_SPACE = /^[ ]*([\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\ufeff])/;

function checkIndentation(text: string, file: string): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const match = LOOKALIKE_SPACE.exec(line);
    if (match) {
      const ch = match[1]!;
      const name = ch === '\u00a0' ? 'a non-breaking space' : 'a Unicode space';
      problems.push(
        problemAt(
          file,
          text,
          offset + match[0].length - 1,
          `the line is indented with ${name} (${codePoint(ch)}), which YAML does not count as indentation`,
          'replace it with ordinary spaces (it often comes from copying text out of a web page or a word processor)',
        ),
      );
      if (problems.length >= MAX_PROBLEMS) break;
    }
    offset += line.length + 1;
  }
  return problems;
}

/**
 * Offset where flow collections (`[`/`{`) nest deeper than MAX_DEPTH, or -1. Quoted strings and
 * comments are skipped; the YAML parser itself would take seconds on a megabyte of brackets.
 */
function excessiveFlowNesting(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (ch === "'") {
      for (i++; i < text.length; i++) {
        if (text[i] === "'") {
          if (text[i + 1] === "'") i++;
          else break;
        }
      }
    } else if (ch === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
    } else if (ch === '[' || ch === '{') {
      if (++depth > MAX_DEPTH) return i;
    } else if ((ch === ']' || ch === '}') && depth > 0) {
      depth--;
    }
  }
  return -1;
}

/** Offset of the token past MAX_TOKENS, or -1; the lexer stops there, so a hostile file costs little. */
function tokenLimitOffset(text: string): number {
  let count = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (++count > MAX_TOKENS) return Math.min(offset, text.length);
    offset += token.length;
  }
  return -1;
}

type CstItem = { key?: CST.Token | null; value?: CST.Token | null };

/** Offset where the concrete syntax tree nests deeper than MAX_DEPTH (`- - - x` on one line, say), or -1. */
function excessiveCstNesting(tokens: CST.Token[]): number {
  const stack: { token: CST.Token; depth: number }[] = tokens.map((token) => ({ token, depth: 0 }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (depth > MAX_DEPTH) return 'offset' in token ? token.offset : 0;
    let items: CstItem[] = [];
    if (token.type === 'document') items = [{ value: token.value ?? null }];
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection')
      items = token.items as CstItem[];
    const next = token.type === 'document' ? depth : depth + 1;
    for (const item of items) {
      if (item.key) stack.push({ token: item.key, depth: next });
      if (item.value) stack.push({ token: item.value, depth: next });
    }
  }
  return -1;
}

// ---- the parsed document: positions and structure ----

type YamlDoc = Document.Parsed;

function nodeOffset(node: Node | null | undefined): number | undefined {
  return node?.range?.[0];
}

/**
 * Offset of the node a path names: the value, or the key itself (`key`), or — when part of the path
 * is missing — the key of the deepest map that exists (for a missing key, point at its parent).
 */
function locate(doc: YamlDoc, path: readonly PropertyKey[], key: boolean): number {
  let node: unknown = doc.contents;
  let fallback = nodeOffset(doc.contents as Node) ?? 0;
  for (let index = 0; index < path.length; index++) {
    const segment = path[index];
    const last = index === path.length - 1;
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return fallback;
      const keyOffset = nodeOffset(pair.key as Node) ?? fallback;
      if (last && key) return keyOffset;
      fallback = keyOffset;
      // An empty value (`network:`) has no text of its own: point at its key.
      if (
        pair.value === null ||
        pair.value === undefined ||
        (isScalar(pair.value) && pair.value.value === null)
      )
        return keyOffset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined || item === null) return fallback;
      node = item;
      fallback = nodeOffset(item as Node) ?? fallback;
    } else {
      return fallback;
    }
  }
  return nodeOffset(node as Node) ?? fallback;
}

/**
 * Walks the document without recursion and without following aliases: nesting depth, keys that are
 * not plain scalars, and control characters that arrived through escapes ("\0").
 */
function checkStructure(doc: YamlDoc, file: string, lineCounter: LineCounter): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const at = (node: unknown, path: PropertyKey[], message: string, hint: string) =>
    problems.push({
      file,
      ...lineCounter.linePos(nodeOffset(node as Node) ?? 0),
      path: formatPath(path),
      message,
      hint,
    });
  const stack: { node: unknown; path: PropertyKey[] }[] = [{ node: doc.contents, path: [] }];
  while (stack.length > 0 && problems.length < MAX_PROBLEMS) {
    const { node, path } = stack.pop()!;
    if (path.length > MAX_DEPTH) {
      at(
        node,
        path.slice(0, 3),
        `nesting is deeper than ${MAX_DEPTH} levels`,
        'a manifest is at most five levels deep: check the indentation',
      );
      continue;
    }
    if (isMap(node)) {
      const seen = new Map<string, Node>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        if (!isScalar(pair.key) || (key !== null && typeof key === 'object')) {
          at(
            pair.key ?? node,
            path,
            'keys must be plain names, not lists or maps',
            'write the key as a plain word such as project',
          );
          continue;
        }
        const keyPath = [...path, String(key)];
        const first = seen.get(String(key));
        if (first) {
          at(
            pair.key,
            keyPath,
            `duplicate key ${shortValue(String(key))}`,
            `keep one entry (the other is at line ${lineCounter.linePos(nodeOffset(first) ?? 0).line}): the later one would silently replace the earlier`,
          );
          continue;
        }
        seen.set(String(key), pair.key as Node);
        if (key === '__proto__') {
          // zod drops this key from records without a word; refuse it outright instead.
          at(pair.key, keyPath, 'the key __proto__ is not allowed', 'remove it');
        } else if (typeof key === 'string') {
          const index = findCharacter(key, forbiddenInValue);
          if (index !== -1) {
            const { message, hint } = forbiddenCharacter(key[index]!);
            at(pair.key, keyPath, message.replace('is not allowed', 'is not allowed in a key'), hint);
          }
        }
        stack.push({ node: pair.value, path: keyPath });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        stack.push({ node: item, path: [...path, index] });
      });
    } else if (isScalar(node) && typeof node.value === 'string') {
      const index = findCharacter(node.value, forbiddenInValue);
      if (index !== -1) {
        const { message, hint } = forbiddenCharacter(node.value[index]!);
        at(node, path, message.replace('is not allowed', 'is not allowed in a value'), hint);
      }
    }
  }
  return problems;
}

/** The first alias (in source order) that names no anchor before it. */
function unresolvedAlias(doc: YamlDoc): Alias | undefined {
  let first: Alias | undefined;
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node)) {
      if (node.resolve(doc) === undefined && (!first || (node.range?.[0] ?? 0) < (first.range?.[0] ?? 0)))
        first = node;
    } else if (isMap(node)) for (const pair of node.items) stack.push(pair.key, pair.value);
    else if (isSeq(node)) stack.push(...node.items);
  }
  return first;
}

/** The first alias in source order. */
function firstAlias(doc: YamlDoc): Alias | undefined {
  let first: Alias | undefined;
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node)) {
      if (!first || (node.range?.[0] ?? 0) < (first.range?.[0] ?? 0)) first = node;
    } else if (isMap(node)) for (const pair of node.items) stack.push(pair.value);
    else if (isSeq(node)) stack.push(...node.items);
  }
  return first;
}

function yamlErrorProblem(
  error: YAMLError,
  file: string,
  lineCounter: LineCounter,
  json: boolean,
): ManifestProblem {
  const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  let hint = json ? 'fix the JSON syntax at this position' : 'fix the YAML syntax at this position';
  if (error.code === 'TAB_AS_INDENT') hint = 'indent with spaces, not tabs';
  else if (error.code === 'TAG_RESOLVE_FAILED') hint = 'remove the tag: a manifest uses plain values only';
  else if (error.code === 'MULTIPLE_ANCHORS' || error.code === 'BAD_ALIAS')
    hint = 'check the anchor (&name) and alias (*name)';
  return { file, ...lineCounter.linePos(error.pos[0]), path: '', message, hint };
}

function isJsonFile(file: string, text: string): boolean {
  if (/\.json$/i.test(file)) return true;
  if (/\.ya?ml$/i.test(file)) return false;
  return /^\s*[{[]/.test(text);
}

function jsonSyntaxProblem(error: unknown, file: string, text: string): ManifestProblem {
  const message = error instanceof Error ? error.message : String(error);
  const match = /position (\d+)/.exec(message);
  const offset = match ? Number(match[1]) : text.length;
  const cleaned = message.replace(/ in JSON at position \d+.*$/s, '').replace(/^JSON Parse error: /, '');
  return problemAt(
    file,
    text,
    Math.min(offset, text.length),
    `invalid JSON: ${cleaned}`,
    'fix the JSON syntax at this position (no trailing commas or comments in JSON)',
  );
}

/** At most MAX_PROBLEMS problems, then one that counts the rest. */
function capped(problems: ManifestProblem[], file: string, total = problems.length): ManifestProblem[] {
  if (total <= MAX_PROBLEMS) return problems;
  return [
    ...problems.slice(0, MAX_PROBLEMS),
    {
      file,
      path: '',
      message: `… and ${total - MAX_PROBLEMS} more problem${total - MAX_PROBLEMS === 1 ? '' : 's'}`,
      hint: 'fix the problems above and check again',
      more: total - MAX_PROBLEMS,
    },
  ];
}

function byPosition(a: ManifestProblem, b: ManifestProblem): number {
  return (
    (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER) || (a.col ?? 0) - (b.col ?? 0)
  );
}

function parseText(text: string, file: string, checks: readonly ManifestCheck[]): ManifestResult {
  const fail = (problems: ManifestProblem[]): ManifestResult => ({
    ok: false,
    problems: capped(problems, file),
  });

  const characters = checkCharacters(text, file);
  if (characters.length > 0) return fail(characters);
  const lineEndings = checkLineEndings(text, file);
  if (lineEndings.length > 0) return fail(lineEndings);
  const indentation = checkIndentation(text, file);
  if (indentation.length > 0) return fail(indentation);
  const deep = excessiveFlowNesting(text);
  if (deep !== -1) {
    return fail([
      problemAt(
        file,
        text,
        deep,
        `nesting is deeper than ${MAX_DEPTH} levels`,
        'a manifest is at most five levels deep: check the brackets',
      ),
    ]);
  }
  const json = isJsonFile(file, text);
  if (json) {
    try {
      JSON.parse(text);
    } catch (error) {
      return fail([jsonSyntaxProblem(error, file, text)]);
    }
  }

  const tokens = tokenLimitOffset(text);
  if (tokens !== -1) {
    return fail([
      problemAt(
        file,
        text,
        tokens,
        `the file has more than ${MAX_TOKENS.toLocaleString('en')} YAML tokens`,
        'a manifest has a few hundred: check that this is the right file',
      ),
    ]);
  }
  const lineCounter = new LineCounter();
  const cst = [...new Parser(lineCounter.addNewLine).parse(text)];
  const deepNode = excessiveCstNesting(cst);
  if (deepNode !== -1) {
    return fail([
      problemAt(
        file,
        text,
        deepNode,
        `nesting is deeper than ${MAX_DEPTH} levels`,
        'a manifest is at most five levels deep: check the indentation and dashes',
      ),
    ]);
  }
  const composer = new Composer({
    prettyErrors: false,
    // Duplicate keys are found in checkStructure: the library's own check is quadratic in the keys of a map.
    uniqueKeys: false,
    strict: true,
    version: '1.2',
    schema: json ? 'json' : 'core',
    logLevel: 'silent',
  });
  const docs = [...composer.compose(cst)];
  if (docs.length > 1) {
    const second = docs[1]!;
    return fail([
      {
        file,
        ...lineCounter.linePos(second.range[0]),
        path: '',
        message: `the file holds ${docs.length} YAML documents`,
        hint: 'keep one manifest per file: remove the --- separator and what follows it',
      },
    ]);
  }
  const contents = docs[0]?.contents;
  if (!contents || (isScalar(contents) && contents.value === null)) {
    return fail([
      {
        file,
        line: 1,
        col: 1,
        path: '',
        message: 'the file is empty',
        hint: 'start from examples/laravel/stackdrop.yaml; a manifest needs at least version: 1 and project',
      },
    ]);
  }
  const doc = docs[0]!;
  const syntax = [...doc.errors, ...doc.warnings].map((error) =>
    yamlErrorProblem(error, file, lineCounter, json),
  );
  if (syntax.length > 0) return fail(syntax.sort(byPosition));
  if (!isMap(doc.contents)) {
    return fail([
      problemAt(
        file,
        text,
        nodeOffset(doc.contents as Node) ?? 0,
        'the manifest must be a map of keys (version: 1, project: …)',
        'start from examples/laravel/stackdrop.yaml',
      ),
    ]);
  }
  const structure = checkStructure(doc, file, lineCounter);
  if (structure.length > 0) return fail(structure.sort(byPosition));

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (error instanceof ReferenceError) {
      const unresolved = unresolvedAlias(doc);
      if (unresolved) {
        return fail([
          problemAt(
            file,
            text,
            nodeOffset(unresolved) ?? 0,
            `the alias *${shortValue(unresolved.source, 40).slice(1, -1)} refers to no anchor`,
            `define the anchor (&${unresolved.source}) on a value above this line, or write the value out`,
          ),
        ]);
      }
      return fail([
        problemAt(
          file,
          text,
          nodeOffset(firstAlias(doc)) ?? 0,
          'aliases expand to too much data',
          'write the values out instead of nesting aliases (*name) of aliases',
        ),
      ]);
    }
    throw error;
  }

  const result = ManifestSchema.safeParse(value);
  const position = (p: PathProblem) => lineCounter.linePos(locate(doc, p.at, p.key === true));
  if (result.success) {
    const limits = checks.flatMap((check) => check(result.data));
    if (limits.length === 0) return { ok: true, manifest: result.data };
    return { ok: false, problems: toProblems(limits, file, position) };
  }
  return {
    ok: false,
    problems: toProblems(
      issuesToProblems(result.error.issues, value).map((p) => withQuotingHint(doc, p)),
      file,
      (p) => lineCounter.linePos(locate(doc, p.at, p.key === true)),
    ),
  };
}

/** The scalar node a path names, if the path leads to one. */
function scalarAt(doc: YamlDoc, path: readonly PropertyKey[]): Node | undefined {
  let node: unknown = doc.contents;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node))
      node = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment))?.value;
    else if (isSeq(node) && typeof segment === 'number') node = node.items[segment];
    else return undefined;
  }
  return isScalar(node) ? node : undefined;
}

/**
 * Where text was expected and YAML read a number or true/false (`deployTag: 1.10` is the number
 * 1.1), the hint shows the value as typed, quoted, which keeps it as text exactly.
 */
function withQuotingHint(doc: YamlDoc, problem: PathProblem): PathProblem {
  const match = /^expected text, found (a number|true\/false)$/.exec(problem.message);
  if (!match) return problem;
  const node = scalarAt(doc, problem.at);
  const source = node && isScalar(node) ? (node as { source?: string }).source : undefined;
  if (!source || source.length > 60) return problem;
  const key = String(problem.at.at(-1));
  const read = isScalar(node) ? String(node.value) : source;
  return {
    ...problem,
    hint: `YAML reads ${source} as ${match[1] === 'a number' ? `the number ${read}` : 'a true/false value'}: quote it to keep it as text, exactly as typed: ${typeof problem.at.at(-1) === 'number' ? '' : `${key}: `}"${source}"`,
  };
}

/** Positions, paths and order for the first MAX_PROBLEMS problems (locating all of a hostile file's would be slow). */
function toProblems(
  problems: PathProblem[],
  file: string,
  position: (p: PathProblem) => Partial<Position>,
): ManifestProblem[] {
  const shown = problems
    .slice(0, MAX_PROBLEMS)
    .map((p) => ({ file, ...position(p), path: formatPath(p.at), message: p.message, hint: p.hint }))
    .sort(byPosition);
  return capped(shown, file, problems.length);
}

/**
 * Parses and validates a manifest (YAML, or JSON by `.json` extension or content). Never throws:
 * every problem comes back at once, each with its `file:line:col`, path, message and hint.
 */
export function parseManifest(
  input: string | Uint8Array,
  file: string,
  checks: readonly ManifestCheck[] = [],
): ManifestResult {
  try {
    const decoded = decode(input, file);
    if ('problems' in decoded) return { ok: false, problems: decoded.problems };
    return parseText(decoded.text, file, checks);
  } catch (error) {
    // Guarantee for callers (a Lambda, the CLI): a bad file is a result, never a crash.
    return {
      ok: false,
      problems: [
        {
          file,
          path: '',
          message: `could not be checked (internal error: ${error instanceof Error ? error.message : String(error)})`,
          hint: 'please report this with the file attached',
        },
      ],
    };
  }
}

/** Like {@link parseManifest}, but returns the manifest or throws {@link ManifestInvalidError}. */
export function parseManifestOrThrow(input: string | Uint8Array, file: string): Manifest {
  const result = parseManifest(input, file);
  if (!result.ok) throw new ManifestInvalidError(result.problems);
  return result.manifest;
}

/** Validates an already-parsed value (no source positions); problems carry paths only. */
export function checkManifestValue(
  value: unknown,
  file = 'manifest',
  checks: readonly ManifestCheck[] = [],
): ManifestResult {
  const result = ManifestSchema.safeParse(value);
  if (result.success) {
    const limits = checks.flatMap((check) => check(result.data));
    if (limits.length === 0) return { ok: true, manifest: result.data };
    return { ok: false, problems: toProblems(limits, file, () => ({})) };
  }
  return { ok: false, problems: toProblems(issuesToProblems(result.error.issues, value), file, () => ({})) };
}
