import type { CfnTemplate } from '#shared/cfn-yaml.ts';
import { CfnValidationError } from '../errors.ts';
import {
  CONDITION_FUNCTIONS,
  DELETION_POLICIES,
  KNOWN_FUNCTIONS,
  LANGUAGE_EXTENSION_FUNCTIONS,
  LIMITS,
  RESOURCE_KEYS,
  SNAPSHOT_TYPES,
  UPDATE_REPLACE_POLICIES,
} from './rules.ts';

/** Sections of a template, as the intrinsic-placement rules tell them apart. */
type Place = 'Resources' | 'Outputs' | 'Conditions' | 'Metadata' | 'Rules';

function formatError(message: string): never {
  throw new CfnValidationError(`Template format error: ${message}`);
}

/** The function name of a one-key `{ "Fn::X": ... }` / `{ Ref }` / `{ Condition }` object. */
function functionKey(node: Record<string, unknown>): string | undefined {
  const keys = Object.keys(node);
  if (keys.length !== 1) return undefined;
  const key = keys[0]!;
  return key.startsWith('Fn::') || key === 'Ref' || key === 'Condition' ? key : undefined;
}

/** Functions CloudFormation lists as supported in an error about a function used where it is not. */
function supported(place: Place, languageExtensions: boolean): string[] {
  return KNOWN_FUNCTIONS.filter((f) => {
    if (!languageExtensions && LANGUAGE_EXTENSION_FUNCTIONS.has(f)) return false;
    if (place === 'Conditions') return f !== 'Fn::If' && f !== 'Fn::GetAtt' && f !== 'Fn::ImportValue';
    return !CONDITION_FUNCTIONS.has(f) && f !== 'Condition';
  });
}

/**
 * Walks a section checking every function is one CloudFormation knows and is allowed there:
 * condition functions only in Conditions (and Fn::If's condition operand names a condition),
 * Fn::If never in Conditions, no GetAtt/ImportValue in Conditions (they cannot name resources).
 * Null values are refused everywhere, as CloudFormation refuses them.
 */
function checkNode(
  node: unknown,
  path: string,
  place: Place,
  languageExtensions: boolean,
  inConditionArgument = false,
): void {
  if (node === null) formatError(`[${path}] 'null' values are not allowed in templates`);
  if (Array.isArray(node)) {
    node.forEach((item, i) => {
      checkNode(item, `${path}/${i}`, place, languageExtensions, inConditionArgument);
    });
    return;
  }
  if (typeof node !== 'object' || node === undefined) return;
  const record = node as Record<string, unknown>;
  const fn = functionKey(record);
  if (fn !== undefined) {
    const known = (KNOWN_FUNCTIONS as readonly string[]).includes(fn);
    const extensionOnly = LANGUAGE_EXTENSION_FUNCTIONS.has(fn) && !languageExtensions;
    const conditionOnly = CONDITION_FUNCTIONS.has(fn) && place !== 'Conditions' && place !== 'Rules';
    const notInConditions =
      place === 'Conditions' && (fn === 'Fn::If' || fn === 'Fn::GetAtt' || fn === 'Fn::ImportValue');
    // `{ Condition: Name }` is a function only inside condition expressions.
    const conditionRef = fn === 'Condition' && place !== 'Conditions' && !inConditionArgument;
    if (!known || extensionOnly || conditionOnly || notInConditions) {
      throw new CfnValidationError(
        `Template error: Encountered unsupported function: ${fn} Supported functions are: [${supported(place, languageExtensions).join(', ')}]`,
      );
    }
    if (conditionRef) return; // a resource's or output's Condition attribute, checked elsewhere
    checkNode(record[fn], `${path}/${fn}`, place, languageExtensions, CONDITION_FUNCTIONS.has(fn));
    return;
  }
  for (const [key, value] of Object.entries(record)) {
    checkNode(value, `${path}/${key}`, place, languageExtensions, false);
  }
}

