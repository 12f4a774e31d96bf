import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogCursor } from '#cli/commands/logs.ts';
import { startTestCloud } from '#test/integration/local/helpers.ts';

/**
 * `stackdrop logs --follow` polls FilterLogEvents with a cursor. These cases are the ones a naive
 * "startTime = last timestamp + 1" cursor gets wrong: lines sharing a millisecond across polls, a
 * line stamped earlier than the newest shown but ingested later, and more lines than one page.
 */

let env: Awaited<ReturnType<typeof startTestCloud>>;
let logs: CloudWatchLogsClient;
const GROUP = '/stackdrop/cursor/production/app';

beforeAll(async () => {
  env = await startTestCloud();
  logs = new CloudWatchLogsClient(env.config);
  await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  for (const s of ['web/app/a', 'web/app/b'])
    await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: s }));
}, 60_000);
afterAll(() => env.stop());

const put = (stream: string, events: Array<[number, string]>) =>
  logs.send(
    new PutLogEventsCommand({
      logGroupName: GROUP,
      logStreamName: stream,
      logEvents: events.map(([timestamp, message]) => ({ timestamp, message })),
    }),
  );

describe('the --follow cursor on the local cloud', () => {
  it('never repeats or skips a line across polls: same millisecond, late arrival, many pages', async () => {
    const t0 = env.cloud.clock.now();
    const cursor = new LogCursor({ logGroupName: GROUP, startTime: t0 - 60_000 });
    const shown: string[] = [];
    const poll = async () => shown.push(...(await cursor.poll(logs)).map((l) => l.message));

    await put('web/app/a', [
      [t0 - 2000, 'a1'],
      [t0 - 1000, 'a2'],
    ]);
    await poll();
    // Same millisecond as a2, arriving after the poll that showed a2.
    await put('web/app/b', [[t0 - 1000, 'b-same-ms']]);
    await poll();
    // Stamped before everything shown so far, ingested only now (a slow shipper).
    await put('web/app/b', [[t0 - 30_000, 'b-late']]);
    await poll();
    await poll();
    // More than one FilterLogEvents page (10,000 events).
    await env.cloud.clock.advance(60_000);
    const t1 = env.cloud.clock.now();
    const many = Array.from({ length: 12_000 }, (_, i) => [t1 - 12_000 + i, `m${i}`] as [number, string]);
    await put('web/app/a', many.slice(0, 10_000));
    await put('web/app/a', many.slice(10_000));
    await poll();
    await poll();

    expect(shown.slice(0, 4)).toEqual(['a1', 'a2', 'b-same-ms', 'b-late']);
    expect(shown.slice(4)).toEqual(many.map(([, m]) => m));
    expect(new Set(shown).size).toBe(shown.length);
  });
});
