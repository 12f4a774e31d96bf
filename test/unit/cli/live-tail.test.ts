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
    // The mocked stream ends after its events: a real session runs until it times out.
    expect(f.fallbacks).toEqual(['the Live Tail session ended']);
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

  it('when the session ends (3 hours), polls on from its newest line: no line twice, no re-read of the hours it showed', async () => {
    const late = T + 3 * 3_600_000;
    async function* endingSession() {
      yield* session([{ logStreamName: 'web/app/bbb', timestamp: late, message: 'live 1' }]);
      throw Object.assign(new Error('Session timed out'), { name: 'SessionTimeoutException' });
    }
    logs.on(StartLiveTailCommand).resolves({ responseStream: endingSession() as never });
    logs.on(FilterLogEventsCommand, { startTime: late - 5 * 60_000 }).resolves({
      events: [
        {
          logStreamName: 'web/app/bbb',
          timestamp: late,
          message: 'live 1',
          eventId: '3',
          ingestionTime: late,
        },
        {
          logStreamName: 'web/app/bbb',
          timestamp: late + 1,
          message: 'after the session',
          eventId: '4',
          ingestionTime: late + 1,
        },
      ],
    });
    const f = follow(true);

    await f.run();

    expect(f.fallbacks).toEqual(['SessionTimeoutException: Session timed out']);
    expect(f.lines.map((l) => l.message)).toEqual(['history 1', 'history 2', 'live 1', 'after the session']);
    const polls = logs.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input.startTime);
    expect(polls).toEqual([T - 3_600_000, late - 5 * 60_000]);
  });

  it('polls on when the session stream simply ends, saying so', async () => {
    logs.on(StartLiveTailCommand).resolves({ responseStream: session([]) as never });
    const f = follow(true);

    await f.run();

    expect(f.fallbacks).toEqual(['the Live Tail session ended']);
    expect(logs.commandCalls(FilterLogEventsCommand).length).toBe(2);
  });

  it('does not try Live Tail on the local cloud', async () => {
    const f = follow(false);
    await f.run();
    expect(logs.commandCalls(StartLiveTailCommand)).toEqual([]);
    expect(f.lines.map((l) => l.message)).toEqual(['history 1', 'history 2']);
  });
});
