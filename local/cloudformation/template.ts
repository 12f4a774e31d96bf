import { type CfnTemplate, PSEUDO_PARAMETERS, parseCfnTemplate, unknownCfnTags } from '#shared/cfn-yaml.ts';
import { CfnApiError, CfnValidationError } from './errors.ts';
import { collectReferences, evaluateCondition, type IntrinsicContext } from './intrinsics.ts';
import { validateParameterDeclarations } from './parameters.ts';
import { type CfnSpec, isCustomResourceType } from './spec.ts';
import { checkTemplateFormat } from './validate/structure.ts';

export type { CfnTemplate };
export { PSEUDO_PARAMETERS };
export type TemplateResource = CfnTemplate['Resources'][string];

const SECTIONS = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
  'Hooks',
]);

/**
 * Bodies already parsed, and what they gave (a copy the callers never see): a provisioning sends
 * the same stage templates again and again, and parsing one costs tens of milliseconds of CPU.
 */
const loaded = new Map<string, CfnTemplate>();
const LOADED_LIMIT = 64;

/** Parses a template body (JSON or YAML with short-form intrinsics) as CloudFormation would. */
export function loadTemplate(body: string): CfnTemplate {
  const known = loaded.get(body);
  if (known) return structuredClone(known);
  const template = parseTemplateBody(body);
  loaded.set(body, structuredClone(template));
  if (loaded.size > LOADED_LIMIT) loaded.delete(loaded.keys().next().value!);
  return template;
}

function parseTemplateBody(body: string): CfnTemplate {
  // A short-form tag that names no function (`!Foo`) is a template error, not a plain string.
  const unknownTags = unknownCfnTags(body);
  if (unknownTags.length > 0) {
    throw new CfnValidationError(
      `Template error: Encountered unsupported function: Fn::${unknownTags[0]!.replace(/^!/, '')}`,
    );
  }
  let template: CfnTemplate;
  try {
    template = parseCfnTemplate(body);
  } catch (error) {
    const message = (error as Error).message;
    if (message.startsWith('Not a CloudFormation template')) {
      throw new CfnValidationError('Template format error: At least one Resources member must be defined.');
    }
    throw new CfnValidationError(`Template format error: YAML not well-formed. ${message.split('\n')[0]}`);
  }
  if (Array.isArray(template) || typeof template.Resources !== 'object' || template.Resources === null) {
    throw new CfnValidationError('Template format error: At least one Resources member must be defined.');
  }
  for (const section of Object.keys(template)) {
    if (!SECTIONS.has(section)) {
      throw new CfnValidationError(
        `Template format error: Invalid template property or properties [${section}]`,
      );
    }
  }
  if (
    template.AWSTemplateFormatVersion !== undefined &&
    String(template.AWSTemplateFormatVersion) !== '2010-09-09'
  ) {
    throw new CfnValidationError(
      `Template format error: Unsupported template version: ${template.AWSTemplateFormatVersion}`,
    );
  }
  const transforms = template.Transform === undefined ? [] : [template.Transform].flat();
  const unsupported = transforms.filter((t) => t !== 'AWS::LanguageExtensions');
  if (unsupported.length > 0) {
    throw new CfnValidationError(
      `Template format error: the local cloud does not run the transform(s) [${unsupported.join(', ')}]`,
    );
  }
  if (Object.keys(template.Resources).length === 0) {
    throw new CfnValidationError('Template format error: At least one Resources member must be defined.');
  }
  return template;
}

/**
 * Checks what CloudFormation checks before touching any resource: section shapes, parameter
 * types, resource types against the official spec, and condition names.
 */
