/**
 * UpdateStack: which statuses accept an update, the no-op check, the update operation and each
 * resource's update or replacement. Split from engine.ts.
 */
import { changedProperties, sameValue, updateRequiresReplacement } from './changes.ts';
import type { CloudFormationEngine } from './engine.ts';
import type {
  Operation,
  PreparedTemplate,
  ResourceRecord,
  StackRecord,
  StackRequest,
} from './engine-records.ts';
import { messageOf, UPDATABLE } from './engine-records.ts';
import { CfnValidationError } from './errors.ts';
import { handlerFailureReason } from './handler-errors.ts';
import type { ResolvedParameters } from './parameters.ts';
import type { ProvidedResource } from './providers/types.ts';
import { checkCapabilities } from './template.ts';
import { propertiesValidationMessage } from './validate/properties.ts';

/** UpdateStack: validates, refuses a no-op, then updates asynchronously. */
export function updateStack(this: CloudFormationEngine, request: StackRequest): StackRecord {
  const stack = this.requireStack(request.StackName);
  if (request.ClientRequestToken && stack.tokens.get(request.ClientRequestToken) === 'UpdateStack')
    return stack;
  this.requireUpdatable(stack);
  const prepared = this.prepareUpdate(stack, request);
  if (this.isNoOp(stack, prepared, request)) throw new CfnValidationError('No updates are to be performed.');
  checkCapabilities(prepared.template, request.Capabilities ?? stack.capabilities);
  if (request.ClientRequestToken) stack.tokens.set(request.ClientRequestToken, 'UpdateStack');
  this.startUpdate(stack, prepared, request);
  return stack;
}

export function requireUpdatable(this: CloudFormationEngine, stack: StackRecord): void {
  if (!UPDATABLE.has(stack.status)) {
    throw new CfnValidationError(
      `Stack:${stack.stackId} is in ${stack.status} state and can not be updated.`,
    );
  }
}

