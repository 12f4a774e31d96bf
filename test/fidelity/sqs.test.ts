import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestCloud } from '../integration/local/helpers.ts';
import { aws, type CliResult, cliError, queryRequest, runCli } from './services-harness.ts';

const API = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference';
const CREATE = `${API}/API_CreateQueue.html`;
const SEND = `${API}/API_SendMessage.html`;
const BATCH = `${API}/API_SendMessageBatch.html`;
const QUOTAS =
  'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html';
const QUEUE_QUOTAS =
  'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html';
const DLQ =
  'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue.html';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let sqs: SQSClient;
let cli: Record<string, CliResult>;
let standardUrl: string;
let fifoUrl: string;
let dlqArn: string;

const create = (name: string, attributes: Record<string, string>) => [
  'sqs',
  'create-queue',
  '--queue-name',
  name,
  '--attributes',
  JSON.stringify(attributes),
];

beforeAll(async () => {
  env = await startTestCloud();
  sqs = new SQSClient(env.config);
  standardUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'standard' }))).QueueUrl!;
  fifoUrl = (
    await sqs.send(new CreateQueueCommand({ QueueName: 'pushes.fifo', Attributes: { FifoQueue: 'true' } }))
  ).QueueUrl!;
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'dead-letters' }));
  dlqArn = `arn:aws:sqs:eu-west-1:000000000000:dead-letters`;
  expect(dlq.QueueUrl).toBeDefined();
  cli = await runCli(env.endpoint, {
    visibility: create('v', { VisibilityTimeout: '43201' }),
    visibilityMax: create('v-max', { VisibilityTimeout: '43200' }),
    retentionLow: create('r', { MessageRetentionPeriod: '59' }),
    retentionHigh: create('r2', { MessageRetentionPeriod: '1209601' }),
    delay: create('d', { DelaySeconds: '901' }),
    wait: create('w', { ReceiveMessageWaitTimeSeconds: '21' }),
    sizeLow: create('s', { MaximumMessageSize: '1023' }),
    sizeHigh: create('s2', { MaximumMessageSize: '1048577' }),
    sizeMax: create('s-max', { MaximumMessageSize: '1048576' }),
    redriveZero: create('rd', {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 0 }),
    }),
    redriveHigh: create('rd2', {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1001 }),
    }),
    redriveMax: create('rd-max', {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1000 }),
    }),
    fifoOnly: create('std-dedup', { ContentBasedDeduplication: 'true' }),
    unknown: create('unknown', { Colour: 'blue' }),
    name81: ['sqs', 'create-queue', '--queue-name', 'q'.repeat(81)],
    name80: ['sqs', 'create-queue', '--queue-name', 'q'.repeat(80)],
    fifoName81: create(`${'f'.repeat(76)}.fifo`, { FifoQueue: 'true' }),
    fifoName80: create(`${'f'.repeat(75)}.fifo`, { FifoQueue: 'true' }),
    setVisibility: [
      'sqs',
      'set-queue-attributes',
      '--queue-url',
      standardUrl,
      '--attributes',
      JSON.stringify({ VisibilityTimeout: '50000' }),
    ],
    group129: [
      'sqs',
      'send-message',
      '--queue-url',
      fifoUrl,
      '--message-body',
      'x',
      '--message-group-id',
      'g'.repeat(129),
      '--message-deduplication-id',
      'd1',
    ],
    group128: [
      'sqs',
      'send-message',
      '--queue-url',
      fifoUrl,
      '--message-body',
      'x',
      '--message-group-id',
      'g'.repeat(128),
      '--message-deduplication-id',
      'd2',
    ],
    groupSpace: [
      'sqs',
      'send-message',
      '--queue-url',
      fifoUrl,
      '--message-body',
      'x',
      '--message-group-id',
      'acme web',
      '--message-deduplication-id',
      'd3',
    ],
    dedup129: [
      'sqs',
      'send-message',
      '--queue-url',
      fifoUrl,
      '--message-body',
      'x',
      '--message-group-id',
      'acme',
      '--message-deduplication-id',
      'd'.repeat(129),
    ],
    noGroup: ['sqs', 'send-message', '--queue-url', fifoUrl, '--message-body', 'x'],
    tooMany: [
      'sqs',
      'send-message-batch',
      '--queue-url',
      standardUrl,
      '--entries',
      JSON.stringify(Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x' }))),
    ],
    duplicateIds: [
      'sqs',
      'send-message-batch',
      '--queue-url',
      standardUrl,
      '--entries',
      JSON.stringify([
        { Id: 'same', MessageBody: 'a' },
        { Id: 'same', MessageBody: 'b' },
      ]),
    ],
    badId: [
      'sqs',
      'send-message-batch',
      '--queue-url',
      standardUrl,
      '--entries',
      JSON.stringify([{ Id: 'has.dot', MessageBody: 'a' }]),
    ],
  });
}, 120_000);

