import {
  type CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  type LiveTailSessionLogEvent,
  StartLiveTailCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { describeStream, LogCursor, type LogLine, type LogQuery } from './logs.ts';

/**
 * `stackdrop logs --follow` on AWS: CloudWatch Logs Live Tail
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartLiveTail.html,
 * read 2026-12-07) streams events as they are ingested, over an HTTP/2 event stream, for up to
 * 3 hours per session; it shows nothing from before the session starts and needs the group's ARN.
 * So the session is started first, the history is read with FilterLogEvents while it buffers, and
 * live events already printed by the history read are dropped (they carry no event id: time, stream
 * and message identify them). Any failure to start (no permission, the 15-session quota, an
 * endpoint without Live Tail such as the local cloud) falls back to polling with LogCursor.
 */

const key = (l: { timestamp: number; stream: string; message: string }) =>
  `${l.timestamp}|${l.stream}|${l.message}`;

export function liveLine(e: LiveTailSessionLogEvent): LogLine {
  const stream = e.logStreamName ?? '';
  const timestamp = e.timestamp ?? 0;
  return {
    timestamp,
    time: new Date(timestamp).toISOString(),
    ...describeStream(stream),
    stream,
    message: (e.message ?? '').replace(/\n$/, ''),
    eventId: '',
  };
}

/** The group's ARN without the `:*` suffix, as StartLiveTail wants it. */
async function groupArn(logs: CloudWatchLogsClient, name: string): Promise<string> {
  const out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name, limit: 1 }));
  const group = out.logGroups?.find((g) => g.logGroupName === name);
  const arn = group?.logGroupArn ?? group?.arn?.replace(/:\*$/, '');
  if (!arn)
    throw Object.assign(new Error(`log group ${name} not found`), { name: 'ResourceNotFoundException' });
  return arn;
}

export interface FollowOptions {
  onLine: (line: LogLine) => void;
  /** Called when Live Tail cannot be used, with the reason; polling follows. */
  onFallback: (reason: string) => void;
  /** Polling: wait between reads. */
  sleep: () => Promise<void>;
  /** True once the follow should end (the --timeout). */
  done: () => boolean;
  /** Aborts a live session (the --timeout); polling checks `done` instead. */
  signal?: AbortSignal;
  liveTail: boolean;
}

/** Follows a log query with Live Tail when possible, else by polling; never prints a line twice. */
export async function followLogQuery(
  logs: CloudWatchLogsClient,
  query: LogQuery,
  o: FollowOptions,
): Promise<void> {
  const cursor = new LogCursor(query);
  let stream: AsyncIterable<unknown> | undefined;
  if (o.liveTail) {
    try {
      const out = await logs.send(
        new StartLiveTailCommand({
          logGroupIdentifiers: [await groupArn(logs, query.logGroupName)],
          ...(query.logStreamNamePrefix ? { logStreamNamePrefixes: [query.logStreamNamePrefix] } : {}),
          ...(query.filterPattern ? { logEventFilterPattern: query.filterPattern } : {}),
        }),
        o.signal ? { abortSignal: o.signal } : {},
      );
      stream = out.responseStream as AsyncIterable<unknown> | undefined;
      if (!stream) throw new Error('no response stream');
    } catch (error) {
      const e = error as { name?: string; message?: string };
      o.onFallback(`${e.name ?? 'Error'}${e.message ? `: ${e.message}` : ''}`);
    }
  }
  // Keys of printed lines within the cursor's look-back: Live Tail events have no id, and after a
  // fall back the cursor re-reads lines the live session already printed.
  const printed = new Map<string, number>();
  let newest = 0;
  const print = (line: LogLine) => {
    const k = key(line);
    if (printed.has(k)) return;
    printed.set(k, line.timestamp);
    newest = Math.max(newest, line.timestamp);
    o.onLine(line);
    if (printed.size > 10_000)
      for (const [k2, at] of printed) if (at < newest - 10 * 60_000) printed.delete(k2);
  };
  for (const line of await cursor.poll(logs)) print(line);
  if (stream) {
    try {
      for await (const event of stream) {
        const update = (event as { sessionUpdate?: { sessionResults?: LiveTailSessionLogEvent[] } })
          .sessionUpdate;
        for (const result of update?.sessionResults ?? []) print(liveLine(result));
        if (o.done()) return;
      }
      if (o.done()) return;
      o.onFallback('the Live Tail session ended');
    } catch (error) {
      if (o.signal?.aborted || (error as { name?: string }).name === 'AbortError') return;
      // A session ends after 3 hours (SessionTimeoutException) or on a stream error: keep following by polling.
      const e = error as { name?: string; message?: string };
      o.onFallback(`${e.name ?? 'Error'}${e.message ? `: ${e.message}` : ''}`);
    }
    // Poll on from the newest line the session showed: the cursor's own position is the history
    // read, possibly hours back, and `printed` keeps only the last minutes to drop repeats.
    cursor.advanceTo(newest);
  }
  while (!o.done()) {
    await o.sleep();
    for (const line of await cursor.poll(logs)) print(line);
  }
}
