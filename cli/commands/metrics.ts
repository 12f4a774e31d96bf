import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import type { Command } from 'commander';
import { dimensionsFromOutputs, type ProjectMetric, projectMetrics } from '#shared/metrics.ts';
import { type CommandKit, examples, liveProject, opsClients, parseDuration } from '../command-kit.ts';
import { EXIT, UserError } from '../errors.ts';
import type { Style } from '../ui.ts';

export interface Series {
  id: string;
  label: string;
  namespace: string;
  metricName: string;
  stat: string;
  unit: string;
  dimensions: ProjectMetric['dimensions'];
  timestamps: string[];
  values: number[];
  latest?: number;
  alarm?: { name: string; state: string };
}

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of `width` cells over the window, blank where there is no datapoint. */
export function sparkline(
  points: Array<[number, number]>,
  start: number,
  end: number,
  width: number,
): string {
  if (points.length === 0) return ' '.repeat(width);
  const values = points.map(([, v]) => v);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const cells: Array<number | undefined> = Array(width).fill(undefined);
  for (const [t, v] of points) {
    const i = Math.min(width - 1, Math.max(0, Math.floor(((t - start) / (end - start)) * width)));
    cells[i] = Math.max(cells[i] ?? Number.NEGATIVE_INFINITY, v);
  }
  return cells
    .map((v) =>
      v === undefined ? ' ' : BARS[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1))],
    )
    .join('');
}

/** A period giving about 60 points over the window (a multiple of 60 s, as CloudWatch requires). */
export function periodFor(windowMs: number): number {
  return Math.max(60, Math.ceil(windowMs / 60 / 60_000) * 60);
}

