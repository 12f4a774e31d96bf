import { loadSpecDatabase, type RawSpecProperty, type RawSpecType } from '#shared/cfn-spec.ts';

/** How changing a property affects the resource, from the spec's `causesReplacement`. */
export type ReplacementBehaviour = 'Always' | 'Conditionally' | 'Never';

export interface PropertySpec {
  required: boolean;
  replacement: ReplacementBehaviour;
}

export interface AttributeSpec {
  /** `string`, `array`, `integer`, `boolean`, `json`, ... */
  kind: string;
}

export interface ResourceTypeSpec {
  type: string;
  properties: Map<string, PropertySpec>;
  attributes: Map<string, AttributeSpec>;
  primaryIdentifier: string[];
  arnTemplate?: string;
  isStateful: boolean;
}

export interface CfnSpec {
  resource(type: string): ResourceTypeSpec | undefined;
  /**
   * Problems inside nested property types of evaluated properties (unknown keys, missing required
   * keys), as the registry reports them: `#/DeploymentConfiguration: extraneous key [Foo] is not permitted`.
   */
  nestedProblems(type: string, properties: Record<string, unknown>): string[];
}

/** The struct definitions a raw type can be (through arrays, maps and unions). */
function structIds(type: RawSpecType, out: string[] = []): string[] {
  if (type.type === 'ref' && type.reference) out.push(type.reference.$ref);
  if (type.element) structIds(type.element, out);
  for (const t of type.types ?? []) structIds(t, out);
  return out;
}

let cached: CfnSpec | undefined;

/**
 * The official CloudFormation resource specification (`@aws-cdk/aws-service-spec`) as the local
 * engine reads it, built once per process on the database `shared/cfn-spec.ts` loads.
 */
export function loadSpec(): CfnSpec {
  if (cached) return cached;
  const { resources: raw, typeDefinitions: definitions } = loadSpecDatabase();

  const checkValue = (property: RawSpecProperty, value: unknown, path: string, problems: string[]): void => {
    if (value === null || typeof value !== 'object') return;
    const types = [property.type, ...(property.previousTypes ?? [])];
    // JSON-typed properties (policies, free-form maps) take anything.
    if (
      types.some(
        (t) => t.type === 'json' || (t.type === 'union' && (t.types ?? []).some((u) => u.type === 'json')),
      )
    )
      return;
    const ids = types.flatMap((t) => structIds(t));
    if (ids.length === 0) return;
    const isList = types.some((t) => t.type === 'array');
    const isMap = types.some((t) => t.type === 'map');
    const items: [string, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [`${path}/${i}`, v])
      : isMap && !isList
        ? Object.entries(value).map(([k, v]) => [`${path}/${k}`, v])
        : [[path, value]];
    for (const [itemPath, item] of items) {
      if (!item || typeof item !== 'object' || Array.isArray(item)) continue;
      // Accept the item if any candidate struct fits it; otherwise report against the first.
      let first: string[] | undefined;
      for (const id of ids) {
        const found: string[] = [];
        checkStruct(definitions.get(id)?.properties ?? {}, item as Record<string, unknown>, itemPath, found);
        if (found.length === 0) {
          first = [];
          break;
        }
        first ??= found;
      }
      problems.push(...(first ?? []));
    }
  };
  const checkStruct = (
    properties: Record<string, RawSpecProperty>,
    value: Record<string, unknown>,
    path: string,
    problems: string[],
  ): void => {
    for (const [key, item] of Object.entries(value)) {
      const property = properties[key];
      if (!property) problems.push(`${path}: extraneous key [${key}] is not permitted`);
      else checkValue(property, item, `${path}/${key}`, problems);
    }
    for (const [key, property] of Object.entries(properties)) {
      if (property.required && value[key] === undefined)
        problems.push(`${path}: required key [${key}] not found`);
    }
  };
  const built = new Map<string, ResourceTypeSpec>();
  cached = {
    nestedProblems(type, properties) {
      const problems: string[] = [];
      const declared = raw.get(type)?.properties ?? {};
      for (const [key, value] of Object.entries(properties)) {
        const property = declared[key];
        if (property) checkValue(property, value, `#/${key}`, problems);
      }
      return problems;
    },
    resource(type) {
      const hit = built.get(type);
      if (hit) return hit;
      const entity = raw.get(type);
      if (!entity) return undefined;
      const spec: ResourceTypeSpec = {
        type,
        properties: new Map(
          Object.entries(entity.properties ?? {}).map(([name, p]) => [
            name,
            {
              required: p.required === true,
              replacement:
                p.causesReplacement === 'yes'
                  ? 'Always'
                  : p.causesReplacement === 'maybe'
                    ? 'Conditionally'
                    : 'Never',
            },
          ]),
        ),
        attributes: new Map(
          Object.entries(entity.attributes ?? {}).map(([name, a]) => [name, { kind: a.type.type }]),
        ),
        primaryIdentifier: entity.primaryIdentifier ?? [],
        arnTemplate: entity.arnTemplate,
        isStateful: entity.isStateful === true,
      };
      built.set(type, spec);
      return spec;
    },
  };
  return cached;
}

/** Custom resources accept any property and attribute. */
export function isCustomResourceType(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}