/** Size and count limits of the template itself (CloudFormation quotas). */
function checkCounts(template: CfnTemplate): void {
  const count = (section: unknown) =>
    section && typeof section === 'object' ? Object.keys(section as object).length : 0;
  const resources = count(template.Resources);
  if (resources > LIMITS.resources)
    formatError(`Number of resources, ${resources}, is greater than maximum allowed, ${LIMITS.resources}`);
  const parameters = count(template.Parameters);
  if (parameters > LIMITS.parameters)
    formatError(`Number of parameters, ${parameters}, is greater than maximum allowed, ${LIMITS.parameters}`);
  const outputs = count(template.Outputs);
  if (outputs > LIMITS.outputs)
    formatError(`Number of outputs, ${outputs}, is greater than maximum allowed, ${LIMITS.outputs}`);
  const mappings = count(template.Mappings);
  if (mappings > LIMITS.mappings)
    formatError(`Number of mappings, ${mappings}, is greater than maximum allowed, ${LIMITS.mappings}`);
  for (const [name, mapping] of Object.entries(template.Mappings ?? {})) {
    const attributes = count(mapping);
    if (attributes > LIMITS.mappingAttributes)
      formatError(
        `Number of mapping attributes in ${name}, ${attributes}, is greater than maximum allowed, ${LIMITS.mappingAttributes}`,
      );
  }
  for (const [section, names] of [
    ['Parameters', Object.keys(template.Parameters ?? {})],
    ['Resources', Object.keys(template.Resources ?? {})],
    ['Outputs', Object.keys(template.Outputs ?? {})],
    ['Mappings', Object.keys(template.Mappings ?? {})],
  ] as const) {
    const long = names.find((n) => n.length > LIMITS.nameCharacters);
    if (long)
      formatError(`${section} name ${long.slice(0, 40)}... exceeds ${LIMITS.nameCharacters} characters`);
  }
  if (
    typeof template.Description === 'string' &&
    Buffer.byteLength(template.Description) > LIMITS.descriptionBytes
  )
    formatError(`Description must be no longer than ${LIMITS.descriptionBytes} bytes`);
}

/** Mapping values are strings or lists: no functions inside Mappings. */
function checkMappings(template: CfnTemplate): void {
  for (const [name, mapping] of Object.entries(template.Mappings ?? {})) {
    if (!mapping || typeof mapping !== 'object' || Array.isArray(mapping))
      formatError(`Every Mappings member ${name} must be a map`);
    for (const [key, attributes] of Object.entries(mapping)) {
      if (!attributes || typeof attributes !== 'object' || Array.isArray(attributes))
        formatError(`Every Mappings member ${key} must be a map`);
      for (const value of Object.values(attributes)) {
        const scalar = (v: unknown) =>
          typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
        if (!scalar(value) && !(Array.isArray(value) && value.every(scalar)))
          formatError('Every Mappings attribute must be a String or a List.');
      }
    }
  }
}

/** Resource members: known attributes, a Properties object, DeletionPolicy/UpdateReplacePolicy values. */
function checkResources(template: CfnTemplate, languageExtensions: boolean): void {
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const path = `/Resources/${logicalId}`;
    if (resource === null) formatError(`[${path}] 'null' values are not allowed in templates`);
    if (typeof resource !== 'object' || Array.isArray(resource))
      formatError(`[${path}] Every Resources object must contain a Type member.`);
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_KEYS.has(key)) formatError(`Invalid template resource property '${key}'`);
    }
    const record = resource as Record<string, unknown>;
    if (record.Properties === null)
      formatError(`[${path}/Properties] 'null' values are not allowed in templates`);
    if (
      record.Properties !== undefined &&
      (typeof record.Properties !== 'object' || Array.isArray(record.Properties))
    )
      formatError(`[${path}/Properties] Every Properties member must be an object`);
    if (typeof record.Type === 'object' && record.Type !== null)
      formatError(`[${path}] Every Resources object must contain a Type member.`);
    const dependsOn = record.DependsOn;
    if (dependsOn !== undefined) {
      if (Array.isArray(dependsOn)) {
        if (!dependsOn.every((d) => typeof d === 'string'))
          formatError('Every DependsOn value must be a string.');
      } else if (typeof dependsOn !== 'string') formatError('DependsOn must be a string or list of strings.');
    }
    if (record.Condition !== undefined && typeof record.Condition !== 'string')
      formatError(`[${path}] Every Condition member must be a string.`);
    checkPolicy(record, 'DeletionPolicy', DELETION_POLICIES, logicalId, languageExtensions);
    checkPolicy(record, 'UpdateReplacePolicy', UPDATE_REPLACE_POLICIES, logicalId, languageExtensions);
  }
}

