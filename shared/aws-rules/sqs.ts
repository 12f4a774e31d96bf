/**
 * Amazon SQS limits, copied from AWS's documentation (read 2026-12-07). The local cloud's SQS
 * model applies them; the manifest validator can check a repository name against the
 * MessageGroupId rule (the repository is the message group of the push queue).
 *
 * Sources:
 * - CreateQueue / SetQueueAttributes attributes (ranges, defaults, FIFO-only attributes):
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
 * - message quotas (size 1 MiB since 2025, MessageGroupId, batch ids, batch size):
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
 * - queue names (80 characters including `.fifo`):
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html
 * - RedrivePolicy maxReceiveCount 1–1,000:
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue.html
 * - MessageDeduplicationId (128 characters, same charset):
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 */
export const SQS_READ_ON = '2026-12-07';

/** Largest message body (plus attributes) SQS accepts: 1 MiB since August 2025 (was 256 KiB). */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
/** Entries in one Send/Delete/ChangeMessageVisibility batch. */
export const SQS_MAX_BATCH_ENTRIES = 10;
/** Sum of the message sizes in one SendMessageBatch. */
export const SQS_MAX_BATCH_BYTES = 1_048_576;

/** Integer attributes of CreateQueue/SetQueueAttributes: valid range and default. */
export const SQS_INTEGER_ATTRIBUTES: Readonly<Record<string, { min: number; max: number; default: number }>> =
  {
    DelaySeconds: { min: 0, max: 900, default: 0 },
    MaximumMessageSize: { min: 1024, max: SQS_MAX_MESSAGE_BYTES, default: SQS_MAX_MESSAGE_BYTES },
    MessageRetentionPeriod: { min: 60, max: 1_209_600, default: 345_600 },
    ReceiveMessageWaitTimeSeconds: { min: 0, max: 20, default: 0 },
    VisibilityTimeout: { min: 0, max: 43_200, default: 30 },
    KmsDataKeyReusePeriodSeconds: { min: 60, max: 86_400, default: 300 },
  };

/** Attribute names CreateQueue/SetQueueAttributes accept on any queue. */
export const SQS_QUEUE_ATTRIBUTES = new Set([
  ...Object.keys(SQS_INTEGER_ATTRIBUTES),
  'Policy',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'SqsManagedSseEnabled',
  'FifoQueue',
]);

/** Attributes only a FIFO queue has; a standard queue answers InvalidAttributeName. */
export const SQS_FIFO_ONLY_ATTRIBUTES = new Set([
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
]);

/** Enumerated FIFO attributes and their valid values. */
export const SQS_ENUM_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  ContentBasedDeduplication: ['true', 'false'],
  DeduplicationScope: ['messageGroup', 'queue'],
  FifoThroughputLimit: ['perQueue', 'perMessageGroupId'],
  FifoQueue: ['true', 'false'],
  SqsManagedSseEnabled: ['true', 'false'],
};

/** RedrivePolicy maxReceiveCount range. */
export const SQS_MAX_RECEIVE_COUNT = { min: 1, max: 1000 } as const;

/** Queue names: 1–80 alphanumerics, hyphens, underscores; a FIFO queue's 80 include `.fifo`. */
export function isValidQueueName(name: string): boolean {
  return name.length >= 1 && name.length <= 80 && /^[A-Za-z0-9_-]+(\.fifo)?$/.test(name) && name !== '.fifo';
}

/** The characters MessageGroupId and MessageDeduplicationId may hold: alphanumerics and punctuation. */
const ID_CHARS = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]+$/;

/** Longest MessageGroupId / MessageDeduplicationId. */
export const SQS_MESSAGE_ID_MAX = 128;

/** MessageGroupId / MessageDeduplicationId: 1–128 alphanumeric and punctuation characters. */
export function isValidMessageGroupId(id: string): boolean {
  return id.length >= 1 && id.length <= SQS_MESSAGE_ID_MAX && ID_CHARS.test(id);
}

/** Batch entry ids: up to 80 alphanumerics, hyphens and underscores. */
export function isValidBatchEntryId(id: string): boolean {
  return /^[A-Za-z0-9_-]{1,80}$/.test(id);
}
