import { createHash, randomUUID } from 'node:crypto';
import { isValidQueueName, SQS_INTEGER_ATTRIBUTES } from '#shared/aws-rules/sqs.ts';
import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';
import {
  checkBatch,
  checkMessageId,
  checkQueueAttributes,
  checkRange,
  invalidParameter,
  missingParameter,
} from './sqs-validate.ts';

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: Uint8Array | string;
  StringListValues?: string[];
  BinaryListValues?: Array<Uint8Array | string>;
}

export interface SqsMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  attributes: Record<string, MessageAttributeValue>;
  md5OfAttributes?: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  receiptHandle?: string;
  groupId?: string;
  deduplicationId?: string;
  sequenceNumber?: string;
}

export interface SqsQueue {
  name: string;
  arn: string;
  fifo: boolean;
  attributes: Record<string, string>;
  tags: Record<string, string>;
  createdAt: number;
  lastModifiedAt: number;
  messages: SqsMessage[];
  /** FIFO deduplication ids → when they expire and the message they produced. */
  dedup: Map<string, { expiresAt: number; messageId: string; sequenceNumber: string }>;
}

// Defaults from CreateQueue (shared/aws-rules/sqs.ts); KMS reuse appears only with a KMS key.
const DEFAULT_ATTRIBUTES: Record<string, string> = {
  ...Object.fromEntries(
    Object.entries(SQS_INTEGER_ATTRIBUTES)
      .filter(([name]) => name !== 'KmsDataKeyReusePeriodSeconds')
      .map(([name, r]) => [name, String(r.default)]),
  ),
  SqsManagedSseEnabled: 'true',
};

const DEDUP_WINDOW_MS = 5 * 60_000;

function nonExistentQueue(): AwsError {
  return new AwsError('QueueDoesNotExist', 'The specified queue does not exist.', {
    queryCode: 'AWS.SimpleQueueService.NonExistentQueue',
  });
}

/** Bytes a message counts against MaximumMessageSize: body plus each attribute's name, type and value. */
function messageBytes(body: string, attributes: Record<string, MessageAttributeValue>): number {
  let n = Buffer.byteLength(body);
  for (const [name, a] of Object.entries(attributes)) {
    n += Buffer.byteLength(name) + Buffer.byteLength(a.DataType ?? '');
    if (a.StringValue !== undefined) n += Buffer.byteLength(a.StringValue);
    else if (a.BinaryValue !== undefined)
      n +=
        typeof a.BinaryValue === 'string'
          ? Buffer.from(a.BinaryValue, 'base64').length
          : a.BinaryValue.length;
  }
  return n;
}

/**
 * SQS: standard and FIFO queues (group ordering, 5-minute deduplication), visibility timeouts
 * and delays on the virtual clock, DLQ redrive, MD5 fields as the SDK verifies them.
 */
