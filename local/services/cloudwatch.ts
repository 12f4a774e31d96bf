import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';
import { requestsPerMinute, unit } from './containers.ts';

/**
 * CloudWatch metrics and alarms. Rules followed (Amazon CloudWatch API Reference, read 2026-12-07):
 * - GetMetricData: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 *   ≤ 500 queries; each Id starts with a lower-case letter ([a-z][a-zA-Z0-9_]*); a standard-resolution
 *   Period is a multiple of 60; results newest first unless ScanBy TimestampAscending; StatusCode Complete.
 * - PutMetricData: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
 *   ≤ 1000 metrics per call, ≤ 30 dimensions each; a namespace may not start with "AWS/"; timestamps
 *   up to two weeks old and two hours ahead.
 * - DescribeAlarms: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
 *   AlarmNames, AlarmNamePrefix (not both), StateValue.
 * - Alarm evaluation: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
 *   the last EvaluationPeriods periods all breaching → ALARM; missing data per TreatMissingData.
 *
 * The AWS/* series are not stored: they are computed from the simulated containers (web tasks serve
 * requests, the first two minutes after a task starts are slower and fail more: deploys show up) and
 * the SQS model's current depth (it keeps no history, so a queue series repeats today's depth; the
 * oldest message's age at each point comes from the messages still queued, by when they were sent).
 */

interface Dimension {
  Name: string;
  Value: string;
}
interface MetricId {
  Namespace: string;
  MetricName: string;
  Dimensions?: Dimension[];
}
interface Datum {
  at: number;
  values: number[];
}
export interface Alarm {
  AlarmName: string;
  AlarmArn: string;
  AlarmDescription?: string;
  Namespace: string;
  MetricName: string;
  Dimensions: Dimension[];
  Statistic?: string;
  ExtendedStatistic?: string;
  Period: number;
  EvaluationPeriods: number;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData?: string;
  AlarmActions?: string[];
}

const invalid = (m: string) =>
  new AwsError('InvalidParameterValue', m, { queryCode: 'InvalidParameterValue' });
const key = (m: MetricId) =>
  `${m.Namespace}|${m.MetricName}|${[...(m.Dimensions ?? [])]
    .sort((a, b) => a.Name.localeCompare(b.Name))
    .map((d) => `${d.Name}=${d.Value}`)
    .join(',')}`;

/** awsJson sends timestamps as epoch seconds; model callers may pass Dates or ISO strings. */
function toMs(v: unknown): number {
  if (typeof v === 'number') return v * 1000;
  if (v instanceof Date) return v.getTime();
  return Date.parse(String(v));
}

/** A statistic over samples: Sum, Average, Minimum, Maximum, SampleCount or pNN. */
export function statistic(values: number[], stat: string): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const p = /^p(\d+(?:\.\d+)?)$/.exec(stat);
  if (p) return sorted[Math.min(sorted.length - 1, Math.ceil((Number(p[1]) / 100) * sorted.length) - 1)];
  switch (stat) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'Minimum':
      return sorted[0];
    case 'Maximum':
      return sorted[sorted.length - 1];
    case 'SampleCount':
      return values.length;
    default:
      throw invalid(`The value ${stat} for parameter Stat is not supported.`);
  }
}

