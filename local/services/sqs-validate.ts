/**
 * The checks SQS makes on queue attributes, message ids and batches, with the error codes AWS
 * answers in both protocols (JSON `__type` and the query code SQS also sends in
 * `x-amzn-query-error`). The limits themselves live in shared/aws-rules/sqs.ts with their sources.
 */
import {
  isValidBatchEntryId,
  isValidMessageGroupId,
  SQS_ENUM_ATTRIBUTES,
  SQS_FIFO_ONLY_ATTRIBUTES,
  SQS_INTEGER_ATTRIBUTES,
  SQS_MAX_BATCH_BYTES,
  SQS_MAX_BATCH_ENTRIES,
  SQS_MAX_RECEIVE_COUNT,
  SQS_QUEUE_ATTRIBUTES,
} from '#shared/aws-rules/sqs.ts';
import { AwsError } from '../errors.ts';

/** InvalidParameterValue (both protocols). */
export function invalidParameter(message: string): AwsError {
  return new AwsError('InvalidParameterValue', message, { queryCode: 'InvalidParameterValue' });
}

/** MissingParameter (both protocols). */
export function missingParameter(name: string): AwsError {
  return new AwsError('MissingParameter', `The request must contain the parameter ${name}.`, {
    queryCode: 'MissingParameter',
  });
}

function invalidAttributeValue(name: string): AwsError {
  // API_CreateQueue "Errors": InvalidAttributeValue, "A queue attribute value is invalid."
  return new AwsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`, {
    queryCode: 'InvalidAttributeValue',
  });
}

function invalidAttributeName(name: string): AwsError {
  // API_CreateQueue "Errors": InvalidAttributeName, "The specified attribute doesn't exist."
  return new AwsError('InvalidAttributeName', `Unknown Attribute ${name}.`, {
    queryCode: 'InvalidAttributeName',
  });
}

/**
 * Checks CreateQueue/SetQueueAttributes attributes: known names, FIFO-only attributes only on FIFO
 * queues, integer ranges, enumerations and the RedrivePolicy's maxReceiveCount.
 */
export function checkQueueAttributes(attributes: Record<string, string>, fifo: boolean): void {
  for (const [name, raw] of Object.entries(attributes)) {
    const value = String(raw);
    if (!SQS_QUEUE_ATTRIBUTES.has(name) && !SQS_FIFO_ONLY_ATTRIBUTES.has(name))
      throw invalidAttributeName(name);
    if (SQS_FIFO_ONLY_ATTRIBUTES.has(name) && !fifo) throw invalidAttributeName(name);
    const range = SQS_INTEGER_ATTRIBUTES[name];
    if (range) {
      const n = Number(value);
      if (!/^-?\d+$/.test(value.trim()) || n < range.min || n > range.max) throw invalidAttributeValue(name);
    }
    const allowed = SQS_ENUM_ATTRIBUTES[name];
    if (allowed && !allowed.includes(value)) throw invalidAttributeValue(name);
    if (name === 'RedrivePolicy' && value !== '') checkRedrive(value);
  }
}

function checkRedrive(policy: string): void {
  let parsed: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
  try {
    parsed = JSON.parse(policy) as typeof parsed;
  } catch {
    throw invalidParameter(
      `Value ${policy} for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map.`,
    );
  }
  if (parsed.deadLetterTargetArn === undefined || parsed.maxReceiveCount === undefined) {
    throw invalidParameter(
      `Value ${policy} for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain mandatory attribute: ${parsed.deadLetterTargetArn === undefined ? 'deadLetterTargetArn' : 'maxReceiveCount'}.`,
    );
  }
  const count = Number(parsed.maxReceiveCount);
  if (!Number.isInteger(count) || count < SQS_MAX_RECEIVE_COUNT.min || count > SQS_MAX_RECEIVE_COUNT.max) {
    throw invalidParameter(
      `Value ${policy} for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: ${String(parsed.maxReceiveCount)}, valid values are from ${SQS_MAX_RECEIVE_COUNT.min} to ${SQS_MAX_RECEIVE_COUNT.max} both inclusive.`,
    );
  }
}

/** MessageGroupId / MessageDeduplicationId: 1–128 alphanumeric and punctuation characters. */
export function checkMessageId(parameter: 'MessageGroupId' | 'MessageDeduplicationId', value: string): void {
  if (!isValidMessageGroupId(value)) {
    throw invalidParameter(
      `Value ${value} for parameter ${parameter} is invalid. Reason: ${parameter} can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
    );
  }
}

/** An integer request parameter within its range (DelaySeconds, WaitTimeSeconds, VisibilityTimeout…). */
export function checkRange(parameter: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidParameter(
      `Value ${value} for parameter ${parameter} is invalid. Reason: Must be between ${min} and ${max}, if provided.`,
    );
  }
}

/** Batch requests: 1–10 entries, distinct ids of the allowed form, and (sends) at most 1 MiB in all. */
export function checkBatch<T extends { Id: string }>(
  entries: T[] | undefined,
  operation: string,
  bytes?: number,
): asserts entries is T[] {
  if (!entries || entries.length === 0) {
    throw new AwsError(
      'EmptyBatchRequest',
      `There should be at least one ${operation}RequestEntry in the request.`,
      {
        queryCode: 'AWS.SimpleQueueService.EmptyBatchRequest',
      },
    );
  }
  if (entries.length > SQS_MAX_BATCH_ENTRIES) {
    throw new AwsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${SQS_MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
      { queryCode: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest' },
    );
  }
  for (const e of entries) {
    if (typeof e.Id !== 'string' || !isValidBatchEntryId(e.Id)) {
      throw new AwsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
        { queryCode: 'AWS.SimpleQueueService.InvalidBatchEntryId' },
      );
    }
  }
  const ids = entries.map((e) => e.Id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) {
    throw new AwsError('BatchEntryIdsNotDistinct', `Id ${duplicate} repeated.`, {
      queryCode: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
    });
  }
  if (bytes !== undefined && bytes > SQS_MAX_BATCH_BYTES) {
    throw new AwsError(
      'BatchRequestTooLong',
      `Batch requests cannot be longer than ${SQS_MAX_BATCH_BYTES} bytes. You have sent ${bytes} bytes.`,
      { queryCode: 'AWS.SimpleQueueService.BatchRequestTooLong' },
    );
  }
}