export function validateTemplateStatic(template: CfnTemplate, spec: CfnSpec): void {
  checkTemplateFormat(template);
  validateParameterDeclarations(template.Parameters ?? {});
  const unknownTypes: string[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (!/^[A-Za-z0-9]+$/.test(logicalId)) {
      throw new CfnValidationError(`Template format error: Resource name ${logicalId} is non alphanumeric.`);
    }
    if (!resource || typeof resource.Type !== 'string') {
      throw new CfnValidationError(
        `Template format error: [/Resources/${logicalId}] Every Resources object must contain a Type member.`,
      );
    }
    if (!isCustomResourceType(resource.Type) && !spec.resource(resource.Type)) {
      if (!unknownTypes.includes(resource.Type)) unknownTypes.push(resource.Type);
    }
    if (resource.Condition !== undefined && !Object.hasOwn(template.Conditions ?? {}, resource.Condition)) {
      throw new CfnValidationError(
        `Template format error: Unresolved dependencies [${resource.Condition}]. Cannot reference resources in the Conditions block of the template`,
      );
    }
  }
  if (unknownTypes.length > 0) {
    throw new CfnValidationError(
      `Template format error: Unrecognized resource types: [${unknownTypes.join(', ')}]`,
    );
  }
  const conditionNames = new Set(Object.keys(template.Conditions ?? {}));
  const checkIfs = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(checkIfs);
    else if (node && typeof node === 'object') {
      const ifArgs = (node as Record<string, unknown>)['Fn::If'];
      if (Array.isArray(ifArgs) && typeof ifArgs[0] === 'string' && !conditionNames.has(ifArgs[0])) {
        throw new CfnValidationError(
          `Template error: unresolved condition dependency ${ifArgs[0]} in Fn::If`,
        );
      }
      Object.values(node).forEach(checkIfs);
    }
  };
  checkIfs(template.Resources);
  checkIfs(template.Outputs ?? {});
}

/** Evaluates every Condition once, lazily, detecting circular conditions. */
export function conditionEvaluator(
  template: CfnTemplate,
  context: () => IntrinsicContext,
): (name: string) => boolean {
  const values = new Map<string, boolean>();
  const evaluating = new Set<string>();
  const evaluateNamed = (name: string): boolean => {
    const known = values.get(name);
    if (known !== undefined) return known;
    const conditions = template.Conditions ?? {};
    if (!Object.hasOwn(conditions, name)) {
      throw new CfnValidationError(`Template error: unresolved condition dependency ${name} in Fn::If`);
    }
    if (evaluating.has(name)) {
      throw new CfnValidationError(`Template error: circular condition dependency detected with ${name}`);
    }
    evaluating.add(name);
    const value = evaluateCondition(conditions[name], context());
    evaluating.delete(name);
    values.set(name, value);
    return value;
  };
  return evaluateNamed;
}

/** A resource that exists in this stack once conditions are applied, with what it waits for. */
export interface PlannedResource {
  logicalId: string;
  type: string;
  definition: TemplateResource;
  dependsOn: string[];
}

/**
 * The active resources (their Condition holds) with their dependencies from Ref, GetAtt, Sub and
 * DependsOn; fails like CloudFormation on unresolved references, bad attributes and cycles.
 */
export function planResources(
  template: CfnTemplate,
  condition: (name: string) => boolean,
  spec: CfnSpec,
): Map<string, PlannedResource> {
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const active = new Map<string, PlannedResource>();
  for (const [logicalId, definition] of Object.entries(template.Resources)) {
    if (definition.Condition !== undefined && !condition(definition.Condition)) continue;
    active.set(logicalId, { logicalId, type: definition.Type, definition, dependsOn: [] });
  }
  const unresolved: string[] = [];
  for (const resource of active.values()) {
    const deps = new Set<string>();
    const explicit =
      resource.definition.DependsOn === undefined ? [] : [resource.definition.DependsOn].flat();
    for (const target of explicit) {
      if (active.has(target)) deps.add(target);
      else if (!unresolved.includes(target)) unresolved.push(target);
    }
    const refs = collectReferences(
      [resource.definition.Properties ?? {}, resource.definition.Metadata ?? {}],
      condition,
    );
    for (const ref of refs) {
      if (ref.kind === 'Ref' && (parameters.has(ref.target) || PSEUDO_PARAMETERS.has(ref.target))) continue;
      if (!active.has(ref.target)) {
        if (ref.kind === 'GetAtt' && !Object.hasOwn(template.Resources, ref.target)) {
          throw new CfnValidationError(
            `Template error: instance of Fn::GetAtt references undefined resource ${ref.target}`,
          );
        }
        if (!unresolved.includes(ref.target)) unresolved.push(ref.target);
        continue;
      }
      if (ref.kind === 'GetAtt' && ref.attribute !== undefined)
        checkAttribute(active.get(ref.target)!.type, ref.target, ref.attribute, spec);
      deps.add(ref.target);
    }
    resource.dependsOn = [...deps];
  }
  if (unresolved.length > 0) {
    throw new CfnValidationError(
      `Template format error: Unresolved resource dependencies [${unresolved.join(', ')}] in the Resources block of the template`,
    );
  }
  const cycle = findCycles(active);
  if (cycle.length > 0)
    throw new CfnValidationError(`Circular dependency between resources: [${cycle.join(', ')}]`);
  return active;
}

