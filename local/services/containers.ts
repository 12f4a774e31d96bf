import { createHash } from 'node:crypto';
import type { LocalCloud } from '../kernel.ts';
import type { EcsTask, TaskDefinition } from './ecs.ts';

/**
 * Simulated containers: what the ECS model's tasks would print, written to CloudWatch Logs the
 * way the awslogs log driver does, plus the traffic the metrics model reports.
 *
 * - Stream names follow the awslogs driver: `<awslogs-stream-prefix>/<container name>/<ECS task id>`
 *   (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html, read 2026-12-07).
 *   The group must exist: ECS does not create it unless `awslogs-create-group` is true (same page);
 *   a container whose group is missing writes nothing here.
 * - Long-running containers (web, workers, scheduler) write their lines lazily: before any read the
 *   logs model asks every running container to catch up to "now", so a virtual clock that jumps
 *   hours costs nothing until someone reads. Lines are derived from (task id, time) alone, so the
 *   same history comes back however often it is read.
 * - What kind of container a task is comes from its command: the release task and one-off commands
 *   print their (simulated) output when they stop.
 */

export type ContainerKind = 'web' | 'worker' | 'scheduler' | 'command';

export interface Tracked {
  taskId: string;
  /** Cluster name. */
  cluster: string;
  kind: ContainerKind;
  group: string;
  stream: string;
  /** The service (`service:<name>`) or `family:<family>` the task belongs to. */
  taskGroup: string;
  command: string[];
  startedAt: number;
  stoppedAt?: number;
  exitCode?: number;
  /** Lines up to this time are written. */
  writtenUntil: number;
}

/** How far back a lazy catch-up writes (older lines would be rejected by PutLogEvents anyway). */
const MAX_CATCH_UP_MS = 6 * 3_600_000;
/** Cadence of simulated lines: one sampled request per web task every 10 s, etc. */
const CADENCE_MS: Record<ContainerKind, number> = {
  web: 10_000,
  worker: 30_000,
  scheduler: 60_000,
  command: 0,
};

/** A deterministic number in [0, 1) from a key (same task and time → same line). */
export function unit(key: string): number {
  return createHash('sha1').update(key).digest().readUInt32BE(0) / 0x1_0000_0000;
}

/** Requests per minute one web task serves at a time: a daily swell plus noise. */
export function requestsPerMinute(at: number, salt = ''): number {
  const day = Math.sin(((at / 3_600_000) % 24) * (Math.PI / 12) - Math.PI / 2);
  return Math.round(120 + 80 * day + 40 * unit(`${salt}${Math.floor(at / 60_000)}`));
}

const PATHS = ['/', '/products', '/products/42', '/cart', '/login', '/api/orders', '/search?q=shoes', '/up'];

function commandOf(task: EcsTask, td: TaskDefinition, container: string): string[] {
  const override = task.overrides.containerOverrides?.find((o) => o.name === container)?.command;
  if (Array.isArray(override)) return override.map(String);
  const def = td.containerDefinitions.find((c) => c.name === container)?.command;
  return Array.isArray(def) ? def.map(String) : [];
}

function kindOf(task: EcsTask, command: string[]): ContainerKind {
  const text = command.join(' ');
  if (/queue:work|queue:listen|horizon/.test(text)) return 'worker';
  if (/schedule:work|schedule:run/.test(text)) return 'scheduler';
  if (task.group?.startsWith('service:')) return 'web';
  return 'command';
}

function stamp(at: number): string {
  return new Date(at).toISOString().replace('T', ' ').slice(0, 19);
}

/** Output a one-off command prints (the release task's migrations, `migrate:status`, …). */
export function commandOutput(command: string[], exitCode: number): string[] {
  const text = command.join(' ');
  const migrations = [
    '2026_01_10_000000_create_users_table',
    '2026_01_10_000001_create_jobs_table',
    '2026_03_02_101500_create_orders_table',
    '2026_11_30_090000_add_status_to_orders_table',
  ];
  let lines: string[];
  if (/migrate:status/.test(text)) {
    lines = [
      '  Migration name .............................................. Batch / Status',
      ...migrations.map((m, i) => `  ${m} ${'.'.repeat(Math.max(3, 58 - m.length))} [${i < 3 ? 1 : 2}] Ran`),
    ];
  } else if (/\bmigrate\b/.test(text)) {
    lines = ['   INFO  Running migrations.', `  ${migrations[3]} ${'.'.repeat(20)} 12.41ms DONE`];
  } else {
    lines = [`(local cloud) simulated run of: ${text || '(the image default command)'}`];
  }
  if (exitCode !== 0) lines.push(`   ERROR  The command exited with code ${exitCode}.`);
  return lines;
}

/** Watches the ECS model's tasks and writes their containers' lines to the logs model. */
export class SimulatedContainers {
  readonly #cloud: LocalCloud;
  /** Every container that ever ran, kept for metrics (ECS forgets stopped tasks after an hour). */
  readonly containers: Tracked[] = [];

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
    cloud.ecs.taskListeners.push((task, state) => this.#onTask(task, state));
    cloud.logs.addSource((now) => this.catchUp(now));
  }

