import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '#local/events/bus.ts';
import { errorOf, startTestCloud } from './helpers.ts';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let scheduler: SchedulerClient;

beforeAll(async () => {
  env = await startTestCloud();
  scheduler = new SchedulerClient(env.config);
});
afterAll(() => env.stop());

const role = 'arn:aws:iam::000000000000:role/scheduler';

describe('EventBridge Scheduler over restJson', () => {
  it('creates, gets, lists and deletes schedules', async () => {
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'reaper',
        ScheduleExpression: 'rate(5 minutes)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: 'arn:aws:lambda:eu-west-1:000000000000:function:reaper', RoleArn: role, Input: '{}' },
      }),
    );

    const got = await scheduler.send(new GetScheduleCommand({ Name: 'reaper' }));
    const listed = await scheduler.send(new ListSchedulesCommand({ NamePrefix: 're' }));
    const dup = await errorOf(
      scheduler.send(
        new CreateScheduleCommand({
          Name: 'reaper',
          ScheduleExpression: 'rate(1 hour)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: 'arn:x', RoleArn: role },
        }),
      ),
    );
    await scheduler.send(new DeleteScheduleCommand({ Name: 'reaper' }));
    const gone = await errorOf(scheduler.send(new GetScheduleCommand({ Name: 'reaper' })));

    expect(got).toMatchObject({
      Name: 'reaper',
      GroupName: 'default',
      State: 'ENABLED',
      ScheduleExpression: 'rate(5 minutes)',
    });
    expect(got.CreationDate).toBeInstanceOf(Date);
    expect(listed.Schedules?.map((s) => s.Name)).toEqual(['reaper']);
    expect(dup.name).toBe('ConflictException');
    expect(gone.name).toBe('ResourceNotFoundException');
  });

  it('fires a rate schedule on the clock, delivering its Input to an in-process target', async () => {
    const delivered: Delivery[] = [];
    const unregister = env.cloud.eventBus.registerTargetHandler('arn:aws:lambda:', (d) => {
      delivered.push(d);
    });
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'tick',
        ScheduleExpression: 'rate(5 minutes)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: 'arn:aws:lambda:eu-west-1:000000000000:function:tick',
          RoleArn: role,
          Input: '{"job":"reap"}',
        },
      }),
    );

    await env.cloud.clock.advance(10 * 60_000);
    await env.cloud.eventBus.drain();
    unregister();
    await scheduler.send(new DeleteScheduleCommand({ Name: 'tick' }));

    expect(delivered.map((d) => d.payload)).toEqual(['{"job":"reap"}', '{"job":"reap"}']);
    expect(delivered[0]!.scheduleArn).toBe('arn:aws:scheduler:eu-west-1:000000000000:schedule/default/tick');
  });

  it('fires a one-time at() schedule into SQS and deletes it after completion', async () => {
    const sqs = new SQSClient(env.config);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'expiry' }));
    const at = new Date(env.cloud.clock.now() + 30 * 60_000).toISOString().slice(0, 19);
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'bastion-expiry',
        ScheduleExpression: `at(${at})`,
        ActionAfterCompletion: 'DELETE',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: 'arn:aws:sqs:eu-west-1:000000000000:expiry',
          RoleArn: role,
          Input: '{"instance":"i-1"}',
        },
      }),
    );

    await env.cloud.clock.advance(29 * 60_000);
    const early = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    await env.cloud.clock.advance(60_000);
    await env.cloud.eventBus.drain();
    const due = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    const gone = await errorOf(scheduler.send(new GetScheduleCommand({ Name: 'bastion-expiry' })));

    expect(early.Messages ?? []).toHaveLength(0);
    expect(due.Messages?.[0]?.Body).toBe('{"instance":"i-1"}');
    expect(gone.name).toBe('ResourceNotFoundException');
  });

  it('rejects an invalid schedule expression', async () => {
    const error = await errorOf(
      scheduler.send(
        new CreateScheduleCommand({
          Name: 'bad',
          ScheduleExpression: 'every 5 minutes',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: 'arn:x', RoleArn: role },
        }),
      ),
    );

    expect(error.name).toBe('ValidationException');
  });
});