/** Checks the Outputs block's references against the active resources. */
export function checkOutputs(
  template: CfnTemplate,
  condition: (name: string) => boolean,
  active: Map<string, PlannedResource>,
  spec: CfnSpec,
): void {
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const unresolved: string[] = [];
  for (const output of Object.values(template.Outputs ?? {})) {
    if (output.Condition !== undefined && !condition(output.Condition)) continue;
    for (const ref of collectReferences([output.Value, output.Export ?? {}], condition)) {
      if (ref.kind === 'Ref' && (parameters.has(ref.target) || PSEUDO_PARAMETERS.has(ref.target))) continue;
      const target = active.get(ref.target);
      if (!target) {
        if (!unresolved.includes(ref.target)) unresolved.push(ref.target);
      } else if (ref.kind === 'GetAtt' && ref.attribute !== undefined) {
        checkAttribute(target.type, ref.target, ref.attribute, spec);
      }
    }
  }
  if (unresolved.length > 0) {
    throw new CfnValidationError(
      `Template format error: Unresolved resource dependencies [${unresolved.join(', ')}] in the Outputs block of the template`,
    );
  }
}

function checkAttribute(type: string, logicalId: string, attribute: string, spec: CfnSpec): void {
  if (isCustomResourceType(type)) return;
  if (type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) return;
  if (spec.resource(type)?.attributes.has(attribute)) return;
  throw new CfnValidationError(
    `Template error: resource ${logicalId} does not support attribute type ${attribute} in Fn::GetAtt`,
  );
}

/** Resources on a dependency cycle (Tarjan's strongly connected components), in template order. */
export function findCycles(resources: Map<string, { dependsOn: string[] }>): string[] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const inCycle = new Set<string>();
  const strongConnect = (node: string): void => {
    indices.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of resources.get(node)?.dependsOn ?? []) {
      if (!indices.has(next)) {
        strongConnect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indices.get(next)!));
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = resources.get(node)?.dependsOn.includes(node) ?? false;
      if (component.length > 1 || selfLoop) for (const m of component) inCycle.add(m);
    }
  };
  for (const node of resources.keys()) if (!indices.has(node)) strongConnect(node);
  return [...resources.keys()].filter((node) => inCycle.has(node));
}

/** Capabilities the template needs (IAM resources), as CreateStack/ValidateTemplate report them. */
export function requiredCapabilities(template: CfnTemplate): string[] {
  const nameProperties: Record<string, string> = {
    'AWS::IAM::Role': 'RoleName',
    'AWS::IAM::User': 'UserName',
    'AWS::IAM::Group': 'GroupName',
    'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
    'AWS::IAM::InstanceProfile': 'InstanceProfileName',
  };
  const iamTypes = new Set([
    'AWS::IAM::AccessKey',
    'AWS::IAM::Group',
    'AWS::IAM::InstanceProfile',
    'AWS::IAM::ManagedPolicy',
    'AWS::IAM::Policy',
    'AWS::IAM::Role',
    'AWS::IAM::User',
    'AWS::IAM::UserToGroupAddition',
    'AWS::IAM::RolePolicy',
  ]);
  let iam = false;
  let named = false;
  for (const resource of Object.values(template.Resources)) {
    if (!iamTypes.has(resource.Type)) continue;
    iam = true;
    const nameProperty = nameProperties[resource.Type];
    if (nameProperty && resource.Properties?.[nameProperty] !== undefined) named = true;
  }
  return named ? ['CAPABILITY_NAMED_IAM'] : iam ? ['CAPABILITY_IAM'] : [];
}

/** Refuses a template whose IAM resources were not acknowledged, as CreateStack does. */
export function checkCapabilities(template: CfnTemplate, given: string[]): void {
  const needed = requiredCapabilities(template);
  if (needed.length === 0) return;
  if (
    needed[0] === 'CAPABILITY_IAM' &&
    (given.includes('CAPABILITY_IAM') || given.includes('CAPABILITY_NAMED_IAM'))
  )
    return;
  if (needed[0] === 'CAPABILITY_NAMED_IAM' && given.includes('CAPABILITY_NAMED_IAM')) return;
  throw new CfnApiError('InsufficientCapabilitiesException', `Requires capabilities : [${needed[0]}]`);
}