export class SqsModel {
  readonly #cloud: LocalCloud;
  readonly queues = new Map<string, SqsQueue>();
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #listeners = new Set<(queueName: string) => void>();
  #sequence = 10_000_000_000_000_000_000n;

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
  }

  /** URL of a queue as clients see it: `<endpoint>/<account>/<name>`. */
  queueUrl(name: string): string {
    return `${this.#cloud.endpoint}/${this.#cloud.accountId}/${name}`;
  }

  /** Finds a queue by URL, ARN or name. */
  queue(ref: string): SqsQueue {
    const name = ref.startsWith('arn:') ? ref.split(':').pop()! : ref.split('/').pop()!;
    const q = this.queues.get(name);
    if (!q) throw nonExistentQueue();
    return q;
  }

  /** Creates a queue (idempotent for identical attributes). */
  createQueue(
    name: string,
    attributes: Record<string, string> = {},
    tags: Record<string, string> = {},
  ): SqsQueue {
    // Queue names: 80 characters at most, `.fifo` included (quotas-queues.html).
    if (!isValidQueueName(name)) {
      throw invalidParameter(
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    }
    const fifo = name.endsWith('.fifo');
    if (fifo !== (attributes.FifoQueue === 'true')) {
      if (fifo && attributes.FifoQueue === undefined) {
        throw invalidParameter(
          'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and set FifoQueue attribute to true.',
        );
      }
      if (!fifo) throw invalidParameter('The name of a FIFO queue must end with the .fifo suffix.');
    }
    checkQueueAttributes(attributes, fifo);
    // One server-side encryption per queue: with a KMS key, SSE-SQS is off and the data key reuse
    // period (default 300 s) appears (API_SetQueueAttributes, read 2026-12-07).
    const kms: Record<string, string> = attributes.KmsMasterKeyId
      ? {
          SqsManagedSseEnabled: 'false',
          KmsDataKeyReusePeriodSeconds: String(
            SQS_INTEGER_ATTRIBUTES.KmsDataKeyReusePeriodSeconds?.default ?? 300,
          ),
        }
      : {};
    const wanted = { ...DEFAULT_ATTRIBUTES, ...kms, ...attributes };
    if (fifo) wanted.ContentBasedDeduplication ??= 'false';
    const existing = this.queues.get(name);
    if (existing) {
      const differs = Object.entries(attributes).some(([k, v]) => existing.attributes[k] !== v);
      if (differs) {
        throw new AwsError(
          'QueueNameExists',
          'A queue already exists with the same name and a different value for attribute(s).',
          {
            queryCode: 'QueueAlreadyExists',
          },
        );
      }
      return existing;
    }
    this.#validateRedrive(wanted.RedrivePolicy, fifo);
    const now = this.#cloud.clock.now();
    const q: SqsQueue = {
      name,
      arn: this.#cloud.arn('sqs', name),
      fifo,
      attributes: wanted,
      tags: { ...tags },
      createdAt: now,
      lastModifiedAt: now,
      messages: [],
      dedup: new Map(),
    };
    this.queues.set(name, q);
    return q;
  }

  deleteQueue(ref: string): void {
    const q = this.queue(ref);
    this.queues.delete(q.name);
  }

  setQueueAttributes(ref: string, attributes: Record<string, string>): void {
    const q = this.queue(ref);
    if (attributes.FifoQueue !== undefined && attributes.FifoQueue !== String(q.fifo)) {
      throw new AwsError('InvalidAttributeName', 'FifoQueue cannot be changed.', {
        queryCode: 'InvalidAttributeName',
      });
    }
    checkQueueAttributes(attributes, q.fifo);
    this.#validateRedrive(attributes.RedrivePolicy, q.fifo);
    Object.assign(q.attributes, attributes);
    q.lastModifiedAt = this.#cloud.clock.now();
  }

  /** Attribute map of GetQueueAttributes (names: ['All'] or specific ones). */
  getQueueAttributes(ref: string, names: string[] = ['All']): Record<string, string> {
    const q = this.queue(ref);
    const now = this.#cloud.clock.now();
    this.#expire(q, now);
    const all: Record<string, string> = {
      ...q.attributes,
      QueueArn: q.arn,
      CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(q.lastModifiedAt / 1000)),
      ApproximateNumberOfMessages: String(q.messages.filter((m) => m.visibleAt <= now).length),
      ApproximateNumberOfMessagesNotVisible: String(
        q.messages.filter((m) => m.visibleAt > now && m.receiveCount > 0).length,
      ),
      ApproximateNumberOfMessagesDelayed: String(
        q.messages.filter((m) => m.visibleAt > now && m.receiveCount === 0).length,
      ),
    };
    if (q.fifo) all.FifoQueue = 'true';
    if (names.includes('All')) return all;
    return Object.fromEntries(names.filter((n) => all[n] !== undefined).map((n) => [n, all[n]!]));
  }

  /** Sends one message; for FIFO applies the group and 5-minute deduplication rules. */
  sendMessage(
    ref: string,
    input: {
      MessageBody: string;
      DelaySeconds?: number;
      MessageAttributes?: Record<string, MessageAttributeValue>;
      MessageGroupId?: string;
      MessageDeduplicationId?: string;
    },
  ): {
    MessageId: string;
    MD5OfMessageBody: string;
    MD5OfMessageAttributes?: string;
    SequenceNumber?: string;
  } {
    const q = this.queue(ref);
    if (typeof input.MessageBody !== 'string' || input.MessageBody.length === 0) {
      throw missingParameter('MessageBody');
    }
    const attributes = input.MessageAttributes ?? {};
    // The queue's MaximumMessageSize (at most 1 MiB) counts the body and the message attributes.
    const limit = Number(q.attributes.MaximumMessageSize);
    if (messageBytes(input.MessageBody, attributes) > limit) {
      throw invalidParameter(
        `One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`,
      );
    }
    checkRange('DelaySeconds', input.DelaySeconds, 0, 900);
    if (input.MessageGroupId !== undefined) checkMessageId('MessageGroupId', input.MessageGroupId);
    if (input.MessageDeduplicationId !== undefined)
      checkMessageId('MessageDeduplicationId', input.MessageDeduplicationId);
    const now = this.#cloud.clock.now();
    const md5OfBody = md5(input.MessageBody);
    const md5OfAttributes =
      Object.keys(attributes).length > 0 ? md5OfMessageAttributes(attributes) : undefined;
    let sequenceNumber: string | undefined;
    let deduplicationId: string | undefined;
    if (q.fifo) {
      if (!input.MessageGroupId) throw missingParameter('MessageGroupId');
      if (input.DelaySeconds) {
        throw invalidParameter(
          'Value for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.',
        );
      }
      deduplicationId =
        input.MessageDeduplicationId ??
        (q.attributes.ContentBasedDeduplication === 'true'
          ? createHash('sha256').update(input.MessageBody).digest('hex')
          : undefined);
      if (!deduplicationId) {
        throw invalidParameter(
          'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
      }
      for (const [id, d] of q.dedup) if (d.expiresAt <= now) q.dedup.delete(id);
      const seen = q.dedup.get(deduplicationId);
      if (seen) {
        return {
          MessageId: seen.messageId,
          MD5OfMessageBody: md5OfBody,
          MD5OfMessageAttributes: md5OfAttributes,
          SequenceNumber: seen.sequenceNumber,
        };
      }
      this.#sequence += 1n;
      sequenceNumber = this.#sequence.toString();
    } else if (input.MessageDeduplicationId !== undefined) {
      // Standard queues take a MessageGroupId (fair queues) but never a deduplication id.
      throw invalidParameter(
        'Value for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.',
      );
    }
    const delay = (input.DelaySeconds ?? Number(q.attributes.DelaySeconds)) * 1000;
    const message: SqsMessage = {
      messageId: randomUUID(),
      body: input.MessageBody,
      md5OfBody,
      attributes,
      md5OfAttributes,
      sentAt: now,
      visibleAt: now + delay,
      receiveCount: 0,
      groupId: input.MessageGroupId,
      deduplicationId,
      sequenceNumber,
    };
    q.messages.push(message);
    if (q.fifo && deduplicationId) {
      q.dedup.set(deduplicationId, {
        expiresAt: now + DEDUP_WINDOW_MS,
        messageId: message.messageId,
        sequenceNumber: sequenceNumber!,
      });
    }
    if (delay > 0) this.#cloud.clock.setTimer(delay, () => this.#notify(q.name));
    else this.#notify(q.name);
    return {
      MessageId: message.messageId,
      MD5OfMessageBody: md5OfBody,
      MD5OfMessageAttributes: md5OfAttributes,
      SequenceNumber: sequenceNumber,
    };
  }

  /** An EventBridge target delivery (FIFO queues: group from SqsParameters, dedup = event id). */
  deliverFromEventBridge(
    arn: string,
    body: string,
    options: { groupId?: string; deduplicationId: string },
  ): void {
    const q = this.queue(arn);
    if (q.fifo && !options.groupId) throw new Error(`FIFO target ${arn} needs SqsParameters.MessageGroupId`);
    this.sendMessage(q.name, {
      MessageBody: body,
      MessageGroupId: q.fifo ? options.groupId : undefined,
      MessageDeduplicationId:
        q.fifo && q.attributes.ContentBasedDeduplication !== 'true' ? options.deduplicationId : undefined,
    });
  }

  /** Receives up to `max` visible messages, applying redrive, FIFO group locks and visibility. */
  receiveMessages(ref: string, options: { max?: number; visibilityTimeout?: number } = {}): SqsMessage[] {
    const q = this.queue(ref);
    const max = options.max ?? 1;
    checkRange('MaxNumberOfMessages', max, 1, 10);
    checkRange('VisibilityTimeout', options.visibilityTimeout, 0, 43_200);
    const now = this.#cloud.clock.now();
    this.#expire(q, now);
    const visibility = (options.visibilityTimeout ?? Number(q.attributes.VisibilityTimeout)) * 1000;
    const redrive = parseRedrive(q.attributes.RedrivePolicy);
    const lockedGroups = new Set(
      q.fifo ? q.messages.filter((m) => m.visibleAt > now && m.receiveCount > 0).map((m) => m.groupId) : [],
    );
    const out: SqsMessage[] = [];
    for (const m of [...q.messages]) {
      if (out.length >= max) break;
      if (m.visibleAt > now) {
        if (q.fifo && m.receiveCount === 0) lockedGroups.add(m.groupId);
        continue;
      }
      if (q.fifo && lockedGroups.has(m.groupId) && !out.some((o) => o.groupId === m.groupId)) continue;
      if (redrive && m.receiveCount >= redrive.maxReceiveCount) {
        this.#moveToDeadLetter(q, m, redrive.deadLetterTargetArn);
        continue;
      }
      m.receiveCount += 1;
      m.firstReceivedAt ??= now;
      m.visibleAt = now + visibility;
      m.receiptHandle = Buffer.from(`${q.name}|${m.messageId}|${randomUUID()}`).toString('base64');
      out.push(m);
      if (visibility > 0) this.#cloud.clock.setTimer(visibility, () => this.#notify(q.name));
    }
    return out;
  }

  /** Waits (virtual time, capped in real time) until the queue may have a message. */
  async waitForMessages(ref: string, seconds: number): Promise<void> {
    const q = this.queue(ref);
    if (seconds <= 0) return;
    const speed = this.#cloud.clock.speed;
    const realCap =
      speed === 'instant'
        ? 20
        : speed === 'auto'
          ? seconds * 1000
          : speed === 0
            ? Math.min(seconds * 1000, 1000)
            : (seconds * 1000) / speed;
    await new Promise<void>((resolve) => {
      const waiters = this.#waiters.get(q.name) ?? new Set();
      this.#waiters.set(q.name, waiters);
      const done = () => {
        waiters.delete(done);
        timer.cancel();
        clearTimeout(real);
        resolve();
      };
      waiters.add(done);
      const timer = this.#cloud.clock.setBackgroundTimer(seconds * 1000, done);
      const real = setTimeout(done, realCap);
    });
  }

  /** Deletes a received message by receipt handle. */
  deleteMessage(ref: string, receiptHandle: string): void {
    const q = this.queue(ref);
    const messageId = decodeReceipt(receiptHandle);
    const i = q.messages.findIndex((m) => m.messageId === messageId);
    if (i >= 0) q.messages.splice(i, 1);
    this.#notify(q.name);
  }

  /** Changes the visibility timeout of an in-flight message. */
  changeVisibility(ref: string, receiptHandle: string, seconds: number): void {
    const q = this.queue(ref);
    const messageId = decodeReceipt(receiptHandle);
    const m = q.messages.find((x) => x.messageId === messageId);
    const now = this.#cloud.clock.now();
    if (!m || m.receiptHandle !== receiptHandle || m.visibleAt <= now) {
      throw new AwsError(
        'MessageNotInflight',
        'Message does not exist or is not available for visibility timeout change.',
        {
          queryCode: 'AWS.SimpleQueueService.MessageNotInflight',
        },
      );
    }
    checkRange('VisibilityTimeout', seconds, 0, 43_200);
    m.visibleAt = now + seconds * 1000;
    this.#cloud.clock.setTimer(seconds * 1000, () => this.#notify(q.name));
    if (seconds === 0) this.#notify(q.name);
  }

  purgeQueue(ref: string): void {
    this.queue(ref).messages = [];
  }

  #moveToDeadLetter(q: SqsQueue, m: SqsMessage, dlqArn: string): void {
    q.messages.splice(q.messages.indexOf(m), 1);
    const dlq = this.queues.get(dlqArn.split(':').pop()!);
    if (!dlq) return;
    const now = this.#cloud.clock.now();
    if (dlq.fifo) {
      this.#sequence += 1n;
      m.sequenceNumber = this.#sequence.toString();
    }
    dlq.messages.push({
      ...m,
      receiptHandle: undefined,
      receiveCount: 0,
      visibleAt: now,
      firstReceivedAt: undefined,
    });
    this.#notify(dlq.name);
  }

  #expire(q: SqsQueue, now: number): void {
    const retention = Number(q.attributes.MessageRetentionPeriod) * 1000;
    q.messages = q.messages.filter((m) => m.sentAt + retention > now);
  }

  #validateRedrive(policy: string | undefined, fifo: boolean): void {
    if (!policy) return;
    const p = parseRedrive(policy);
    if (!p) throw invalidParameter('Value for parameter RedrivePolicy is invalid.');
    const dlq = this.queues.get(p.deadLetterTargetArn.split(':').pop()!);
    if (!dlq)
      throw invalidParameter(
        'Value for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.',
      );
    if (dlq.fifo !== fifo) {
      throw invalidParameter(
        'Value for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source..',
      );
    }
  }

  /**
   * Calls `listener(queueName)` (asynchronously) whenever a queue may have newly receivable
   * messages: a send, a delay or visibility timeout running out, a visibility change, a delete
   * (which can unlock a FIFO group) or a move to a dead-letter queue. Returns an unsubscribe.
   */
  onMessagesAvailable(listener: (queueName: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(name: string): void {
    for (const w of this.#waiters.get(name) ?? []) w();
    for (const l of this.#listeners) setImmediate(() => l(name));
  }

  // ---- wire ------------------------------------------------------------------------------

  /** The wire definition registered with the kernel. */
  definition(): ServiceDefinition {
    const receive = async (input: Record<string, unknown>) => {
      const ref = String(input.QueueUrl);
      const q = this.queue(ref);
      const max = (input.MaxNumberOfMessages as number | undefined) ?? 1;
      const wait =
        (input.WaitTimeSeconds as number | undefined) ?? Number(q.attributes.ReceiveMessageWaitTimeSeconds);
      checkRange('WaitTimeSeconds', input.WaitTimeSeconds as number | undefined, 0, 20);
      const options = { max, visibilityTimeout: input.VisibilityTimeout as number | undefined };
      let messages = this.receiveMessages(ref, options);
      if (messages.length === 0 && wait > 0) {
        await this.waitForMessages(ref, wait);
        messages = this.receiveMessages(ref, options);
      }
      const systemNames = [
        ...((input.MessageSystemAttributeNames as string[] | undefined) ?? []),
        ...((input.AttributeNames as string[] | undefined) ?? []),
      ];
      const attributeNames = (input.MessageAttributeNames as string[] | undefined) ?? [];
      return {
        Messages: messages.map((m) => this.#wireMessage(m, systemNames, attributeNames)),
      };
    };
    const batch = <T extends { Id: string }>(
      entries: T[] | undefined,
      operation: string,
      fn: (e: T) => Record<string, unknown>,
      bytes?: number,
    ) => {
      checkBatch(entries, operation, bytes);
      const Successful: Record<string, unknown>[] = [];
      const Failed: Record<string, unknown>[] = [];
      for (const e of entries) {
        try {
          Successful.push({ Id: e.Id, ...fn(e) });
        } catch (error) {
          if (!(error instanceof AwsError)) throw error;
          Failed.push({
            Id: e.Id,
            SenderFault: error.senderFault,
            Code: error.queryCode ?? error.code,
            Message: error.message,
          });
        }
      }
      return { Successful, Failed };
    };
    return {
      protocol: 'awsJson1_0',
      targetPrefix: 'AmazonSQS',
      queryFallback: { version: '2012-11-05', xmlNamespace: 'http://queue.amazonaws.com/doc/2012-11-05/' },
      operations: {
        CreateQueue: (input) => ({
          QueueUrl: this.queueUrl(this.createQueue(input.QueueName, input.Attributes, input.tags).name),
        }),
        DeleteQueue: (input) => {
          this.deleteQueue(input.QueueUrl);
          return {};
        },
        GetQueueUrl: (input) => ({ QueueUrl: this.queueUrl(this.queue(input.QueueName).name) }),
        ListQueues: (input) => {
          const names = [...this.queues.keys()]
            .filter((n) => !input.QueueNamePrefix || n.startsWith(input.QueueNamePrefix))
            .sort();
          return { QueueUrls: names.slice(0, input.MaxResults ?? 1000).map((n) => this.queueUrl(n)) };
        },
        GetQueueAttributes: (input) => ({
          Attributes: this.getQueueAttributes(input.QueueUrl, input.AttributeNames),
        }),
        SetQueueAttributes: (input) => {
          this.setQueueAttributes(input.QueueUrl, input.Attributes ?? {});
          return {};
        },
        PurgeQueue: (input) => {
          this.purgeQueue(input.QueueUrl);
          return {};
        },
        TagQueue: (input) => {
          Object.assign(this.queue(input.QueueUrl).tags, input.Tags);
          return {};
        },
        UntagQueue: (input) => {
          const q = this.queue(input.QueueUrl);
          for (const k of input.TagKeys ?? []) delete q.tags[k];
          return {};
        },
        ListQueueTags: (input) => ({ Tags: this.queue(input.QueueUrl).tags }),
        SendMessage: (input) => this.sendMessage(input.QueueUrl, input),
        SendMessageBatch: (input) => {
          this.queue(input.QueueUrl);
          type Entry = Parameters<SqsModel['sendMessage']>[1] & { Id: string };
          const entries = input.Entries as Entry[] | undefined;
          const bytes = (entries ?? []).reduce(
            (n, e) => n + messageBytes(String(e.MessageBody ?? ''), e.MessageAttributes ?? {}),
            0,
          );
          return batch(entries, 'SendMessageBatch', (e: Entry) => this.sendMessage(input.QueueUrl, e), bytes);
        },
        ReceiveMessage: receive,
        DeleteMessage: (input) => {
          checkReceipt(input.ReceiptHandle);
          this.deleteMessage(input.QueueUrl, input.ReceiptHandle);
          return {};
        },
        DeleteMessageBatch: (input) => {
          this.queue(input.QueueUrl);
          return batch(input.Entries, 'DeleteMessageBatch', (e: { Id: string; ReceiptHandle: string }) => {
            checkReceipt(e.ReceiptHandle);
            this.deleteMessage(input.QueueUrl, e.ReceiptHandle);
            return {};
          });
        },
        ChangeMessageVisibility: (input) => {
          checkReceipt(input.ReceiptHandle);
          this.changeVisibility(input.QueueUrl, input.ReceiptHandle, input.VisibilityTimeout);
          return {};
        },
        ChangeMessageVisibilityBatch: (input) => {
          this.queue(input.QueueUrl);
          return batch(
            input.Entries,
            'ChangeMessageVisibilityBatch',
            (e: { Id: string; ReceiptHandle: string; VisibilityTimeout: number }) => {
              checkReceipt(e.ReceiptHandle);
              this.changeVisibility(input.QueueUrl, e.ReceiptHandle, e.VisibilityTimeout);
              return {};
            },
          );
        },
      },
    };
  }

  #wireMessage(m: SqsMessage, systemNames: string[], attributeNames: string[]) {
    const all = systemNames.includes('All');
    const system: Record<string, string> = {
      SenderId: 'AIDALOCALCLOUDUSER0000',
      SentTimestamp: String(m.sentAt),
      ApproximateReceiveCount: String(m.receiveCount),
      ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
    };
    if (m.groupId) system.MessageGroupId = m.groupId;
    if (m.deduplicationId) system.MessageDeduplicationId = m.deduplicationId;
    if (m.sequenceNumber) system.SequenceNumber = m.sequenceNumber;
    const Attributes = all
      ? system
      : Object.fromEntries(Object.entries(system).filter(([k]) => systemNames.includes(k)));
    const wantAll = attributeNames.includes('All') || attributeNames.includes('.*');
    const selected = Object.fromEntries(
      Object.entries(m.attributes).filter(
        ([k]) =>
          wantAll ||
          attributeNames.some((n) => n === k || (n.endsWith('.*') && k.startsWith(n.slice(0, -1)))),
      ),
    );
    const hasSelected = Object.keys(selected).length > 0;
    return {
      MessageId: m.messageId,
      ReceiptHandle: m.receiptHandle,
      MD5OfBody: m.md5OfBody,
      Body: m.body,
      Attributes: Object.keys(Attributes).length ? Attributes : undefined,
      MD5OfMessageAttributes: hasSelected ? md5OfMessageAttributes(selected) : undefined,
      MessageAttributes: hasSelected ? selected : undefined,
    };
  }
}

function checkReceipt(handle: unknown): void {
  if (typeof handle !== 'string' || !decodeReceipt(handle)) {
    throw new AwsError(
      'ReceiptHandleIsInvalid',
      `The input receipt handle "${String(handle)}" is not a valid receipt handle.`,
      {
        queryCode: 'ReceiptHandleIsInvalid',
      },
    );
  }
}

function decodeReceipt(handle: string): string | undefined {
  const parts = Buffer.from(handle, 'base64').toString('utf8').split('|');
  return parts.length === 3 ? parts[1] : undefined;
}

function parseRedrive(
  policy: string | undefined,
): { deadLetterTargetArn: string; maxReceiveCount: number } | undefined {
  if (!policy) return undefined;
  try {
    const p = JSON.parse(policy) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
    if (!p.deadLetterTargetArn || !p.maxReceiveCount) return undefined;
    return { deadLetterTargetArn: p.deadLetterTargetArn, maxReceiveCount: Number(p.maxReceiveCount) };
  } catch {
    return undefined;
  }
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** MD5 of message attributes as SQS computes it (length-prefixed name, type, transport byte, value). */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttributeValue>): string {
  const hash = createHash('md5');
  const lengthPrefixed = (data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    hash.update(len);
    hash.update(data);
  };
  for (const name of Object.keys(attributes).sort()) {
    const a = attributes[name]!;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(a.DataType, 'utf8'));
    if (a.StringValue !== undefined) {
      hash.update(Buffer.from([1]));
      lengthPrefixed(Buffer.from(a.StringValue, 'utf8'));
    } else if (a.BinaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      lengthPrefixed(
        typeof a.BinaryValue === 'string' ? Buffer.from(a.BinaryValue, 'base64') : Buffer.from(a.BinaryValue),
      );
    }
  }
  return hash.digest('hex');
}
