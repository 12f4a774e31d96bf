import { randomUUID } from 'node:crypto';
import type { AwsError } from '../errors.ts';
import type { LocalCloud } from '../kernel.ts';
import {
  type ChangeDetail,
  changedProperties,
  describePropertyChanges,
  type PlannedOutcome,
  replacementOf,
  sameValue,
  updateRequiresReplacement,
} from './changes.ts';
import { CfnApiError, CfnValidationError } from './errors.ts';
import { handlerFailureReason } from './handler-errors.ts';
import { asString, evaluate, type IntrinsicContext, NO_VALUE } from './intrinsics.ts';
import { type ResolvedParameters, resolveParameters, type SuppliedParameter } from './parameters.ts';
import type { ProvidedResource, ResourceProvider, ResourceTag } from './providers/types.ts';
import { type CfnSpec, isCustomResourceType, loadSpec } from './spec.ts';
import {
  type CfnTemplate,
  checkCapabilities,
  checkOutputs,
  conditionEvaluator,
  loadTemplate,
  type PlannedResource,
  PSEUDO_PARAMETERS,
  planResources,
  type TemplateResource,
  validateTemplateStatic,
} from './template.ts';
import {
  checkParameterValueSizes,
  checkTemplateBodySize,
  checkTemplateObjectSize,
} from './validate/limits.ts';
import {
  type PropertyValidationFailure,
  preDeploymentProblems,
  propertiesValidationMessage,
} from './validate/properties.ts';
import { EARLY_VALIDATION_REASON } from './validate/rules.ts';
import { propertyProblems } from './validate/schemas.ts';

/** One entry of DescribeStackEvents. */
export interface StackEventRecord {
  EventId: string;
  StackId: string;
  StackName: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceType: string;
  Timestamp: Date;
  ResourceStatus: string;
  ResourceStatusReason?: string;
  ResourceProperties?: string;
  ClientRequestToken?: string;
  DetailedStatus?: string;
}

/** A resource of a stack as the engine tracks it. */
export interface ResourceRecord {
  logicalId: string;
  type: string;
  definition: TemplateResource;
  dependsOn: string[];
  physicalId?: string;
  status: string;
  statusReason?: string;
  timestamp: Date;
  /** Evaluated properties the resource was last created or updated with. */
  properties: Record<string, unknown>;
  attributes: Record<string, unknown>;
}

export interface StackOutput {
  OutputKey: string;
  OutputValue: string;
  Description?: string;
  ExportName?: string;
}

/** A template with its parameters resolved, conditions evaluated and resources planned. */
export interface PreparedTemplate {
  body: string;
  template: CfnTemplate;
  parameters: ResolvedParameters;
  condition: (name: string) => boolean;
  plan: Map<string, PlannedResource>;
  /** Resources whose known property values the registry schemas refuse (pre-deployment validation). */
  validationFailures: PropertyValidationFailure[];
}

export interface StackRecord {
  stackId: string;
  stackName: string;
  status: string;
  statusReason?: string;
  creationTime: Date;
  lastUpdatedTime?: Date;
  deletionTime?: Date;
  prepared: PreparedTemplate;
  tags: ResourceTag[];
  capabilities: string[];
  notificationArns: string[];
  roleArn?: string;
  timeoutInMinutes?: number;
  disableRollback: boolean;
  terminationProtection: boolean;
  outputs: StackOutput[];
  resources: Map<string, ResourceRecord>;
  events: StackEventRecord[];
  parentId?: string;
  rootId?: string;
  /** ClientRequestToken → operation that used it. */
  tokens: Map<string, string>;
  /** The operation in progress (create, update, delete, rollback), if any. */
  operation?: Operation;
  /** What an update rollback left undone (UPDATE_ROLLBACK_FAILED), for ContinueUpdateRollback. */
  pendingRollback?: {
    restore: { id: string; attempted: Record<string, unknown> }[];
    newlyCreated: ResourceRecord[];
    created: string[];
  };
  changeSetId?: string;
}

/** One stack operation in flight; `cancelled` stops resources that have not finished yet. */
interface Operation {
  kind: 'create' | 'update' | 'delete';
  token?: string;
  cancelled: boolean;
  deleteRequested: boolean;
  running: Set<string>;
  done: Promise<void>;
  timedOut?: boolean;
  /** Ends the resource graph in progress early (on failure or cancellation). */
  resolveGraph?: (ok: boolean) => void;
}

export interface ResourceChange {
  Type: 'Resource';
  ResourceChange: {
    Action: 'Add' | 'Modify' | 'Remove';
    LogicalResourceId: string;
    PhysicalResourceId?: string;
    ResourceType: string;
    Replacement?: 'True' | 'False' | 'Conditional';
    Scope: string[];
    Details: ChangeDetail[];
  };
}

export interface ChangeSetRecord {
  id: string;
  name: string;
  stackId: string;
  stackName: string;
  type: 'CREATE' | 'UPDATE';
  status: 'CREATE_PENDING' | 'CREATE_IN_PROGRESS' | 'CREATE_COMPLETE' | 'DELETE_COMPLETE' | 'FAILED';
  statusReason?: string;
  executionStatus:
    | 'UNAVAILABLE'
    | 'AVAILABLE'
    | 'EXECUTE_IN_PROGRESS'
    | 'EXECUTE_COMPLETE'
    | 'EXECUTE_FAILED'
    | 'OBSOLETE';
  creationTime: Date;
  description?: string;
  prepared: PreparedTemplate;
  tags: ResourceTag[];
  capabilities: string[];
  notificationArns: string[];
  changes: ResourceChange[];
  clientToken?: string;
}

/** Input shared by CreateStack, UpdateStack and CreateChangeSet. */
export interface StackRequest {
  StackName?: string;
  TemplateBody?: string;
  TemplateURL?: string;
  UsePreviousTemplate?: boolean;
  Parameters?: SuppliedParameter[];
  Capabilities?: string[];
  Tags?: ResourceTag[];
  NotificationARNs?: string[];
  RoleARN?: string;
  ClientRequestToken?: string;
  DisableRollback?: boolean;
  OnFailure?: 'DO_NOTHING' | 'ROLLBACK' | 'DELETE';
  TimeoutInMinutes?: number;
  EnableTerminationProtection?: boolean;
}

const UPDATABLE = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
]);

const STACK_NAME = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;

