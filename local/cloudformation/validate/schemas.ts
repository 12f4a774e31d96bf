import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * Resource property values checked against the CloudFormation resource provider (registry)
 * schemas, as the registry's handlers check them: types, enums, patterns, lengths, ranges,
 * required keys and unknown keys. The schemas are the committed snapshot of cfn-lint's copy
 * (`scripts/import-cfn-schemas.ts`); the validator is ajv (JSON Schema draft-07, as the registry
 * schemas are written). Messages follow the registry's wording (everit-json-schema), e.g.
 * `#/Tags: expected type: JSONArray, found: String` — see the AWS re:Post article
 * https://repost.aws/knowledge-center/cloudformation-resolve-model-val-failed (read 2026-12-07).
 */

const REGISTRY = new URL('../registry/', import.meta.url);

interface RegistryIndex {
  cfnLintVersion: string;
  date: string;
  types: Record<string, string>;
}

let index: RegistryIndex | undefined;
let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction | null>();

function registryIndex(): RegistryIndex {
  index ??= JSON.parse(readFileSync(new URL('index.json', REGISTRY), 'utf8')) as RegistryIndex;
  return index;
}

/** Where the snapshot came from, for docs and diagnostics. */
export function registrySnapshot(): { cfnLintVersion: string; date: string; types: string[] } {
  const i = registryIndex();
  return { cfnLintVersion: i.cfnLintVersion, date: i.date, types: Object.keys(i.types) };
}

/**
 * The registry's handlers are Java: their patterns use `\\Z`/`\\A` anchors and escapes JavaScript's
 * unicode mode refuses. Translate the anchors; a pattern JavaScript still cannot read matches
 * anything rather than failing every value.
 */
function registryRegExp(source: string, flags: string): RegExp {
  let pattern = source.replaceAll('\\Z', '$').replaceAll('\\z', '$').replaceAll('\\A', '^');
  let extra = '';
  if (pattern.startsWith('(?i)')) {
    pattern = pattern.slice(4);
    extra = 'i';
  }
  for (const f of [flags + extra, (flags + extra).replace('u', '')]) {
    try {
      return new RegExp(pattern, f);
    } catch {
      // try the next reading
    }
  }
  return /[\s\S]*/;
}

function validator(): Ajv {
  if (ajv) return ajv;
  // coerceTypes: CloudFormation hands the handler "30" for an integer from a Number parameter,
  // and 30 or true where a string is expected; those pass, as they do on AWS.
  ajv = new Ajv({
    strict: false,
    allErrors: true,
    coerceTypes: true,
    validateSchema: false,
    verbose: true,
    code: { regExp: registryRegExp as never },
  });
  return ajv;
}

/** The compiled validator of a type, or undefined when the snapshot has no schema for it. */
function schemaFor(type: string): ValidateFunction | undefined {
  const hit = compiled.get(type);
  if (hit !== undefined) return hit ?? undefined;
  const file = registryIndex().types[type];
  if (!file) {
    compiled.set(type, null);
    return undefined;
  }
  const schema = JSON.parse(readFileSync(new URL(file, REGISTRY), 'utf8')) as Record<string, unknown>;
  const ajvInstance = validator();
  // A format is a hint for tools (the handlers do not check it; cfn-lint's own formats are
  // undone at import): accept any string there.
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const format = (node as Record<string, unknown>).format;
      if (typeof format === 'string' && !ajvInstance.formats[format]) ajvInstance.addFormat(format, true);
      Object.values(node).forEach(walk);
    }
  };
  walk(schema);
  const { $comment: _comment, ...body } = schema;
  const fn = ajvInstance.compile(body);
  compiled.set(type, fn);
  return fn;
}

/** Whether the snapshot holds a schema for the type. */
export function hasRegistrySchema(type: string): boolean {
  return registryIndex().types[type] !== undefined;
}

/**
 * How changing a top-level property affects a resource, from the schema: a createOnlyProperty
 * replaces it, a conditionalCreateOnlyProperty may, any other updates it in place. Undefined
 * when the snapshot has no schema for the type.
 * https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html
 */