afterAll(async () => {
  sqs?.destroy();
  await env?.stop();
});

describe('SQS queue attributes', () => {
  it(
    aws('VisibilityTimeout above 43,200 s is InvalidAttributeValue; 43,200 is accepted', CREATE),
    async () => {
      expect(cliError(cli.visibility)).toEqual({
        code: 'InvalidAttributeValue',
        message: 'Invalid value for the parameter VisibilityTimeout.',
      });
      expect(cli.visibilityMax!.rc).toBe(0);
      const sdk = await errorOf(
        sqs.send(new CreateQueueCommand({ QueueName: 'v-sdk', Attributes: { VisibilityTimeout: '-1' } })),
      );
      expect(sdk.name).toBe('InvalidAttributeValue');
    },
  );

  it(aws('MessageRetentionPeriod outside 60–1,209,600 s is InvalidAttributeValue', CREATE), () => {
    expect(cliError(cli.retentionLow)?.code).toBe('InvalidAttributeValue');
    expect(cliError(cli.retentionHigh)?.code).toBe('InvalidAttributeValue');
  });

  it(aws('DelaySeconds above 900 is InvalidAttributeValue', CREATE), () => {
    expect(cliError(cli.delay)?.message).toBe('Invalid value for the parameter DelaySeconds.');
  });

  it(aws('ReceiveMessageWaitTimeSeconds above 20 is InvalidAttributeValue', CREATE), () => {
    expect(cliError(cli.wait)?.code).toBe('InvalidAttributeValue');
  });

  it(
    aws('MaximumMessageSize is 1,024–1,048,576 bytes, and 1,048,576 (1 MiB) is the default', CREATE),
    async () => {
      expect(cliError(cli.sizeLow)?.code).toBe('InvalidAttributeValue');
      expect(cliError(cli.sizeHigh)?.code).toBe('InvalidAttributeValue');
      expect(cli.sizeMax!.rc).toBe(0);
      const attributes = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: standardUrl, AttributeNames: ['MaximumMessageSize'] }),
      );
      expect(attributes.Attributes?.MaximumMessageSize).toBe('1048576');
    },
  );

  it(aws('a RedrivePolicy maxReceiveCount outside 1–1,000 is InvalidParameterValue', DLQ), () => {
    expect(cliError(cli.redriveZero)).toMatchObject({ code: 'InvalidParameterValue' });
    expect(cliError(cli.redriveZero)?.message).toContain(
      'Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive.',
    );
    expect(cliError(cli.redriveHigh)?.code).toBe('InvalidParameterValue');
    expect(cli.redriveMax!.rc).toBe(0);
  });

  it(aws('a FIFO-only attribute on a standard queue is InvalidAttributeName', CREATE), () => {
    expect(cliError(cli.fifoOnly)).toEqual({
      code: 'InvalidAttributeName',
      message: 'Unknown Attribute ContentBasedDeduplication.',
    });
  });

  it(aws('an attribute SQS does not know is InvalidAttributeName', CREATE), () => {
    expect(cliError(cli.unknown)?.code).toBe('InvalidAttributeName');
  });

  it(
    aws(
      'SetQueueAttributes applies the same ranges (VisibilityTimeout 50,000 refused)',
      `${API}/API_SetQueueAttributes.html`,
    ),
    async () => {
      expect(cliError(cli.setVisibility)?.code).toBe('InvalidAttributeValue');
      const attributes = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: standardUrl, AttributeNames: ['VisibilityTimeout'] }),
      );
      expect(attributes.Attributes?.VisibilityTimeout).toBe('30');
    },
  );
});

