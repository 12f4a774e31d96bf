import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import type { CfnTemplate } from './cfn-yaml.ts';

/**
 * The official CloudFormation resource specification, read from the database that
 * `@aws-cdk/aws-service-spec` ships (db.json.gz), with lookups for resource types, their properties
 * (recursively into property types) and their `Fn::GetAtt` attributes.
 */

/** The type of a property or attribute, as the specification describes it. */
export type SpecType =
  | { kind: 'primitive'; primitive: string; allowedValues?: (string | number)[] }
  | { kind: 'tag' }
  | { kind: 'json' }
  | { kind: 'struct'; name: string; properties: ReadonlyMap<string, SpecProperty> }
  | { kind: 'array'; element: SpecType }
  | { kind: 'map'; element: SpecType }
  | { kind: 'union'; types: SpecType[] };

export interface SpecProperty {
  required: boolean;
  /** The current type first, then types the property accepted before (still valid in templates). */
  types: SpecType[];
}

export interface SpecResourceType {
  type: string;
  properties: ReadonlyMap<string, SpecProperty>;
  attributes: ReadonlySet<string>;
}

export interface CfnSpec {
  /** The resource type, or undefined if CloudFormation has no such type. */
  resourceType(type: string): SpecResourceType | undefined;
  /** Property names of a resource type (empty for an unknown type). */
  propertyNames(type: string): string[];
  /** `Fn::GetAtt` attribute names of a resource type (empty for an unknown type). */
  attributeNames(type: string): string[];
  /**
   * The property at a path inside a resource type, e.g. `('AWS::ECS::Service', ['DeploymentConfiguration',
   * 'DeploymentCircuitBreaker', 'Rollback'])`; array and map levels are crossed implicitly.
   */
  property(type: string, path: string[]): SpecProperty | undefined;
}

/** A type as the database describes it. */
export interface RawSpecType {
  type: string;
  allowedValues?: (string | number)[];
  reference?: { $ref: string };
  element?: RawSpecType;
  types?: RawSpecType[];
}
/** A property of a resource or property type, as the database describes it. */
export interface RawSpecProperty {
  type: RawSpecType;
  previousTypes?: RawSpecType[];
  required?: boolean;
  /** How an update of the property affects the resource: `yes` replaces it, `maybe` may. */
  causesReplacement?: 'yes' | 'maybe';
}
/** A resource type or property type (struct), as the database describes it. */
export interface RawSpecEntity {
  $id: string;
  name?: string;
  cloudFormationType?: string;
  primaryIdentifier?: string[];
  arnTemplate?: string;
  isStateful?: boolean;
  properties?: Record<string, RawSpecProperty>;
  attributes?: Record<string, { type: RawSpecType }>;
}
/** The database's entities, indexed: resource types by CloudFormation type, property types by `$id`. */
export interface SpecDatabase {
  resources: ReadonlyMap<string, RawSpecEntity>;
  typeDefinitions: ReadonlyMap<string, RawSpecEntity>;
}
interface RawDb {
  schema: {
    resource: { entities: RawSpecEntity[] | Record<string, RawSpecEntity> };
    typeDefinition: { entities: RawSpecEntity[] | Record<string, RawSpecEntity> };
  };
}

let database: SpecDatabase | undefined;

/**
 * Reads `@aws-cdk/aws-service-spec`'s db.json.gz once per process (about 0.2 s), for every view of
 * the specification: the template checks here and the local CloudFormation engine.
 */
export function loadSpecDatabase(): SpecDatabase {
  if (database) return database;
  const require = createRequire(import.meta.url);
  const path = require.resolve('@aws-cdk/aws-service-spec/db.json.gz');
  const db = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as RawDb;
  const resources = new Map<string, RawSpecEntity>();
  for (const entity of Object.values(db.schema.resource.entities)) {
    if (entity.cloudFormationType) resources.set(entity.cloudFormationType, entity);
  }
  const typeDefinitions = new Map<string, RawSpecEntity>();
  for (const entity of Object.values(db.schema.typeDefinition.entities))
    typeDefinitions.set(entity.$id, entity);
  database = { resources, typeDefinitions };
  return database;
}

let cached: CfnSpec | undefined;

