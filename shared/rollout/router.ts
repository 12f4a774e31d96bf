import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../logger.ts';
import type { EcrImageActionEvent } from './event.ts';
import { deployMessage } from './message.ts';

export class NotAnEcrPushError extends Error {
  override name = 'NotAnEcrPushError';
}

/** The fields the router needs, checked by hand: the router stays small (no schema library) and fast to start. */
function assertEcrImageAction(event: unknown): asserts event is EcrImageActionEvent {
  const e = event as Partial<EcrImageActionEvent> | undefined;
  const detail = e?.detail as Record<string, unknown> | undefined;
  if (
    e?.source !== 'aws.ecr' ||
    e['detail-type'] !== 'ECR Image Action' ||
    typeof e.id !== 'string' ||
    typeof detail?.['repository-name'] !== 'string' ||
    typeof detail['image-digest'] !== 'string'
  ) {
    throw new NotAnEcrPushError('Event is not an ECR Image Action with a repository and a digest');
  }
}

/**
 * Sends an ECR push event, unchanged, to the FIFO deploy queue with the repository as message
 * group and a digest-based deduplication id. An EventBridge rule cannot do this itself: its SQS
 * target takes one static MessageGroupId and needs content-based deduplication on the queue.
 * roll-service validates the full event; an unusable one throws here so the asynchronous
 * invocation is retried and then lands in the intake DLQ.
 */
export async function routePush(
  event: unknown,
  deps: { sqs: SQSClient; queueUrl: string; logger: Logger },
): Promise<{ messageId: string | undefined }> {
  assertEcrImageAction(event);
  const message = deployMessage(event);
  const out = await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.queueUrl, ...message }));
  deps.logger.info('Push queued for deploy', {
    repository: message.MessageGroupId,
    digest: event.detail['image-digest'],
    tag: event.detail['image-tag'],
    messageId: out.MessageId,
  });
  return { messageId: out.MessageId };
}
