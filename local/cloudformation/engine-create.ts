/**
 * CreateStack: the new stack record, the create operation and each resource's creation (tags,
 * resolved properties, the provider call). Split from engine.ts.
 */
import { randomUUID } from 'node:crypto';
import type { CloudFormationEngine } from './engine.ts';
import type {
  Operation,
  PreparedTemplate,
  ResourceRecord,
  StackRecord,
  StackRequest,
} from './engine-records.ts';
import { messageOf, STACK_NAME } from './engine-records.ts';
import { CfnApiError, CfnValidationError } from './errors.ts';
import { handlerFailureReason } from './handler-errors.ts';
import { evaluate } from './intrinsics.ts';
import type { ProvidedResource, ResourceTag } from './providers/types.ts';
import { isCustomResourceType } from './spec.ts';
import { checkCapabilities, type PlannedResource } from './template.ts';
import { propertiesValidationMessage } from './validate/properties.ts';
import { propertyProblems } from './validate/schemas.ts';

// ---- API: stacks -----------------------------------------------------------------------

/** CreateStack: validates, then creates the resources asynchronously. Returns the stack. */
export function createStack(
  this: CloudFormationEngine,
  request: StackRequest,
  options: { parent?: StackRecord } = {},
): StackRecord {
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
  const stack = this.newStack(stackId, name, prepared, request, options.parent);
  if (request.ClientRequestToken) stack.tokens.set(request.ClientRequestToken, 'CreateStack');
  this.stacks.set(stackId, stack);
  this.startCreate(stack, request);
  return stack;
}

export function newStack(
  this: CloudFormationEngine,
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

export function startCreate(this: CloudFormationEngine, stack: StackRecord, request: StackRequest): void {
  this.operation(stack, 'create', request.ClientRequestToken, async (op) => {
    this.stackEvent(stack, 'CREATE_IN_PROGRESS', 'User Initiated');
    const invalid = stack.prepared.validationFailures[0];
    if (invalid) {
      // Pre-deployment validation: nothing is provisioned; the stack fails with VALIDATION_FAILED.
      const reason = propertiesValidationMessage(invalid.logicalId, invalid.problems);
      if (stack.disableRollback) {
        this.stackEvent(stack, 'CREATE_FAILED', reason, 'VALIDATION_FAILED');
        return;
      }
      this.stackEvent(stack, 'ROLLBACK_IN_PROGRESS', reason, 'VALIDATION_FAILED');
      this.stackEvent(stack, 'ROLLBACK_COMPLETE');
      return;
    }
    const timeout = this.timeout(stack, op);
    const failures: string[] = [];
    let ok = await this.runGraph(op, stack.prepared.plan, (id) =>
      this.createResource(stack, op, id, failures),
    );
    let outputFailure: string | undefined;
    if (ok) {
      try {
        this.publishOutputs(stack, stack.prepared);
      } catch (error) {
        ok = false;
        outputFailure = messageOf(error);
      }
    }
    timeout?.cancel();
    if (ok) {
      this.stackEvent(stack, 'CREATE_COMPLETE');
      return;
    }
    if (op.deleteRequested) {
      await this.deleteAll(stack);
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
      this.stackEvent(stack, 'CREATE_FAILED', reason);
      return;
    }
    this.stackEvent(stack, 'ROLLBACK_IN_PROGRESS', reason);
    const rolledBack = await this.deleteResources(stack, [...stack.resources.values()], 'rollback');
    this.stackEvent(stack, rolledBack ? 'ROLLBACK_COMPLETE' : 'ROLLBACK_FAILED');
    if (rolledBack && request.OnFailure === 'DELETE') {
      stack.operation = undefined;
      this.startDelete(stack, request.ClientRequestToken);
    }
  });
}

export function tags(this: CloudFormationEngine, stack: StackRecord, logicalId: string): ResourceTag[] {
  return [
    ...stack.tags,
    { Key: 'aws:cloudformation:stack-name', Value: stack.stackName },
    { Key: 'aws:cloudformation:stack-id', Value: stack.stackId },
    { Key: 'aws:cloudformation:logical-id', Value: logicalId },
  ];
}

/** Evaluates a resource's properties and checks their names against the spec. */
export function resolveProperties(
  this: CloudFormationEngine,
  stack: StackRecord,
  prepared: PreparedTemplate,
  planned: PlannedResource,
): Record<string, unknown> {
  const raw = planned.definition.Properties ?? {};
  const value = evaluate(raw, this.stackContext(stack, prepared, 'Resources'));
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

export async function createResource(
  this: CloudFormationEngine,
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
  this.resourceEvent(stack, resource, 'CREATE_IN_PROGRESS');
  let properties: Record<string, unknown>;
  try {
    properties = this.resolveProperties(stack, stack.prepared, planned);
  } catch (error) {
    return this.failResource(stack, op, resource, 'CREATE_FAILED', messageOf(error), failures);
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
    this.resourceEvent(stack, resource, 'CREATE_IN_PROGRESS', 'Resource creation Initiated');
    await this.cloud.clock.sleep(this.cloud.durations.resource(planned.type, 'create'));
    if (op.cancelled) return false;
    return this.failResource(stack, op, resource, 'CREATE_FAILED', fault, failures);
  }
  let provided: ProvidedResource & { stabilize?: Promise<void> };
  // A refusal at the handler or during stabilisation fails the resource the same way.
  const failCreate = (error: unknown) =>
    this.failResource(
      stack,
      op,
      resource,
      'CREATE_FAILED',
      handlerFailureReason(error, planned.type),
      failures,
    );
  try {
    provided = await this.providers(planned.type).create({
      cloud: this.cloud,
      logicalId,
      type: planned.type,
      properties,
      stackName: stack.stackName,
      stackId: stack.stackId,
      tags: this.tags(stack, logicalId),
    });
  } catch (error) {
    return failCreate(error);
  }
  resource.physicalId = provided.physicalId;
  resource.attributes = provided.attributes;
  if (op.cancelled) return false;
  this.resourceEvent(stack, resource, 'CREATE_IN_PROGRESS', 'Resource creation Initiated');
  await this.cloud.clock.sleep(this.cloud.durations.resource(planned.type, 'create'));
  try {
    await provided.stabilize;
  } catch (error) {
    return failCreate(error);
  }
  if (op.cancelled) return false;
  this.resourceEvent(stack, resource, 'CREATE_COMPLETE');
  return true;
}