function formatValue(v: number | undefined, unit: string): string {
  if (v === undefined) return 'no data';
  if (unit === 's') return v < 1 ? `${Math.round(v * 1000)} ms` : `${v.toFixed(2)} s`;
  if (unit === '%') return `${v.toFixed(1)}%`;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** Reads every project series in one GetMetricData call per 500 queries (all pages). */
export async function readSeries(
  cw: CloudWatchClient,
  metrics: ProjectMetric[],
  start: Date,
  end: Date,
  period: number,
): Promise<Map<string, Array<[number, number]>>> {
  const out = new Map<string, Array<[number, number]>>(metrics.map((m) => [m.id, []]));
  for (let i = 0; i < metrics.length; i += 500) {
    let NextToken: string | undefined;
    do {
      const page = await cw.send(
        new GetMetricDataCommand({
          StartTime: start,
          EndTime: end,
          ScanBy: 'TimestampAscending',
          NextToken,
          MetricDataQueries: metrics.slice(i, i + 500).map((m) => ({
            Id: m.id,
            Label: m.label,
            MetricStat: {
              Metric: { Namespace: m.namespace, MetricName: m.metricName, Dimensions: m.dimensions },
              Period: period,
              Stat: m.stat,
            },
          })),
        }),
      );
      for (const r of page.MetricDataResults ?? []) {
        const list = out.get(r.Id ?? '') ?? [];
        for (const [k, t] of (r.Timestamps ?? []).entries())
          list.push([new Date(t).getTime(), r.Values?.[k] ?? 0]);
      }
      NextToken = page.NextToken;
    } while (NextToken);
  }
  for (const list of out.values()) list.sort((a, b) => a[0] - b[0]);
  return out;
}

/** The project's alarms (every page), matched to a series by namespace, metric and dimensions. */
export async function readAlarms(cw: CloudWatchClient, prefix: string): Promise<MetricAlarm[]> {
  const alarms: MetricAlarm[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, NextToken }));
    alarms.push(...(page.MetricAlarms ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return alarms;
}

function alarmFor(m: ProjectMetric, alarms: MetricAlarm[]): MetricAlarm | undefined {
  return alarms.find(
    (a) =>
      a.Namespace === m.namespace &&
      a.MetricName === m.metricName &&
      (a.Dimensions ?? []).every((d) => m.dimensions.some((x) => x.Name === d.Name && x.Value === d.Value)),
  );
}

/** Short alarm name: the logical id in `stackdrop-<project>-<env>-app-<LogicalId>-<SUFFIX>`. */
function shortAlarmName(name: string, prefix: string): string {
  return name.startsWith(prefix) ? name.slice(prefix.length).replace(/-[A-Z0-9]{8,13}$/, '') : name;
}

export function formatMetrics(series: Series[], start: number, end: number, style: Style): string[] {
  const width = Math.max(...series.map((s) => s.label.length));
  const lines: string[] = [];
  for (const s of series) {
    const points = s.timestamps.map((t, i) => [Date.parse(t), s.values[i]!] as [number, number]);
    const state = s.alarm
      ? s.alarm.state === 'ALARM'
        ? style.red(`ALARM ${s.alarm.name}`)
        : s.alarm.state === 'OK'
          ? style.green(`ok (${s.alarm.name})`)
          : style.yellow(`${s.alarm.state} (${s.alarm.name})`)
      : '';
    lines.push(
      `${s.label.padEnd(width)}  ${style.cyan(sparkline(points, start, end, 40))}  ${formatValue(s.latest, s.unit).padStart(9)}  ${state}`.trimEnd(),
    );
  }
  return lines;
}

/** Registers `stackdrop metrics`. */
export function registerMetrics(program: Command, kit: CommandKit): void {
  const { ui } = kit.deps;
  program
    .command('metrics')
    .description("a live project's dashboard in the terminal: sparklines, latest value, alarm state")
    .argument('<project>', 'project name')
    .option('-e, --environment <name>', 'environment', 'production')
    .option('--since <duration>', 'how far back: 1h, 3h, 1d', '3h')
    .option('--json', 'the raw series (timestamps and values) and alarms')
    .addHelpText(
      'after',
      examples(
        'stackdrop metrics acme',
        'stackdrop metrics acme --since 1d',
        'stackdrop metrics acme --json | jq ".series[] | {label, latest}"',
      ),
    )
    .action(
      async (project: string, opts: { environment: string; since: string; json?: boolean }, cmd: Command) => {
        const windowMs = parseDuration(opts.since);
        if (!windowMs) throw new UserError(`--since ${opts.since} is not a duration: use 1h, 3h or 1d.`);
        const s = kit.session(cmd);
        const doc = await liveProject(s, project, opts.environment);
        if (!doc.outputs.WebServiceName)
          throw new UserError(
            `${project}/${opts.environment} has no app stack yet (phase ${doc.phase}): wait until provisioning is ready (\`stackdrop status ${project} --watch\`).`,
          );
        const metrics = projectMetrics(dimensionsFromOutputs(doc.outputs));
        const { cloudwatch } = opsClients(s.target);
        const end = s.now();
        const start = new Date(end.getTime() - windowMs);
        const period = periodFor(windowMs);
        const prefix = `stackdrop-${project}-${opts.environment}-app-`;
        const [data, alarms] = await Promise.all([
          readSeries(cloudwatch, metrics, start, end, period),
          readAlarms(cloudwatch, prefix),
        ]);
        const series: Series[] = metrics.map((m) => {
          const points = data.get(m.id) ?? [];
          const alarm = alarmFor(m, alarms);
          return {
            id: m.id,
            label: m.label,
            namespace: m.namespace,
            metricName: m.metricName,
            stat: m.stat,
            unit: m.unit,
            dimensions: m.dimensions,
            timestamps: points.map(([t]) => new Date(t).toISOString()),
            values: points.map(([, v]) => v),
            ...(points.length ? { latest: points[points.length - 1]![1] } : {}),
            ...(alarm?.AlarmName
              ? {
                  alarm: {
                    name: shortAlarmName(alarm.AlarmName, prefix),
                    state: alarm.StateValue ?? 'UNKNOWN',
                  },
                }
              : {}),
          };
        });
        const deployed = doc.deploys.some((d) => d.outcome === 'succeeded');
        if (opts.json) {
          ui.json({
            project,
            environment: opts.environment,
            start: start.toISOString(),
            end: end.toISOString(),
            period,
            deployed,
            series,
            alarms: alarms.map((a) => ({
              name: a.AlarmName,
              state: a.StateValue,
              reason: a.StateReason,
              metric: `${a.Namespace} ${a.MetricName}`,
            })),
          });
          return kit.setExit(EXIT.ok);
        }
        ui.out(
          ui.style.bold(
            `${project}/${opts.environment}: last ${opts.since} (one point per ${period / 60} min)`,
          ),
        );
        ui.out(formatMetrics(series, start.getTime(), end.getTime(), ui.style).join('\n'));
        const firing = alarms.filter((a) => a.StateValue === 'ALARM');
        ui.out(
          `alarms: ${alarms.length - firing.length} ok or waiting for data, ${firing.length} firing${firing.length ? `: ${firing.map((a) => shortAlarmName(a.AlarmName ?? '', prefix)).join(', ')}` : ''}`,
        );
        if (!deployed) ui.err(`No deploy yet: ${project} serves no traffic until an image is pushed.`);
        kit.setExit(EXIT.ok);
      },
    );
}
