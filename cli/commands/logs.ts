import {
  type CloudWatchLogsClient,
  type FilteredLogEvent,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Command } from 'commander';
import {
  type CommandKit,
  examples,
  liveProject,
  opsClients,
  parseDuration,
  projectOutput,
} from '../command-kit.ts';
import { EXIT, UserError } from '../errors.ts';
import type { Style } from '../ui.ts';
import { followLogQuery } from './live-tail.ts';

/** One log line as `stackdrop logs` shows it. */
export interface LogLine {
  timestamp: number;
  time: string;
  service: string;
  task: string;
  stream: string;
  message: string;
  eventId: string;
}

/**
 * Stream prefixes per service, as the app template's awslogs options set them
 * (`awslogs-stream-prefix`: web, release, scheduler, worker-<name>; streams are prefix/container/task).
 */
export function streamPrefix(service: string | undefined): string | undefined {
  if (service === undefined) return undefined;
  if (service === 'web' || service === 'scheduler' || service === 'release') return `${service}/`;
  const worker = /^worker:([a-z][a-z0-9-]*)$/.exec(service);
  if (worker) return `worker-${worker[1]}/`;
  throw new UserError(
    `--service ${service} is not a service: use web, scheduler, release or worker:<name> (e.g. worker:default).`,
  );
}

/** The service and task of a stream named `<prefix>/<container>/<task id>`. */
export function describeStream(stream: string): { service: string; task: string } {
  const [prefix = stream, , task = ''] = stream.split('/');
  const service = prefix.startsWith('worker-') ? `worker:${prefix.slice('worker-'.length)}` : prefix;
  return { service, task };
}

export function toLine(e: FilteredLogEvent): LogLine {
  const stream = e.logStreamName ?? '';
  return {
    timestamp: e.timestamp ?? 0,
    time: new Date(e.timestamp ?? 0).toISOString(),
    ...describeStream(stream),
    stream,
    message: (e.message ?? '').replace(/\n$/, ''),
    eventId: e.eventId ?? '',
  };
}

/** `2026-12-07T11:30:00.000Z web        3f2a1b9c4d5e  GET / …` */
export function formatLine(line: LogLine, style: Style): string {
  return `${style.dim(line.time)} ${style.cyan(line.service.padEnd(14))} ${style.dim(line.task.slice(0, 12).padEnd(12))}  ${line.message}`;
}

export interface LogQuery {
  logGroupName: string;
  logStreamNamePrefix?: string;
  /** Several streams (e.g. one task's) instead of a prefix. */
  logStreamNames?: string[];
  filterPattern?: string;
  startTime: number;
  endTime?: number;
}

/** Every matching event, all pages, in CloudWatch Logs' order (time, then ingestion). */
export async function readLogs(
  logs: CloudWatchLogsClient,
  query: LogQuery,
  max = 10_000,
): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  let nextToken: string | undefined;
  do {
    const out = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: query.logGroupName,
        startTime: query.startTime,
        ...(query.endTime !== undefined ? { endTime: query.endTime } : {}),
        ...(query.logStreamNamePrefix ? { logStreamNamePrefix: query.logStreamNamePrefix } : {}),
        ...(query.logStreamNames ? { logStreamNames: query.logStreamNames } : {}),
        ...(query.filterPattern ? { filterPattern: query.filterPattern } : {}),
        ...(nextToken ? { nextToken } : {}),
      }),
    );
    for (const e of out.events ?? []) lines.push(toLine(e));
    nextToken = out.nextToken;
  } while (nextToken && lines.length < max);
  return lines;
}

/**
 * A polling cursor over FilterLogEvents that never repeats or skips a line. FilterLogEvents selects
 * by event time, but events arrive by ingestion time: a line stamped a moment before the newest one
 * shown can still arrive later, and several lines can share a millisecond. So each poll re-reads
 * from `lagMs` before the newest timestamp shown and drops the event ids already shown; ids older
 * than that window are forgotten. A line ingested more than `lagMs` after its own timestamp is the
 * only one it can miss (CloudWatch Logs ingests within seconds; 5 minutes is the default margin).
 */
export class LogCursor {
  readonly #seen = new Map<string, number>();
  #newest: number;
  readonly #lagMs: number;
  readonly query: LogQuery;

  constructor(query: LogQuery, options: { lagMs?: number } = {}) {
    this.query = query;
    this.#newest = query.startTime;
    this.#lagMs = options.lagMs ?? 5 * 60_000;
  }