describe('SQS queue names', () => {
  it(aws('a queue name has at most 80 characters', QUEUE_QUOTAS), () => {
    expect(cliError(cli.name81)?.code).toBe('InvalidParameterValue');
    expect(cli.name80!.rc).toBe(0);
  });

  it(aws("a FIFO queue's 80 characters include the .fifo suffix", QUEUE_QUOTAS), () => {
    expect(cliError(cli.fifoName81)?.code).toBe('InvalidParameterValue');
    expect(cli.fifoName80!.rc).toBe(0);
  });

  it(
    aws('a .fifo name needs FifoQueue=true, and FifoQueue=true needs the .fifo suffix', CREATE),
    async () => {
      const noAttribute = await errorOf(sqs.send(new CreateQueueCommand({ QueueName: 'orders.fifo' })));
      const noSuffix = await errorOf(
        sqs.send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { FifoQueue: 'true' } })),
      );
      expect(noAttribute.name).toBe('InvalidParameterValue');
      expect(noSuffix.name).toBe('InvalidParameterValue');
    },
  );
});

describe('SQS messages', () => {
  it(aws('MessageGroupId is at most 128 characters', QUOTAS), () => {
    expect(cliError(cli.group129)?.code).toBe('InvalidParameterValue');
    expect(cliError(cli.group129)?.message).toContain('MessageGroupId');
    expect(cli.group128!.rc).toBe(0);
  });

  it(aws('MessageGroupId holds only alphanumerics and punctuation (no space)', QUOTAS), async () => {
    expect(cliError(cli.groupSpace)?.code).toBe('InvalidParameterValue');
    const unicode = await errorOf(
      sqs.send(
        new SendMessageCommand({
          QueueUrl: fifoUrl,
          MessageBody: 'x',
          MessageGroupId: 'café',
          MessageDeduplicationId: 'u1',
        }),
      ),
    );
    expect(unicode.name).toBe('InvalidParameterValue');
    const punctuation = await sqs.send(
      new SendMessageCommand({
        QueueUrl: fifoUrl,
        MessageBody: 'x',
        MessageGroupId: `acme/web:main!#$%&'()*+,-.;<=>?@[\\]^_\`{|}~"`,
        MessageDeduplicationId: 'u2',
      }),
    );
    expect(punctuation.MessageId).toBeDefined();
  });

  it(aws('MessageDeduplicationId is at most 128 characters of the same set', SEND), () => {
    expect(cliError(cli.dedup129)?.code).toBe('InvalidParameterValue');
  });

  it(aws('a FIFO queue needs MessageGroupId (MissingParameter)', SEND), () => {
    expect(cliError(cli.noGroup)).toEqual({
      code: 'MissingParameter',
      message: 'The request must contain the parameter MessageGroupId.',
    });
  });

  it(aws('a message of 1 MiB (1,048,576 bytes) is accepted; one byte more is refused', QUOTAS), async () => {
    const ok = await sqs.send(
      new SendMessageCommand({ QueueUrl: standardUrl, MessageBody: 'a'.repeat(1_048_576) }),
    );
    const tooBig = await errorOf(
      sqs.send(new SendMessageCommand({ QueueUrl: standardUrl, MessageBody: 'a'.repeat(1_048_577) })),
    );
    expect(ok.MessageId).toBeDefined();
    expect(tooBig.name).toBe('InvalidParameterValue');
    expect(tooBig.message).toContain('Message must be shorter than 1048576 bytes');
  });

  it(aws('message attributes count toward the size limit', QUOTAS), async () => {
    const tooBig = await errorOf(
      sqs.send(
        new SendMessageCommand({
          QueueUrl: standardUrl,
          MessageBody: 'a'.repeat(1_048_570),
          MessageAttributes: { project: { DataType: 'String', StringValue: 'acme-production' } },
        }),
      ),
    );
    expect(tooBig.name).toBe('InvalidParameterValue');
  });

  it(
    aws('a standard queue takes MessageGroupId (fair queues) but refuses MessageDeduplicationId', SEND),
    async () => {
      const fair = await sqs.send(
        new SendMessageCommand({ QueueUrl: standardUrl, MessageBody: 'x', MessageGroupId: 'tenant-1' }),
      );
      const dedup = await errorOf(
        sqs.send(
          new SendMessageCommand({ QueueUrl: standardUrl, MessageBody: 'x', MessageDeduplicationId: 'd' }),
        ),
      );
      expect(fair.MessageId).toBeDefined();
      expect(dedup.name).toBe('InvalidParameterValue');
    },
  );

  it(aws('a per-message DelaySeconds is 0–900', SEND), async () => {
    const error = await errorOf(
      sqs.send(new SendMessageCommand({ QueueUrl: standardUrl, MessageBody: 'x', DelaySeconds: 901 })),
    );
    expect(error.name).toBe('InvalidParameterValue');
  });

  it(
    aws(
      'ReceiveMessage takes WaitTimeSeconds 0–20 and MaxNumberOfMessages 1–10',
      `${API}/API_ReceiveMessage.html`,
    ),
    async () => {
      const wait = await errorOf(
        sqs.send(new ReceiveMessageCommand({ QueueUrl: standardUrl, WaitTimeSeconds: 21 })),
      );
      const max = await errorOf(
        sqs.send(new ReceiveMessageCommand({ QueueUrl: standardUrl, MaxNumberOfMessages: 11 })),
      );
      expect(wait.name).toBe('InvalidParameterValue');
      expect(max.name).toBe('InvalidParameterValue');
    },
  );
});

