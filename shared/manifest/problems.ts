import type * as z from 'zod';
import { ManifestObjectSchema } from './schema.ts';

/** One thing wrong with a manifest, with where it is and how to fix it. */
export type ManifestProblem = {
  file: string;
  line?: number;
  col?: number;
  path: string;
  message: string;
  hint: string;
  /** Set on the one summary problem that stands for this many problems not listed. */
  more?: number;
};

/** How many problems a list stands for: the listed ones plus those a summary counts. */
export function countProblems(problems: readonly ManifestProblem[]): number {
  return problems.reduce((n, p) => n + (p.more ?? 1), 0);
}

/** The header a list of problems is printed under, with a count that matches the list. */
export function problemsHeader(file: string, problems: readonly ManifestProblem[]): string {
  const n = countProblems(problems);
  const shown = problems.filter((p) => p.more === undefined).length;
  return `${file}: ${n} problem${n === 1 ? '' : 's'}${shown < n ? ` (the first ${shown} listed)` : ''}`;
}

/** A value echoed in a message: short ones whole, long ones cut with their length, so a message stays one line. */
export function shortValue(value: string, max = 40): string {
  if (value.length <= max) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, max - 10)).slice(0, -1)}…" (${value.length} characters)`;
}

/** A problem before its position in the source is known: `at` is the path as segments. */
export type PathProblem = {
  at: PropertyKey[];
  /** Point at the key itself (unknown keys) rather than at its value. */
  key?: boolean;
  message: string;
  hint: string;
};

/** Problems beyond this many are summarised in one last problem, so hostile input stays cheap. */
export const MAX_PROBLEMS = 100;

