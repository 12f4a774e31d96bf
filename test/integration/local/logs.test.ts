import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestCloud } from './helpers.ts';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let logs: CloudWatchLogsClient;

beforeAll(async () => {
  env = await startTestCloud();
  logs = new CloudWatchLogsClient(env.config);
}, 60_000);
afterAll(() => env.stop());

const now = () => env.cloud.clock.now();

async function groupWithStreams(group: string, ...streams: string[]) {
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  for (const s of streams)
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: s }));
}

describe('CloudWatch Logs', () => {
  it('creates groups and streams once, with AWS errors for duplicates, bad names and missing ones', async () => {
    await groupWithStreams('/stackdrop/a/production/app', 'web/app/1');

    const again = await errorOf(
      logs.send(new CreateLogGroupCommand({ logGroupName: '/stackdrop/a/production/app' })),
    );
    const badName = await errorOf(
      logs.send(new CreateLogGroupCommand({ logGroupName: 'no spaces allowed' })),
    );
    const badStream = await errorOf(
      logs.send(
        new CreateLogStreamCommand({ logGroupName: '/stackdrop/a/production/app', logStreamName: 'a:b' }),
      ),
    );
    const noGroup = await errorOf(
      logs.send(new FilterLogEventsCommand({ logGroupName: '/stackdrop/missing' })),
    );
    const noStream = await errorOf(
      logs.send(
        new PutLogEventsCommand({
          logGroupName: '/stackdrop/a/production/app',
          logStreamName: 'nope',
          logEvents: [{ timestamp: now(), message: 'x' }],
        }),
      ),
    );

    expect(again.name).toBe('ResourceAlreadyExistsException');
    expect(badName.name).toBe('InvalidParameterException');
    expect(badStream.name).toBe('InvalidParameterException');
    expect(noGroup.name).toBe('ResourceNotFoundException');
    expect(noStream).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'The specified log stream does not exist.',
    });
  });

  it('refuses batches out of order or spanning more than 24 hours, and reports too old and too new events', async () => {
    await groupWithStreams('/batch', 's');
    const t = now();
    const put = (logEvents: Array<{ timestamp: number; message: string }>) =>
      logs.send(new PutLogEventsCommand({ logGroupName: '/batch', logStreamName: 's', logEvents }));

    const unordered = await errorOf(
      put([
        { timestamp: t, message: 'b' },
        { timestamp: t - 1, message: 'a' },
      ]),
    );
    const span = await errorOf(
      put([
        { timestamp: t - 25 * 3_600_000, message: 'a' },
        { timestamp: t, message: 'b' },
      ]),
    );
    const mixed = await put([
      { timestamp: t - 15 * 86_400_000, message: 'too old' },
      { timestamp: t - 14 * 86_400_000 - 1, message: 'too old too' },
      { timestamp: t, message: 'kept' },
      { timestamp: t + 3 * 3_600_000, message: 'too new' },
    ]).catch((e) => e);
    const kept = await logs.send(new FilterLogEventsCommand({ logGroupName: '/batch' }));

    expect(unordered.name).toBe('InvalidParameterException');
    expect(span.name).toBe('InvalidParameterException');
    // A 15-day-old and a 3-hours-ahead event in one batch spans > 24 h: AWS refuses the whole batch.
    expect(mixed.name).toBe('InvalidParameterException');
    const partial = await put([
      { timestamp: t - 1000, message: 'kept 1' },
      { timestamp: t + 2 * 3_600_000 + 1, message: 'too new' },
    ]);
    expect(partial.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 1 });
    expect(kept.events).toEqual([]);
    const after = await logs.send(new FilterLogEventsCommand({ logGroupName: '/batch' }));
    expect(after.events?.map((e) => e.message)).toEqual(['kept 1']);
  });

  it('accepts only the retention periods AWS lists and reports them in DescribeLogGroups', async () => {
    await groupWithStreams('/retention');
    const bad = await errorOf(
      logs.send(new PutRetentionPolicyCommand({ logGroupName: '/retention', retentionInDays: 2 })),
    );
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: '/retention', retentionInDays: 14 }));

    const described = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/retention' }));

    expect(bad.name).toBe('InvalidParameterException');
    expect(described.logGroups).toEqual([
      expect.objectContaining({
        logGroupName: '/retention',
        retentionInDays: 14,
        arn: `arn:aws:logs:eu-west-1:000000000000:log-group:/retention:*`,
      }),
    ]);
  });

  it('interleaves streams by time in FilterLogEvents and pages with nextToken without repeating or skipping', async () => {
    await groupWithStreams('/inter', 'web/app/1', 'web/app/2', 'worker-default/app/3');
    const t = now() - 60_000;
    for (const [stream, offsets] of [
      ['web/app/1', [0, 3, 6, 9]],
      ['web/app/2', [1, 4, 7]],
      ['worker-default/app/3', [2, 5, 8]],
    ] as const) {
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: '/inter',
          logStreamName: stream,
          logEvents: offsets.map((o) => ({ timestamp: t + o * 1000, message: `${stream} line ${o}` })),
        }),
      );
    }

    const pages: string[][] = [];
    let nextToken: string | undefined;
    do {
      const out = await logs.send(
        new FilterLogEventsCommand({ logGroupName: '/inter', limit: 4, nextToken }),
      );
      pages.push((out.events ?? []).map((e) => e.message!));
      nextToken = out.nextToken;
    } while (nextToken);
    const webOnly = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: '/inter',
        logStreamNamePrefix: 'web/',
        filterPattern: '"line 6" ?x',
      }),
    );
    const both = await errorOf(
      logs.send(
        new FilterLogEventsCommand({
          logGroupName: '/inter',
          logStreamNames: ['a'],
          logStreamNamePrefix: 'w',
        }),
      ),
    );

    expect(pages.flat().map((m) => Number(m.split(' ').pop()))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(pages.map((p) => p.length)).toEqual([4, 4, 2]);
    expect(webOnly.events).toEqual([]);
    expect(both.name).toBe('InvalidParameterException');
    const phrase = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: '/inter',
        logStreamNamePrefix: 'web/',
        filterPattern: '"line 6" -worker',
      }),
    );
    expect(phrase.events?.map((e) => [e.logStreamName, e.message])).toEqual([
      ['web/app/1', 'web/app/1 line 6'],
    ]);
  });

  it('reads one stream newest-first by default and from the head with tokens that stop at the end', async () => {
    await groupWithStreams('/get', 's');
    const t = now() - 10_000;
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: '/get',
        logStreamName: 's',
        logEvents: [1, 2, 3, 4, 5].map((n) => ({ timestamp: t + n, message: `m${n}` })),
      }),
    );

    const tail = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/get', logStreamName: 's', limit: 2 }),
    );
    const head = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/get', logStreamName: 's', limit: 3, startFromHead: true }),
    );
    const rest = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/get', logStreamName: 's', nextToken: head.nextForwardToken }),
    );
    const end = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/get', logStreamName: 's', nextToken: rest.nextForwardToken }),
    );

    expect(tail.events?.map((e) => e.message)).toEqual(['m4', 'm5']);
    expect(head.events?.map((e) => e.message)).toEqual(['m1', 'm2', 'm3']);
    expect(rest.events?.map((e) => e.message)).toEqual(['m4', 'm5']);
    expect(end.events).toEqual([]);
    expect(end.nextForwardToken).toBe(rest.nextForwardToken);
  });
});