export function replacementBehaviour(
  type: string,
  property: string,
): 'Always' | 'Conditionally' | 'Never' | undefined {
  const file = registryIndex().types[type];
  if (!file) return undefined;
  let lists = createOnly.get(type);
  if (!lists) {
    const schema = JSON.parse(readFileSync(new URL(file, REGISTRY), 'utf8')) as {
      createOnlyProperties?: string[];
      conditionalCreateOnlyProperties?: string[];
    };
    const top = (paths: string[] | undefined) =>
      new Set((paths ?? []).map((p) => p.replace(/^\/properties\//, '').split('/')[0]!));
    lists = { always: top(schema.createOnlyProperties), maybe: top(schema.conditionalCreateOnlyProperties) };
    createOnly.set(type, lists);
  }
  return lists.always.has(property) ? 'Always' : lists.maybe.has(property) ? 'Conditionally' : 'Never';
}

const createOnly = new Map<string, { always: Set<string>; maybe: Set<string> }>();

const JSON_TYPES: Record<string, string> = {
  string: 'String',
  integer: 'Integer',
  number: 'Number',
  boolean: 'Boolean',
  object: 'JSONObject',
  array: 'JSONArray',
  null: 'Null',
};

function jsonType(value: unknown): string {
  if (value === null) return 'Null';
  if (Array.isArray(value)) return 'JSONArray';
  if (typeof value === 'object') return 'JSONObject';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Integer' : 'Number';
  return JSON_TYPES[typeof value] ?? 'String';
}

function pointerGet(root: unknown, pointer: string): unknown {
  let node = root;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

function message(error: ErrorObject, data: unknown): string {
  const path = `#${error.instancePath}`;
  const value = pointerGet(data, error.instancePath);
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type': {
      const expected = [p.type as string | string[]].flat().map((t) => JSON_TYPES[t] ?? t);
      return expected.length === 1
        ? `${path}: expected type: ${expected[0]}, found: ${jsonType(value)}`
        : `${path}: expected type is one of ${expected.join(', ')}, found: ${jsonType(value)}`;
    }
    case 'enum':
      return `${path}: ${String(value)} is not a valid enum value`;
    case 'required':
      return `${path}: required key [${String(p.missingProperty)}] not found`;
    case 'additionalProperties':
      return `${path}: extraneous key [${String(p.additionalProperty)}] is not permitted`;
    case 'minimum':
      return `${path}: ${String(value)} is not greater or equal to ${String(p.limit)}`;
    case 'maximum':
      return `${path}: ${String(value)} is not less or equal to ${String(p.limit)}`;
    case 'exclusiveMinimum':
      return `${path}: ${String(value)} is not greater than ${String(p.limit)}`;
    case 'exclusiveMaximum':
      return `${path}: ${String(value)} is not less than ${String(p.limit)}`;
    case 'minLength':
      return `${path}: expected minLength: ${String(p.limit)}, actual: ${String(value).length}`;
    case 'maxLength':
      return `${path}: expected maxLength: ${String(p.limit)}, actual: ${String(value).length}`;
    case 'minItems':
      return `${path}: expected minimum item count: ${String(p.limit)}, found: ${(value as unknown[]).length}`;
    case 'maxItems':
      return `${path}: expected maximum item count: ${String(p.limit)}, found: ${(value as unknown[]).length}`;
    case 'uniqueItems':
      return `${path}: array items are not unique`;
    case 'anyOf':
    case 'oneOf':
      return `${path}: #: no subschema matched out of the total ${(error.schema as unknown[]).length} subschemas`;
    default:
      return `${path}: failed validation constraint for keyword [${error.keyword}]`;
  }
}

function within(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * Problems with a resource's properties, in the registry's wording (`#/Prop: ...`). `unresolved`
 * lists JSON pointers of values that depend on other resources (checked later, when known): no
 * problem is reported at or under them, nor a combinator failure above them. Unknown top-level
 * properties are left to the caller ("Encountered unsupported property"). Undefined when the
 * snapshot has no schema for the type.
 */
export function propertyProblems(
  type: string,
  properties: Record<string, unknown>,
  unresolved: string[] = [],
): string[] | undefined {
  const validate = schemaFor(type);
  if (!validate) return undefined;
  const data = structuredClone(properties);
  if (validate(data)) return [];
  const errors = (validate.errors ?? []).filter((e) => {
    if (e.keyword === 'additionalProperties' && e.instancePath === '') return false;
    if (unresolved.some((u) => within(e.instancePath, u))) return false;
    if (
      ['anyOf', 'oneOf', 'if', 'not'].includes(e.keyword) &&
      unresolved.some((u) => within(u, e.instancePath))
    )
      return false;
    return true;
  });
  // A failed anyOf/oneOf reports once, not once per branch tried.
  const combinators = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const kept = errors.filter(
    (e) =>
      e.keyword === 'anyOf' ||
      e.keyword === 'oneOf' ||
      !combinators.some((c) => e.schemaPath.startsWith(`${c.schemaPath}/`)),
  );
  return [...new Set(kept.map((e) => message(e, properties)))];
}
