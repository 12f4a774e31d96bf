import {
  type CollectionTag,
  Document,
  isMap,
  isScalar,
  isSeq,
  type Node,
  parse,
  parseDocument,
  type Scalar,
  type ScalarTag,
  visit,
} from 'yaml';

/**
 * Parses a CloudFormation template written in YAML, turning the short-form intrinsics
 * (`!Ref`, `!GetAtt`, `!Sub`, ...) into their long JSON form (`{ "Fn::Sub": ... }`).
 */

const FUNCTIONS = [
  'And',
  'Base64',
  'Cidr',
  'Equals',
  'FindInMap',
  'GetAZs',
  'If',
  'ImportValue',
  'Join',
  'Length',
  'Not',
  'Or',
  'Select',
  'Split',
  'Sub',
  'ToJsonString',
  'Transform',
] as const;

function fnTags(name: string, key: string): (ScalarTag | CollectionTag)[] {
  const tag = `!${name}`;
  return [
    { tag, resolve: (value: string) => ({ [key]: value }) } as ScalarTag,
    {
      tag,
      collection: 'seq',
      resolve: (value: { toJSON(): unknown }) => ({ [key]: value.toJSON() }),
    } as unknown as CollectionTag,
    {
      tag,
      collection: 'map',
      resolve: (value: { toJSON(): unknown }) => ({ [key]: value.toJSON() }),
    } as unknown as CollectionTag,
  ];
}

const customTags: (ScalarTag | CollectionTag)[] = [
  ...FUNCTIONS.flatMap((name) => fnTags(name, `Fn::${name}`)),
  ...fnTags('Ref', 'Ref'),
  ...fnTags('Condition', 'Condition'),
  // `!GetAtt Resource.Attribute` is a scalar that means [Resource, Attribute].
  {
    tag: '!GetAtt',
    resolve: (value: string) => {
      const dot = value.indexOf('.');
      return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
    },
  } as ScalarTag,
  {
    tag: '!GetAtt',
    collection: 'seq',
    resolve: (value: { toJSON(): unknown }) => ({ 'Fn::GetAtt': value.toJSON() }),
  } as unknown as CollectionTag,
];

/** A CloudFormation template as JSON: the shape every consumer (tests, local cloud) reads. */
export interface CfnTemplate {
  AWSTemplateFormatVersion?: string;
  Transform?: string | string[];
  Description?: string;
  Metadata?: Record<string, unknown>;
  Parameters?: Record<string, Record<string, unknown>>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  Conditions?: Record<string, unknown>;
  Resources: Record<
    string,
    {
      Type: string;
      Properties?: Record<string, unknown>;
      DependsOn?: string | string[];
      Condition?: string;
      DeletionPolicy?: string;
      UpdateReplacePolicy?: string;
      Metadata?: Record<string, unknown>;
    }
  >;
  Outputs?: Record<
    string,
    { Value: unknown; Description?: string; Condition?: string; Export?: { Name: unknown } }
  >;
  Globals?: Record<string, unknown>;
}

/** Pseudo parameters CloudFormation defines in every template (`Ref: AWS::Region`, ...). */
export const PSEUDO_PARAMETERS: ReadonlySet<string> = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

/** Parses YAML or JSON template text (JSON is valid YAML). */
export function parseCfnTemplate(text: string): CfnTemplate {
  const doc = (jsonDocument(text) ??
    parse(text, { customTags, uniqueKeys: true, maxAliasCount: 100 })) as CfnTemplate | null;
  if (!doc || typeof doc !== 'object' || typeof doc.Resources !== 'object') {
    throw new Error('Not a CloudFormation template: it has no Resources section');
  }
  return doc;
}

/**
 * A JSON template read with JSON.parse, which gives what the YAML parser gives for it (YAML 1.2
 * reads JSON) in a fraction of the time: a 100 KB synthesised app template takes ~1 ms instead of
 * ~150 ms. Undefined for anything else, and for JSON with a key twice in one object, so the YAML
 * parser reports that as it would.
 */
function jsonDocument(text: string): unknown {
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  return hasDuplicateKeys(text) ? undefined : doc;
}