describe('ECS tasks write their containers to CloudWatch Logs like the awslogs driver', () => {
  it("names streams prefix/container/task-id, writes web request lines over time and a command task's output", async () => {
    const { cloud } = env;
    await groupWithStreams('/stackdrop/shop/production/app');
    cloud.ecs.createCluster({ clusterName: 'shop' });
    const logConfiguration = (prefix: string) => ({
      logDriver: 'awslogs',
      options: {
        'awslogs-group': '/stackdrop/shop/production/app',
        'awslogs-region': 'eu-west-1',
        'awslogs-stream-prefix': prefix,
      },
    });
    cloud.ecs.registerTaskDefinition({
      family: 'shop-release',
      containerDefinitions: [
        {
          name: 'app',
          image: 'repo@sha256:1',
          memory: 512,
          command: ['php', 'artisan', 'migrate', '--force'],
          logConfiguration: logConfiguration('release'),
        },
      ],
    });
    const [task] = cloud.ecs.runTask({ cluster: 'shop', taskDefinition: 'shop-release' });
    const taskId = task!.taskArn.split('/').pop();
    await cloud.clock.advance(10 * 60_000);

    const out = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: '/stackdrop/shop/production/app',
        logStreamNamePrefix: 'release/',
      }),
    );
    const streams = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: '/stackdrop/shop/production/app' }),
    );

    expect(task!.lastStatus).toBe('STOPPED');
    expect(streams.logStreams?.map((s) => s.logStreamName)).toEqual([`release/app/${taskId}`]);
    expect(out.events?.map((e) => e.message)).toEqual([
      '$ php artisan migrate --force',
      '   INFO  Running migrations.',
      expect.stringMatching(/add_status_to_orders_table .* DONE$/),
    ]);
  });

  it('writes no lines when the awslogs group does not exist (ECS does not create it by default)', async () => {
    const { cloud } = env;
    cloud.ecs.registerTaskDefinition({
      family: 'orphan',
      containerDefinitions: [
        {
          name: 'app',
          image: 'x',
          memory: 512,
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/nope', 'awslogs-stream-prefix': 'x' },
          },
        },
      ],
    });
    cloud.ecs.runTask({ cluster: 'shop', taskDefinition: 'orphan' });
    await cloud.clock.advance(10 * 60_000);
    expect(cloud.logs.groups.has('/nope')).toBe(false);
  });
});
