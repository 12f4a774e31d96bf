/**
 * The engine's template step: fetch the body, validate it (size limits, static checks, capabilities,
 * imports, pre-deployment property validation), resolve parameters (SSM parameter types included),
 * evaluate conditions and build the context intrinsic functions resolve against. Split from
 * engine.ts so the template rules sit apart from the resource lifecycle.
 */
import type { CloudFormationEngine } from './engine.ts';
import type { PreparedTemplate, ResourceRecord, StackRecord } from './engine-records.ts';
import { isAwsError } from './engine-records.ts';
import { CfnValidationError } from './errors.ts';
import { evaluate, type IntrinsicContext, NO_VALUE } from './intrinsics.ts';
import { type ResolvedParameters, resolveParameters, type SuppliedParameter } from './parameters.ts';
import { isCustomResourceType } from './spec.ts';
import {
  type CfnTemplate,
  checkOutputs,
  conditionEvaluator,
  loadTemplate,
  planResources,
  validateTemplateStatic,
} from './template.ts';
import {
  checkParameterValueSizes,
  checkTemplateBodySize,
  checkTemplateObjectSize,
} from './validate/limits.ts';
import { preDeploymentProblems } from './validate/properties.ts';

// ---- template preparation --------------------------------------------------------------

/** Reads a template from TemplateBody or a TemplateURL in the local S3. */
export function templateBody(
  this: CloudFormationEngine,
  request: { TemplateBody?: string; TemplateURL?: string },
): string {
  if (request.TemplateBody !== undefined) {
    checkTemplateBodySize(request.TemplateBody);
    return request.TemplateBody;
  }
  if (request.TemplateURL !== undefined) {
    let object: Buffer;
    try {
      object = this.cloud.s3.getObjectByUrl(request.TemplateURL).body;
    } catch (error) {
      if (isAwsError(error) && error.code === 'NoSuchKey') {
        throw new CfnValidationError('S3 error: The specified key does not exist.');
      }
      if (isAwsError(error) && error.code === 'NoSuchBucket') {
        throw new CfnValidationError('S3 error: The specified bucket does not exist');
      }
      throw new CfnValidationError('TemplateURL must be a supported URL.');
    }
    checkTemplateObjectSize(object);
    return object.toString('utf8');
  }
  throw new CfnValidationError('Either Template URL or Template Body must be specified.');
}

/** Parses, validates and plans a template for a stack with the given parameters. */
export function prepare(
  this: CloudFormationEngine,
  body: string,
  supplied: SuppliedParameter[],
  pseudo: { stackName: string; stackId: string; notificationArns: string[] },
  previous?: Map<string, string>,
): PreparedTemplate {
  const template = loadTemplate(body);
  validateTemplateStatic(template, this.spec);
  checkParameterValueSizes(supplied);
  const parameters = resolveParameters(template.Parameters ?? {}, supplied, previous, {
    ssmParameter: (name) => this.ssmParameter(name),
    ec2Exists: (type, id) => this.ec2Exists(type, id),
    availabilityZones: () => this.availabilityZones(this.cloud.region),
  });
  let ctx: IntrinsicContext | undefined;
  const condition = conditionEvaluator(template, () => ctx!);
  ctx = this.context({
    pseudo,
    parameters,
    template,
    condition,
    resources: new Map(),
    phase: 'Conditions',
  });
  for (const name of Object.keys(template.Conditions ?? {})) condition(name);
  const plan = planResources(template, condition, this.spec);
  checkOutputs(template, condition, plan, this.spec);
  this.checkImports(template);
  const staticContext = this.context({
    pseudo,
    parameters,
    template,
    condition,
    resources: new Map(),
    phase: 'Resources',
  });
  const validationFailures = preDeploymentProblems(
    [...plan.values()]
      .filter((r) => !isCustomResourceType(r.type))
      .map((r) => ({ logicalId: r.logicalId, type: r.type, raw: r.definition.Properties })),
    (name) => Object.hasOwn(template.Resources, name),
    condition,
    (value) => evaluate(value, staticContext),
  );
  return { body, template, parameters, condition, plan, validationFailures };
}

/** Fails early, as CloudFormation does, on an Fn::ImportValue of a literal name nobody exports. */
export function checkImports(this: CloudFormationEngine, template: CfnTemplate): void {
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const name = (node as Record<string, unknown>)['Fn::ImportValue'];
      if (typeof name === 'string' && !this.exports.has(name)) {
        throw new CfnValidationError(`No export named ${name} found. Rollback requested by user.`);
      }
      Object.values(node).forEach(walk);
    }
  };
  walk(template.Resources);
  walk(template.Outputs ?? {});
}

