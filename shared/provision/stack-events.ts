import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { describeStack } from './cfn.ts';
import { ConcurrentWriteError, deleteJson, getJson } from './json-store.ts';
import {
  advance,
  type CallbackRecord,
  callbackKey,
  complete,
  type DriverDeps,
  type Outcome,
} from './stack-driver.ts';

/**
 * The other half of the stack driver: what happens when a stack reaches a final status (its Stack
 * Status Change event) or the schedule's sweep finds a waiting record.
 */

/**
 * The status of the execution that owns a record (its `executionId` is the execution ARN); one
 * Step Functions no longer knows (expired from its history) has ended.
 */
async function executionStatus(sfn: SFNClient, executionArn: string): Promise<string> {
  try {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return out.status ?? 'UNKNOWN';
  } catch (error) {
    if ((error as { name?: string }).name === 'ExecutionDoesNotExist') return 'DOES_NOT_EXIST';
    throw error;
  }
}

/**
 * Reacts to a stack reaching a final status: advances the stored record (which may start the next
 * operation, e.g. the create after a delete) and completes the task when the stack is done. A
 * record whose execution is no longer RUNNING is deleted instead, with no other effect.
 */
export async function onStackFinalStatus(
  stackName: string,
  clientRequestToken: string | undefined,
  deps: DriverDeps,
  options: { milestonesOnly?: boolean } = {},
): Promise<Outcome | undefined> {
  // An execution seen RUNNING in this call; a retry after a lost write need not ask again.
  let running: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const stored = await getJson<CallbackRecord>(deps.s3, deps.bucket, callbackKey(stackName));
    if (!stored) {
      deps.logger.info('No task waits for this stack', { stackName });
      return undefined;
    }
    const record = stored.value;
    // A resource's completion matters only to a task waiting for a milestone.
    if (options.milestonesOnly && !record.milestone) return { kind: 'waiting' };
    // An event of an older operation (e.g. the one we waited for) says nothing about ours.
    if (
      record.phase === 'applying' &&
      record.clientRequestToken &&
      clientRequestToken &&
      clientRequestToken !== record.clientRequestToken
    ) {
      deps.logger.info('Event belongs to another operation', { stackName });
      return { kind: 'waiting' };
    }
    // Only an execution that still runs may have its record moved on: a stopped, failed or
    // timed-out one (or a branch its Parallel sibling cancelled) leaves the record behind, and
    // moving it on would write the status, complete a dead token or even delete the stack. The
    // stack is read meanwhile, so the check adds no latency; nothing acts before the answer.
    const read = describeStack(deps.cfn, record.stackId ?? record.stackName);
    read.catch(() => undefined); // awaited by advance, or of no interest once the record is dropped
    if (record.executionId !== running) {
      const status = await executionStatus(deps.sfn, record.executionId);
      if (status !== 'RUNNING') {
        await deleteJson(deps.s3, deps.bucket, callbackKey(stackName), stored.etag);
        deps.logger.info('The execution that waited for this stack has ended; record dropped', {
          stackName,
          executionId: record.executionId,
          executionStatus: status,
        });
        return undefined;
      }
      running = record.executionId;
    }
    try {
      const { outcome, etag } = await advance(stored, deps, read);
      if (outcome.kind !== 'waiting') await complete(record, etag, outcome, deps);
      return outcome;
    } catch (error) {
      if (error instanceof ConcurrentWriteError && attempt < 5) continue;
      throw error;
    }
  }
}

/**
 * The schedule's sweep: moves every waiting record on by describing its stack, so a lost Stack
 * Status Change event costs at most one schedule period and no state transition. The task
 * timeouts remain as the last, bounded resort.
 */
export async function sweepWaitingStacks(deps: DriverDeps): Promise<{ checked: number; completed: number }> {
  let checked = 0;
  let completed = 0;
  let token: string | undefined;
  do {
    const page = await deps.s3.send(
      new ListObjectsV2Command({ Bucket: deps.bucket, Prefix: 'callbacks/', ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      const name = /^callbacks\/(.+)\.json$/.exec(object.Key ?? '')?.[1];
      if (!name) continue;
      checked++;
      try {
        const outcome = await onStackFinalStatus(name, undefined, deps);
        if (outcome && outcome.kind !== 'waiting') completed++;
      } catch (error) {
        deps.logger.error('Sweep could not move a waiting stack on', {
          stackName: name,
          error: error as Error,
        });
      }
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  deps.logger.info('Swept waiting stacks', { checked, completed });
  return { checked, completed };
}
