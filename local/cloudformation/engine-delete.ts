/**
 * DeleteStack: termination protection, retained resources, DeletionPolicy, and deleting resources
 * in reverse dependency order. Split from engine.ts.
 */
import type { CloudFormationEngine } from './engine.ts';
import type { ResourceRecord, StackRecord } from './engine-records.ts';
import { messageOf } from './engine-records.ts';
import { CfnValidationError } from './errors.ts';

/** DeleteStack: refuses with termination protection, otherwise deletes asynchronously. */
export function deleteStack(
  this: CloudFormationEngine,
  request: {
    StackName?: string;
    ClientRequestToken?: string;
    RetainResources?: string[];
  },
): void {
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
    this.cancel(stack, op);
    return;
  }
  if (op)
    throw new CfnValidationError(
      `Stack:${stack.stackId} is in ${stack.status} state and can not be deleted.`,
    );
  this.startDelete(stack, request.ClientRequestToken, new Set(request.RetainResources ?? []));
}

export function startDelete(
  this: CloudFormationEngine,
  stack: StackRecord,
  token: string | undefined,
  retain = new Set<string>(),
): void {
  this.operation(stack, 'delete', token, () => this.deleteAll(stack, retain));
}

export async function deleteAll(
  this: CloudFormationEngine,
  stack: StackRecord,
  retain = new Set<string>(),
): Promise<void> {
  this.stackEvent(stack, 'DELETE_IN_PROGRESS', 'User Initiated');
  for (const output of stack.outputs) {
    if (output.ExportName === undefined) continue;
    const user = this.importer(output.ExportName, stack);
    if (user) {
      this.stackEvent(
        stack,
        'DELETE_FAILED',
        `Export ${output.ExportName} cannot be deleted as it is in use by ${user.stackName}`,
      );
      return;
    }
  }
  const ok = await this.deleteResources(stack, [...stack.resources.values()], 'delete', retain);
  if (!ok) {
    const failed = [...stack.resources.values()]
      .filter((r) => r.status === 'DELETE_FAILED')
      .map((r) => r.logicalId);
    this.stackEvent(
      stack,
      'DELETE_FAILED',
      `The following resource(s) failed to delete: [${failed.join(', ')}]. `,
    );
    return;
  }
  for (const output of stack.outputs)
    if (output.ExportName !== undefined) this.exports.delete(output.ExportName);
  stack.deletionTime = this.cloud.clock.date();
  this.stackEvent(stack, 'DELETE_COMPLETE');
  for (const changeSet of this.changeSets.values())
    if (changeSet.stackId === stack.stackId) this.changeSets.delete(changeSet.id);
}

/**
 * Deletes resources in reverse dependency order (a resource goes once everything that depends
 * on it has gone), honouring DeletionPolicy (delete, rollback) or UpdateReplacePolicy (replaced).
 */
export async function deleteResources(
  this: CloudFormationEngine,
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
  await this.runGraphAll(plan, async (id) => {
    const ok = await this.deleteResource(
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

export async function deleteResource(
  this: CloudFormationEngine,
  stack: StackRecord,
  resource: ResourceRecord,
  why: string,
  retainRequested: boolean,
): Promise<boolean> {
  const policy = this.policy(resource, why);
  const leaveInPlace =
    policy === 'Retain' || (policy === 'RetainExceptOnCreate' && why !== 'rollback') || retainRequested;
  if (why === 'replaced') {
    // The superseded physical resource is deleted silently except for its events.
    const old = { ...resource };
    const shadow: ResourceRecord = { ...old };
    if (leaveInPlace) {
      this.resourceEvent(stack, shadow, 'DELETE_SKIPPED');
      return true;
    }
    this.resourceEvent(stack, shadow, 'DELETE_IN_PROGRESS');
    await this.cloud.clock.sleep(this.cloud.durations.resource(old.type, 'delete'));
    try {
      await this.providers(old.type).delete(this.request(stack, old), {
        snapshot: policy === 'Snapshot',
      });
    } catch (error) {
      this.resourceEvent(stack, shadow, 'DELETE_FAILED', messageOf(error));
      return false;
    }
    this.resourceEvent(stack, shadow, 'DELETE_COMPLETE');
    return true;
  }
  if (leaveInPlace && resource.physicalId !== undefined) {
    this.resourceEvent(stack, resource, 'DELETE_SKIPPED');
    return true;
  }
  if (resource.physicalId === undefined) {
    this.resourceEvent(stack, resource, 'DELETE_COMPLETE');
    return true;
  }
  this.resourceEvent(stack, resource, 'DELETE_IN_PROGRESS');
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
    this.resourceEvent(stack, resource, 'DELETE_FAILED', fault);
    return false;
  }
  try {
    await this.providers(resource.type).delete(this.request(stack, resource), {
      snapshot: policy === 'Snapshot',
    });
  } catch (error) {
    this.resourceEvent(stack, resource, 'DELETE_FAILED', messageOf(error));
    return false;
  }
  this.resourceEvent(stack, resource, 'DELETE_COMPLETE');
  return true;
}

/** DeletionPolicy (or UpdateReplacePolicy for a replaced resource), with AWS's defaults. */
export function policy(this: CloudFormationEngine, resource: ResourceRecord, why: string): string {
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
export function updateTerminationProtection(
  this: CloudFormationEngine,
  nameOrId: string | undefined,
  enabled: boolean,
): StackRecord {
  const stack = this.requireStack(nameOrId);
  if (stack.parentId) {
    throw new CfnValidationError(
      `Cannot update termination protection on a nested stack. Update termination protection on the root stack instead.`,
    );
  }
  stack.terminationProtection = enabled;
  return stack;
}
