import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';

/**
 * CloudWatch Logs rules this model follows (AWS CloudWatch Logs API Reference, read 2026-12-07):
 * - PutLogEvents: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html
 *   ≤ 10,000 events and ≤ 1,048,576 bytes (UTF-8 message bytes + 26 per event) per batch, in
 *   chronological order, spanning ≤ 24 h; events > 2 h in the future, > 14 days old or older than
 *   the retention are rejected (reported in rejectedLogEventsInfo) while the rest are stored; the
 *   sequence token is ignored.
 * - FilterLogEvents: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html
 *   events sorted by timestamp, then ingestion time, then PutLogEvents request; ≤ 10,000 events or
 *   1 MB per page, `nextToken` while more remain; logStreamNames and logStreamNamePrefix are
 *   mutually exclusive; the results interleave every stream (the `interleaved` flag is deprecated).
 * - GetLogEvents: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html
 *   one stream; startFromHead false (the default) returns the newest events; at the end of the
 *   stream the same token as the one passed in comes back.
 * - Log group names: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
 *   1–512 characters of `[\.\-_/#A-Za-z0-9]`; stream names 1–512 characters without `:` or `*`
 *   (API_CreateLogStream.html).
 * - Retention: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 *   only the listed day counts are accepted.
 * - Filter pattern terms: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 *   space-separated terms all match (case-sensitive), "quoted phrases", `?term` any-of, `-term` exclusion.
 */
export const LOGS_RULES = {
  maxBatchEvents: 10_000,
  maxBatchBytes: 1_048_576,
  perEventOverheadBytes: 26,
  maxBatchSpanMs: 24 * 3_600_000,
  maxFutureMs: 2 * 3_600_000,
  maxAgeMs: 14 * 86_400_000,
  maxPageEvents: 10_000,
  maxPageBytes: 1_048_576,
  retentionDays: [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
  ],
  groupName: /^[.\-_/#A-Za-z0-9]{1,512}$/,
  streamName: /^[^:*]{1,512}$/,
} as const;

export interface LogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
  /** Ingestion order across the whole cloud (the "PutLogEvents request" tie-breaker). */
  seq: number;
  eventId: string;
  logStreamName: string;
}

export interface LogStream {
  logStreamName: string;
  creationTime: number;
  events: LogEvent[];
  storedBytes: number;
}

export interface LogGroup {
  logGroupName: string;
  creationTime: number;
  retentionInDays?: number;
  streams: Map<string, LogStream>;
  tags: Record<string, string>;
  /** The customer-managed key that encrypts the group's data (a key ARN). */
  kmsKeyId?: string;
}

/** Something that writes lines lazily up to "now" before a read (the simulated containers). */
export type LogSource = (now: number) => void;

const invalid = (m: string) => new AwsError('InvalidParameterException', m);
const groupMissing = () =>
  new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
const streamMissing = () =>
  new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');