/** Loads the specification once per process (about 0.2 s) and returns the lookups. */
export function loadCfnSpec(): CfnSpec {
  if (cached) return cached;
  const { resources: rawResources, typeDefinitions: rawTypeDefs } = loadSpecDatabase();

  const structs = new Map<string, SpecType>();
  const resources = new Map<string, SpecResourceType>();

  const toProperties = (
    raw: Record<string, RawSpecProperty> | undefined,
  ): ReadonlyMap<string, SpecProperty> => {
    const out = new Map<string, SpecProperty>();
    for (const [name, p] of Object.entries(raw ?? {})) {
      // Types resolve lazily (getter) because property types can refer to themselves.
      let types: SpecType[] | undefined;
      out.set(name, {
        required: p.required === true,
        get types() {
          types ??= [p.type, ...(p.previousTypes ?? [])].map(toType);
          return types;
        },
      });
    }
    return out;
  };

  const toType = (raw: RawSpecType): SpecType => {
    switch (raw.type) {
      case 'ref': {
        const id = raw.reference?.$ref ?? '';
        const hit = structs.get(id);
        if (hit) return hit;
        const def = rawTypeDefs.get(id);
        const struct: SpecType = {
          kind: 'struct',
          name: def?.name ?? id,
          properties: toProperties(def?.properties),
        };
        structs.set(id, struct);
        return struct;
      }
      case 'array':
        return { kind: 'array', element: toType(raw.element ?? { type: 'json' }) };
      case 'map':
        return { kind: 'map', element: toType(raw.element ?? { type: 'json' }) };
      case 'union':
        return { kind: 'union', types: (raw.types ?? []).map(toType) };
      case 'tag':
        return { kind: 'tag' };
      case 'json':
        return { kind: 'json' };
      default:
        return raw.allowedValues
          ? { kind: 'primitive', primitive: raw.type, allowedValues: raw.allowedValues }
          : { kind: 'primitive', primitive: raw.type };
    }
  };

  const resourceType = (type: string): SpecResourceType | undefined => {
    const hit = resources.get(type);
    if (hit) return hit;
    const raw = rawResources.get(type);
    if (!raw) return undefined;
    const built: SpecResourceType = {
      type,
      properties: toProperties(raw.properties),
      attributes: new Set(Object.keys(raw.attributes ?? {})),
    };
    resources.set(type, built);
    return built;
  };

  cached = {
    resourceType,
    propertyNames: (type) => [...(resourceType(type)?.properties.keys() ?? [])],
    attributeNames: (type) => [...(resourceType(type)?.attributes ?? [])],
    property(type, path) {
      let properties = resourceType(type)?.properties;
      let found: SpecProperty | undefined;
      for (const name of path) {
        found = properties?.get(name);
        if (!found) return undefined;
        properties = found.types.map(structOf).find((s) => s !== undefined)?.properties;
      }
      return found;
    },
  };
  return cached;
}

function structOf(type: SpecType): Extract<SpecType, { kind: 'struct' }> | undefined {
  if (type.kind === 'struct') return type;
  if (type.kind === 'array' || type.kind === 'map') return structOf(type.element);
  if (type.kind === 'union') return type.types.map(structOf).find((s) => s !== undefined);
  return undefined;
}

/** One way a template disagrees with the specification. */
export interface SpecProblem {
  /** e.g. `Resources.WebService.Properties.DeploymentConfiguration.Rollback` */
  path: string;
  message: string;
}

const INTRINSIC_KEYS = new Set(['Ref', 'Condition']);

function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (INTRINSIC_KEYS.has(keys[0]!) || keys[0]!.startsWith('Fn::'));
}

/**
 * Checks every resource type, property name (into nested property types), required property and
 * `Fn::GetAtt` attribute of a template against the specification. Custom resources are not checked.
 */