  /** The lines that arrived since the last poll, in time order. */
  async poll(logs: CloudWatchLogsClient): Promise<LogLine[]> {
    const startTime = Math.max(this.query.startTime, this.#newest - this.#lagMs);
    const all = await readLogs(logs, { ...this.query, startTime }, Number.POSITIVE_INFINITY);
    const fresh = all.filter((l) => !this.#seen.has(l.eventId));
    for (const l of fresh) {
      this.#seen.set(l.eventId, l.timestamp);
      if (l.timestamp > this.#newest) this.#newest = l.timestamp;
    }
    const horizon = this.#newest - this.#lagMs;
    for (const [id, at] of this.#seen) if (at < horizon) this.#seen.delete(id);
    return fresh;
  }

  /**
   * Moves the cursor on to lines already shown by other means (a Live Tail session), so the next
   * poll re-reads only the look-back before them, not everything since the cursor's last poll.
   */
  advanceTo(timestamp: number): void {
    if (timestamp > this.#newest) this.#newest = timestamp;
  }
}

/** Registers `stackdrop logs`. */
export function registerLogs(program: Command, kit: CommandKit): void {
  const { ui } = kit.deps;
  program
    .command('logs')
    .description("read a project's container logs, interleaved by time, with the service and task per line")
    .argument('<project>', 'project name')
    .option('-e, --environment <name>', 'environment', 'production')
    .option('--service <service>', 'web, scheduler, release or worker:<name> (default: all)')
    .option('--since <duration>', 'how far back: 30m, 1h, 2d', '1h')
    .option(
      '--filter <text>',
      'only lines matching this CloudWatch Logs filter pattern (e.g. "ERROR" or "?500 ?502")',
    )
    .option('--follow', 'keep printing new lines until interrupted (or --timeout)')
    .option('--timeout <duration>', 'with --follow: stop after this long')
    .option('--json', 'machine-readable: one JSON document (or one JSON object per line with --follow)')
    .addHelpText(
      'after',
      examples(
        'stackdrop logs acme',
        'stackdrop logs acme --service worker:default --since 3h',
        'stackdrop logs acme --filter ERROR --follow',
        'stackdrop logs acme --json | jq -r ".lines[].message"',
      ),
    )
    .action(
      async (
        project: string,
        opts: {
          environment: string;
          service?: string;
          since: string;
          filter?: string;
          follow?: boolean;
          timeout?: string;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        const sinceMs = parseDuration(opts.since);
        if (sinceMs === undefined)
          throw new UserError(`--since ${opts.since} is not a duration: use 30m, 1h or 2d.`);
        const timeoutMs = opts.timeout === undefined ? undefined : parseDuration(opts.timeout);
        if (opts.timeout !== undefined && timeoutMs === undefined)
          throw new UserError(`--timeout ${opts.timeout} is not a duration: use 30s, 10m or 1h.`);
        const prefix = streamPrefix(opts.service);
        const s = kit.session(cmd);
        const doc = await liveProject(s, project, opts.environment);
        const logGroupName = projectOutput(doc, 'LogGroupName');
        const { logs } = opsClients(s.target);
        const query: LogQuery = {
          logGroupName,
          startTime: s.now().getTime() - sinceMs,
          ...(prefix ? { logStreamNamePrefix: prefix } : {}),
          ...(opts.filter ? { filterPattern: opts.filter } : {}),
        };
        const deployed = doc.deploys.some((d) => d.outcome === 'succeeded');
        if (!opts.follow) {
          const lines = await readLogs(logs, query);
          if (opts.json) {
            ui.json({ project, environment: opts.environment, logGroupName, deployed, lines });
          } else {
            for (const l of lines) ui.out(formatLine(l, ui.style));
            if (lines.length === 0)
              ui.err(
                deployed
                  ? `No log lines in ${logGroupName} for the last ${opts.since}${opts.service ? ` from ${opts.service}` : ''}.`
                  : `No log lines yet: ${project}/${opts.environment} has no deploy, so no container has run. Push an image to its repository first.`,
              );
          }
          return kit.setExit(EXIT.ok);
        }
        await followLogs(s, logs, query, { json: Boolean(opts.json), timeoutMs });
        kit.setExit(EXIT.ok);
      },
    );
}

/**
 * Prints new lines as they arrive until the timeout (or forever; Ctrl-C ends the process): Live
 * Tail on AWS, polling with LogCursor on the local cloud (which has no Live Tail) or when Live Tail
 * cannot start.
 */
async function followLogs(
  s: ReturnType<CommandKit['session']>,
  logs: CloudWatchLogsClient,
  query: LogQuery,
  options: { json: boolean; timeoutMs: number | undefined },
): Promise<void> {
  const { ui } = s.deps;
  const until =
    options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : s.now().getTime() + options.timeoutMs;
  const abort = new AbortController();
  const timer =
    options.timeoutMs === undefined || s.target.local
      ? undefined
      : setTimeout(() => abort.abort(), options.timeoutMs);
  try {
    await followLogQuery(logs, query, {
      liveTail: !s.target.local,
      signal: abort.signal,
      onLine: (l) => {
        if (options.json) s.deps.stdout.write(`${JSON.stringify(l)}\n`);
        else ui.out(formatLine(l, ui.style));
      },
      onFallback: (reason) => {
        if (!options.json)
          ui.err(ui.style.dim(`Live Tail unavailable (${reason}): polling every 2 s instead.`));
      },
      sleep: async () => {
        await s.deps.sleep(Math.min(s.deps.pollIntervalMs, 2000));
        await s.syncClock();
      },
      done: () => s.now().getTime() >= until,
    });
  } finally {
    if (timer) clearTimeout(timer);
  }
}
