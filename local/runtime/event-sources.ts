import type { TimerHandle } from '../clock.ts';
import type { LocalCloud } from '../kernel.ts';
import type { SqsMessage } from '../services/sqs.ts';
import type { LambdaRuntime } from './lambda.ts';
import type { EventSourceMappingPlan } from './sam.ts';

/** Lambda keeps about five pollers per SQS mapping; each may hold one batch in flight. */
const CONCURRENT_BATCHES = 5;

export interface BatchRecord {
  source: string;
  messageIds: string[];
  failed: string[];
  error?: string;
}

/**
 * SQS event-source mappings as Lambda runs them: batches of up to BatchSize visible messages
 * (FIFO: the queue model hands out one group's messages in order and locks the group while they
 * are in flight), deleted when the batch succeeds; with ReportBatchItemFailures only the
 * `batchItemFailures` stay; a failed invocation leaves the whole batch to reappear after its
 * visibility timeout, and the queue's redrive policy moves it to the DLQ after maxReceiveCount.
 * Pollers wake on sends and visibility changes instead of spinning, so an idle queue sets no timer.
 */
export class SqsEventSources {
  readonly #cloud: LocalCloud;
  readonly #lambda: LambdaRuntime;
  readonly #mappings: EventSourceMappingPlan[];
  readonly #state = new Map<string, { inflight: number; again: boolean; timer?: TimerHandle }>();
  readonly #inflight = new Set<Promise<void>>();
  readonly batches: BatchRecord[] = [];
  #stopped = false;
  readonly #unwrap: Array<() => void> = [];

  constructor(cloud: LocalCloud, lambda: LambdaRuntime, mappings: EventSourceMappingPlan[]) {
    this.#cloud = cloud;
    this.#lambda = lambda;
    this.#mappings = mappings.filter((m) => m.enabled);
    const sqs = cloud.sqs;
    const wake = (ref: unknown) => {
      let name: string;
      try {
        name = sqs.queue(String(ref)).name;
      } catch {
        return;
      }
      for (const m of this.#mappings) if (sqs.queue(m.queueArn).name === name) this.#poll(m);
    };
    for (const method of ['sendMessage', 'changeVisibility'] as const) {
      const original = sqs[method];
      const wrapped = function (this: typeof sqs, ...args: unknown[]) {
        const result = (original as (...a: unknown[]) => unknown).apply(this, args);
        setImmediate(() => wake(args[0]));
        return result;
      };
      (sqs as unknown as Record<string, unknown>)[method] = wrapped;
      this.#unwrap.push(() => {
        (sqs as unknown as Record<string, unknown>)[method] = original;
      });
    }
    for (const m of this.#mappings) this.#poll(m);
  }

  /** Stops polling (runtime shutdown). */
  stop(): void {
    this.#stopped = true;
    for (const s of this.#state.values()) s.timer?.cancel();
    for (const u of this.#unwrap) u();
  }

  /** Resolves once every batch in flight has been processed. */
  async drain(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.all([...this.#inflight]);
  }

  #poll(m: EventSourceMappingPlan): void {
    if (this.#stopped) return;
    const state = this.#state.get(m.source) ?? { inflight: 0, again: false };
    this.#state.set(m.source, state);
    const sqs = this.#cloud.sqs;
    while (state.inflight < CONCURRENT_BATCHES) {
      const messages = sqs.receiveMessages(m.queueArn, { max: Math.min(10, m.batchSize) });
      if (messages.length === 0) break;
      state.inflight += 1;
      const work = this.#process(m, messages).finally(() => {
        state.inflight -= 1;
        this.#inflight.delete(work);
        this.#poll(m);
      });
      this.#inflight.add(work);
    }
    this.#armWake(m, state);
  }

  /** Wakes the poller when the next invisible message of the queue becomes visible. */
  #armWake(m: EventSourceMappingPlan, state: { timer?: TimerHandle }): void {
    const queue = this.#cloud.sqs.queue(m.queueArn);
    const now = this.#cloud.clock.now();
    const next = Math.min(...queue.messages.filter((x) => x.visibleAt > now).map((x) => x.visibleAt));
    if (!Number.isFinite(next)) return;
    if (state.timer && state.timer.due <= next && state.timer.due > now) return;
    state.timer?.cancel();
    state.timer = this.#cloud.clock.setTimer(next - now, () => {
      state.timer = undefined;
      this.#poll(m);
    });
  }

  async #process(m: EventSourceMappingPlan, messages: SqsMessage[]): Promise<void> {
    const queue = this.#cloud.sqs.queue(m.queueArn);
    const event = {
      Records: messages.map((msg) => ({
        messageId: msg.messageId,
        receiptHandle: msg.receiptHandle!,
        body: msg.body,
        attributes: {
          ApproximateReceiveCount: String(msg.receiveCount),
          SentTimestamp: String(msg.sentAt),
          SenderId: 'AIDAIENQZJOLO23YVJ4VO',
          ApproximateFirstReceiveTimestamp: String(msg.firstReceivedAt ?? msg.sentAt),
          ...(msg.groupId ? { MessageGroupId: msg.groupId } : {}),
          ...(msg.deduplicationId ? { MessageDeduplicationId: msg.deduplicationId } : {}),
          ...(msg.sequenceNumber ? { SequenceNumber: msg.sequenceNumber } : {}),
        },
        messageAttributes: Object.fromEntries(
          Object.entries(msg.attributes).map(([k, v]) => [
            k,
            {
              stringValue: v.StringValue,
              binaryValue: v.BinaryValue,
              stringListValues: [],
              binaryListValues: [],
              dataType: v.DataType,
            },
          ]),
        ),
        md5OfBody: msg.md5OfBody,
        eventSource: 'aws:sqs',
        eventSourceARN: queue.arn,
        awsRegion: this.#cloud.region,
      })),
    };
    const record: BatchRecord = {
      source: m.source,
      messageIds: messages.map((x) => x.messageId),
      failed: [],
    };
    this.batches.push(record);
    if (this.batches.length > 1000) this.batches.shift();
    const result = await this.#lambda.invoke(m.functionName, event);
    let failed: Set<string>;
    if (result.functionError) {
      failed = new Set(record.messageIds);
      record.error = result.payload;
    } else if (m.reportBatchItemFailures) {
      failed = batchItemFailures(result.payload, record.messageIds);
    } else {
      failed = new Set();
    }
    record.failed = [...failed];
    for (const msg of messages) {
      if (failed.has(msg.messageId)) continue;
      // A message whose receipt is stale (received again elsewhere) stays, as on AWS.
      if (queue.messages.includes(msg) && msg.receiptHandle && this.#cloud.sqs.queues.has(queue.name)) {
        this.#cloud.sqs.deleteMessage(queue.name, msg.receiptHandle);
      }
    }
  }
}

/**
 * The ids a ReportBatchItemFailures response marks as failed. An unreadable response, or an id
 * that is not in the batch, fails the whole batch (Lambda's rule).
 */
export function batchItemFailures(payload: string, ids: string[]): Set<string> {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return new Set(ids);
  }
  if (body === null || body === undefined) return new Set();
  const list = (body as { batchItemFailures?: Array<{ itemIdentifier?: string }> }).batchItemFailures;
  if (list === undefined || list === null) return new Set();
  if (!Array.isArray(list)) return new Set(ids);
  const failed = new Set<string>();
  for (const item of list) {
    if (!item?.itemIdentifier || !ids.includes(item.itemIdentifier)) return new Set(ids);
    failed.add(item.itemIdentifier);
  }
  return failed;
}
