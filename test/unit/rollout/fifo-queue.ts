import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import type { DeployMessage } from '#shared/rollout/message.ts';
import { REGION } from './fake-aws.ts';

interface QueuedMessage {
  messageId: string;
  message: DeployMessage;
  receiveCount: number;
  inFlight: boolean;
}

/**
 * An SQS FIFO queue as the Lambda event source mapping sees it: deduplication within 5 minutes,
 * order within a message group, no delivery from a group while one of its messages is in flight,
 * batches of up to 10 messages (possibly from several groups), failed messages redelivered in place.
 */
export class FifoQueue {
  private messages: QueuedMessage[] = [];
  private sentDedupIds = new Map<string, number>();
  private seq = 0;
  deduplicated = 0;

  private readonly now: () => Date;

  constructor(now: () => Date) {
    this.now = now;
  }

  send(message: DeployMessage): boolean {
    const at = this.now().getTime();
    const previous = this.sentDedupIds.get(message.MessageDeduplicationId);
    if (previous !== undefined && at - previous < 5 * 60_000) {
      this.deduplicated++;
      return false;
    }
    this.sentDedupIds.set(message.MessageDeduplicationId, at);
    this.messages.push({ messageId: `m-${++this.seq}`, message, receiveCount: 0, inFlight: false });
    return true;
  }

  get size(): number {
    return this.messages.length;
  }

  /** Up to `max` messages in order, skipping every group that has a message in flight. */
  receive(max = 10): SQSRecord[] {
    const blocked = new Set(this.messages.filter((m) => m.inFlight).map((m) => m.message.MessageGroupId));
    const batch: QueuedMessage[] = [];
    for (const m of this.messages) {
      if (batch.length >= max) break;
      if (blocked.has(m.message.MessageGroupId)) continue;
      batch.push(m);
    }
    return batch.map((m) => {
      m.inFlight = true;
      m.receiveCount++;
      return {
        messageId: m.messageId,
        receiptHandle: `${m.messageId}-${m.receiveCount}`,
        body: m.message.MessageBody,
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: '0',
          SenderId: 'AIDA',
          ApproximateFirstReceiveTimestamp: '0',
          MessageGroupId: m.message.MessageGroupId,
          MessageDeduplicationId: m.message.MessageDeduplicationId,
          SequenceNumber: m.messageId,
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${REGION}:123456789012:stackdrop-deploys.fifo`,
        awsRegion: REGION,
      };
    });
  }

  /** What the event source mapping does with the function's answer: delete all but the failures. */
  complete(batch: SQSRecord[], response: SQSBatchResponse): void {
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    const ids = new Set(batch.map((r) => r.messageId));
    this.messages = this.messages.filter((m) => !ids.has(m.messageId) || failed.has(m.messageId));
    for (const m of this.messages) if (ids.has(m.messageId)) m.inFlight = false;
  }
}