describe('SQS batches', () => {
  it(aws('a batch holds at most 10 entries', QUOTAS), () => {
    expect(cliError(cli.tooMany)?.code).toBe('AWS.SimpleQueueService.TooManyEntriesInBatchRequest');
  });

  it(aws('batch entry ids must be distinct', BATCH), () => {
    expect(cliError(cli.duplicateIds)?.code).toBe('AWS.SimpleQueueService.BatchEntryIdsNotDistinct');
  });

  it(aws('a batch entry id is up to 80 alphanumerics, hyphens and underscores', QUOTAS), async () => {
    expect(cliError(cli.badId)?.code).toBe('AWS.SimpleQueueService.InvalidBatchEntryId');
    const long = await errorOf(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: standardUrl,
          Entries: [{ Id: 'i'.repeat(81), MessageBody: 'x' }],
        }),
      ),
    );
    expect(long.name).toBe('InvalidBatchEntryId');
  });

  it(aws('the messages of one batch total at most 1 MiB', BATCH), async () => {
    const error = await errorOf(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: standardUrl,
          Entries: [
            { Id: 'a', MessageBody: 'a'.repeat(600_000) },
            { Id: 'b', MessageBody: 'b'.repeat(600_000) },
          ],
        }),
      ),
    );
    expect(error.name).toBe('BatchRequestTooLong');
  });
});

describe('SQS over the query protocol', () => {
  it(
    aws(
      'answers the same rules with the query error codes (InvalidAttributeValue, AWS.SimpleQueueService.*)',
      CREATE,
    ),
    async () => {
      const attribute = await queryRequest(env.endpoint, 'sqs', {
        Action: 'CreateQueue',
        Version: '2012-11-05',
        QueueName: 'query-q',
        'Attribute.1.Name': 'VisibilityTimeout',
        'Attribute.1.Value': '50000',
      });
      const batch = await queryRequest(env.endpoint, 'sqs', {
        Action: 'SendMessageBatch',
        Version: '2012-11-05',
        QueueUrl: standardUrl,
        'SendMessageBatchRequestEntry.1.Id': 'same',
        'SendMessageBatchRequestEntry.1.MessageBody': 'a',
        'SendMessageBatchRequestEntry.2.Id': 'same',
        'SendMessageBatchRequestEntry.2.MessageBody': 'b',
      });
      const missing = await queryRequest(env.endpoint, 'sqs', {
        Action: 'SendMessage',
        Version: '2012-11-05',
        QueueUrl: fifoUrl,
        MessageBody: 'x',
      });
      expect(attribute).toMatchObject({ status: 400, code: 'InvalidAttributeValue' });
      expect(batch).toMatchObject({ status: 400, code: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct' });
      expect(missing).toMatchObject({ status: 400, code: 'MissingParameter' });
    },
  );
});

it(
  aws(
    'SetQueueAttributes refuses a FIFO-only attribute on a standard queue too',
    `${API}/API_SetQueueAttributes.html`,
  ),
  async () => {
    const error = await errorOf(
      sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: standardUrl,
          Attributes: { FifoThroughputLimit: 'perQueue' },
        }),
      ),
    );
    expect(error.name).toBe('InvalidAttributeName');
  },
);