/** Whether a valid JSON text repeats a key within one object. */
function hasDuplicateKeys(text: string): boolean {
  const objects: Array<Set<string> | undefined> = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{') objects.push(new Set());
    else if (ch === '[') objects.push(undefined);
    else if (ch === '}' || ch === ']') objects.pop();
    else if (ch === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const keys = objects.at(-1);
      let next = end + 1;
      while (text[next] === ' ' || text[next] === '\n' || text[next] === '\r' || text[next] === '\t') next++;
      if (keys && text[next] === ':') {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (keys.has(key)) return true;
        keys.add(key);
      }
      i = end;
    }
  }
  return false;
}

/** Short-form tags in the text that are no CloudFormation function (`!Foo`), as YAML warns of them. */
export function unknownCfnTags(text: string): string[] {
  // Every YAML tag starts with `!`: a text without one (a JSON template, say) has none to check.
  if (!text.includes('!')) return [];
  // Nor has a JSON document: a `!` in it can only sit inside a string.
  if (jsonDocument(text) !== undefined) return [];
  const doc = parseDocument(text, { customTags, uniqueKeys: true });
  return doc.warnings
    .filter((w) => w.code === 'TAG_RESOLVE_FAILED')
    .map((w) => /tag: (!\S+)/.exec(w.message)?.[1] ?? w.message);
}

/** Options for {@link stringifyCfnTemplate}. */
export interface StringifyCfnOptions {
  /** Comment lines put at the top of the file. */
  header?: string;
  /** A comment above a resource, by logical id. */
  resourceComments?: Record<string, string>;
  /** Write a list or map on one line (flow style) when its JSON form is at most this long. */
  flowThreshold?: number;
}

/**
 * Writes a template as YAML with short-form intrinsics (`!Ref`, `!GetAtt A.B`, `!Sub`, ...), quoting
 * every string YAML 1.1 would read as something else (`on`, `yes`, `0.5`), as CloudFormation does.
 * `parseCfnTemplate(stringifyCfnTemplate(t))` gives `t` back.
 */
export function stringifyCfnTemplate(template: CfnTemplate, options: StringifyCfnOptions = {}): string {
  // No anchors or aliases: CloudFormation rejects them, so shared objects are written out each time.
  const doc = new Document(template, { version: '1.1', aliasDuplicateObjects: false });
  visit(doc, {
    Map(_, node) {
      const only = node.items.length === 1 ? node.items[0] : undefined;
      if (!only || !isScalar(only.key) || typeof only.key.value !== 'string') return undefined;
      const key = only.key.value;
      if (key !== 'Ref' && key !== 'Condition' && !key.startsWith('Fn::')) return undefined;
      const name = key.startsWith('Fn::') ? key.slice(4) : key;
      let value = only.value as Node;
      if (
        name === 'GetAtt' &&
        isSeq(value) &&
        value.items.length === 2 &&
        value.items.every((item) => isScalar(item) && typeof item.value === 'string')
      ) {
        value = doc.createNode(value.items.map((item) => (item as Scalar).value).join('.'));
      }
      value.tag = `!${name}`;
      return value;
    },
  });
  const threshold = options.flowThreshold;
  if (threshold !== undefined) {
    visit(doc, {
      Collection(_, node, path) {
        // Top-level sections and resources stay in block style; small leaves go on one line.
        if (path.length > 6 && JSON.stringify(node.toJSON()).length <= threshold) node.flow = true;
      },
    });
  }
  const resources = doc.get('Resources', true);
  if (isMap(resources)) {
    for (const pair of resources.items) {
      const comment = isScalar(pair.key) ? options.resourceComments?.[String(pair.key.value)] : undefined;
      if (comment && isScalar(pair.key)) pair.key.commentBefore = ` ${comment}`;
    }
  }
  const body = doc.toString({ lineWidth: 0, singleQuote: true });
  const header = options.header
    ? `${options.header
        .split('\n')
        .map((line) => `# ${line}`.trimEnd())
        .join('\n')}\n`
    : '';
  return header + body;
}