  #onTask(task: EcsTask, state: 'RUNNING' | 'STOPPED'): void {
    const taskId = task.taskArn.split('/').pop()!;
    if (state === 'RUNNING') {
      const td = this.#cloud.ecs.taskDefinition(task.taskDefinitionArn);
      const now = this.#cloud.clock.now();
      for (const c of td.containerDefinitions) {
        const log = c.logConfiguration as
          | { logDriver?: string; options?: Record<string, string> }
          | undefined;
        const group = log?.options?.['awslogs-group'];
        const prefix = log?.options?.['awslogs-stream-prefix'];
        if (log?.logDriver !== 'awslogs' || !group || !this.#cloud.logs.groups.has(group)) continue;
        const name = String(c.name);
        const stream = prefix ? `${prefix}/${name}/${taskId}` : taskId;
        const command = commandOf(task, td, name);
        const tracked: Tracked = {
          taskId,
          cluster: task.clusterArn.split('/').pop() ?? '',
          kind: kindOf(task, command),
          group,
          stream,
          taskGroup: task.group ?? '',
          command,
          startedAt: now,
          writtenUntil: now,
        };
        this.containers.push(tracked);
        this.#write(tracked, [{ timestamp: now, message: this.#startLine(tracked) }]);
      }
      return;
    }
    const now = this.#cloud.clock.now();
    for (const t of this.containers) {
      if (t.taskId !== taskId || t.stoppedAt !== undefined) continue;
      this.#catchUpOne(t, now);
      t.stoppedAt = now;
      t.exitCode = task.containers[0]?.exitCode ?? 0;
      const lines =
        t.kind === 'command'
          ? commandOutput(t.command, t.exitCode)
          : [
              t.kind === 'web'
                ? 'Shutting down: SIGTERM received, draining connections'
                : 'Worker stopping (SIGTERM)',
            ];
      this.#write(
        t,
        lines.map((message) => ({ timestamp: now, message })),
      );
    }
  }

  #startLine(t: Tracked): string {
    switch (t.kind) {
      case 'web':
        return `[${stamp(t.startedAt)}] NOTICE: fpm is running, nginx listening on :8080`;
      case 'worker':
        return `   INFO  Processing jobs from the [default] queue.`;
      case 'scheduler':
        return `   INFO  Running scheduled tasks every minute.`;
      default:
        return `$ ${t.command.join(' ') || '(image default command)'}`;
    }
  }

  /** Writes every running container's lines up to `now`. */
  catchUp(now: number): void {
    for (const t of this.containers) if (t.stoppedAt === undefined) this.#catchUpOne(t, now);
  }

  #catchUpOne(t: Tracked, now: number): void {
    const cadence = CADENCE_MS[t.kind];
    if (!cadence || now <= t.writtenUntil) return;
    const from = Math.max(t.writtenUntil, now - MAX_CATCH_UP_MS);
    const lines: Array<{ timestamp: number; message: string }> = [];
    for (let at = Math.floor(from / cadence) * cadence + cadence; at <= now; at += cadence) {
      if (at <= t.writtenUntil) continue;
      lines.push({ timestamp: at, message: this.#line(t, at) });
    }
    t.writtenUntil = now;
    this.#write(t, lines);
  }

  #line(t: Tracked, at: number): string {
    const r = unit(`${t.taskId}:${at}`);
    if (t.kind === 'web') {
      const path = PATHS[Math.floor(r * PATHS.length)]!;
      const status =
        path === '/up' ? 200 : r > 0.985 ? 500 : r > 0.95 ? 404 : path === '/login' && r > 0.9 ? 302 : 200;
      const ms = Math.round(20 + 400 * unit(`${t.taskId}:${at}:latency`) ** 3);
      const agent = path === '/up' ? 'ELB-HealthChecker/2.0' : 'Mozilla/5.0';
      return `10.0.${Math.floor(r * 4)}.${10 + Math.floor(r * 200)} - - "GET ${path} HTTP/1.1" ${status} ${Math.round(r * 9000) + 300} "${agent}" ${ms}ms`;
    }
    if (t.kind === 'worker') {
      const jobs = ['App\\Jobs\\SendInvoice', 'App\\Jobs\\ResizeImage', 'App\\Jobs\\SyncInventory'];
      const job = jobs[Math.floor(r * jobs.length)]!;
      const failed = r > 0.97;
      return `  ${stamp(at)} ${job} ${'.'.repeat(20)} ${Math.round(30 + r * 900)}ms ${failed ? 'FAIL' : 'DONE'}`;
    }
    return `  ${stamp(at)} Running ['artisan' 'schedule:run'] ${'.'.repeat(12)} ${Math.round(100 + r * 400)}ms DONE`;
  }

  #write(t: Tracked, lines: Array<{ timestamp: number; message: string }>): void {
    if (lines.length === 0 || !this.#cloud.logs.groups.has(t.group)) return;
    this.#cloud.logs.write(t.group, t.stream, lines);
  }
}
