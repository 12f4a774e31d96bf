import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestCloud } from './helpers.ts';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let sqs: SQSClient;

beforeAll(async () => {
  env = await startTestCloud();
  sqs = new SQSClient(env.config);
});
afterAll(() => env.stop());

async function queue(name: string, attributes: Record<string, string> = {}): Promise<string> {
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return out.QueueUrl!;
}

describe('SQS over awsJson 1.0', () => {
  it('creates, finds, lists and deletes queues', async () => {
    const url = await queue('lifecycle');

    const found = await sqs.send(new GetQueueUrlCommand({ QueueName: 'lifecycle' }));
    const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'life' }));
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    const gone = await errorOf(sqs.send(new GetQueueUrlCommand({ QueueName: 'lifecycle' })));

    expect(found.QueueUrl).toBe(url);
    expect(listed.QueueUrls).toEqual([url]);
    expect(attributes.Attributes?.QueueArn).toBe('arn:aws:sqs:eu-west-1:000000000000:lifecycle');
    expect(attributes.Attributes?.VisibilityTimeout).toBe('30');
    expect(gone.name).toBe('QueueDoesNotExist');
  });

  it('returns message and attribute MD5s as SQS computes them (published test vectors)', async () => {
    const url = await queue('md5');

    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'héllo',
        MessageAttributes: {
          ordinal: { DataType: 'Number', StringValue: '1' },
          category: { DataType: 'String', StringValue: 'test' },
        },
      }),
    );
    const single = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'x',
        MessageAttributes: { timestamp: { DataType: 'Number', StringValue: '1493147359900' } },
      }),
    );
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['All'] }));

    expect(sent.MD5OfMessageBody).toBe(createHash('md5').update('héllo', 'utf8').digest('hex'));
    expect(sent.MD5OfMessageAttributes).toBe('d21ae90c49061e927f57df5f5d72be1f');
    expect(single.MD5OfMessageAttributes).toBe('235c5c510d26fb653d073faed50ae77c');
    expect(got.Messages?.[0]?.Body).toBe('héllo');
    expect(got.Messages?.[0]?.MD5OfMessageAttributes).toBe('d21ae90c49061e927f57df5f5d72be1f');
    expect(got.Messages?.[0]?.MessageAttributes?.ordinal?.StringValue).toBe('1');
  });

  it('hides a received message for the visibility timeout, then delivers it again', async () => {
    const url = await queue('visibility', { VisibilityTimeout: '30' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'job' }));

    const first = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['All'] }),
    );
    const hidden = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    await env.cloud.clock.advance(31_000);
    const again = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['All'] }),
    );

    expect(first.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(hidden.Messages ?? []).toHaveLength(0);
    expect(again.Messages?.[0]?.Body).toBe('job');
    expect(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
  });

  it('deletes by receipt handle and changes visibility of an in-flight message', async () => {
    const url = await queue('delete');
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', MessageBody: 'a' },
          { Id: 'b', MessageBody: 'b' },
          { Id: 'c', MessageBody: 'c' },
        ],
      }),
    );

    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    const [a, b, c] = got.Messages!;
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: a!.ReceiptHandle }));
    const batch = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [{ Id: 'b', ReceiptHandle: b!.ReceiptHandle }],
      }),
    );
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: c!.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const remaining = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    const invalid = await errorOf(
      sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' })),
    );

    expect(got.Messages).toHaveLength(3);
    expect(batch.Successful?.map((s) => s.Id)).toEqual(['b']);
    expect(remaining.Messages?.map((m) => m.Body)).toEqual(['c']);
    expect(invalid.name).toBe('ReceiptHandleIsInvalid');
  });

  it('delivers FIFO messages in group order with one in-flight batch per group', async () => {
    const url = await queue('deploys.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    for (const [group, body] of [
      ['repo-a', 'a1'],
      ['repo-a', 'a2'],
      ['repo-b', 'b1'],
    ] as const) {
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageGroupId: group }));
    }

    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1 }));
    const second = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1 }));
    const blocked = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.Messages![0]!.ReceiptHandle }),
    );
    const next = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));

    expect(first.Messages?.[0]?.Body).toBe('a1');
    expect(second.Messages?.[0]?.Body).toBe('b1');
    expect(blocked.Messages ?? []).toHaveLength(0);
    expect(next.Messages?.map((m) => m.Body)).toEqual(['a2']);
  });

  it('drops FIFO duplicates inside the 5-minute window and accepts them after it', async () => {
    const url = await queue('dedup.fifo', { FifoQueue: 'true' });
    const send = () =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: 'x',
          MessageGroupId: 'g',
          MessageDeduplicationId: 'sha256:abc',
        }),
      );

    const one = await send();
    const dup = await send();
    await env.cloud.clock.advance(5 * 60_000 + 1);
    const later = await send();
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    const missing = await errorOf(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'y', MessageGroupId: 'g' })),
    );

    expect(dup.MessageId).toBe(one.MessageId);
    expect(dup.SequenceNumber).toBe(one.SequenceNumber);
    expect(later.MessageId).not.toBe(one.MessageId);
    expect(attributes.Attributes?.ApproximateNumberOfMessages).toBe('2');
    expect(missing.name).toBe('InvalidParameterValue');
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    const dlq = await queue('work-dlq');
    const dlqArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }))
    ).Attributes!.QueueArn!;
    const url = await queue('work', {
      VisibilityTimeout: '10',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));

    const receives: number[] = [];
    for (let i = 0; i < 3; i++) {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
      receives.push(got.Messages?.length ?? 0);
      await env.cloud.clock.advance(11_000);
    }
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq }));

    expect(receives).toEqual([1, 1, 0]);
    expect(dead.Messages?.[0]?.Body).toBe('poison');
  });

  it('long-polls until a message arrives', async () => {
    const url = await queue('longpoll');

    const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await new Promise((r) => setTimeout(r, 50));
    env.cloud.sqs.sendMessage(url, { MessageBody: 'late' });
    const got = await waiting;

    expect(got.Messages?.[0]?.Body).toBe('late');
  });

  it('delays messages by DelaySeconds on the virtual clock', async () => {
    const url = await queue('delayed');
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 60 }));

    const early = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    await env.cloud.clock.advance(60_000);
    const onTime = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));

    expect(early.Messages ?? []).toHaveLength(0);
    expect(onTime.Messages?.[0]?.Body).toBe('later');
  });

  it('also speaks the SQS query protocol (form-encoded in, XML out) older CLIs use', async () => {
    const url = await queue('query-form');
    const post = async (params: Record<string, string>) => {
      const res = await fetch(env.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization:
            'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261126/eu-west-1/sqs/aws4_request, SignedHeaders=host, Signature=0',
        },
        body: new URLSearchParams({ Version: '2012-11-05', ...params }).toString(),
      });
      return { status: res.status, xml: await res.text() };
    };

    const sent = await post({
      Action: 'SendMessage',
      QueueUrl: url,
      MessageBody: 'via query',
      'MessageAttribute.1.Name': 'timestamp',
      'MessageAttribute.1.Value.DataType': 'Number',
      'MessageAttribute.1.Value.StringValue': '1493147359900',
    });
    const received = await post({
      Action: 'ReceiveMessage',
      QueueUrl: url,
      'AttributeName.1': 'All',
      'MessageAttributeName.1': 'All',
    });
    const missing = await post({ Action: 'GetQueueUrl', QueueName: 'nope' });

    expect(sent.xml).toContain(
      '<SendMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><SendMessageResult>',
    );
    expect(sent.xml).toContain(
      '<MD5OfMessageAttributes>235c5c510d26fb653d073faed50ae77c</MD5OfMessageAttributes>',
    );
    expect(received.xml).toMatch(
      /<ReceiveMessageResult><Message><MessageId>[^<]+<\/MessageId><ReceiptHandle>/,
    );
    expect(received.xml).toContain('<Body>via query</Body>');
    expect(received.xml).toContain(
      '<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>',
    );
    expect(received.xml).toMatch(
      /<MessageAttribute><Name>timestamp<\/Name><Value>.*<StringValue>1493147359900<\/StringValue>.*<\/Value><\/MessageAttribute>/,
    );
    expect(missing.status).toBe(400);
    expect(missing.xml).toContain('<Code>AWS.SimpleQueueService.NonExistentQueue</Code>');
  });

  it('tells subscribers when messages become receivable (send, delay, visibility timeout)', async () => {
    const url = await queue('notify', { VisibilityTimeout: '30' });
    const seen: string[] = [];
    const unsubscribe = env.cloud.sqs.onMessagesAvailable((name) => {
      if (name === 'notify') seen.push(name);
    });
    const settle = () => new Promise((r) => setImmediate(r));

    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'now' }));
    await settle();
    const afterSend = seen.length;
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    await settle();
    const afterReceive = seen.length;
    await env.cloud.clock.advance(30_000);
    await settle();
    unsubscribe();

    expect(afterSend).toBe(1);
    expect(afterReceive).toBe(1);
    expect(seen).toEqual(['notify', 'notify']);
  });
});