/** `app.workers[1].name`, `app.environment["my key"]`; empty for the whole manifest. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]{0,59}$/.test(segment))
      out += out ? `.${segment}` : segment;
    else out += `[${shortValue(String(segment), 60)}]`;
  }
  return out;
}

/** `file:line:col: path: message` and an indented hint line, as compilers print them. */
export function formatProblem(p: ManifestProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}:${p.col ?? 1}` : p.file;
  const path = p.path ? `${p.path}: ` : '';
  return `${where}: ${path}${p.message}\n  hint: ${p.hint}`;
}

// ---- help text from the schema's descriptions, so hints and editor help are the same words ----
// (Read from the zod schema itself rather than z.toJSONSchema, which would add ~20 KB to every
// function bundle that parses manifests.)

type Def = {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
};
const defOf = (schema: z.ZodType): Def => schema._zod.def as unknown as Def;
const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch']);

/** Peels optional/default/pipe wrappers, keeping the outermost description. */
function peel(schema: z.ZodType): { core: z.ZodType; description?: string; hasDefault: boolean } {
  let core = schema;
  let description: string | undefined;
  let hasDefault = false;
  for (;;) {
    description ??= core.description;
    const def = defOf(core);
    if (def.type === 'default' || def.type === 'prefault') hasDefault = true;
    if (WRAPPERS.has(def.type) && def.innerType) core = def.innerType;
    else if (def.type === 'pipe' && def.in) core = def.in;
    else break;
  }
  return description === undefined ? { core, hasDefault } : { core, description, hasDefault };
}

function objectCore(schema: z.ZodType): Def | undefined {
  const def = defOf(peel(schema).core);
  if (def.type === 'object') return def;
  if (def.type === 'union') {
    for (const option of def.options ?? []) {
      const inner = defOf(peel(option).core);
      if (inner.type === 'object') return inner;
    }
  }
  return undefined;
}

/** The schema of the value at a path, if the manifest has such a field. */
function schemaAt(path: readonly PropertyKey[]): z.ZodType | undefined {
  let schema: z.ZodType | undefined = ManifestObjectSchema;
  for (const segment of path) {
    if (!schema) return undefined;
    const def = defOf(peel(schema).core);
    const object = objectCore(schema);
    if (def.type === 'array' && typeof segment === 'number') schema = def.element;
    else if (def.type === 'record') schema = def.valueType;
    else if (object?.shape && Object.hasOwn(object.shape, String(segment)))
      schema = object.shape[String(segment)];
    else return undefined;
  }
  return schema;
}

/** Editor help for a path, falling back to its parent's. */
export function describePath(path: readonly PropertyKey[]): string {
  for (let end = path.length; end >= 0; end--) {
    const schema = schemaAt(path.slice(0, end));
    const description = schema ? peel(schema).description : undefined;
    if (description) return description;
  }
  return 'see docs/manifest.md';
}

/** Keys the schema allows in the object at a path. */
export function knownKeys(path: readonly PropertyKey[]): string[] {
  const schema = schemaAt(path);
  const object = schema ? objectCore(schema) : undefined;
  return Object.keys(object?.shape ?? {});
}

/**
 * Edits between two names, a swap of neighbours counting as one (optimal string alignment), so
 * `projcet` is one edit from `project` as a person would count it.
 */
export function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Math.abs(a.length - b.length);
  let before = Array.from({ length: b.length + 1 }, () => 0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, before[j - 2]! + 1);
      current.push(d);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/** The known name a misspelt key most likely means, if one is close enough. */
export function suggestKey(key: string, known: string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = name.toLowerCase() === lower ? 0 : editDistance(lower, name.toLowerCase());
    if (distance <= Math.max(1, Math.floor(name.length / 4)) && (!best || distance < best.distance))
      best = { name, distance };
  }
  return best?.name;
}

// ---- zod issues → problems ----

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    if (!Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

function kindOf(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return 'an infinite number';
    return 'a number';
  }
  if (typeof value === 'string') return 'text';
  if (typeof value === 'boolean') return 'true/false';
  if (typeof value === 'object') return 'a map of keys';
  return typeof value;
}

const EXPECTED: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  object: 'a map of keys',
  array: 'a list',
  record: 'a map of keys',
};

function isSensitivePath(path: readonly PropertyKey[]): boolean {
  return path[0] === 'app' && (path[1] === 'environment' || path[1] === 'secrets');
}

function typeProblem(
  issue: { expected: string; path: PropertyKey[] },
  input: unknown,
  hasDefault: boolean,
): PathProblem {
  const path = issue.path;
  const value = valueAt(input, path);
  const expected = EXPECTED[issue.expected] ?? issue.expected;
  const help = describePath(path);
  const last = path.at(-1);
  if (value === undefined) {
    const misspelt = misspeltSibling(input, path);
    return {
      at: path,
      message: `${String(last ?? 'value')} is required`,
      hint: misspelt ? `you wrote ${misspelt}: rename it to ${String(last)}. ${help}` : help,
    };
  }
  if (value === null) {
    return {
      at: path,
      message: `expected ${expected}, found nothing`,
      hint: hasDefault ? `give a value, or remove the key to use the default. ${help}` : help,
    };
  }
  if (typeof value === 'string' && (issue.expected === 'number' || issue.expected === 'int')) {
    if (value.trim() !== '' && Number.isFinite(Number(value)) && !isSensitivePath(path)) {
      return {
        at: path,
        message: `expected a number, found the text ${shortValue(value)}`,
        hint: value.length <= 40 ? `write ${value.trim()} without quotes` : 'write the number without quotes',
      };
    }
  }
  if (typeof value === 'string' && issue.expected === 'boolean') {
    if (/^(yes|no|on|off|y|n|true|false)$/i.test(value)) {
      return {
        at: path,
        message: `expected true or false, found the text "${value}"`,
        hint: 'write true or false without quotes (YAML 1.2 reads yes/no/on/off as text)',
      };
    }
  }
  return { at: path, message: `expected ${expected}, found ${kindOf(value)}`, hint: help };
}

/** An unknown key next to a missing one that is one typo away from it (`projcet` for `project`). */
function misspeltSibling(input: unknown, path: readonly PropertyKey[]): string | undefined {
  const parent = path.length === 1 ? input : valueAt(input, path.slice(0, -1));
  const name = String(path.at(-1));
  if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) return undefined;
  const known = new Set(knownKeys(path.slice(0, -1)));
  return Object.keys(parent).find((key) => !known.has(key) && suggestKey(key, [name]) === name);
}

function sizeWord(origin: string | undefined, n: number | bigint): string {
  if (origin === 'string') return `${n} character${n === 1 ? '' : 's'}`;
  if (origin === 'array' || origin === 'set') return `${n} item${n === 1 ? '' : 's'}`;
  return String(n);
}

function hasDefaultAt(path: readonly PropertyKey[]): boolean {
  const schema = schemaAt(path);
  return schema ? peel(schema).hasDefault : false;
}

function unionProblem(errors: z.core.$ZodIssue[][], path: PropertyKey[], value: unknown): PathProblem {
  const values: string[] = [];
  const kinds: string[] = [];
  for (const branch of errors) {
    for (const e of branch) {
      if (e.code === 'invalid_value') values.push(...e.values.map(String));
      else if (e.code === 'invalid_type') kinds.push(EXPECTED[e.expected] ?? e.expected);
    }
  }
  const expected = [...values, ...kinds];
  const message =
    expected.length > 0
      ? `expected ${expected.slice(0, -1).join(', ')}${expected.length > 1 ? (expected.some((e) => e.includes(' or ')) ? ', or ' : ' or ') : ''}${expected.at(-1)}, found ${
          typeof value === 'number' && !isSensitivePath(path) ? value : kindOf(value)
        }`
      : 'is not one of the allowed values';
  const yesNo = typeof value === 'string' && /^(yes|no|on|off|y|n|true|false)$/i.test(value);
  return {
    at: path,
    message,
    hint: yesNo
      ? 'write true or false without quotes (YAML 1.2 reads yes/no/on/off as text)'
      : describePath(path),
  };
}

/** Turns zod issues into problems with messages and hints a person can act on. */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], input: unknown): PathProblem[] {
  const problems: PathProblem[] = [];
  const samePath = (a: readonly PropertyKey[], b: readonly PropertyKey[]) =>
    a.length === b.length && a.every((segment, i) => segment === b[i]);
  for (const issue of issues) {
    const path = issue.path as PropertyKey[];
    // zod's safe-integer bound adds nothing when the field's own maximum is reported too.
    if (
      issue.code === 'too_big' &&
      issue.origin === 'int' &&
      issues.some((other) => other !== issue && samePath(other.path, path))
    )
      continue;
    switch (issue.code) {
      case 'invalid_type':
        problems.push(typeProblem({ expected: issue.expected, path }, input, hasDefaultAt(path)));
        break;
      case 'unrecognized_keys': {
        const known = knownKeys(path);
        for (const key of issue.keys) {
          // A hostile file may hold thousands; only the ones that will be shown get a suggestion.
          const suggestion = problems.length < MAX_PROBLEMS ? suggestKey(key, known) : undefined;
          let hint: string;
          if (key === '<<') hint = 'YAML merge keys (<<) are not supported: write the values out';
          else if (suggestion) hint = `did you mean ${suggestion}?`;
          else hint = known.length ? `allowed here: ${known.join(', ')}` : 'remove it';
          problems.push({ at: [...path, key], key: true, message: `unknown key ${shortValue(key)}`, hint });
        }
        break;
      }
      case 'invalid_key': {
        const key = path.at(-1);
        problems.push({
          at: path,
          key: true,
          message: `${shortValue(String(key))} is not a valid name`,
          hint: 'environment variable names use upper-case letters, digits and underscores, e.g. APP_ENV',
        });
        break;
      }
      case 'invalid_value': {
        const allowed = issue.values.map((v) => String(v));
        if (valueAt(input, path) === undefined && allowed.length === 1) {
          const misspelt = misspeltSibling(input, path);
          problems.push({
            at: path,
            message: `${String(path.at(-1))} is required`,
            hint: misspelt
              ? `you wrote ${misspelt}: rename it to ${String(path.at(-1))} (${String(path.at(-1))}: ${allowed[0]})`
              : path.length === 1 && path[0] === 'version'
                ? 'start the manifest with the line version: 1 (the manifest format this stackdrop reads)'
                : `write ${String(path.at(-1))}: ${allowed[0]}`,
          });
          break;
        }
        problems.push({
          at: path,
          message: allowed.length === 1 ? `must be ${allowed[0]}` : `must be one of ${allowed.join(', ')}`,
          hint:
            path.length === 1 && path[0] === 'version'
              ? 'this version of stackdrop reads manifest version 1: write version: 1'
              : describePath(path),
        });
        break;
      }
      case 'invalid_union': {
        const value = valueAt(input, path);
        // A map given where a union also allows true/false (scheduler): report what is wrong inside the map.
        const branch =
          typeof value === 'object' && value !== null
            ? issue.errors.find((errors) =>
                errors.some((e) => e.path.length > 0 || e.code !== 'invalid_type'),
              )
            : undefined;
        if (branch) {
          problems.push(
            ...issuesToProblems(
              branch.map((e) => ({ ...e, path: [...path, ...e.path] })),
              input,
            ),
          );
        } else {
          problems.push(unionProblem(issue.errors, path, value));
        }
        break;
      }
      case 'too_small':
      case 'too_big': {
        const small = issue.code === 'too_small';
        const limit = small ? issue.minimum : issue.maximum;
        const exclusive = issue.inclusive === false;
        const value = valueAt(input, path);
        const integerRange = issue.code === 'too_big' && issue.origin === 'int';
        problems.push({
          at: path,
          message: integerRange
            ? 'is too large a number'
            : `must be ${small ? 'at least' : 'at most'}${exclusive ? ' (exclusive)' : ''} ${sizeWord(issue.origin, limit)}${
                typeof value === 'number' ? `, found ${value}` : ''
              }`,
          hint: describePath(path),
        });
        break;
      }
      case 'not_multiple_of':
        problems.push({
          at: path,
          message: `must be a multiple of ${String(issue.divisor)}`,
          hint: describePath(path),
        });
        break;
      case 'invalid_format': {
        const value = valueAt(input, path);
        const shown =
          typeof value === 'string' && !isSensitivePath(path)
            ? `${value.length <= 80 ? JSON.stringify(value) : shortValue(value)} `
            : '';
        const expected =
          issue.format === 'regex' && !issue.message.startsWith('Invalid')
            ? issue.message
            : issue.format === 'cidrv4'
              ? 'an IPv4 CIDR such as 10.40.0.0/16'
              : `a valid ${issue.format}`;
        problems.push({
          at: path,
          message: `${shown}is not valid: expected ${expected}`,
          hint: describePath(path),
        });
        break;
      }
      case 'custom': {
        const hint = (issue.params as { hint?: unknown } | undefined)?.hint;
        problems.push({
          at: path,
          message: issue.message,
          hint: typeof hint === 'string' ? hint : describePath(path),
        });
        break;
      }
      default:
        problems.push({ at: path, message: issue.message, hint: describePath(path) });
    }
  }
  return problems;
}