/** A compiled filter pattern: the unstructured-term syntax (JSON and space-delimited patterns are not modelled). */
export function compileFilterPattern(pattern: string | undefined): (message: string) => boolean {
  const text = (pattern ?? '').trim();
  if (text === '' || text === '""') return () => true;
  if (text.startsWith('{') || text.startsWith('[') || text.startsWith('%')) {
    throw invalid(
      `The local cloud models only term filter patterns ("a b", "?a ?b", "-a"), not ${text.slice(0, 1)}… patterns.`,
    );
  }
  const terms = [...text.matchAll(/([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)].map((m) => ({
    kind: m[1] === '?' ? 'any' : m[1] === '-' ? 'not' : 'all',
    term: (m[2] ?? m[3] ?? '').replace(/\\"/g, '"'),
  }));
  const all = terms.filter((t) => t.kind === 'all');
  const any = terms.filter((t) => t.kind === 'any');
  const not = terms.filter((t) => t.kind === 'not');
  return (message) =>
    all.every((t) => message.includes(t.term)) &&
    (any.length === 0 || any.some((t) => message.includes(t.term))) &&
    !not.some((t) => message.includes(t.term));
}

function eventBytes(message: string): number {
  return Buffer.byteLength(message, 'utf8') + LOGS_RULES.perEventOverheadBytes;
}

/** Sort order of FilterLogEvents: timestamp, ingestion time, ingestion order. */
function compareEvents(a: LogEvent, b: LogEvent): number {
  return a.timestamp - b.timestamp || a.ingestionTime - b.ingestionTime || a.seq - b.seq;
}

/** Opaque pagination token: the sort key of the last event returned. */
function encodeToken(e: LogEvent): string {
  return Buffer.from(JSON.stringify([e.timestamp, e.ingestionTime, e.seq])).toString('base64url');
}

function decodeToken(token: string): [number, number, number] {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 3 && v.every((n) => typeof n === 'number'))
      return v as [number, number, number];
  } catch {}
  throw invalid('The specified nextToken is invalid.');
}

/** CloudWatch Logs: groups, streams, events with AWS's batch rules, filtering and pagination. */
export class LogsModel {
  readonly #cloud: LocalCloud;
  readonly groups = new Map<string, LogGroup>();
  readonly #sources: LogSource[] = [];
  #seq = 0;

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
  }

  /** Registers a lazy writer; it is asked to catch up before every read. */
  addSource(source: LogSource): void {
    this.#sources.push(source);
  }

  #catchUp(): void {
    const now = this.#cloud.clock.now();
    for (const source of this.#sources) source(now);
  }

  groupArn(name: string): string {
    return this.#cloud.arn('logs', `log-group:${name}`);
  }

  /** A group by name or ARN (`arn:…:log-group:NAME` with or without `:*`). */
  group(ref: string | undefined): LogGroup {
    if (!ref) throw invalid('Either logGroupName or logGroupIdentifier must be specified.');
    const name = ref.startsWith('arn:') ? (ref.split(':log-group:')[1] ?? '').replace(/:\*$/, '') : ref;
    const g = this.groups.get(name);
    if (!g) throw groupMissing();
    return g;
  }

  createLogGroup(input: {
    logGroupName: string;
    tags?: Record<string, string>;
    kmsKeyId?: string;
  }): LogGroup {
    const name = input.logGroupName;
    if (typeof name !== 'string' || !LOGS_RULES.groupName.test(name)) {
      throw invalid(
        `1 validation error detected: Value '${name}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`,
      );
    }
    if (this.groups.has(name))
      throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists');
    if (input.kmsKeyId !== undefined) this.#checkKey(name, input.kmsKeyId);
    const g: LogGroup = {
      logGroupName: name,
      creationTime: this.#cloud.clock.now(),
      streams: new Map(),
      tags: { ...(input.tags ?? {}) },
      ...(input.kmsKeyId !== undefined ? { kmsKeyId: input.kmsKeyId } : {}),
    };
    this.groups.set(name, g);
    return g;
  }

  /**
   * CloudWatch Logs uses the key as its own service principal: the key must exist, be enabled,
   * be named by its key ARN, and its key policy must allow `logs.<region>.amazonaws.com`; else
   * AccessDeniedException "The specified KMS key does not exist or is not allowed to be used with
   * Arn ..." (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html,
   * read 2026-12-07).
   */
  #checkKey(name: string, keyArn: string): void {
    const groupArn = this.#cloud.arn('logs', `log-group:${name}`);
    const refuse = () =>
      new AwsError(
        'AccessDeniedException',
        `The specified KMS key does not exist or is not allowed to be used with Arn '${groupArn}'`,
      );
    if (!/^arn:aws[a-z-]*:kms:/.test(keyArn)) throw refuse();
    const kms = this.#cloud.kms;
    if (kms.problem(keyArn)) throw refuse();
    const key = kms.resolve(keyArn);
    const service = `logs.${this.#cloud.region}.amazonaws.com`;
    if (
      !kms.keyPolicyAllowsService(key, service, 'kms:GenerateDataKey') ||
      !kms.keyPolicyAllowsService(key, service, 'kms:Decrypt')
    )
      throw refuse();
  }

  deleteLogGroup(name: string): void {
    this.group(name);
    this.groups.delete(name);
  }

  putRetentionPolicy(name: string, days: number): void {
    const g = this.group(name);
    if (!(LOGS_RULES.retentionDays as readonly number[]).includes(days)) {
      throw invalid(
        `1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${LOGS_RULES.retentionDays.join(', ')}]`,
      );
    }
    g.retentionInDays = days;
  }

  deleteRetentionPolicy(name: string): void {
    delete this.group(name).retentionInDays;
  }

  createLogStream(groupName: string, streamName: string): LogStream {
    const g = this.group(groupName);
    if (typeof streamName !== 'string' || !LOGS_RULES.streamName.test(streamName)) {
      throw invalid(
        `1 validation error detected: Value '${streamName}' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*`,
      );
    }
    if (g.streams.has(streamName))
      throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists');
    const s: LogStream = {
      logStreamName: streamName,
      creationTime: this.#cloud.clock.now(),
      events: [],
      storedBytes: 0,
    };
    g.streams.set(streamName, s);
    return s;
  }

  /** PutLogEvents with AWS's batch rules; returns the indexes AWS reports as rejected. */
  putLogEvents(
    groupName: string,
    streamName: string,
    events: Array<{ timestamp: number; message: string }>,
  ): {
    tooNewLogEventStartIndex?: number;
    tooOldLogEventEndIndex?: number;
    expiredLogEventEndIndex?: number;
  } {
    const g = this.group(groupName);
    const s = g.streams.get(streamName);
    if (!s) throw streamMissing();
    if (!Array.isArray(events) || events.length === 0)
      throw invalid(
        "1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    if (events.length > LOGS_RULES.maxBatchEvents)
      throw invalid(
        `Log events in a single PutLogEvents request cannot exceed ${LOGS_RULES.maxBatchEvents}.`,
      );
    let bytes = 0;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      if (typeof e.timestamp !== 'number' || typeof e.message !== 'string' || e.message === '')
        throw invalid('Each log event needs a timestamp and a non-empty message.');
      if (i > 0 && e.timestamp < events[i - 1]!.timestamp)
        throw invalid('Log events in a single PutLogEvents request must be in chronological order.');
      bytes += eventBytes(e.message);
    }
    if (bytes > LOGS_RULES.maxBatchBytes)
      throw invalid(`Upload too large: ${bytes} bytes exceeds the limit of ${LOGS_RULES.maxBatchBytes}`);
    if (events[events.length - 1]!.timestamp - events[0]!.timestamp > LOGS_RULES.maxBatchSpanMs)
      throw invalid(
        'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
      );
    const now = this.#cloud.clock.now();
    const retentionMs = g.retentionInDays ? g.retentionInDays * 86_400_000 : Number.POSITIVE_INFINITY;
    const rejected: ReturnType<LogsModel['putLogEvents']> = {};
    events.forEach((e, i) => {
      if (e.timestamp > now + LOGS_RULES.maxFutureMs) {
        rejected.tooNewLogEventStartIndex ??= i;
        return;
      }
      if (e.timestamp < now - LOGS_RULES.maxAgeMs) {
        rejected.tooOldLogEventEndIndex = i;
        return;
      }
      if (e.timestamp < now - retentionMs) {
        rejected.expiredLogEventEndIndex = i;
        return;
      }
      this.#append(s, e.timestamp, e.message, now);
    });
    return rejected;
  }

  #append(s: LogStream, timestamp: number, message: string, ingestionTime: number): void {
    const seq = ++this.#seq;
    s.events.push({
      timestamp,
      message,
      ingestionTime,
      seq,
      // AWS event ids are 56-digit strings; this keeps that shape and stays unique.
      eventId: `${String(timestamp).padStart(20, '0')}${String(seq).padStart(36, '0')}`,
      logStreamName: s.logStreamName,
    });
    s.storedBytes += Buffer.byteLength(message, 'utf8');
  }

  /**
   * What a container's log driver does: create the stream when missing, then put the lines
   * (already in time order). Lines AWS would reject as too old or too new are dropped, as
   * PutLogEvents drops them.
   */
  write(groupName: string, streamName: string, lines: Array<{ timestamp: number; message: string }>): void {
    const g = this.groups.get(groupName);
    if (!g) return;
    if (!g.streams.has(streamName)) this.createLogStream(groupName, streamName);
    for (let i = 0; i < lines.length; i += 1000)
      this.putLogEvents(groupName, streamName, lines.slice(i, i + 1000));
  }

  filterLogEvents(input: {
    logGroupName?: string;
    logGroupIdentifier?: string;
    logStreamNames?: string[];
    logStreamNamePrefix?: string;
    startTime?: number;
    endTime?: number;
    filterPattern?: string;
    nextToken?: string;
    limit?: number;
  }) {
    if (input.logGroupName && input.logGroupIdentifier)
      throw invalid('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
    const g = this.group(input.logGroupName ?? input.logGroupIdentifier);
    if (input.logStreamNames && input.logStreamNamePrefix)
      throw invalid('logStreamNames and logStreamNamePrefix are mutually exclusive parameters.');
    const limit = input.limit ?? LOGS_RULES.maxPageEvents;
    if (!Number.isInteger(limit) || limit < 1 || limit > LOGS_RULES.maxPageEvents)
      throw invalid(
        `1 validation error detected: Value '${input.limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000`,
      );
    const match = compileFilterPattern(input.filterPattern);
    const after = input.nextToken ? decodeToken(input.nextToken) : undefined;
    this.#catchUp();
    const streams = [...g.streams.values()].filter((s) =>
      input.logStreamNames
        ? input.logStreamNames.includes(s.logStreamName)
        : !input.logStreamNamePrefix || s.logStreamName.startsWith(input.logStreamNamePrefix),
    );
    const candidates = streams
      .flatMap((s) => s.events)
      .filter(
        (e) =>
          (input.startTime === undefined || e.timestamp >= input.startTime) &&
          (input.endTime === undefined || e.timestamp <= input.endTime) &&
          (!after ||
            compareEvents(e, { timestamp: after[0], ingestionTime: after[1], seq: after[2] } as LogEvent) >
              0),
      )
      .sort(compareEvents);
    const events: LogEvent[] = [];
    let bytes = 0;
    let more = false;
    for (const e of candidates) {
      if (!match(e.message)) continue;
      if (events.length >= limit || bytes + eventBytes(e.message) > LOGS_RULES.maxPageBytes) {
        more = true;
        break;
      }
      events.push(e);
      bytes += eventBytes(e.message);
    }
    const last = events[events.length - 1];
    return {
      events: events.map((e) => ({
        logStreamName: e.logStreamName,
        timestamp: e.timestamp,
        message: e.message,
        ingestionTime: e.ingestionTime,
        eventId: e.eventId,
      })),
      searchedLogStreams: streams.map((s) => ({ logStreamName: s.logStreamName, searchedCompletely: !more })),
      ...(more && last ? { nextToken: encodeToken(last) } : {}),
    };
  }

  getLogEvents(input: {
    logGroupName?: string;
    logGroupIdentifier?: string;
    logStreamName: string;
    startTime?: number;
    endTime?: number;
    nextToken?: string;
    limit?: number;
    startFromHead?: boolean;
  }) {
    const g = this.group(input.logGroupName ?? input.logGroupIdentifier);
    this.#catchUp();
    const s = g.streams.get(input.logStreamName);
    if (!s) throw streamMissing();
    const limit = input.limit ?? LOGS_RULES.maxPageEvents;
    // Indexes into the stream's time-ordered events within the time range.
    const inRange = [...s.events]
      .sort(compareEvents)
      .filter(
        (e) =>
          (input.startTime === undefined || e.timestamp >= input.startTime) &&
          (input.endTime === undefined || e.timestamp < input.endTime),
      );
    let from: number;
    let to: number;
    const token = input.nextToken;
    if (token) {
      const m = /^([fb])\/(\d+)$/.exec(token);
      if (!m) throw invalid('The specified nextToken is invalid.');
      const at = Number(m[2]);
      if (m[1] === 'f') {
        from = at;
        to = Math.min(inRange.length, at + limit);
      } else {
        to = at;
        from = Math.max(0, at - limit);
      }
    } else if (input.startFromHead) {
      from = 0;
      to = Math.min(inRange.length, limit);
    } else {
      to = inRange.length;
      from = Math.max(0, to - limit);
    }
    const page = inRange.slice(from, to);
    return {
      events: page.map((e) => ({
        timestamp: e.timestamp,
        message: e.message,
        ingestionTime: e.ingestionTime,
      })),
      // At either end the token passed in comes back unchanged, so callers know they are done.
      nextForwardToken: page.length === 0 && token?.startsWith('f/') ? token : `f/${to}`,
      nextBackwardToken: page.length === 0 && token?.startsWith('b/') ? token : `b/${from}`,
    };
  }

  #groupView(g: LogGroup) {
    const arn = this.groupArn(g.logGroupName);
    return {
      logGroupName: g.logGroupName,
      creationTime: g.creationTime,
      retentionInDays: g.retentionInDays,
      metricFilterCount: 0,
      arn: `${arn}:*`,
      logGroupArn: arn,
      storedBytes: [...g.streams.values()].reduce((n, s) => n + s.storedBytes, 0),
      logGroupClass: 'STANDARD',
      ...(g.kmsKeyId ? { kmsKeyId: g.kmsKeyId } : {}),
    };
  }

  #page<T>(items: T[], nextToken: string | undefined, limit: number | undefined, max: number) {
    const size = limit ?? max;
    if (!Number.isInteger(size) || size < 1 || size > max)
      throw invalid(
        `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${max}`,
      );
    const start = nextToken ? Number(Buffer.from(nextToken, 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(start) || start < 0) throw invalid('The specified nextToken is invalid.');
    const page = items.slice(start, start + size);
    const next =
      start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
    return { page, ...(next ? { nextToken: next } : {}) };
  }

  /** The wire definition registered with the kernel (awsJson 1.1, target prefix Logs_20140328). */
  definition(): ServiceDefinition {
    return {
      protocol: 'awsJson1_1',
      targetPrefix: 'Logs_20140328',
      operations: {
        CreateLogGroup: (input) => {
          this.createLogGroup(input);
          return {};
        },
        DeleteLogGroup: (input) => {
          this.deleteLogGroup(input.logGroupName);
          return {};
        },
        PutRetentionPolicy: (input) => {
          this.putRetentionPolicy(input.logGroupName, input.retentionInDays);
          return {};
        },
        DeleteRetentionPolicy: (input) => {
          this.deleteRetentionPolicy(input.logGroupName);
          return {};
        },
        CreateLogStream: (input) => {
          this.createLogStream(input.logGroupName, input.logStreamName);
          return {};
        },
        PutLogEvents: (input) => {
          const rejected = this.putLogEvents(input.logGroupName, input.logStreamName, input.logEvents);
          return Object.keys(rejected).length ? { rejectedLogEventsInfo: rejected } : {};
        },
        FilterLogEvents: (input) => this.filterLogEvents(input),
        GetLogEvents: (input) => this.getLogEvents(input),
        DescribeLogGroups: (input) => {
          const groups = [...this.groups.values()]
            .filter((g) => !input.logGroupNamePrefix || g.logGroupName.startsWith(input.logGroupNamePrefix))
            .sort((a, b) => a.logGroupName.localeCompare(b.logGroupName));
          const { page, nextToken } = this.#page(groups, input.nextToken, input.limit, 50);
          return { logGroups: page.map((g) => this.#groupView(g)), ...(nextToken ? { nextToken } : {}) };
        },
        DescribeLogStreams: (input) => {
          const g = this.group(input.logGroupName ?? input.logGroupIdentifier);
          if (input.orderBy === 'LastEventTime' && input.logStreamNamePrefix)
            throw invalid('Cannot order by LastEventTime with a logStreamNamePrefix.');
          this.#catchUp();
          const last = (s: LogStream) => s.events.reduce((t, e) => Math.max(t, e.timestamp), 0);
          const streams = [...g.streams.values()]
            .filter(
              (s) => !input.logStreamNamePrefix || s.logStreamName.startsWith(input.logStreamNamePrefix),
            )
            .sort((a, b) =>
              input.orderBy === 'LastEventTime'
                ? last(a) - last(b)
                : a.logStreamName.localeCompare(b.logStreamName),
            );
          if (input.descending) streams.reverse();
          const { page, nextToken } = this.#page(streams, input.nextToken, input.limit, 50);
          return {
            logStreams: page.map((s) => ({
              logStreamName: s.logStreamName,
              creationTime: s.creationTime,
              firstEventTimestamp: s.events[0]?.timestamp,
              lastEventTimestamp: s.events.length ? last(s) : undefined,
              lastIngestionTime: s.events[s.events.length - 1]?.ingestionTime,
              arn: `${this.groupArn(g.logGroupName)}:log-stream:${s.logStreamName}`,
              storedBytes: 0,
            })),
            ...(nextToken ? { nextToken } : {}),
          };
        },
        TagResource: (input) => {
          Object.assign(this.group(input.resourceArn).tags, input.tags ?? {});
          return {};
        },
        ListTagsForResource: (input) => ({ tags: this.group(input.resourceArn).tags }),
      },
    };
  }
}