export class CloudWatchModel {
  readonly #cloud: LocalCloud;
  readonly #data = new Map<string, Datum[]>();
  readonly alarms = new Map<string, Alarm>();

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
  }

  putMetricData(namespace: string, data: Array<Record<string, unknown>>): void {
    if (!namespace || namespace.startsWith('AWS/'))
      throw invalid(`The value ${namespace} for parameter Namespace is invalid.`);
    if (!Array.isArray(data) || data.length === 0 || data.length > 1000)
      throw invalid('The collection MetricData must contain between 1 and 1000 items.');
    const now = this.#cloud.clock.now();
    for (const d of data) {
      const dims = (d.Dimensions as Dimension[] | undefined) ?? [];
      if (dims.length > 30) throw invalid('The collection Dimensions must not have more than 30 items.');
      const at = d.Timestamp === undefined ? now : toMs(d.Timestamp);
      if (at < now - 14 * 86_400_000 || at > now + 2 * 3_600_000)
        throw invalid(
          `The parameter MetricData.member.Timestamp must be within two weeks past and two hours ahead.`,
        );
      const values =
        typeof d.Value === 'number'
          ? [d.Value]
          : Array.isArray(d.Values)
            ? (d.Values as number[]).flatMap((v, i) =>
                Array(Number((d.Counts as number[] | undefined)?.[i] ?? 1)).fill(v),
              )
            : [];
      const k = key({ Namespace: namespace, MetricName: String(d.MetricName), Dimensions: dims });
      const list = this.#data.get(k) ?? [];
      list.push({ at, values });
      this.#data.set(k, list);
    }
  }

  /** One value per period bucket [start, end), or undefined where CloudWatch would have no datapoint. */
  series(
    metric: MetricId,
    stat: string,
    period: number,
    start: number,
    end: number,
  ): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const ms = period * 1000;
    for (let t = Math.floor(start / ms) * ms; t < end; t += ms) {
      const v = this.#value(metric, stat, t, ms);
      if (v !== undefined) out.push([t, v]);
    }
    return out;
  }

  #value(metric: MetricId, stat: string, t: number, ms: number): number | undefined {
    if (!metric.Namespace.startsWith('AWS/')) {
      const samples = (this.#data.get(key(metric)) ?? [])
        .filter((d) => d.at >= t && d.at < t + ms)
        .flatMap((d) => d.values);
      return statistic(samples, stat);
    }
    const dim = (name: string) => metric.Dimensions?.find((d) => d.Name === name)?.Value;
    const mid = t + ms / 2;
    if (mid > this.#cloud.clock.now()) return undefined;
    const noise = (salt: string) => unit(`${salt}:${Math.floor(mid / 60_000)}`);
    switch (metric.Namespace) {
      case 'AWS/ApplicationELB': {
        const tasks = this.#webTasks(dim('TargetGroup'), mid);
        if (metric.MetricName === 'HealthyHostCount') return tasks.length;
        if (metric.MetricName === 'UnHealthyHostCount') return 0;
        if (tasks.length === 0) return undefined;
        const warming = tasks.some((x) => mid - x.startedAt < 120_000);
        const rpm = tasks.reduce((n, x) => n + requestsPerMinute(mid, x.taskId), 0);
        const requests = Math.round((rpm * ms) / 60_000);
        switch (metric.MetricName) {
          case 'RequestCount':
            return requests;
          case 'HTTPCode_Target_2XX_Count':
            return Math.round(requests * 0.95);
          case 'HTTPCode_Target_4XX_Count':
            return Math.round(requests * (0.02 + 0.02 * noise('4xx')));
          case 'HTTPCode_Target_5XX_Count':
            return Math.round(requests * (warming ? 0.02 : 0.002 * noise('5xx')));
          case 'HTTPCode_ELB_5XX_Count':
            return 0;
          case 'TargetResponseTime': {
            const load = rpm / tasks.length / 120;
            const base = (warming ? 2 : 1) * (0.03 + 0.02 * load);
            const q = /^p(\d+)/.exec(stat)?.[1];
            const factor = q ? (Number(q) >= 99 ? 9 : Number(q) >= 95 ? 4 : Number(q) >= 90 ? 3 : 1) : 1.4;
            return Number((base * factor * (0.9 + 0.2 * noise('latency'))).toFixed(4));
          }
          default:
            return undefined;
        }
      }
      case 'AWS/ECS': {
        const tasks = this.#serviceTasks(dim('ClusterName'), dim('ServiceName'), mid);
        if (tasks.length === 0) return undefined;
        const web = tasks.some((x) => x.kind === 'web');
        const load = web
          ? tasks.reduce((n, x) => n + requestsPerMinute(mid, x.taskId), 0) / tasks.length / 200
          : 0.2;
        if (metric.MetricName === 'CPUUtilization')
          return Number((8 + 55 * load + 10 * noise(`cpu${dim('ServiceName')}`)).toFixed(2));
        if (metric.MetricName === 'MemoryUtilization')
          return Number((30 + 12 * noise(`mem${dim('ServiceName')}`)).toFixed(2));
        if (metric.MetricName === 'RunningTaskCount') return tasks.length;
        return undefined;
      }
      case 'AWS/SQS': {
        const name = dim('QueueName');
        if (!name) return undefined;
        let attrs: Record<string, string>;
        try {
          attrs = this.#cloud.sqs.getQueueAttributes(name, ['All']);
        } catch {
          return undefined;
        }
        if (metric.MetricName === 'ApproximateNumberOfMessagesVisible')
          return Number(attrs.ApproximateNumberOfMessages ?? 0);
        if (metric.MetricName === 'ApproximateAgeOfOldestMessage') {
          // "The approximate age of the oldest non-deleted message in the queue", in seconds
          // (sqs-available-cloudwatch-metrics.html, read 2026-12-07): from the messages still in
          // the queue that were sent by then (deleted ones are gone from the model).
          const sent = this.#cloud.sqs
            .queue(name)
            .messages.map((m) => m.sentAt)
            .filter((at) => at <= mid);
          return sent.length ? Math.floor((mid - Math.min(...sent)) / 1000) : 0;
        }
        return undefined;
      }
      case 'AWS/RDS': {
        if (!dim('DBClusterIdentifier')) return undefined;
        const running = this.#cloud.containers.containers.filter(
          (x) => x.startedAt <= mid && (x.stoppedAt ?? Infinity) > mid,
        );
        if (metric.MetricName === 'CPUUtilization')
          return Number((6 + 1.5 * running.length + 10 * noise('rds')).toFixed(2));
        if (metric.MetricName === 'DatabaseConnections') return 2 * running.length;
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /** Web containers behind a target group (`targetgroup/<name>/<id>`), running at `at`. */
  #webTasks(targetGroup: string | undefined, at: number) {
    if (!targetGroup) return [];
    const services = [...this.#cloud.ecs.services.values()].filter((s) =>
      s.loadBalancers.some((lb) =>
        String((lb as { targetGroupArn?: string }).targetGroupArn ?? '').endsWith(targetGroup),
      ),
    );
    const groups = new Set(services.map((s) => `service:${s.serviceName}`));
    return this.#cloud.containers.containers.filter(
      (x) => groups.has(x.taskGroup) && x.startedAt <= at && (x.stoppedAt ?? Infinity) > at,
    );
  }

  #serviceTasks(cluster: string | undefined, service: string | undefined, at: number) {
    return this.#cloud.containers.containers.filter(
      (x) =>
        x.taskGroup === `service:${service}` &&
        x.cluster === cluster &&
        x.startedAt <= at &&
        (x.stoppedAt ?? Infinity) > at,
    );
  }

  getMetricData(input: {
    MetricDataQueries?: Array<{
      Id: string;
      Label?: string;
      ReturnData?: boolean;
      Expression?: string;
      MetricStat?: { Metric: MetricId; Period: number; Stat: string };
    }>;
    StartTime: string | number;
    EndTime: string | number;
    ScanBy?: string;
  }) {
    const queries = input.MetricDataQueries ?? [];
    if (queries.length === 0 || queries.length > 500)
      throw invalid('The collection MetricDataQueries must contain between 1 and 500 items.');
    const start = toMs(input.StartTime);
    const end = toMs(input.EndTime);
    if (!(start < end)) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
    const results = [];
    for (const q of queries) {
      if (!/^[a-z][a-zA-Z0-9_]*$/.test(q.Id ?? ''))
        throw invalid(`The value ${q.Id} for parameter MetricDataQueries.member.Id is invalid.`);
      if (q.Expression !== undefined)
        throw invalid('The local cloud does not evaluate metric math expressions: use MetricStat queries.');
      const stat = q.MetricStat;
      if (!stat?.Metric?.Namespace || !stat.Metric.MetricName)
        throw invalid(`Query ${q.Id} needs a MetricStat.`);
      if (!(stat.Period >= 60 && stat.Period % 60 === 0) && ![1, 5, 10, 30].includes(stat.Period))
        throw invalid('The parameter MetricDataQueries.member.MetricStat.Period must be a multiple of 60.');
      if (q.ReturnData === false) continue;
      const points = this.series(stat.Metric, stat.Stat, stat.Period, start, end);
      if (input.ScanBy !== 'TimestampAscending') points.reverse();
      results.push({
        Id: q.Id,
        Label: q.Label ?? stat.Metric.MetricName,
        Timestamps: points.map(([t]) => new Date(t)),
        Values: points.map(([, v]) => v),
        StatusCode: 'Complete',
      });
    }
    return { MetricDataResults: results, Messages: [] };
  }

  putMetricAlarm(alarm: Omit<Alarm, 'AlarmArn'>): Alarm {
    if (!alarm.AlarmName) throw invalid('AlarmName is required.');
    const a: Alarm = { ...alarm, AlarmArn: this.#cloud.arn('cloudwatch', `alarm:${alarm.AlarmName}`) };
    this.alarms.set(a.AlarmName, a);
    return a;
  }

  /** An alarm's state now: its last EvaluationPeriods periods all breaching → ALARM. */
  alarmState(a: Alarm): { StateValue: string; StateReason: string } {
    const now = this.#cloud.clock.now();
    const ms = a.Period * 1000;
    const end = Math.floor(now / ms) * ms;
    const start = end - a.EvaluationPeriods * ms;
    const stat = a.ExtendedStatistic ?? a.Statistic ?? 'Average';
    const points = this.series(a, stat, a.Period, start, end);
    const breaching = (v: number) =>
      a.ComparisonOperator === 'GreaterThanThreshold'
        ? v > a.Threshold
        : a.ComparisonOperator === 'GreaterThanOrEqualToThreshold'
          ? v >= a.Threshold
          : a.ComparisonOperator === 'LessThanThreshold'
            ? v < a.Threshold
            : v <= a.Threshold;
    if (points.length < a.EvaluationPeriods) {
      const missing = a.TreatMissingData ?? 'missing';
      if (points.length === 0 && missing === 'missing')
        return {
          StateValue: 'INSUFFICIENT_DATA',
          StateReason: 'Insufficient Data: no datapoints were received.',
        };
      if (missing === 'breaching' && points.every(([, v]) => breaching(v)))
        return { StateValue: 'ALARM', StateReason: 'Missing datapoints treated as breaching.' };
      if (missing !== 'missing' || points.length === 0)
        return { StateValue: 'OK', StateReason: 'Missing datapoints treated as not breaching.' };
    }
    const all = points.length > 0 && points.every(([, v]) => breaching(v));
    return all
      ? {
          StateValue: 'ALARM',
          StateReason: `Threshold Crossed: ${points.length} datapoints were ${a.ComparisonOperator} ${a.Threshold}.`,
        }
      : {
          StateValue: 'OK',
          StateReason: `Threshold not crossed in the last ${a.EvaluationPeriods} periods.`,
        };
  }

  /** The wire definition (awsJson 1.0, awsQuery-compatible errors, target GraniteServiceVersion20100801). */
  definition(): ServiceDefinition {
    return {
      protocol: 'awsJson1_0',
      targetPrefix: 'GraniteServiceVersion20100801',
      operations: {
        PutMetricData: (input) => {
          this.putMetricData(input.Namespace, input.MetricData);
          return {};
        },
        GetMetricData: (input) => this.getMetricData(input),
        PutMetricAlarm: (input) => {
          this.putMetricAlarm(input);
          return {};
        },
        DeleteAlarms: (input) => {
          for (const n of input.AlarmNames ?? []) this.alarms.delete(n);
          return {};
        },
        DescribeAlarms: (input) => {
          if (input.AlarmNames?.length && input.AlarmNamePrefix)
            throw invalid('AlarmNames and AlarmNamePrefix are mutually exclusive.');
          const alarms = [...this.alarms.values()]
            .filter(
              (a) =>
                (!input.AlarmNames?.length || input.AlarmNames.includes(a.AlarmName)) &&
                (!input.AlarmNamePrefix || a.AlarmName.startsWith(input.AlarmNamePrefix)),
            )
            .map((a) => ({ ...a, ...this.alarmState(a), StateUpdatedTimestamp: this.#cloud.clock.date() }))
            .filter((a) => !input.StateValue || a.StateValue === input.StateValue)
            .sort((x, y) => x.AlarmName.localeCompare(y.AlarmName));
          return { MetricAlarms: alarms, CompositeAlarms: [] };
        },
      },
    };
  }
}
