import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { deployRepository, type RepositoryOutcome, type RolloutDeps } from './deploy.ts';
import { isSuccessfulPush, type Push, parsePushMessage } from './event.ts';
import { describeError } from './retry.ts';

export interface BatchDeps extends Omit<RolloutDeps, 'deadline' | 'finalAttempt' | 'firstReceivedAt'> {
  sqs: SQSClient;
  /** URL of the deploy queue (to shorten the visibility of messages that are retried). */
  queueUrl: string;
  /** The queue's redrive maxReceiveCount: on the last receive a failure is recorded before the DLQ. */
  maxReceiveCount: number;
  /** Stop waiting this long before the Lambda times out (final status write, visibility change). */
  safetyMarginMs?: number;
}

/** A group's messages are retried: thrown for each of them so the FIFO processor reports them. */
export class DeployRetryError extends Error {
  override name = 'DeployRetryError';
}

/**
 * Handles one batch from the FIFO deploy queue: pushes are grouped by repository (the message
 * group), each repository is deployed once to its newest image, repositories in parallel (one
 * invocation may hold several groups and each rollout waits minutes). Messages of a repository
 * whose deploy must be retried are reported as batch item failures (the in-flight messages keep
 * the group, so later pushes wait behind them) and made visible again soon; everything else,
 * including a recorded failed deploy, is acknowledged.
 */
export async function handleDeployBatch(
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  deps: BatchDeps,
): Promise<SQSBatchResponse> {
  const deadline = new Date(
    deps.now().getTime() + context.getRemainingTimeInMillis() - (deps.safetyMarginMs ?? 60_000),
  );
  const groups = new Map<string, { pushes: Push[]; records: SQSRecord[] }>();
  const groupOf = new Map<string, string>();
  for (const record of event.Records) {
    let parsed: ReturnType<typeof parsePushMessage>;
    try {
      parsed = parsePushMessage(record.body);
    } catch (error) {
      // A malformed message can never succeed; holding it would block its group for hours.
      deps.logger.error('Dropping a deploy message that is not an ECR push event', {
        messageId: record.messageId,
        error: describeError(error),
        body: record.body.slice(0, 2000),
      });
      continue;
    }
    if (!isSuccessfulPush(parsed.event)) {
      deps.logger.info('Ignoring an ECR event that is not a successful push', {
        repository: parsed.push.repository,
        actionType: parsed.event.detail['action-type'],
        result: parsed.event.detail.result,
      });
      continue;
    }
    const key = parsed.push.repository;
    const group = groups.get(key) ?? { pushes: [], records: [] };
    group.pushes.push(parsed.push);
    group.records.push(record);
    groups.set(key, group);
    groupOf.set(record.messageId, key);
  }

  const outcomes = new Map<string, RepositoryOutcome>();
  await Promise.all(
    [...groups].map(async ([repository, group]) => {
      const finalAttempt = group.records.some(
        (r) => Number(r.attributes.ApproximateReceiveCount ?? '1') >= deps.maxReceiveCount,
      );
      const firstReceives = group.records
        .map((r) => Number(r.attributes.ApproximateFirstReceiveTimestamp))
        .filter((ms) => ms > 0);
      const firstReceivedAt = firstReceives.length > 0 ? new Date(Math.min(...firstReceives)) : undefined;
      let outcome: RepositoryOutcome;
      try {
        outcome = await deployRepository(group.pushes, {
          ...deps,
          deadline,
          finalAttempt,
          ...(firstReceivedAt ? { firstReceivedAt } : {}),
        });
      } catch (error) {
        deps.logger.error('Deploy crashed; the message will be retried', {
          repository,
          error: describeError(error),
        });
        outcome = { kind: 'retry', reason: describeError(error), retryAfterSeconds: 60 };
      }
      deps.logger.info('Repository processed', { repository, outcome });
      outcomes.set(repository, outcome);
    }),
  );

  const processor = new SqsFifoPartialProcessorAsync();
  const response = await processPartialResponse(
    event,
    async (record: SQSRecord) => {
      const repository = groupOf.get(record.messageId);
      const outcome = repository ? outcomes.get(repository) : undefined;
      if (outcome?.kind === 'retry') throw new DeployRetryError(outcome.reason);
    },
    processor,
    { context: context as Context, skipGroupOnError: true, throwOnFullBatchFailure: false },
  );

  await shortenVisibility(event, response, outcomes, groupOf, deps);
  return response;
}

/**
 * Failed messages otherwise stay invisible for the whole visibility timeout (6 × the function
 * timeout); a resumed rollout or a throttle retry should come back within seconds.
 */
async function shortenVisibility(
  event: SQSEvent,
  response: SQSBatchResponse,
  outcomes: Map<string, RepositoryOutcome>,
  groupOf: Map<string, string>,
  deps: BatchDeps,
): Promise<void> {
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  const entries = event.Records.filter((r) => failed.has(r.messageId)).map((r, index) => {
    const outcome = outcomes.get(groupOf.get(r.messageId) ?? '');
    return {
      Id: String(index),
      ReceiptHandle: r.receiptHandle,
      VisibilityTimeout: outcome?.kind === 'retry' ? outcome.retryAfterSeconds : 30,
    };
  });
  for (let i = 0; i < entries.length; i += 10) {
    try {
      await deps.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: deps.queueUrl,
          Entries: entries.slice(i, i + 10),
        }),
      );
    } catch (error) {
      deps.logger.warn('Could not shorten the visibility of retried messages', {
        error: describeError(error),
      });
    }
  }
}