export function checkTemplateAgainstSpec(
  template: CfnTemplate,
  spec: CfnSpec = loadCfnSpec(),
): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const types = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    types.set(logicalId, resource.Type);
    const at = `Resources.${logicalId}`;
    if (isCustom(resource.Type)) continue;
    const rt = spec.resourceType(resource.Type);
    if (!rt) {
      problems.push({ path: `${at}.Type`, message: `unknown resource type ${resource.Type}` });
      continue;
    }
    checkProperties(resource.Properties ?? {}, rt.properties, `${at}.Properties`, problems);
  }
  const visit = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        visit(v, `${path}[${i}]`);
      });
      return;
    }
    if (!value || typeof value !== 'object') return;
    const getAtt = (value as Record<string, unknown>)['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && typeof getAtt[1] === 'string') {
      const type = types.get(getAtt[0]);
      if (
        type &&
        !isCustom(type) &&
        spec.resourceType(type) &&
        !spec.resourceType(type)?.attributes.has(getAtt[1])
      ) {
        problems.push({
          path,
          message: `${type} has no attribute ${getAtt[1]} (Fn::GetAtt ${getAtt.join('.')})`,
        });
      }
    }
    for (const [k, v] of Object.entries(value)) visit(v, `${path}.${k}`);
  };
  visit(template.Resources, 'Resources');
  visit(template.Outputs ?? {}, 'Outputs');
  return problems;
}

function isCustom(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}

function checkProperties(
  value: unknown,
  properties: ReadonlyMap<string, SpecProperty>,
  path: string,
  problems: SpecProblem[],
): void {
  if (isIntrinsic(value)) {
    // Only Fn::If keeps a known shape: both branches must be valid.
    const branches = (value as { 'Fn::If'?: unknown[] })['Fn::If'];
    if (Array.isArray(branches)) {
      for (const branch of branches.slice(1)) checkProperties(branch, properties, path, problems);
    }
    return;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return;
  const given = value as Record<string, unknown>;
  for (const [name, v] of Object.entries(given)) {
    const property = properties.get(name);
    if (!property) {
      problems.push({ path: `${path}.${name}`, message: `unknown property ${name}` });
      continue;
    }
    checkValue(v, property.types, `${path}.${name}`, problems);
  }
  for (const [name, property] of properties) {
    if (property.required && !(name in given)) {
      problems.push({ path: `${path}.${name}`, message: `required property ${name} is missing` });
    }
  }
}

function checkValue(value: unknown, types: SpecType[], path: string, problems: SpecProblem[]): void {
  if (isNoValue(value)) return;
  if (isIntrinsic(value)) {
    const branches = (value as { 'Fn::If'?: unknown[] })['Fn::If'];
    if (Array.isArray(branches)) {
      for (const branch of branches.slice(1)) checkValue(branch, types, path, problems);
    }
    return;
  }
  // Try each accepted type; report the problems of the first (current) one if none fits.
  let first: SpecProblem[] | undefined;
  for (const type of types) {
    const found: SpecProblem[] = [];
    checkAgainstType(value, type, path, found);
    if (found.length === 0) return;
    first ??= found;
  }
  if (first) problems.push(...first);
}

function checkAgainstType(value: unknown, type: SpecType, path: string, problems: SpecProblem[]): void {
  switch (type.kind) {
    case 'struct':
      if (Array.isArray(value) || typeof value !== 'object' || value === null) {
        problems.push({ path, message: `expected an object (${type.name})` });
        return;
      }
      checkProperties(value, type.properties, path, problems);
      return;
    case 'array':
      if (!Array.isArray(value)) {
        problems.push({ path, message: 'expected a list' });
        return;
      }
      value.forEach((v, i) => {
        checkValue(v, [type.element], `${path}[${i}]`, problems);
      });
      return;
    case 'map':
      if (Array.isArray(value) || typeof value !== 'object' || value === null) {
        problems.push({ path, message: 'expected a map' });
        return;
      }
      for (const [k, v] of Object.entries(value)) checkValue(v, [type.element], `${path}.${k}`, problems);
      return;
    case 'union':
      checkValue(value, type.types, path, problems);
      return;
    case 'tag':
      if (!value || typeof value !== 'object' || !('Key' in value) || !('Value' in value)) {
        problems.push({ path, message: 'expected a tag { Key, Value }' });
      }
      return;
    case 'primitive':
      if (value !== null && typeof value === 'object') {
        problems.push({
          path,
          message: `expected a ${type.primitive}, got ${Array.isArray(value) ? 'a list' : 'an object'}`,
        });
      }
      return;
    case 'json':
      return;
  }
}

function isNoValue(value: unknown): boolean {
  return isIntrinsic(value) && (value as { Ref?: unknown }).Ref === 'AWS::NoValue';
}