export function ssmParameter(
  this: CloudFormationEngine,
  name: string,
): { type: string; value: string } | undefined {
  const parameter = this.cloud.ssm.parameters.get(name);
  return parameter ? { type: parameter.Type, value: parameter.Value } : undefined;
}

/** Whether the EC2 object an AWS-specific parameter names exists (undefined: not modelled). */
export function ec2Exists(this: CloudFormationEngine, type: string, id: string): boolean | undefined {
  const ec2 = this.cloud.ec2;
  switch (type) {
    case 'AWS::EC2::VPC::Id':
      return ec2.vpcs.has(id);
    case 'AWS::EC2::Subnet::Id':
      return ec2.subnets.has(id);
    case 'AWS::EC2::SecurityGroup::Id':
      return ec2.securityGroups.has(id);
    case 'AWS::EC2::Instance::Id':
      return ec2.instances.has(id);
    default:
      return undefined;
  }
}

/** Fn::GetAZs: the region's availability zones (the EC2 model's for this cloud's region). */
export function availabilityZones(this: CloudFormationEngine, region: string): string[] {
  if (region === this.cloud.region) return this.cloud.ec2.availabilityZones().map((z) => z.ZoneName);
  const letters = region === 'us-east-1' ? 'abcdef' : 'abc';
  return [...letters].map((l) => `${region}${l}`);
}

export function context(
  this: CloudFormationEngine,
  options: {
    pseudo: { stackName: string; stackId: string; notificationArns: string[] };
    parameters: ResolvedParameters;
    template: CfnTemplate;
    condition: (name: string) => boolean;
    resources: Map<string, ResourceRecord>;
    phase: 'Conditions' | 'Resources' | 'Outputs';
    onImport?: (name: string) => void;
  },
): IntrinsicContext {
  const { pseudo, parameters, template, condition, resources, phase } = options;
  return {
    region: this.cloud.region,
    mappings: template.Mappings ?? {},
    condition,
    ref: (name) => {
      switch (name) {
        case 'AWS::AccountId':
          return this.cloud.accountId;
        case 'AWS::Region':
          return this.cloud.region;
        case 'AWS::Partition':
          return 'aws';
        case 'AWS::URLSuffix':
          return 'amazonaws.com';
        case 'AWS::StackName':
          return pseudo.stackName;
        case 'AWS::StackId':
          return pseudo.stackId;
        case 'AWS::NotificationARNs':
          return pseudo.notificationArns;
        case 'AWS::NoValue':
          return NO_VALUE;
      }
      const parameter = parameters.values.get(name);
      if (parameter !== undefined) return parameter;
      const resource = resources.get(name);
      if (resource?.physicalId !== undefined) return resource.physicalId;
      if (phase === 'Conditions') {
        throw new CfnValidationError(
          `Template format error: Unresolved dependencies [${name}]. Cannot reference resources in the Conditions block of the template`,
        );
      }
      throw new CfnValidationError(
        `Template format error: Unresolved resource dependencies [${name}] in the ${phase} block of the template`,
      );
    },
    getAtt: (logicalId, attribute) => {
      const resource = resources.get(logicalId);
      if (!resource) {
        throw new CfnValidationError(
          `Template error: instance of Fn::GetAtt references undefined resource ${logicalId}`,
        );
      }
      const value = resource.attributes[attribute];
      if (value === undefined) {
        throw new CfnValidationError(
          `Template error: resource ${logicalId} does not support attribute type ${attribute} in Fn::GetAtt`,
        );
      }
      return value;
    },
    importValue: (name) => {
      const exported = this.exports.get(name);
      if (!exported) throw new CfnValidationError(`No export named ${name} found.`);
      options.onImport?.(name);
      return exported.value;
    },
    getAZs: (region) => this.availabilityZones(region),
  };
}

export function stackContext(
  this: CloudFormationEngine,
  stack: StackRecord,
  prepared: PreparedTemplate,
  phase: 'Resources' | 'Outputs',
): IntrinsicContext {
  return this.context({
    pseudo: {
      stackName: stack.stackName,
      stackId: stack.stackId,
      notificationArns: stack.notificationArns,
    },
    parameters: prepared.parameters,
    template: prepared.template,
    condition: prepared.condition,
    resources: stack.resources,
    phase,
  });
}