export function prepareUpdate(
  this: CloudFormationEngine,
  stack: StackRecord,
  request: StackRequest,
): PreparedTemplate {
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

export function isNoOp(
  this: CloudFormationEngine,
  stack: StackRecord,
  prepared: PreparedTemplate,
  request: StackRequest,
): boolean {
  const params = (p: ResolvedParameters) =>
    p.described.map((d) => [d.ParameterKey, d.ResolvedValue ?? d.ParameterValue]);
  return (
    sameValue(stack.prepared.template, prepared.template) &&
    sameValue(params(stack.prepared.parameters), params(prepared.parameters)) &&
    (request.Tags === undefined || sameValue(request.Tags, stack.tags)) &&
    (request.NotificationARNs === undefined || sameValue(request.NotificationARNs, stack.notificationArns))
  );
}

export function startUpdate(
  this: CloudFormationEngine,
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
  this.operation(stack, 'update', request.ClientRequestToken, async (op) => {
    stack.prepared = prepared;
    if (request.Tags !== undefined) stack.tags = request.Tags;
    if (request.Capabilities !== undefined) stack.capabilities = request.Capabilities;
    if (request.NotificationARNs !== undefined) stack.notificationArns = request.NotificationARNs;
    stack.changeSetId = changeSetId;
    stack.lastUpdatedTime = this.cloud.clock.date();
    this.stackEvent(stack, 'UPDATE_IN_PROGRESS', 'User Initiated');
    const invalid = prepared.validationFailures[0];
    if (invalid) {
      // Pre-deployment validation refused the new template: nothing was touched.
      this.stackEvent(
        stack,
        'UPDATE_ROLLBACK_IN_PROGRESS',
        propertiesValidationMessage(invalid.logicalId, invalid.problems),
        'VALIDATION_FAILED',
      );
      stack.prepared = before.prepared;
      stack.tags = before.tags;
      this.stackEvent(stack, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
      this.stackEvent(stack, 'UPDATE_ROLLBACK_COMPLETE');
      return;
    }
    const failures: string[] = [];
    const created: string[] = [];
    const updated: string[] = [];
    /** Updated resources whose change never reached a physical resource (refused before it was made). */
    const unapplied = new Set<string>();
    /** Physical resources superseded by a replacement, deleted in the cleanup phase. */
    const replacedOld: ResourceRecord[] = [];
    let ok = await this.runGraph(op, prepared.plan, async (id) => {
      if (!before.resources.has(id)) {
        created.push(id);
        return this.createResource(stack, op, id, failures);
      }
      return this.updateResource(stack, op, id, before.resources.get(id)!, failures, {
        updated,
        unapplied,
        replacedOld,
      });
    });
    let outputFailure: string | undefined;
    if (ok) {
      try {
        this.publishOutputs(stack, prepared);
      } catch (error) {
        ok = false;
        outputFailure = messageOf(error);
      }
    }
    if (ok) {
      this.stackEvent(stack, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
      const removed = [...before.resources.values()].filter((r) => !prepared.plan.has(r.logicalId));
      await this.deleteResources(
        stack,
        [...removed, ...replacedOld],
        'cleanup',
        new Set(),
        new Set(replacedOld.map((r) => r.logicalId)),
      );
      for (const r of removed) stack.resources.delete(r.logicalId);
      this.stackEvent(stack, 'UPDATE_COMPLETE');
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
    this.stackEvent(stack, 'UPDATE_ROLLBACK_IN_PROGRESS', reason);
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
    await this.finishUpdateRollback(stack, restore, newlyCreated, created);
  });
}

export function request(this: CloudFormationEngine, stack: StackRecord, resource: ResourceRecord) {
  return {
    cloud: this.cloud,
    logicalId: resource.logicalId,
    type: resource.type,
    properties: resource.properties,
    stackName: stack.stackName,
    stackId: stack.stackId,
    tags: this.tags(stack, resource.logicalId),
    physicalId: resource.physicalId ?? '',
    attributes: resource.attributes,
  };
}

export async function updateResource(
  this: CloudFormationEngine,
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
    properties = this.resolveProperties(stack, stack.prepared, planned);
  } catch (error) {
    this.resourceEvent(stack, resource, 'UPDATE_IN_PROGRESS');
    return this.failResource(stack, op, resource, 'UPDATE_FAILED', messageOf(error), failures);
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
  const provider = this.providers(planned.type);
  if (replace) {
    const nameProp = this.customName(planned.type, old.properties, properties);
    if (nameProp) {
      this.resourceEvent(stack, resource, 'UPDATE_IN_PROGRESS');
      return this.failResource(
        stack,
        op,
        resource,
        'UPDATE_FAILED',
        `CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename ${String(properties[nameProp])} and update the stack again.`,
        failures,
      );
    }
    resource.properties = properties;
    this.resourceEvent(
      stack,
      resource,
      'UPDATE_IN_PROGRESS',
      'Requested update requires the creation of a new physical resource; hence creating one.',
    );
    if (fault) {
      // The replacement is refused: it never exists, so nothing new is deleted on rollback.
      unapplied.add(logicalId);
      this.resourceEvent(stack, resource, 'UPDATE_IN_PROGRESS', 'Resource creation Initiated');
      await this.cloud.clock.sleep(this.cloud.durations.resource(planned.type, 'create'));
      if (op.cancelled) return false;
      return this.failResource(stack, op, resource, 'UPDATE_FAILED', fault, failures);
    }
    let provided: ProvidedResource & { stabilize?: Promise<void> };
    try {
      provided = await provider.create({ ...this.request(stack, resource), properties });
    } catch (error) {
      unapplied.add(logicalId);
      return this.failResource(
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
    this.resourceEvent(stack, resource, 'UPDATE_IN_PROGRESS', 'Resource creation Initiated');
    await this.cloud.clock.sleep(this.cloud.durations.resource(planned.type, 'create'));
    try {
      await provided.stabilize;
    } catch (error) {
      return this.failResource(
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
    this.resourceEvent(stack, resource, 'UPDATE_IN_PROGRESS');
    await this.cloud.clock.sleep(this.cloud.durations.resource(planned.type, 'update'));
    if (op.cancelled) return false;
    if (fault) unapplied.add(logicalId);
    else {
      try {
        const provided = (await provider.update?.(this.request(stack, resource), old.properties)) as
          | (ProvidedResource & { stabilize?: Promise<void> })
          | undefined;
        if (provided) resource.attributes = provided.attributes;
        await provided?.stabilize;
      } catch (error) {
        return this.failResource(
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
  if (fault) return this.failResource(stack, op, resource, 'UPDATE_FAILED', fault, failures);
  this.resourceEvent(stack, resource, 'UPDATE_COMPLETE');
  return true;
}

/** The name property that pins a resource needing replacement (set in the template and unchanged). */
export function customName(
  this: CloudFormationEngine,
  type: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): string | undefined {
  const primary = this.spec.resource(type)?.primaryIdentifier ?? [];
  return primary.find(
    (p) => after[p] !== undefined && sameValue(before[p], after[p]) && /Name$|Identifier$/.test(p),
  );
}
