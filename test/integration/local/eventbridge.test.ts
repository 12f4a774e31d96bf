import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '#local/events/bus.ts';
import { errorOf, startTestCloud } from './helpers.ts';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let events: EventBridgeClient;
let sqs: SQSClient;

beforeAll(async () => {
  env = await startTestCloud();
  events = new EventBridgeClient(env.config);
  sqs = new SQSClient(env.config);
});
afterAll(() => env.stop());

describe('EventBridge over awsJson 1.1', () => {
  it('manages rules and targets', async () => {
    await events.send(
      new PutRuleCommand({ Name: 'r-manage', EventPattern: '{"source":["stackdrop"]}', Description: 'd' }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'r-manage',
        Targets: [{ Id: 't1', Arn: 'arn:aws:sqs:eu-west-1:000000000000:nowhere' }],
      }),
    );

    const described = await events.send(new DescribeRuleCommand({ Name: 'r-manage' }));
    const listed = await events.send(new ListRulesCommand({ NamePrefix: 'r-man' }));
    const targets = await events.send(new ListTargetsByRuleCommand({ Rule: 'r-manage' }));
    const refused = await errorOf(events.send(new DeleteRuleCommand({ Name: 'r-manage' })));
    await events.send(new RemoveTargetsCommand({ Rule: 'r-manage', Ids: ['t1'] }));
    await events.send(new DeleteRuleCommand({ Name: 'r-manage' }));
    const gone = await errorOf(events.send(new DescribeRuleCommand({ Name: 'r-manage' })));

    expect(described).toMatchObject({
      Name: 'r-manage',
      State: 'ENABLED',
      Arn: 'arn:aws:events:eu-west-1:000000000000:rule/r-manage',
    });
    expect(listed.Rules?.map((r) => r.Name)).toEqual(['r-manage']);
    expect(targets.Targets?.map((t) => t.Id)).toEqual(['t1']);
    expect(refused.name).toBe('ValidationException');
    expect(gone.name).toBe('ResourceNotFoundException');
  });

  it('rejects an invalid event pattern and tests patterns against events', async () => {
    const event = JSON.stringify({
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { object: { key: 'manifests/a.yaml' } },
    });

    const error = await errorOf(
      events.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"source":"x"}' })),
    );
    const hit = await events.send(
      new TestEventPatternCommand({
        Event: event,
        EventPattern: '{"detail":{"object":{"key":[{"prefix":"manifests/"}]}}}',
      }),
    );
    const miss = await events.send(
      new TestEventPatternCommand({ Event: event, EventPattern: '{"source":["aws.ecr"]}' }),
    );

    expect(error.name).toBe('InvalidEventPatternException');
    expect(hit.Result).toBe(true);
    expect(miss.Result).toBe(false);
  });

  it('routes matching PutEvents to an SQS queue target, transformed by InputPath', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'provision-events' }));
    await events.send(
      new PutRuleCommand({
        Name: 'r-sqs',
        EventPattern: JSON.stringify({ source: ['stackdrop'], 'detail-type': [{ prefix: 'Provisioning' }] }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'r-sqs',
        Targets: [
          { Id: 'q', Arn: 'arn:aws:sqs:eu-west-1:000000000000:provision-events', InputPath: '$.detail' },
        ],
      }),
    );

    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'stackdrop', DetailType: 'Provisioning Succeeded', Detail: '{"project":"acme"}' },
          { Source: 'stackdrop', DetailType: 'Deploy Succeeded', Detail: '{"project":"other"}' },
          { Source: 'stackdrop', DetailType: 'Provisioning Failed', Detail: 'not json' },
        ],
      }),
    );
    await env.cloud.eventBus.drain();
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));

    expect(put.FailedEntryCount).toBe(1);
    expect(put.Entries?.[2]?.ErrorCode).toBe('MalformedDetail');
    expect(got.Messages?.map((m) => JSON.parse(m.Body!))).toEqual([{ project: 'acme' }]);
  });

  it('delivers to in-process target handlers with the full envelope', async () => {
    const delivered: Delivery[] = [];
    const unregister = env.cloud.eventBus.registerTargetHandler('arn:aws:lambda:', (d) => {
      delivered.push(d);
    });
    await events.send(
      new PutRuleCommand({
        Name: 'r-lambda',
        EventPattern: '{"source":["aws.ecr"],"detail":{"action-type":["PUSH"]}}',
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'r-lambda',
        Targets: [{ Id: 'fn', Arn: 'arn:aws:lambda:eu-west-1:000000000000:function:roll' }],
      }),
    );

    env.cloud.ecr.createRepository({ repositoryName: 'acme-web' });
    const pushed = env.cloud.ecr.pushImage({ repositoryName: 'acme-web', imageTag: 'main' });
    await env.cloud.eventBus.drain();
    unregister();

    expect(delivered).toHaveLength(1);
    const event = JSON.parse(delivered[0]!.payload);
    expect(event).toMatchObject({
      source: 'aws.ecr',
      'detail-type': 'ECR Image Action',
      account: '000000000000',
      region: 'eu-west-1',
      detail: {
        'repository-name': 'acme-web',
        'image-digest': pushed.imageDigest,
        'image-tag': 'main',
        result: 'SUCCESS',
      },
    });
    expect(delivered[0]!.rule?.Name).toBe('r-lambda');
  });

  it('drops events matching an injected fault', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'dropped' }));
    await events.send(new PutRuleCommand({ Name: 'r-drop', EventPattern: '{"source":["drop.me"]}' }));
    await events.send(
      new PutTargetsCommand({
        Rule: 'r-drop',
        Targets: [{ Id: 'q', Arn: 'arn:aws:sqs:eu-west-1:000000000000:dropped' }],
      }),
    );
    env.cloud.faults.dropEvent({ source: 'drop.me', times: 1 });

    for (const n of [1, 2]) {
      await events.send(
        new PutEventsCommand({ Entries: [{ Source: 'drop.me', DetailType: 'T', Detail: `{"n":${n}}` }] }),
      );
    }
    await env.cloud.eventBus.drain();
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));

    expect(got.Messages?.map((m) => JSON.parse(m.Body!).detail.n)).toEqual([2]);
  });

  it('dead-letters an undeliverable event only into a queue whose policy lets EventBridge send from that rule (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html)', async () => {
    // Prepare: two rules whose target refuses them; one DLQ names only the first rule.
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'rule-dlq',
        Attributes: {
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'events.amazonaws.com' },
                Action: 'sqs:SendMessage',
                Resource: 'arn:aws:sqs:eu-west-1:000000000000:rule-dlq',
                Condition: {
                  ArnEquals: { 'aws:SourceArn': 'arn:aws:events:eu-west-1:000000000000:rule/r-named' },
                },
              },
            ],
          }),
        },
      }),
    );
    const target = 'arn:aws:lambda:eu-west-1:000000000000:function:refuses';
    for (const name of ['r-named', 'r-unnamed']) {
      await events.send(new PutRuleCommand({ Name: name, EventPattern: `{"source":["${name}"]}` }));
      await events.send(
        new PutTargetsCommand({
          Rule: name,
          Targets: [
            {
              Id: 'fn',
              Arn: target,
              DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:000000000000:rule-dlq' },
            },
          ],
        }),
      );
    }
    env.cloud.faults.failTarget({ targetArn: target, code: 'AccessDeniedException', times: 2 });

    // Act
    for (const source of ['r-named', 'r-unnamed'])
      await events.send(
        new PutEventsCommand({ Entries: [{ Source: source, DetailType: 'T', Detail: '{}' }] }),
      );
    await env.cloud.eventBus.drain();
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    );

    // Assess: the named rule's event is kept; the other one is lost, as AWS loses it.
    expect(got.Messages?.map((m) => m.MessageAttributes?.RULE_ARN?.StringValue)).toEqual([
      'arn:aws:events:eu-west-1:000000000000:rule/r-named',
    ]);
    expect(env.cloud.eventBus.failedToDeadLetter).toEqual([
      expect.objectContaining({ ruleArn: 'arn:aws:events:eu-west-1:000000000000:rule/r-unnamed' }),
    ]);
  });

  it('fires schedule rules on the virtual clock', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'ticks' }));
    await events.send(new PutRuleCommand({ Name: 'r-tick', ScheduleExpression: 'rate(5 minutes)' }));
    await events.send(
      new PutTargetsCommand({
        Rule: 'r-tick',
        Targets: [{ Id: 'q', Arn: 'arn:aws:sqs:eu-west-1:000000000000:ticks' }],
      }),
    );

    await env.cloud.clock.advance(15 * 60_000);
    await env.cloud.eventBus.drain();
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));

    expect(got.Messages).toHaveLength(3);
    expect(JSON.parse(got.Messages![0]!.Body!)).toMatchObject({
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      detail: {},
    });
  });
});
