import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestCloud } from './helpers.ts';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let cw: CloudWatchClient;

beforeAll(async () => {
  env = await startTestCloud();
  cw = new CloudWatchClient(env.config);
}, 60_000);
afterAll(() => env.stop());

const metric = { Namespace: 'Shop', MetricName: 'Orders', Dimensions: [{ Name: 'Env', Value: 'prod' }] };

describe('CloudWatch metrics', () => {
  it('aggregates PutMetricData per period with the asked statistic, newest first unless ascending', async () => {
    const t0 = env.cloud.clock.now();
    const minute = Math.floor(t0 / 60_000) * 60_000;
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'Shop',
        MetricData: [
          { ...metric, Timestamp: new Date(minute - 120_000 + 1000), Value: 1 },
          { ...metric, Timestamp: new Date(minute - 120_000 + 2000), Value: 3 },
          { ...metric, Timestamp: new Date(minute - 60_000 + 1000), Values: [10, 20], Counts: [1, 3] },
        ],
      }),
    );
    const query = (Stat: string, ScanBy?: 'TimestampAscending') =>
      cw.send(
        new GetMetricDataCommand({
          StartTime: new Date(minute - 180_000),
          EndTime: new Date(minute),
          ...(ScanBy ? { ScanBy } : {}),
          MetricDataQueries: [{ Id: 'orders', MetricStat: { Metric: metric, Period: 60, Stat } }],
        }),
      );

    const sum = await query('Sum');
    const avgUp = await query('Average', 'TimestampAscending');
    const p50 = await query('p50');

    expect(sum.MetricDataResults?.[0]).toMatchObject({
      Id: 'orders',
      StatusCode: 'Complete',
      Values: [70, 4],
    });
    expect(sum.MetricDataResults?.[0]?.Timestamps?.map((d) => d.getTime())).toEqual([
      minute - 60_000,
      minute - 120_000,
    ]);
    expect(avgUp.MetricDataResults?.[0]?.Values).toEqual([2, 17.5]);
    expect(p50.MetricDataResults?.[0]?.Values).toEqual([20, 1]);
  });

  it('refuses AWS/ namespaces in PutMetricData, bad query ids and periods as AWS does', async () => {
    const aws = await errorOf(
      cw.send(
        new PutMetricDataCommand({ Namespace: 'AWS/EC2', MetricData: [{ MetricName: 'x', Value: 1 }] }),
      ),
    );
    const badId = await errorOf(
      cw.send(
        new GetMetricDataCommand({
          StartTime: new Date(0),
          EndTime: new Date(60_000),
          MetricDataQueries: [{ Id: 'Orders', MetricStat: { Metric: metric, Period: 60, Stat: 'Sum' } }],
        }),
      ),
    );
    const badPeriod = await errorOf(
      cw.send(
        new GetMetricDataCommand({
          StartTime: new Date(0),
          EndTime: new Date(60_000),
          MetricDataQueries: [{ Id: 'o', MetricStat: { Metric: metric, Period: 45, Stat: 'Sum' } }],
        }),
      ),
    );
    expect([aws.name, badId.name, badPeriod.name]).toEqual([
      'InvalidParameterValueException',
      'InvalidParameterValueException',
      'InvalidParameterValueException',
    ]);
  });

  it('evaluates alarms over their last periods: ALARM when all breach, INSUFFICIENT_DATA without data', async () => {
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'orders-high',
        ...metric,
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 2,
        Threshold: 3,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'orders-none',
        Namespace: 'Shop',
        MetricName: 'Nothing',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );

    const out = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'orders-' }));

    expect(out.MetricAlarms?.map((a) => [a.AlarmName, a.StateValue])).toEqual([
      ['orders-high', 'ALARM'],
      ['orders-none', 'INSUFFICIENT_DATA'],
    ]);
  });
});

// Last: it moves the shared clock on by minutes.
describe('CloudWatch metrics computed from the SQS model', () => {
  it("computes an SQS queue's oldest-message age from the messages still queued, 0 once they are deleted", async () => {
    const { cloud } = env;
    cloud.sqs.createQueue('ages', {}, {});
    const t0 = Math.floor(cloud.clock.now() / 60_000) * 60_000 + 60_000;
    await cloud.clock.advance(t0 - cloud.clock.now());
    cloud.sqs.sendMessage('ages', { MessageBody: 'first' });
    await cloud.clock.advance(5 * 60_000);
    cloud.sqs.sendMessage('ages', { MessageBody: 'second' });
    await cloud.clock.advance(60_000);
    const age = async () =>
      (
        await cw.send(
          new GetMetricDataCommand({
            StartTime: new Date(t0 - 60_000),
            EndTime: new Date(t0 + 6 * 60_000),
            ScanBy: 'TimestampAscending',
            MetricDataQueries: [
              {
                Id: 'age',
                MetricStat: {
                  Metric: {
                    Namespace: 'AWS/SQS',
                    MetricName: 'ApproximateAgeOfOldestMessage',
                    Dimensions: [{ Name: 'QueueName', Value: 'ages' }],
                  },
                  Period: 60,
                  Stat: 'Maximum',
                },
              },
            ],
          }),
        )
      ).MetricDataResults![0]!.Values;

    const queued = await age();
    for (const m of cloud.sqs.receiveMessages('ages', { max: 10 }))
      cloud.sqs.deleteMessage('ages', m.receiptHandle!);
    const drained = await age();

    // One point per minute, measured at its middle: 0 before the first send, then its age.
    expect(queued).toEqual([0, 30, 90, 150, 210, 270, 330]);
    expect(drained).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });
});
