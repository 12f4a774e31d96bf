import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  FilterLogEventsCommand,
  StartLiveTailCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { followLogQuery } from '#cli/commands/live-tail.ts';
import type { LogLine } from '#cli/commands/logs.ts';

const logs = mockClient(CloudWatchLogsClient);
const GROUP = '/stackdrop/acme/production/app';
const ARN = 'arn:aws:logs:eu-west-1:123456789012:log-group:/stackdrop/acme/production/app';
const T = Date.UTC(2026, 11, 7, 12, 0, 0);

beforeEach(() => {
  logs.reset();
  logs
    .on(DescribeLogGroupsCommand)
    .resolves({ logGroups: [{ logGroupName: GROUP, arn: `${ARN}:*`, logGroupArn: ARN }] });
  logs.on(FilterLogEventsCommand).resolves({
    events: [
      { logStreamName: 'web/app/aaa', timestamp: T, message: 'history 1', eventId: '1', ingestionTime: T },
      {
        logStreamName: 'web/app/aaa',
        timestamp: T + 1,
        message: 'history 2',
        eventId: '2',
        ingestionTime: T + 1,
      },
    ],
  });
});

async function* session(
  ...updates: Array<Array<{ logStreamName: string; timestamp: number; message: string }>>
) {
  yield { sessionStart: { sessionId: 's-1', logGroupIdentifiers: [ARN] } };
  for (const sessionResults of updates)
    yield { sessionUpdate: { sessionMetadata: { sampled: false }, sessionResults } };
}

function follow(liveTail: boolean) {
  const lines: LogLine[] = [];
  const fallbacks: string[] = [];
  let polls = 0;
  return {
    lines,
    fallbacks,
    run: () =>
      followLogQuery(
        new CloudWatchLogsClient({ region: 'eu-west-1' }),
        { logGroupName: GROUP, startTime: T - 3_600_000, logStreamNamePrefix: 'web/' },
        {
          liveTail,
          onLine: (l) => lines.push(l),
          onFallback: (r) => fallbacks.push(r),
          sleep: async () => {
            polls++;
          },
          done: () => polls >= 1,
        },
      ),
  };
}

describe('logs --follow with Live Tail', () => {
  it('starts the session on the group ARN with the stream prefix, prints history, then live lines, never one twice', async () => {
    logs.on(StartLiveTailCommand).resolves({
      responseStream: session(
        [{ logStreamName: 'web/app/aaa', timestamp: T + 1, message: 'history 2' }],
        [{ logStreamName: 'web/app/bbb', timestamp: T + 5, message: 'live 1' }],
      ) as never,
    });
    const f = follow(true);

    await f.run();

    expect(logs.commandCalls(StartLiveTailCommand)[0]!.args[0].input).toEqual({
      logGroupIdentifiers: [ARN],
      logStreamNamePrefixes: ['web/'],
    });
    expect(f.lines.map((l) => [l.service, l.task, l.message])).toEqual([
      ['web', 'aaa', 'history 1'],
      ['web', 'aaa', 'history 2'],
      ['web', 'bbb', 'live 1'],
    ]);
    expect(f.fallbacks).toEqual([]);
  });

  it('falls back to polling with the reason when Live Tail cannot start (no permission, session quota)', async () => {
    logs
      .on(StartLiveTailCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'LimitExceededException' }));
    const f = follow(true);

    await f.run();

    expect(f.fallbacks).toEqual(['LimitExceededException: Rate exceeded']);
    expect(f.lines.map((l) => l.message)).toEqual(['history 1', 'history 2']);
    expect(logs.commandCalls(FilterLogEventsCommand).length).toBe(2);
  });

  it('does not try Live Tail on the local cloud', async () => {
    const f = follow(false);
    await f.run();
    expect(logs.commandCalls(StartLiveTailCommand)).toEqual([]);
    expect(f.lines.map((l) => l.message)).toEqual(['history 1', 'history 2']);
  });
});
