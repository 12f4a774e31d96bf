/**
 * The end of an update rollback (UPDATE_ROLLBACK_COMPLETE or UPDATE_ROLLBACK_FAILED) and
 * ContinueUpdateRollback. Split from engine.ts; the AWS pages these follow are cited below.
 */
import type { CloudFormationEngine } from './engine.ts';
import type { ResourceRecord, StackRecord } from './engine-records.ts';
import { messageOf } from './engine-records.ts';
import { CfnValidationError } from './errors.ts';

/**
 * Rolls updated resources back to their previous properties, then deletes what the update
 * created. A resource whose rollback fails leaves the stack in UPDATE_ROLLBACK_FAILED, from
 * which ContinueUpdateRollback resumes (skipping ResourcesToSkip).
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html#troubleshooting-errors-update-rollback-failed
 */
export async function finishUpdateRollback(
  this: CloudFormationEngine,
  stack: StackRecord,
  restore: { id: string; attempted: Record<string, unknown> }[],
  newlyCreated: ResourceRecord[],
  created: string[],
): Promise<void> {
  const failed: { id: string; attempted: Record<string, unknown> }[] = [];
  await Promise.all(
    restore.map(async (item) => {
      const current = stack.resources.get(item.id)!;
      this.resourceEvent(stack, current, 'UPDATE_IN_PROGRESS');
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
          const restored = await this.providers(current.type).update?.(
            this.request(stack, current),
            item.attempted,
          );
          if (restored) current.attributes = restored.attributes;
        }
      } catch (error) {
        this.resourceEvent(stack, current, 'UPDATE_FAILED', messageOf(error));
        failed.push(item);
        return;
      }
      this.resourceEvent(stack, current, 'UPDATE_COMPLETE');
    }),
  );
  if (failed.length > 0) {
    stack.pendingRollback = { restore: failed, newlyCreated, created };
    this.stackEvent(
      stack,
      'UPDATE_ROLLBACK_FAILED',
      `The following resource(s) failed to update: [${failed.map((f) => f.id).join(', ')}]. `,
    );
    return;
  }
  stack.pendingRollback = undefined;
  this.stackEvent(stack, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
  await this.deleteResources(stack, newlyCreated, 'rollback');
  for (const id of created) stack.resources.delete(id);
  this.stackEvent(stack, 'UPDATE_ROLLBACK_COMPLETE');
}

/**
 * ContinueUpdateRollback: resumes the rollback of a stack in UPDATE_ROLLBACK_FAILED. Resources
 * in ResourcesToSkip (only ones whose rollback failed) are marked UPDATE_COMPLETE and left as
 * they are; the others are rolled back again.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ContinueUpdateRollback.html
 */
export function continueUpdateRollback(
  this: CloudFormationEngine,
  request: {
    StackName?: string;
    ResourcesToSkip?: string[];
    ClientRequestToken?: string;
  },
): StackRecord {
  const stack = this.requireStack(request.StackName);
  if (request.ClientRequestToken && stack.tokens.get(request.ClientRequestToken) === 'ContinueUpdateRollback')
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
  this.operation(stack, 'update', request.ClientRequestToken, async () => {
    this.stackEvent(stack, 'UPDATE_ROLLBACK_IN_PROGRESS', 'User Initiated');
    for (const id of skip) {
      const resource = stack.resources.get(id);
      if (resource)
        this.resourceEvent(stack, resource, 'UPDATE_COMPLETE', 'Resource skipped during UpdateRollback');
    }
    await this.finishUpdateRollback(
      stack,
      pending.restore.filter((r) => !skip.has(r.id)),
      pending.newlyCreated,
      pending.created,
    );
  });
  return stack;
}
