import { AwsError } from '../errors.ts';

/**
 * Schedule expressions shared by EventBridge rules and EventBridge Scheduler:
 * `rate(N minute|minutes|hour|hours|day|days)`, `cron(min hour day-of-month month day-of-week year)`
 * (UTC; `*`, `?`, values, ranges, lists and `/` steps) and, for Scheduler, `at(yyyy-mm-ddThh:mm:ss)`.
 */
export type Schedule =
  | { kind: 'rate'; everyMs: number }
  | { kind: 'cron'; fields: Array<Set<number> | undefined> }
  | { kind: 'at'; time: number };

const invalid = (expression: string) =>
  new AwsError('ValidationException', `Invalid Schedule Expression ${expression}.`);

/** Parses a schedule expression; throws ValidationException when EventBridge would refuse it. */
export function parseSchedule(expression: string, options: { allowAt?: boolean } = {}): Schedule {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1 || (n === 1) !== !rate[2]!.endsWith('s')) throw invalid(expression);
    const unit = rate[2]!.startsWith('minute')
      ? 60_000
      : rate[2]!.startsWith('hour')
        ? 3_600_000
        : 86_400_000;
    return { kind: 'rate', everyMs: n * unit };
  }
  const at = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression);
  if (at && options.allowAt) {
    const time = Date.parse(`${at[1]}Z`);
    if (Number.isNaN(time)) throw invalid(expression);
    return { kind: 'at', time };
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (cron) {
    const parts = cron[1]!.trim().split(/\s+/);
    if (parts.length !== 6) throw invalid(expression);
    const ranges: Array<[number, number]> = [
      [0, 59],
      [0, 23],
      [1, 31],
      [1, 12],
      [1, 7],
      [1970, 2199],
    ];
    const fields = parts.map((p, i) => parseField(p, ranges[i]!, expression));
    if ((fields[2] === undefined) === (fields[4] === undefined) && !(parts[2] === '*' && parts[4] === '?')) {
      // One of day-of-month / day-of-week must be '?'.
      if (!(parts[2] === '?' || parts[4] === '?')) throw invalid(expression);
    }
    return { kind: 'cron', fields };
  }
  throw invalid(expression);
}

function parseField(text: string, [lo, hi]: [number, number], expression: string): Set<number> | undefined {
  if (text === '*' || text === '?') return undefined;
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
    if (!m) throw invalid(expression);
    const start = m[1] === '*' ? lo : Number(m[1]);
    const end = m[2] !== undefined ? Number(m[2]) : m[3] !== undefined || m[1] === '*' ? hi : start;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    if (start < lo || end > hi || step < 1) throw invalid(expression);
    for (let v = start; v <= end; v += step) out.add(v);
  }
  return out;
}

/** The first time strictly after `after` (epoch ms) at which the schedule fires, if any. */
export function nextFire(schedule: Schedule, after: number, start = after): number | undefined {
  if (schedule.kind === 'at') return schedule.time > after ? schedule.time : undefined;
  if (schedule.kind === 'rate') {
    const elapsed = after - start;
    return start + (Math.floor(elapsed / schedule.everyMs) + 1) * schedule.everyMs;
  }
  const [min, hour, dom, month, dow, year] = schedule.fields;
  const t = new Date(Math.floor(after / 60_000) * 60_000 + 60_000);
  for (let i = 0; i < 60 * 24 * 366 * 5; i++) {
    const ok =
      (!min || min.has(t.getUTCMinutes())) &&
      (!hour || hour.has(t.getUTCHours())) &&
      (!dom || dom.has(t.getUTCDate())) &&
      (!month || month.has(t.getUTCMonth() + 1)) &&
      (!dow || dow.has(t.getUTCDay() + 1)) &&
      (!year || year.has(t.getUTCFullYear()));
    if (ok) return t.getTime();
    t.setTime(t.getTime() + 60_000);
  }
  return undefined;
}