function isAwsError(error: unknown): error is AwsError {
  return error instanceof Error && typeof (error as AwsError).code === 'string';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The CloudFormation engine: stacks, change sets and exports, driven by the virtual clock. API
 * calls validate synchronously and return; the operation then runs resource by resource (in
 * parallel where the dependency graph allows), emitting events as CloudFormation does.
 */
export class CloudFormationEngine {
  readonly cloud: LocalCloud;
  /** The resource specification, loaded on first use (a few hundred ms). */
  get spec(): CfnSpec {
    return loadSpec();
  }
  readonly stacks = new Map<string, StackRecord>();
  readonly changeSets = new Map<string, ChangeSetRecord>();
  readonly exports = new Map<string, { stackId: string; value: string }>();
  readonly #providers: (type: string) => ResourceProvider;

  constructor(
    cloud: LocalCloud,
    providers: (type: string, engine: CloudFormationEngine) => ResourceProvider,
  ) {
    this.cloud = cloud;
    this.#providers = (type) => providers(type, this);
  }

  // ---- lookups ---------------------------------------------------------------------------

  /** A stack by name (live stacks only) or by stack id (deleted ones too). */
  findStack(nameOrId: string): StackRecord | undefined {
    if (nameOrId.startsWith('arn:')) return this.stacks.get(nameOrId);
    for (const stack of this.stacks.values()) {
      if (stack.stackName === nameOrId && stack.status !== 'DELETE_COMPLETE') return stack;
    }
    return undefined;
  }

  /** A stack, or CloudFormation's "does not exist" ValidationError. */
  requireStack(nameOrId: string | undefined): StackRecord {
    const stack = nameOrId ? this.findStack(nameOrId) : undefined;
    if (!stack) throw new CfnValidationError(`Stack with id ${nameOrId ?? ''} does not exist`);
    return stack;
  }

  /** Resolves when the stack's current operation (if any) has finished. */
  async settled(nameOrId: string): Promise<StackRecord> {
    const stack = this.requireStack(nameOrId);
    while (stack.operation) await stack.operation.done;
    return stack;
  }

  // ---- template preparation --------------------------------------------------------------

  /** Reads a template from TemplateBody or a TemplateURL in the local S3. */
  templateBody(request: { TemplateBody?: string; TemplateURL?: string }): string {
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
  prepare(
    body: string,
    supplied: SuppliedParameter[],
    pseudo: { stackName: string; stackId: string; notificationArns: string[] },
    previous?: Map<string, string>,
  ): PreparedTemplate {
    const template = loadTemplate(body);
    validateTemplateStatic(template, this.spec);
    checkParameterValueSizes(supplied);
    const parameters = resolveParameters(template.Parameters ?? {}, supplied, previous, {
      ssmParameter: (name) => this.#ssmParameter(name),
      ec2Exists: (type, id) => this.#ec2Exists(type, id),
      availabilityZones: () => this.availabilityZones(this.cloud.region),
    });
    let ctx: IntrinsicContext | undefined;
    const condition = conditionEvaluator(template, () => ctx!);
    ctx = this.#context({
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
    this.#checkImports(template);
    const staticContext = this.#context({
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
  #checkImports(template: CfnTemplate): void {
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

  #ssmParameter(name: string): { type: string; value: string } | undefined {
    const parameter = this.cloud.ssm.parameters.get(name);
    return parameter ? { type: parameter.Type, value: parameter.Value } : undefined;
  }

  /** Whether the EC2 object an AWS-specific parameter names exists (undefined: not modelled). */
  #ec2Exists(type: string, id: string): boolean | undefined {
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
  availabilityZones(region: string): string[] {
    if (region === this.cloud.region) return this.cloud.ec2.availabilityZones().map((z) => z.ZoneName);
    const letters = region === 'us-east-1' ? 'abcdef' : 'abc';
    return [...letters].map((l) => `${region}${l}`);
  }

  #context(options: {
    pseudo: { stackName: string; stackId: string; notificationArns: string[] };
    parameters: ResolvedParameters;
    template: CfnTemplate;
    condition: (name: string) => boolean;
    resources: Map<string, ResourceRecord>;
    phase: 'Conditions' | 'Resources' | 'Outputs';
    onImport?: (name: string) => void;
  }): IntrinsicContext {
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

  #stackContext(
    stack: StackRecord,
    prepared: PreparedTemplate,
    phase: 'Resources' | 'Outputs',
  ): IntrinsicContext {
    return this.#context({
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

  // ---- events ----------------------------------------------------------------------------

  #stackEvent(stack: StackRecord, status: string, reason?: string, detailedStatus?: string): void {
    const now = this.cloud.clock.date();
    stack.status = status;
    stack.statusReason = reason;
    const token = stack.operation?.token;
    stack.events.push({
      EventId: randomUUID(),
      StackId: stack.stackId,
      StackName: stack.stackName,
      LogicalResourceId: stack.stackName,
      PhysicalResourceId: stack.stackId,
      ResourceType: 'AWS::CloudFormation::Stack',
      Timestamp: now,
      ResourceStatus: status,
      ...(reason !== undefined ? { ResourceStatusReason: reason } : {}),
      ...(token !== undefined ? { ClientRequestToken: token } : {}),
      ...(detailedStatus !== undefined ? { DetailedStatus: detailedStatus } : {}),
    });
    this.cloud.eventBus.emit({
      source: 'aws.cloudformation',
      detailType: 'CloudFormation Stack Status Change',
      resources: [stack.stackId],
      detail: {
        'stack-id': stack.stackId,
        'status-details': { status, 'status-reason': reason ?? '' },
        'client-request-token': token ?? '',
      },
    });
  }

  #resourceEvent(stack: StackRecord, resource: ResourceRecord, status: string, reason?: string): void {
    const now = this.cloud.clock.date();
    resource.status = status;
    resource.statusReason = reason;
    resource.timestamp = now;
    const token = stack.operation?.token;
    stack.events.push({
      EventId: `${resource.logicalId}-${status}-${now.toISOString()}-${randomUUID().slice(0, 8)}`,
      StackId: stack.stackId,
      StackName: stack.stackName,
      LogicalResourceId: resource.logicalId,
      ...(resource.physicalId !== undefined
        ? { PhysicalResourceId: resource.physicalId }
        : { PhysicalResourceId: '' }),
      ResourceType: resource.type,
      Timestamp: now,
      ResourceStatus: status,
      ...(reason !== undefined ? { ResourceStatusReason: reason } : {}),
      ResourceProperties: JSON.stringify(resource.properties),
      ...(token !== undefined ? { ClientRequestToken: token } : {}),
    });
    this.cloud.eventBus.emit({
      source: 'aws.cloudformation',
      detailType: 'CloudFormation Resource Status Change',
      resources: [stack.stackId],
      detail: {
        'stack-id': stack.stackId,
        'logical-resource-id': resource.logicalId,
        'physical-resource-id': resource.physicalId ?? '',
        'resource-type': resource.type,
        'status-details': { status, 'status-reason': reason ?? '' },
        'client-request-token': token ?? '',
      },
    });
  }

  // ---- API: stacks -----------------------------------------------------------------------

  /** CreateStack: validates, then creates the resources asynchronously. Returns the stack. */
  createStack(request: StackRequest, options: { parent?: StackRecord } = {}): StackRecord {
    const name = request.StackName ?? '';
    if (!STACK_NAME.test(name)) {
      throw new CfnValidationError(
        `1 validation error detected: Value '${name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*`,
      );
    }
    const existing = this.findStack(name);
    if (existing) {
      if (request.ClientRequestToken && existing.tokens.get(request.ClientRequestToken) === 'CreateStack')
        return existing;
      throw new CfnApiError('AlreadyExistsException', `Stack [${name}] already exists`);
    }
    const stackId = this.cloud.arn('cloudformation', `stack/${name}/${randomUUID()}`);
    const notificationArns = request.NotificationARNs ?? [];
    const prepared = this.prepare(this.templateBody(request), request.Parameters ?? [], {
      stackName: name,
      stackId,
      notificationArns,
    });
    checkCapabilities(prepared.template, request.Capabilities ?? []);
    const stack = this.#newStack(stackId, name, prepared, request, options.parent);
    if (request.ClientRequestToken) stack.tokens.set(request.ClientRequestToken, 'CreateStack');
    this.stacks.set(stackId, stack);
    this.#startCreate(stack, request);
    return stack;
  }

  #newStack(
    stackId: string,
    name: string,
    prepared: PreparedTemplate,
    request: StackRequest,
    parent: StackRecord | undefined,
  ): StackRecord {
    return {
      stackId,
      stackName: name,
      status: 'REVIEW_IN_PROGRESS',
      creationTime: this.cloud.clock.date(),
      prepared,
      tags: request.Tags ?? [],
      capabilities: request.Capabilities ?? [],
      notificationArns: request.NotificationARNs ?? [],
      roleArn: request.RoleARN,
      timeoutInMinutes: request.TimeoutInMinutes,
      disableRollback: request.DisableRollback === true || request.OnFailure === 'DO_NOTHING',
      terminationProtection: request.EnableTerminationProtection === true,
      outputs: [],
      resources: new Map(),
      events: [],
      parentId: parent?.stackId,
      rootId: parent ? (parent.rootId ?? parent.stackId) : undefined,
      tokens: new Map(),
    };
  }

  #operation(
    stack: StackRecord,
    kind: Operation['kind'],
    token: string | undefined,
    run: (op: Operation) => Promise<void>,
  ): void {
    const op: Operation = {
      kind,
      token,
      cancelled: false,
      deleteRequested: false,
      running: new Set(),
      done: Promise.resolve(),
    };
    stack.operation = op;
    op.done = (async () => {
      try {
        await run(op);
      } catch (error) {
        process.emitWarning(
          `local cloudformation: ${stack.stackName} ${kind} crashed: ${(error as Error).stack}`,
        );
      } finally {
        if (stack.operation === op) stack.operation = undefined;
      }
    })();
  }

  #startCreate(stack: StackRecord, request: StackRequest): void {
    this.#operation(stack, 'create', request.ClientRequestToken, async (op) => {
      this.#stackEvent(stack, 'CREATE_IN_PROGRESS', 'User Initiated');
      const invalid = stack.prepared.validationFailures[0];
      if (invalid) {
        // Pre-deployment validation: nothing is provisioned; the stack fails with VALIDATION_FAILED.
        const reason = propertiesValidationMessage(invalid.logicalId, invalid.problems);
        if (stack.disableRollback) {
          this.#stackEvent(stack, 'CREATE_FAILED', reason, 'VALIDATION_FAILED');
          return;
        }
        this.#stackEvent(stack, 'ROLLBACK_IN_PROGRESS', reason, 'VALIDATION_FAILED');
        this.#stackEvent(stack, 'ROLLBACK_COMPLETE');
        return;
      }
      const timeout = this.#timeout(stack, op);
      const failures: string[] = [];
      let ok = await this.#runGraph(op, stack.prepared.plan, (id) =>
        this.#createResource(stack, op, id, failures),
      );
      let outputFailure: string | undefined;
      if (ok) {
        try {
          this.#publishOutputs(stack, stack.prepared);
        } catch (error) {
          ok = false;
          outputFailure = messageOf(error);
        }
      }
      timeout?.cancel();
      if (ok) {
        this.#stackEvent(stack, 'CREATE_COMPLETE');
        return;
      }
      if (op.deleteRequested) {
        await this.#deleteAll(stack);
        return;
      }
      const reason =
        outputFailure ??
        (op.timedOut
          ? 'Create timed out'
          : `The following resource(s) failed to create: [${failures.join(', ')}]. ${
              stack.disableRollback ? '' : 'Rollback requested by user.'
            }`.trim());
      if (stack.disableRollback) {
        this.#stackEvent(stack, 'CREATE_FAILED', reason);
        return;
      }
      this.#stackEvent(stack, 'ROLLBACK_IN_PROGRESS', reason);
      const rolledBack = await this.#deleteResources(stack, [...stack.resources.values()], 'rollback');
      this.#stackEvent(stack, rolledBack ? 'ROLLBACK_COMPLETE' : 'ROLLBACK_FAILED');
      if (rolledBack && request.OnFailure === 'DELETE') {
        stack.operation = undefined;
        this.#startDelete(stack, request.ClientRequestToken);
      }
    });
  }

  #timeout(stack: StackRecord, op: Operation) {
    if (!stack.timeoutInMinutes) return undefined;
    return this.cloud.clock.setBackgroundTimer(stack.timeoutInMinutes * 60_000, () => {
      if (stack.operation !== op || op.cancelled) return;
      op.timedOut = true;
      this.#cancel(stack, op);
    });
  }

  /**
   * Runs `work` for every planned resource as soon as all its dependencies succeeded, in
   * parallel. On the first failure, resources still in progress are cancelled and the graph
   * stops: the result is false.
   */
  #runGraph(
    op: Operation,
    plan: Map<string, { dependsOn: string[] }>,
    work: (id: string) => Promise<boolean>,
  ): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const state = new Map<string, 'waiting' | 'running' | 'done' | 'failed'>();
      for (const id of plan.keys()) state.set(id, 'waiting');
      let finished = false;
      const finish = (ok: boolean) => {
        if (finished) return;
        finished = true;
        resolve(ok);
      };
      op.resolveGraph = finish;
      const pump = (): void => {
        if (finished) return;
        if (op.cancelled) {
          finish(false);
          return;
        }
        for (const [id, s] of state) {
          if (s !== 'waiting') continue;
          const deps = plan.get(id)!.dependsOn;
          if (deps.some((d) => state.get(d) === 'failed')) continue;
          if (!deps.every((d) => state.get(d) === 'done' || !state.has(d))) continue;
          state.set(id, 'running');
          op.running.add(id);
          work(id).then(
            (ok) => settle(id, ok),
            (error) => {
              process.emitWarning(`local cloudformation: resource ${id} crashed: ${(error as Error).stack}`);
              settle(id, false);
            },
          );
        }
        if ([...state.values()].every((s) => s === 'done')) finish(true);
        else if (![...state.values()].some((s) => s === 'running')) finish(false);
      };
      const settle = (id: string, ok: boolean) => {
        op.running.delete(id);
        if (finished) return;
        state.set(id, ok ? 'done' : 'failed');
        if (!ok) {
          finish(false);
          return;
        }
        pump();
      };
      pump();
    });
  }

  /** Marks resources still in progress as cancelled (CloudFormation's "Resource ... cancelled"). */
  #cancel(stack: StackRecord, op: Operation): void {
    if (op.cancelled) return;
    op.cancelled = true;
    for (const id of op.running) {
      const resource = stack.resources.get(id);
      if (!resource?.status.endsWith('_IN_PROGRESS')) continue;
      const creating = resource.status.startsWith('CREATE');
      this.#resourceEvent(
        stack,
        resource,
        creating ? 'CREATE_FAILED' : 'UPDATE_FAILED',
        creating ? 'Resource creation cancelled' : 'Resource update cancelled',
      );
    }
    op.resolveGraph?.(false);
  }

  #failResource(
    stack: StackRecord,
    op: Operation,
    resource: ResourceRecord,
    status: string,
    reason: string,
    failures: string[],
  ): false {
    if (op.cancelled) return false;
    this.#resourceEvent(stack, resource, status, reason);
    failures.push(resource.logicalId);
    op.running.delete(resource.logicalId);
    this.#cancel(stack, op);
    return false;
  }

  #tags(stack: StackRecord, logicalId: string): ResourceTag[] {
    return [
      ...stack.tags,
      { Key: 'aws:cloudformation:stack-name', Value: stack.stackName },
      { Key: 'aws:cloudformation:stack-id', Value: stack.stackId },
      { Key: 'aws:cloudformation:logical-id', Value: logicalId },
    ];
  }

  /** Evaluates a resource's properties and checks their names against the spec. */
  #resolveProperties(
    stack: StackRecord,
    prepared: PreparedTemplate,
    planned: PlannedResource,
  ): Record<string, unknown> {
    const raw = planned.definition.Properties ?? {};
    const value = evaluate(raw, this.#stackContext(stack, prepared, 'Resources'));
    const properties = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
    if (isCustomResourceType(planned.type)) {
      if (typeof properties.ServiceToken !== 'string') {
        throw new CfnValidationError(
          'Properties validation failed for resource with message: [#: required key [ServiceToken] not found]',
        );
      }
      return properties;
    }
    const spec = this.spec.resource(planned.type);
    if (spec) {
      for (const name of Object.keys(properties)) {
        if (!spec.properties.has(name))
          throw new CfnValidationError(`Encountered unsupported property ${name}`);
      }
      // The registry schema where the snapshot has one; else the spec's required and nested keys.
      const problems = propertyProblems(planned.type, properties) ?? [
        ...[...spec.properties]
          .filter(([n, p]) => p.required && properties[n] === undefined)
          .map(([n]) => `#: required key [${n}] not found`),
        ...this.spec.nestedProblems(planned.type, properties),
      ];
      if (problems.length > 0) {
        throw new CfnValidationError(propertiesValidationMessage(planned.logicalId, problems));
      }
    }
    return properties;
  }

  async #createResource(
    stack: StackRecord,
    op: Operation,
    logicalId: string,
    failures: string[],
  ): Promise<boolean> {
    const planned = stack.prepared.plan.get(logicalId)!;
    const resource: ResourceRecord = {
      logicalId,
      type: planned.type,
      definition: planned.definition,
      dependsOn: planned.dependsOn,
      status: 'CREATE_IN_PROGRESS',
      timestamp: this.cloud.clock.date(),
      properties: {},
      attributes: {},
    };
    stack.resources.set(logicalId, resource);
    this.#resourceEvent(stack, resource, 'CREATE_IN_PROGRESS');
    let properties: Record<string, unknown>;
    try {
      properties = this.#resolveProperties(stack, stack.prepared, planned);
    } catch (error) {
      return this.#failResource(stack, op, resource, 'CREATE_FAILED', messageOf(error), failures);
    }
    resource.properties = properties;
    const fault = this.cloud.faults.takeResource({
      logicalId,
      type: planned.type,
      stackName: stack.stackName,
      action: 'create',
    });
    if (fault) {
      // The service refuses the resource: no physical resource ever exists, so the rollback
      // has nothing to delete (CloudFormation reports DELETE_COMPLETE at once).
      this.#resourceEvent(stack, resource, 'CREATE_IN_PROGRESS', 'Resource creation Initiated');
      await this.cloud.clock.sleep(this.cloud.durations.resource(planned.type, 'create'));
      if (op.cancelled) return false;
      return this.#failResource(stack, op, resource, 'CREATE_FAILED', fault, failures);
    }
    let provided: ProvidedResource & { stabilize?: Promise<void> };
    // A refusal at the handler or during stabilisation fails the resource the same way.
    const failCreate = (error: unknown) =>
      this.#failResource(
        stack,
        op,
        resource,
        'CREATE_FAILED',
        handlerFailureReason(error, planned.type),
        failures,
      );
    try {
      provided = await this.#providers(planned.type).create({
        cloud: this.cloud,
        logicalId,
        type: planned.type,
        properties,
        stackName: stack.stackName,
        stackId: stack.stackId,
        tags: this.#tags(stack, logicalId),
      });
    } catch (error) {
      return failCreate(error);
    }
    resource.physicalId = provided.physicalId;
    resource.attributes = provided.attributes;
    if (op.cancelled) return false;
    this.#resourceEvent(stack, resource, 'CREATE_IN_PROGRESS', 'Resource creation Initiated');
    await this.cloud.clock.sleep(this.cloud.durations.resource(planned.type, 'create'));
    try {
      await provided.stabilize;
    } catch (error) {
      return failCreate(error);
    }
    if (op.cancelled) return false;
    this.#resourceEvent(stack, resource, 'CREATE_COMPLETE');
    return true;
  }

  #publishOutputs(stack: StackRecord, prepared: PreparedTemplate): void {
    const ctx = this.#stackContext(stack, prepared, 'Outputs');
    const outputs: StackOutput[] = [];
    for (const [key, output] of Object.entries(prepared.template.Outputs ?? {})) {
      if (output.Condition !== undefined && !prepared.condition(output.Condition)) continue;
      const value = evaluate(output.Value, ctx);
      // An Output value must be a string; a list is refused, not joined.
      if (Array.isArray(value) || (value !== null && typeof value === 'object'))
        throw new CfnValidationError(
          `Template format error: [/Outputs/${key}/Value] The Value field of every Outputs member must evaluate to a String.`,
        );
      const text = asString(value, `Output ${key}`);
      const exportName = output.Export
        ? asString(evaluate(output.Export.Name, ctx), `Export of ${key}`)
        : undefined;
      if (exportName !== undefined) {
        const owner = this.exports.get(exportName);
        if (owner && owner.stackId !== stack.stackId) {
          throw new CfnValidationError(
            `Export with name ${exportName} is already exported by stack ${this.stacks.get(owner.stackId)?.stackName ?? owner.stackId}`,
          );
        }
      }
      outputs.push({
        OutputKey: key,
        OutputValue: text,
        ...(typeof output.Description === 'string' ? { Description: output.Description } : {}),
        ...(exportName !== undefined ? { ExportName: exportName } : {}),
      });
    }
    const oldExports = stack.outputs.map((o) => o.ExportName).filter((n): n is string => n !== undefined);
    for (const name of oldExports) {
      const replacement = outputs.find((o) => o.ExportName === name);
      if (replacement && replacement.OutputValue === this.exports.get(name)?.value) continue;
      const user = this.#importer(name, stack);
      if (user && !replacement) {
        throw new CfnValidationError(`Export ${name} cannot be deleted as it is in use by ${user.stackName}`);
      }
      if (user)
        throw new CfnValidationError(`Cannot update export ${name} as it is in use by ${user.stackName}`);
    }
    for (const name of oldExports) this.exports.delete(name);
    for (const o of outputs)
      if (o.ExportName !== undefined)
        this.exports.set(o.ExportName, { stackId: stack.stackId, value: o.OutputValue });
    stack.outputs = outputs;
  }

  /** Every live stack whose template imports the export (ListImports). */
  importersOf(exportName: string): StackRecord[] {
    return [...this.stacks.values()].filter(
      (s) =>
        s.status !== 'DELETE_COMPLETE' &&
        s.status !== 'REVIEW_IN_PROGRESS' &&
        (JSON.stringify(s.prepared.template).includes(`"Fn::ImportValue":"${exportName}"`) ||
          this.#importsDynamically(s, exportName)),
    );
  }

  /** A live stack (other than `except`) whose template imports the export. */
  #importer(exportName: string, except: StackRecord): StackRecord | undefined {
    for (const other of this.stacks.values()) {
      if (other === except || other.status === 'DELETE_COMPLETE') continue;
      const text = JSON.stringify(other.prepared.template);
      if (text.includes(`"Fn::ImportValue":"${exportName}"`) || this.#importsDynamically(other, exportName))
        return other;
    }
    return undefined;
  }

  #importsDynamically(stack: StackRecord, exportName: string): boolean {
    let found = false;
    const ctx = this.#stackContext(stack, stack.prepared, 'Resources');
    const walk = (node: unknown): void => {
      if (found) return;
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        const arg = (node as Record<string, unknown>)['Fn::ImportValue'];
        if (arg !== undefined && typeof arg !== 'string') {
          try {
            if (evaluate(arg, ctx) === exportName) found = true;
          } catch {
            // An import whose name no longer evaluates cannot hold the export.
          }
        }
        Object.values(node).forEach(walk);
      }
    };
    walk(stack.prepared.template.Resources);
    return found;
  }

  /** UpdateStack: validates, refuses a no-op, then updates asynchronously. */
  updateStack(request: StackRequest): StackRecord {
    const stack = this.requireStack(request.StackName);
    if (request.ClientRequestToken && stack.tokens.get(request.ClientRequestToken) === 'UpdateStack')
      return stack;
    this.#requireUpdatable(stack);
    const prepared = this.#prepareUpdate(stack, request);
    if (this.#isNoOp(stack, prepared, request))
      throw new CfnValidationError('No updates are to be performed.');
    checkCapabilities(prepared.template, request.Capabilities ?? stack.capabilities);
    if (request.ClientRequestToken) stack.tokens.set(request.ClientRequestToken, 'UpdateStack');
    this.#startUpdate(stack, prepared, request);
    return stack;
  }

  #requireUpdatable(stack: StackRecord): void {
    if (!UPDATABLE.has(stack.status)) {
      throw new CfnValidationError(
        `Stack:${stack.stackId} is in ${stack.status} state and can not be updated.`,
      );
    }
  }

  #prepareUpdate(stack: StackRecord, request: StackRequest): PreparedTemplate {
    const body = request.UsePreviousTemplate ? stack.prepared.body : this.templateBody(request);
    const previous = new Map(
      stack.prepared.parameters.described.map((p) => [p.ParameterKey, p.ParameterValue]),
    );
    const prepared = this.prepare(
      body,
      request.Parameters ?? [],
      {
        stackName: stack.stackName,
        stackId: stack.stackId,
        notificationArns: request.NotificationARNs ?? stack.notificationArns,
      },
      previous,
    );
    for (const [id, planned] of prepared.plan) {
      const current = stack.resources.get(id);
      if (current && current.type !== planned.type) {
        throw new CfnValidationError(
          `Update of resource type is not permitted. The new template modifies resource type of the following resources: [${id}]`,
        );
      }
    }
    return prepared;
  }

  #isNoOp(stack: StackRecord, prepared: PreparedTemplate, request: StackRequest): boolean {
    const params = (p: ResolvedParameters) =>
      p.described.map((d) => [d.ParameterKey, d.ResolvedValue ?? d.ParameterValue]);
    return (
      sameValue(stack.prepared.template, prepared.template) &&
      sameValue(params(stack.prepared.parameters), params(prepared.parameters)) &&
      (request.Tags === undefined || sameValue(request.Tags, stack.tags)) &&
      (request.NotificationARNs === undefined || sameValue(request.NotificationARNs, stack.notificationArns))
    );
  }

  #startUpdate(
    stack: StackRecord,
    prepared: PreparedTemplate,
    request: StackRequest,
    changeSetId?: string,
  ): void {
    const before = {
      prepared: stack.prepared,
      outputs: stack.outputs,
      tags: stack.tags,
      resources: new Map([...stack.resources].map(([k, r]) => [k, { ...r }])),
    };
    this.#operation(stack, 'update', request.ClientRequestToken, async (op) => {
      stack.prepared = prepared;
      if (request.Tags !== undefined) stack.tags = request.Tags;
      if (request.Capabilities !== undefined) stack.capabilities = request.Capabilities;
      if (request.NotificationARNs !== undefined) stack.notificationArns = request.NotificationARNs;
      stack.changeSetId = changeSetId;
      stack.lastUpdatedTime = this.cloud.clock.date();
      this.#stackEvent(stack, 'UPDATE_IN_PROGRESS', 'User Initiated');
      const invalid = prepared.validationFailures[0];
      if (invalid) {
        // Pre-deployment validation refused the new template: nothing was touched.
        this.#stackEvent(
          stack,
          'UPDATE_ROLLBACK_IN_PROGRESS',
          propertiesValidationMessage(invalid.logicalId, invalid.problems),
          'VALIDATION_FAILED',
        );
        stack.prepared = before.prepared;
        stack.tags = before.tags;
        this.#stackEvent(stack, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
        this.#stackEvent(stack, 'UPDATE_ROLLBACK_COMPLETE');
        return;
      }
      const failures: string[] = [];
      const created: string[] = [];
      const updated: string[] = [];
      /** Updated resources whose change never reached a physical resource (refused before it was made). */
      const unapplied = new Set<string>();
      /** Physical resources superseded by a replacement, deleted in the cleanup phase. */
      const replacedOld: ResourceRecord[] = [];
      let ok = await this.#runGraph(op, prepared.plan, async (id) => {
        if (!before.resources.has(id)) {
          created.push(id);
          return this.#createResource(stack, op, id, failures);
        }
        return this.#updateResource(stack, op, id, before.resources.get(id)!, failures, {
          updated,
          unapplied,
          replacedOld,
        });
      });
      let outputFailure: string | undefined;
      if (ok) {
        try {
          this.#publishOutputs(stack, prepared);
        } catch (error) {
          ok = false;
          outputFailure = messageOf(error);
        }
      }
      if (ok) {
        this.#stackEvent(stack, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
        const removed = [...before.resources.values()].filter((r) => !prepared.plan.has(r.logicalId));
        await this.#deleteResources(
          stack,
          [...removed, ...replacedOld],
          'cleanup',
          new Set(),
          new Set(replacedOld.map((r) => r.logicalId)),
        );
        for (const r of removed) stack.resources.delete(r.logicalId);
        this.#stackEvent(stack, 'UPDATE_COMPLETE');
        return;
      }
      const createdFailed = failures.filter((f) => created.includes(f));
      const updateFailed = failures.filter((f) => !created.includes(f));
      const reason =
        outputFailure ??
        [
          createdFailed.length
            ? `The following resource(s) failed to create: [${createdFailed.join(', ')}]. `
            : '',
          updateFailed.length
            ? `The following resource(s) failed to update: [${updateFailed.join(', ')}]. `
            : '',
        ].join('');
      this.#stackEvent(stack, 'UPDATE_ROLLBACK_IN_PROGRESS', reason);
      // Put back what was updated or replaced, with the old properties and physical ids.
      const newlyCreated: ResourceRecord[] = [];
      const restore: { id: string; attempted: Record<string, unknown> }[] = [];
      for (const id of updated) {
        const old = before.resources.get(id)!;
        const current = stack.resources.get(id)!;
        const replaced = current.physicalId !== old.physicalId;
        if (replaced && current.physicalId !== undefined) newlyCreated.push({ ...current });
        const attempted = current.properties;
        Object.assign(current, {
          properties: old.properties,
          attributes: old.attributes,
          physicalId: old.physicalId,
          definition: old.definition,
          dependsOn: old.dependsOn,
        });
        // A replacement or a refused change left the old physical resource as it was.
        restore.push({ id, attempted: replaced || unapplied.has(id) ? old.properties : attempted });
      }
      for (const id of created) {
        const r = stack.resources.get(id);
        if (r) newlyCreated.push(r);
      }
      stack.prepared = before.prepared;
      stack.outputs = before.outputs;
      stack.tags = before.tags;
      await this.#finishUpdateRollback(stack, restore, newlyCreated, created);
    });
  }

  /**
   * Rolls updated resources back to their previous properties, then deletes what the update
   * created. A resource whose rollback fails leaves the stack in UPDATE_ROLLBACK_FAILED, from
   * which ContinueUpdateRollback resumes (skipping ResourcesToSkip).
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html#troubleshooting-errors-update-rollback-failed
   */
  async #finishUpdateRollback(
    stack: StackRecord,
    restore: { id: string; attempted: Record<string, unknown> }[],
    newlyCreated: ResourceRecord[],
    created: string[],
  ): Promise<void> {
    const failed: { id: string; attempted: Record<string, unknown> }[] = [];
    await Promise.all(
      restore.map(async (item) => {
        const current = stack.resources.get(item.id)!;
        this.#resourceEvent(stack, current, 'UPDATE_IN_PROGRESS');
        await this.cloud.clock.sleep(this.cloud.durations.resource(current.type, 'update'));
        const fault = this.cloud.faults.takeResource({
          logicalId: item.id,
          type: current.type,
          stackName: stack.stackName,
          action: 'update',
        });
        try {
          if (fault) throw new Error(fault);
          if (item.attempted !== current.properties) {
            const restored = await this.#providers(current.type).update?.(
              this.#request(stack, current),
              item.attempted,
            );
            if (restored) current.attributes = restored.attributes;
          }
        } catch (error) {
          this.#resourceEvent(stack, current, 'UPDATE_FAILED', messageOf(error));
          failed.push(item);
          return;
        }
        this.#resourceEvent(stack, current, 'UPDATE_COMPLETE');
      }),
    );
    if (failed.length > 0) {
      stack.pendingRollback = { restore: failed, newlyCreated, created };
      this.#stackEvent(
        stack,
        'UPDATE_ROLLBACK_FAILED',
        `The following resource(s) failed to update: [${failed.map((f) => f.id).join(', ')}]. `,
      );
      return;
    }
    stack.pendingRollback = undefined;
    this.#stackEvent(stack, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    await this.#deleteResources(stack, newlyCreated, 'rollback');
    for (const id of created) stack.resources.delete(id);
    this.#stackEvent(stack, 'UPDATE_ROLLBACK_COMPLETE');
  }

  /**
   * ContinueUpdateRollback: resumes the rollback of a stack in UPDATE_ROLLBACK_FAILED. Resources
   * in ResourcesToSkip (only ones whose rollback failed) are marked UPDATE_COMPLETE and left as
   * they are; the others are rolled back again.
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ContinueUpdateRollback.html
   */
  continueUpdateRollback(request: {
    StackName?: string;
    ResourcesToSkip?: string[];
    ClientRequestToken?: string;
  }): StackRecord {
    const stack = this.requireStack(request.StackName);
    if (
      request.ClientRequestToken &&
      stack.tokens.get(request.ClientRequestToken) === 'ContinueUpdateRollback'
    )
      return stack;
    const pending = stack.pendingRollback;
    if (stack.status !== 'UPDATE_ROLLBACK_FAILED' || !pending || stack.operation) {
      throw new CfnValidationError(
        `Stack ${stack.stackId} is in ${stack.status} state and can not continue update rollback. ContinueUpdateRollback can only be called on a stack in UPDATE_ROLLBACK_FAILED state.`,
      );
    }
    const skip = new Set(request.ResourcesToSkip ?? []);
    for (const id of skip) {
      // Nested-stack resources are named `Nested.Logical`; only this stack's are modelled here.
      if (!pending.restore.some((r) => r.id === id)) {
        throw new CfnValidationError(
          `Resource ${id} is not in UPDATE_FAILED state and cannot be skipped. Only resources that failed to roll back can be skipped.`,
        );
      }
    }
    if (request.ClientRequestToken) stack.tokens.set(request.ClientRequestToken, 'ContinueUpdateRollback');
    this.#operation(stack, 'update', request.ClientRequestToken, async () => {
      this.#stackEvent(stack, 'UPDATE_ROLLBACK_IN_PROGRESS', 'User Initiated');
      for (const id of skip) {
        const resource = stack.resources.get(id);
        if (resource)
          this.#resourceEvent(stack, resource, 'UPDATE_COMPLETE', 'Resource skipped during UpdateRollback');
      }
      await this.#finishUpdateRollback(
        stack,
        pending.restore.filter((r) => !skip.has(r.id)),
        pending.newlyCreated,
        pending.created,
      );
    });
    return stack;
  }

  #request(stack: StackRecord, resource: ResourceRecord) {
    return {
      cloud: this.cloud,
      logicalId: resource.logicalId,
      type: resource.type,
      properties: resource.properties,
      stackName: stack.stackName,
      stackId: stack.stackId,
      tags: this.#tags(stack, resource.logicalId),
      physicalId: resource.physicalId ?? '',
      attributes: resource.attributes,
    };
  }

  async #updateResource(
    stack: StackRecord,
    op: Operation,
    logicalId: string,
    old: ResourceRecord,
    failures: string[],
    track: { updated: string[]; unapplied: Set<string>; replacedOld: ResourceRecord[] },
  ): Promise<boolean> {
    const { updated, unapplied, replacedOld } = track;
    const planned = stack.prepared.plan.get(logicalId)!;
    const resource = stack.resources.get(logicalId)!;
    resource.definition = planned.definition;
    resource.dependsOn = planned.dependsOn;
    let properties: Record<string, unknown>;
    try {
      properties = this.#resolveProperties(stack, stack.prepared, planned);
    } catch (error) {
      this.#resourceEvent(stack, resource, 'UPDATE_IN_PROGRESS');
      return this.#failResource(stack, op, resource, 'UPDATE_FAILED', messageOf(error), failures);
    }
    const changed = changedProperties(old.properties, properties);
    if (changed.length === 0) return true;
    updated.push(logicalId);
    const replace = updateRequiresReplacement(planned.type, changed, this.spec);
    const fault = this.cloud.faults.takeResource({
      logicalId,
      type: planned.type,
      stackName: stack.stackName,
      action: 'update',
    });
    const provider = this.#providers(planned.type);
    if (replace) {
      const nameProp = this.#customName(planned.type, old.properties, properties);
      if (nameProp) {
        this.#resourceEvent(stack, resource, 'UPDATE_IN_PROGRESS');
        return this.#failResource(
          stack,
          op,
          resource,
          'UPDATE_FAILED',
          `CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename ${String(properties[nameProp])} and update the stack again.`,
          failures,
        );
      }
      resource.properties = properties;
      this.#resourceEvent(
        stack,
        resource,
        'UPDATE_IN_PROGRESS',
        'Requested update requires the creation of a new physical resource; hence creating one.',
      );
      if (fault) {
        // The replacement is refused: it never exists, so nothing new is deleted on rollback.
        unapplied.add(logicalId);
        this.#resourceEvent(stack, resource, 'UPDATE_IN_PROGRESS', 'Resource creation Initiated');
        await this.cloud.clock.sleep(this.cloud.durations.resource(planned.type, 'create'));
        if (op.cancelled) return false;
        return this.#failResource(stack, op, resource, 'UPDATE_FAILED', fault, failures);
      }
      let provided: ProvidedResource & { stabilize?: Promise<void> };
      try {
        provided = await provider.create({ ...this.#request(stack, resource), properties });
      } catch (error) {
        unapplied.add(logicalId);
        return this.#failResource(
          stack,
          op,
          resource,
          'UPDATE_FAILED',
          handlerFailureReason(error, planned.type),
          failures,
        );
      }
      replacedOld.push({ ...old });
      resource.physicalId = provided.physicalId;
      resource.attributes = provided.attributes;
      this.#resourceEvent(stack, resource, 'UPDATE_IN_PROGRESS', 'Resource creation Initiated');
      await this.cloud.clock.sleep(this.cloud.durations.resource(planned.type, 'create'));
      try {
        await provided.stabilize;
      } catch (error) {
        return this.#failResource(
          stack,
          op,
          resource,
          'UPDATE_FAILED',
          handlerFailureReason(error, planned.type),
          failures,
        );
      }
    } else {
      resource.properties = properties;
      this.#resourceEvent(stack, resource, 'UPDATE_IN_PROGRESS');
      await this.cloud.clock.sleep(this.cloud.durations.resource(planned.type, 'update'));
      if (op.cancelled) return false;
      if (fault) unapplied.add(logicalId);
      else {
        try {
          const provided = (await provider.update?.(this.#request(stack, resource), old.properties)) as
            | (ProvidedResource & { stabilize?: Promise<void> })
            | undefined;
          if (provided) resource.attributes = provided.attributes;
          await provided?.stabilize;
        } catch (error) {
          return this.#failResource(
            stack,
            op,
            resource,
            'UPDATE_FAILED',
            handlerFailureReason(error, planned.type),
            failures,
          );
        }
      }
    }
    if (op.cancelled) return false;
    if (fault) return this.#failResource(stack, op, resource, 'UPDATE_FAILED', fault, failures);
    this.#resourceEvent(stack, resource, 'UPDATE_COMPLETE');
    return true;
  }

  /** The name property that pins a resource needing replacement (set in the template and unchanged). */
  #customName(
    type: string,
    before: Record<string, unknown>,
    after: Record<string, unknown>,
  ): string | undefined {
    const primary = this.spec.resource(type)?.primaryIdentifier ?? [];
    return primary.find(
      (p) => after[p] !== undefined && sameValue(before[p], after[p]) && /Name$|Identifier$/.test(p),
    );
  }

  /** DeleteStack: refuses with termination protection, otherwise deletes asynchronously. */
  deleteStack(request: {
    StackName?: string;
    ClientRequestToken?: string;
    RetainResources?: string[];
  }): void {
    const stack = request.StackName ? this.findStack(request.StackName) : undefined;
    if (!stack || stack.status === 'DELETE_COMPLETE' || stack.status === 'DELETE_IN_PROGRESS') return;
    if (request.ClientRequestToken && stack.tokens.get(request.ClientRequestToken) === 'DeleteStack') return;
    if (stack.terminationProtection) {
      throw new CfnValidationError(
        `Stack [${stack.stackName}] cannot be deleted while TerminationProtection is enabled`,
      );
    }
    if (request.ClientRequestToken) stack.tokens.set(request.ClientRequestToken, 'DeleteStack');
    const op = stack.operation;
    if (op?.kind === 'create' && !op.cancelled) {
      // Deleting a stack being created cancels the creation, then deletes what exists.
      op.deleteRequested = true;
      this.#cancel(stack, op);
      return;
    }
    if (op)
      throw new CfnValidationError(
        `Stack:${stack.stackId} is in ${stack.status} state and can not be deleted.`,
      );
    this.#startDelete(stack, request.ClientRequestToken, new Set(request.RetainResources ?? []));
  }

  #startDelete(stack: StackRecord, token: string | undefined, retain = new Set<string>()): void {
    this.#operation(stack, 'delete', token, () => this.#deleteAll(stack, retain));
  }

  async #deleteAll(stack: StackRecord, retain = new Set<string>()): Promise<void> {
    this.#stackEvent(stack, 'DELETE_IN_PROGRESS', 'User Initiated');
    for (const output of stack.outputs) {
      if (output.ExportName === undefined) continue;
      const user = this.#importer(output.ExportName, stack);
      if (user) {
        this.#stackEvent(
          stack,
          'DELETE_FAILED',
          `Export ${output.ExportName} cannot be deleted as it is in use by ${user.stackName}`,
        );
        return;
      }
    }
    const ok = await this.#deleteResources(stack, [...stack.resources.values()], 'delete', retain);
    if (!ok) {
      const failed = [...stack.resources.values()]
        .filter((r) => r.status === 'DELETE_FAILED')
        .map((r) => r.logicalId);
      this.#stackEvent(
        stack,
        'DELETE_FAILED',
        `The following resource(s) failed to delete: [${failed.join(', ')}]. `,
      );
      return;
    }
    for (const output of stack.outputs)
      if (output.ExportName !== undefined) this.exports.delete(output.ExportName);
    stack.deletionTime = this.cloud.clock.date();
    this.#stackEvent(stack, 'DELETE_COMPLETE');
    for (const changeSet of this.changeSets.values())
      if (changeSet.stackId === stack.stackId) this.changeSets.delete(changeSet.id);
  }

  /**
   * Deletes resources in reverse dependency order (a resource goes once everything that depends
   * on it has gone), honouring DeletionPolicy (delete, rollback) or UpdateReplacePolicy (replaced).
   */
  async #deleteResources(
    stack: StackRecord,
    resources: ResourceRecord[],
    why: 'delete' | 'rollback' | 'cleanup',
    retain = new Set<string>(),
    replaced = new Set<string>(),
  ): Promise<boolean> {
    const targets = resources.filter((r) => r.status !== 'DELETE_COMPLETE' && r.status !== 'DELETE_SKIPPED');
    const ids = new Set(targets.map((r) => r.logicalId));
    // Reverse graph: X waits for every target that depends on X.
    const plan = new Map<string, { dependsOn: string[] }>();
    for (const r of targets) {
      plan.set(r.logicalId, {
        dependsOn: targets
          .filter((o) => o.dependsOn.includes(r.logicalId) && ids.has(o.logicalId))
          .map((o) => o.logicalId),
      });
    }
    const byId = new Map(targets.map((r) => [r.logicalId, r]));
    let allOk = true;
    await this.#runGraphAll(plan, async (id) => {
      const ok = await this.#deleteResource(
        stack,
        byId.get(id)!,
        replaced.has(id) ? 'replaced' : why,
        retain.has(id),
      );
      if (!ok) allOk = false;
      return ok;
    });
    return allOk;
  }

  /** Like #runGraph but carries on past failures (deletes continue where they can). */
  async #runGraphAll(
    plan: Map<string, { dependsOn: string[] }>,
    work: (id: string) => Promise<boolean>,
  ): Promise<void> {
    const pending = new Map(plan);
    const done = new Set<string>();
    const failed = new Set<string>();
    await new Promise<void>((resolve) => {
      let running = 0;
      const pump = () => {
        for (const [id, node] of pending) {
          if (node.dependsOn.some((d) => failed.has(d))) {
            pending.delete(id);
            failed.add(id);
            continue;
          }
          if (!node.dependsOn.every((d) => done.has(d) || !plan.has(d))) continue;
          pending.delete(id);
          running++;
          void work(id).then((ok) => {
            running--;
            (ok ? done : failed).add(id);
            pump();
          });
        }
        if (running === 0) resolve();
      };
      pump();
    });
  }

  async #deleteResource(
    stack: StackRecord,
    resource: ResourceRecord,
    why: string,
    retainRequested: boolean,
  ): Promise<boolean> {
    const policy = this.#policy(resource, why);
    const leaveInPlace =
      policy === 'Retain' || (policy === 'RetainExceptOnCreate' && why !== 'rollback') || retainRequested;
    if (why === 'replaced') {
      // The superseded physical resource is deleted silently except for its events.
      const old = { ...resource };
      const shadow: ResourceRecord = { ...old };
      if (leaveInPlace) {
        this.#resourceEvent(stack, shadow, 'DELETE_SKIPPED');
        return true;
      }
      this.#resourceEvent(stack, shadow, 'DELETE_IN_PROGRESS');
      await this.cloud.clock.sleep(this.cloud.durations.resource(old.type, 'delete'));
      try {
        await this.#providers(old.type).delete(this.#request(stack, old), {
          snapshot: policy === 'Snapshot',
        });
      } catch (error) {
        this.#resourceEvent(stack, shadow, 'DELETE_FAILED', messageOf(error));
        return false;
      }
      this.#resourceEvent(stack, shadow, 'DELETE_COMPLETE');
      return true;
    }
    if (leaveInPlace && resource.physicalId !== undefined) {
      this.#resourceEvent(stack, resource, 'DELETE_SKIPPED');
      return true;
    }
    if (resource.physicalId === undefined) {
      this.#resourceEvent(stack, resource, 'DELETE_COMPLETE');
      return true;
    }
    this.#resourceEvent(stack, resource, 'DELETE_IN_PROGRESS');
    const fault =
      why === 'delete'
        ? this.cloud.faults.takeResource({
            logicalId: resource.logicalId,
            type: resource.type,
            stackName: stack.stackName,
            action: 'delete',
          })
        : undefined;
    await this.cloud.clock.sleep(this.cloud.durations.resource(resource.type, 'delete'));
    if (fault) {
      this.#resourceEvent(stack, resource, 'DELETE_FAILED', fault);
      return false;
    }
    try {
      await this.#providers(resource.type).delete(this.#request(stack, resource), {
        snapshot: policy === 'Snapshot',
      });
    } catch (error) {
      this.#resourceEvent(stack, resource, 'DELETE_FAILED', messageOf(error));
      return false;
    }
    this.#resourceEvent(stack, resource, 'DELETE_COMPLETE');
    return true;
  }

  /** DeletionPolicy (or UpdateReplacePolicy for a replaced resource), with AWS's defaults. */
  #policy(resource: ResourceRecord, why: string): string {
    const explicit =
      why === 'replaced' ? resource.definition.UpdateReplacePolicy : resource.definition.DeletionPolicy;
    if (explicit) return explicit;
    // RDS clusters, and instances outside a cluster, default to Snapshot.
    if (why !== 'replaced' && resource.type === 'AWS::RDS::DBCluster') return 'Snapshot';
    if (
      why !== 'replaced' &&
      resource.type === 'AWS::RDS::DBInstance' &&
      resource.properties.DBClusterIdentifier === undefined
    ) {
      return 'Snapshot';
    }
    return 'Delete';
  }

  /** UpdateTerminationProtection. */
  updateTerminationProtection(nameOrId: string | undefined, enabled: boolean): StackRecord {
    const stack = this.requireStack(nameOrId);
    if (stack.parentId) {
      throw new CfnValidationError(
        `Cannot update termination protection on a nested stack. Update termination protection on the root stack instead.`,
      );
    }
    stack.terminationProtection = enabled;
    return stack;
  }

  // ---- change sets -----------------------------------------------------------------------

  /** CreateChangeSet: computes the changes, then marks the change set complete after a moment. */
  createChangeSet(
    request: StackRequest & {
      ChangeSetName?: string;
      ChangeSetType?: string;
      Description?: string;
      ClientToken?: string;
    },
  ): ChangeSetRecord {
    const name = request.ChangeSetName ?? '';
    if (!/^[a-zA-Z][-a-zA-Z0-9]{0,127}$/.test(name)) {
      throw new CfnValidationError(
        `1 validation error detected: Value '${name}' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`,
      );
    }
    const type = (request.ChangeSetType ?? 'UPDATE') as 'CREATE' | 'UPDATE';
    let stack = request.StackName ? this.findStack(request.StackName) : undefined;
    if (type === 'CREATE') {
      if (stack && stack.status !== 'REVIEW_IN_PROGRESS') {
        throw new CfnValidationError(
          `Stack [${stack.stackName}] already exists and cannot be created again with the changeSet [${name}].`,
        );
      }
    } else if (!stack) {
      throw new CfnValidationError(`Stack [${request.StackName ?? ''}] does not exist`);
    } else this.#requireUpdatable(stack);
    for (const cs of this.changeSets.values()) {
      if (stack && cs.stackId === stack.stackId && cs.name === name) {
        if (request.ClientToken && cs.clientToken === request.ClientToken) return cs;
        throw new CfnApiError('AlreadyExistsException', `ChangeSet ${name} already exists`);
      }
    }
    const stackName = request.StackName ?? '';
    const stackId = stack?.stackId ?? this.cloud.arn('cloudformation', `stack/${stackName}/${randomUUID()}`);
    let prepared: PreparedTemplate;
    if (type === 'CREATE') {
      if (!STACK_NAME.test(stackName)) throw new CfnValidationError(`Invalid stack name ${stackName}`);
      prepared = this.prepare(this.templateBody(request), request.Parameters ?? [], {
        stackName,
        stackId,
        notificationArns: request.NotificationARNs ?? [],
      });
    } else prepared = this.#prepareUpdate(stack!, request);
    checkCapabilities(prepared.template, request.Capabilities ?? stack?.capabilities ?? []);
    if (!stack) {
      stack = this.#newStack(stackId, stackName, prepared, request, undefined);
      this.stacks.set(stackId, stack);
      this.#stackEvent(stack, 'REVIEW_IN_PROGRESS', 'User Initiated');
    }
    const changes =
      type === 'CREATE' || stack.status === 'REVIEW_IN_PROGRESS'
        ? this.#addChanges(prepared)
        : this.#diff(stack, prepared);
    const record: ChangeSetRecord = {
      id: this.cloud.arn('cloudformation', `changeSet/${name}/${randomUUID()}`),
      name,
      stackId: stack.stackId,
      stackName: stack.stackName,
      type,
      status: 'CREATE_PENDING',
      executionStatus: 'UNAVAILABLE',
      creationTime: this.cloud.clock.date(),
      description: request.Description,
      prepared,
      tags: request.Tags ?? stack.tags,
      capabilities: request.Capabilities ?? [],
      notificationArns: request.NotificationARNs ?? stack.notificationArns,
      changes,
      clientToken: request.ClientToken,
    };
    const empty =
      type === 'UPDATE' &&
      stack.status !== 'REVIEW_IN_PROGRESS' &&
      changes.length === 0 &&
      this.#isNoOp(stack, prepared, request);
    const invalid = prepared.validationFailures.length > 0;
    this.changeSets.set(record.id, record);
    this.cloud.clock.setTimer(1_000, () => {
      if (record.status !== 'CREATE_PENDING') return;
      record.status = 'CREATE_IN_PROGRESS';
    });
    this.cloud.clock.setTimer(2_000, () => {
      if (record.status === 'DELETE_COMPLETE') return;
      if (invalid) {
        // Early validation: the change set fails and can never be executed.
        record.status = 'FAILED';
        record.statusReason = EARLY_VALIDATION_REASON;
        record.executionStatus = 'UNAVAILABLE';
      } else if (empty) {
        record.status = 'FAILED';
        record.statusReason =
          "The submitted information didn't contain changes. Submit different information to create a change set.";
        record.executionStatus = 'UNAVAILABLE';
      } else {
        record.status = 'CREATE_COMPLETE';
        record.executionStatus = 'AVAILABLE';
      }
    });
    return record;
  }

  #addChanges(prepared: PreparedTemplate): ResourceChange[] {
    return [...prepared.plan.values()].map((r) => ({
      Type: 'Resource',
      ResourceChange: {
        Action: 'Add',
        LogicalResourceId: r.logicalId,
        ResourceType: r.type,
        Scope: [],
        Details: [],
      },
    }));
  }

  /** The changes an update would make, resource by resource, in dependency order. */
  #diff(stack: StackRecord, prepared: PreparedTemplate): ResourceChange[] {
    const changedParameters = new Set<string>();
    const oldParams = new Map(
      stack.prepared.parameters.described.map((p) => [p.ParameterKey, p.ResolvedValue ?? p.ParameterValue]),
    );
    for (const p of prepared.parameters.described) {
      if (oldParams.get(p.ParameterKey) !== (p.ResolvedValue ?? p.ParameterValue))
        changedParameters.add(p.ParameterKey);
    }
    const outcome: PlannedOutcome = {
      replaced: new Set(),
      modified: new Set(),
      parameters: new Set(Object.keys(prepared.template.Parameters ?? {})),
      changedParameters,
    };
    const changes: ResourceChange[] = [];
    const order = topologicalOrder(prepared.plan);
    const ctx = this.#stackContext(stack, prepared, 'Resources');
    for (const id of order) {
      const planned = prepared.plan.get(id)!;
      const current = stack.resources.get(id);
      if (!current) {
        changes.push({
          Type: 'Resource',
          ResourceChange: {
            Action: 'Add',
            LogicalResourceId: id,
            ResourceType: planned.type,
            Scope: [],
            Details: [],
          },
        });
        outcome.replaced.add(id);
        continue;
      }
      let newValues: Record<string, unknown>;
      try {
        newValues = evaluate(planned.definition.Properties ?? {}, ctx) as Record<string, unknown>;
      } catch {
        // References to resources that do not exist yet: compare the template text only.
        newValues = current.properties;
      }
      const details = describePropertyChanges(
        planned.type,
        current.definition.Properties ?? {},
        planned.definition.Properties ?? {},
        current.properties,
        newValues,
        outcome,
        prepared.condition,
        this.spec,
      );
      if (details.length === 0) continue;
      const replacement = replacementOf(planned.type, details);
      if (replacement === 'True') outcome.replaced.add(id);
      else outcome.modified.add(id);
      const scope = [...new Set(details.map((d) => d.Target.Attribute))];
      changes.push({
        Type: 'Resource',
        ResourceChange: {
          Action: 'Modify',
          LogicalResourceId: id,
          PhysicalResourceId: current.physicalId,
          ResourceType: planned.type,
          Replacement: replacement,
          Scope: scope,
          Details: details,
        },
      });
    }
    for (const [id, current] of stack.resources) {
      if (prepared.plan.has(id)) continue;
      changes.push({
        Type: 'Resource',
        ResourceChange: {
          Action: 'Remove',
          LogicalResourceId: id,
          PhysicalResourceId: current.physicalId,
          ResourceType: current.type,
          Scope: [],
          Details: [],
        },
      });
    }
    return changes;
  }

  /** A change set by ARN, or by name within a stack. */
  findChangeSet(nameOrArn: string | undefined, stackName?: string): ChangeSetRecord {
    const byArn = nameOrArn ? this.changeSets.get(nameOrArn) : undefined;
    if (byArn) return byArn;
    const stack = stackName ? this.findStack(stackName) : undefined;
    for (const cs of this.changeSets.values()) {
      if (cs.name === nameOrArn && stack && cs.stackId === stack.stackId) return cs;
    }
    throw new CfnApiError('ChangeSetNotFound', `ChangeSet [${nameOrArn ?? ''}] does not exist`, {
      statusCode: 404,
    });
  }

  /** ExecuteChangeSet: runs the create or update the change set describes. */
  executeChangeSet(request: {
    ChangeSetName?: string;
    StackName?: string;
    ClientRequestToken?: string;
    DisableRollback?: boolean;
  }): void {
    const cs = this.findChangeSet(request.ChangeSetName, request.StackName);
    const stack = this.requireStack(cs.stackId);
    if (request.ClientRequestToken && stack.tokens.get(request.ClientRequestToken) === 'ExecuteChangeSet')
      return;
    if (cs.executionStatus !== 'AVAILABLE') {
      throw new CfnApiError(
        'InvalidChangeSetStatus',
        `ChangeSet [${cs.id}] cannot be executed in its current status of [${cs.status}]`,
      );
    }
    if (request.ClientRequestToken) stack.tokens.set(request.ClientRequestToken, 'ExecuteChangeSet');
    cs.executionStatus = 'EXECUTE_IN_PROGRESS';
    const stackRequest: StackRequest = {
      Tags: cs.tags,
      Capabilities: cs.capabilities,
      NotificationARNs: cs.notificationArns,
      ClientRequestToken: request.ClientRequestToken,
      DisableRollback: request.DisableRollback,
    };
    for (const other of this.changeSets.values()) {
      if (other.stackId === stack.stackId && other !== cs) other.executionStatus = 'OBSOLETE';
    }
    if (stack.status === 'REVIEW_IN_PROGRESS') {
      stack.prepared = cs.prepared;
      stack.tags = cs.tags;
      stack.capabilities = cs.capabilities;
      stack.disableRollback = request.DisableRollback === true;
      stack.changeSetId = cs.id;
      this.#startCreate(stack, stackRequest);
    } else {
      this.#requireUpdatable(stack);
      this.#startUpdate(stack, cs.prepared, stackRequest, cs.id);
    }
    void stack.operation?.done.then(() => {
      cs.executionStatus = /FAILED|ROLLBACK/.test(stack.status) ? 'EXECUTE_FAILED' : 'EXECUTE_COMPLETE';
    });
  }

  /** DeleteChangeSet. */
  deleteChangeSet(request: { ChangeSetName?: string; StackName?: string }): void {
    const cs = this.findChangeSet(request.ChangeSetName, request.StackName);
    if (cs.executionStatus === 'EXECUTE_IN_PROGRESS') {
      throw new CfnApiError(
        'InvalidChangeSetStatus',
        `ChangeSet [${cs.id}] cannot be deleted in its current status of [${cs.status}]`,
      );
    }
    cs.status = 'DELETE_COMPLETE';
    this.changeSets.delete(cs.id);
  }
}

/** Resources in an order where each comes after its dependencies. */
export function topologicalOrder(plan: Map<string, { dependsOn: string[] }>): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const dep of plan.get(id)?.dependsOn ?? []) visit(dep);
    order.push(id);
  };
  for (const id of plan.keys()) visit(id);
  return order;
}

export { PSEUDO_PARAMETERS };