function checkPolicy(
  resource: Record<string, unknown>,
  attribute: 'DeletionPolicy' | 'UpdateReplacePolicy',
  allowed: Set<string>,
  logicalId: string,
  languageExtensions: boolean,
): void {
  const value = resource[attribute];
  if (value === undefined) return;
  // Functions in these attributes are a LanguageExtensions feature (resolved before this check).
  if (typeof value !== 'string') {
    if (languageExtensions) return;
    formatError(`Every ${attribute} member must be a string.`);
  }
  if (!allowed.has(value)) formatError(`Unrecognized ${attribute} ${value} for resource ${logicalId}`);
  if (value === 'Snapshot' && typeof resource.Type === 'string' && !SNAPSHOT_TYPES.has(resource.Type))
    throw new CfnValidationError(
      `Template error: resource type ${resource.Type} does not support ${attribute} Snapshot`,
    );
}

/** Outputs: a Value each, and no value that is a list. */
function checkOutputs(template: CfnTemplate): void {
  for (const [key, output] of Object.entries(template.Outputs ?? {})) {
    if (output === null || typeof output !== 'object' || Array.isArray(output))
      formatError(`[/Outputs/${key}] Every Outputs member must contain a Value object`);
    if (output.Value === undefined)
      formatError(`[/Outputs/${key}] Every Outputs member must contain a Value object`);
    // Functions that always return a list (Fn::GetAZs, Fn::Split, Fn::Cidr) are lists too.
    const fn =
      output.Value && typeof output.Value === 'object' && !Array.isArray(output.Value)
        ? functionKey(output.Value as Record<string, unknown>)
        : undefined;
    if (fn === 'Fn::GetAZs' || fn === 'Fn::Split' || fn === 'Fn::Cidr')
      formatError(
        `[/Outputs/${key}/Value] The Value field of every Outputs member must evaluate to a String.`,
      );
    if (
      Array.isArray(output.Value) ||
      (typeof output.Value === 'object' && functionKey(output.Value as Record<string, unknown>) === undefined)
    )
      formatError(
        `[/Outputs/${key}/Value] The Value field of every Outputs member must evaluate to a String.`,
      );
  }
}

/**
 * The template-format checks CloudFormation makes at ValidateTemplate, CreateStack, UpdateStack
 * and CreateChangeSet: quotas, intrinsic function names and placement, nulls, resource
 * attributes, DeletionPolicy/UpdateReplacePolicy values, Mappings and Outputs shapes.
 */
export function checkTemplateFormat(template: CfnTemplate): void {
  const transforms = template.Transform === undefined ? [] : [template.Transform].flat();
  const languageExtensions = transforms.includes('AWS::LanguageExtensions');
  checkCounts(template);
  checkMappings(template);
  checkResources(template, languageExtensions);
  checkOutputs(template);
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    if (parameter === null) formatError(`[/Parameters/${name}] 'null' values are not allowed in templates`);
    for (const [key, value] of Object.entries(parameter)) {
      if (value && typeof value === 'object' && !Array.isArray(value))
        formatError(
          `Every ${key} member of parameter ${name} must be a string, number or list; functions are not allowed in Parameters`,
        );
    }
  }
  checkNode(template.Conditions ?? {}, '/Conditions', 'Conditions', languageExtensions);
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const r = resource as Record<string, unknown>;
    for (const key of ['Properties', 'Metadata', 'UpdatePolicy', 'CreationPolicy'] as const) {
      if (r[key] !== undefined)
        checkNode(r[key], `/Resources/${logicalId}/${key}`, 'Resources', languageExtensions);
    }
  }
  for (const [key, output] of Object.entries(template.Outputs ?? {})) {
    checkNode(
      { Value: output.Value, Export: output.Export },
      `/Outputs/${key}`,
      'Outputs',
      languageExtensions,
    );
  }
}
