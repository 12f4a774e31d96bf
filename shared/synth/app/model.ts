import type { Manifest } from '../../manifest/schema.ts';
import { isProjectSecret, secretGrant } from '../../manifest/secrets.ts';

/**
 * What the app stage runs, read from a validated manifest: the plain facts the template builder
 * (shared/synth/app/*.ts) turns into resources. No CloudFormation here.
 */

/** What the scheduler service runs when the manifest says `scheduler: true`. */
export const DEFAULT_SCHEDULER_COMMAND = ['php', 'artisan', 'schedule:work'];

/**
 * Laravel variables the app template sets itself but a manifest may override through
 * `app.environment`: APP_ENV (default: the environment name) and APP_URL (default: the edge stage's
 * Url). Every other wired variable is in RESERVED_ENVIRONMENT and cannot be set.
 */
export const OVERRIDABLE_ENVIRONMENT = ['APP_ENV', 'APP_URL'] as const;

/** Path of every role the stage templates create (template.yaml's service role may touch no other). */
export const STAGE_ROLE_PATH = '/stackdrop/stages/';

export interface TaskSize {
  cpu: number;
  memory: number;
}

export interface WorkerModel extends TaskSize {
  name: string;
  /** Alphanumeric part of the worker's logical ids: `queue-high` → `QueueHigh`. */
  logicalId: string;
  command: string[];
  desiredCount: number;
}

export interface AppModel {
  project: string;
  environment: string;
  /** `X86_64` or `ARM64`: ECS's RuntimePlatform.CpuArchitecture values. */
  cpuArchitecture: 'X86_64' | 'ARM64';
  postgres: boolean;
  appEnv: string;
  port: number;
  web: TaskSize & {
    desiredCount: number;
    autoscaling?: { min: number; max: number; cpuTarget: number; requestsPerTarget?: number };
  };
  release?: string[];
  scheduler?: TaskSize & { command: string[] };
  workers: WorkerModel[];
  /** `app.environment` without APP_ENV and APP_URL, sorted by name so the template is stable. */
  variables: [string, string][];
  /** `app.secrets`, sorted by name. */
  secrets: [string, string][];
  /** IAM resources for secret references outside the project's prefix (app.externalSecrets). */
  externalSecretGrants: string[];
  secretsKmsKeyArns: string[];
  /** A cache (database stage): REDIS_* from its CacheAddress/CachePort outputs. */
  cache: boolean;
  /** The CDN (edge stage): ASSET_URL from its AssetUrl output, unless app.environment sets it. */
  assetUrl: boolean;
  alarmTopicArn?: string;
  exec: boolean;
}

const byName = ([a]: [string, string], [b]: [string, string]) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A worker's logical-id stem: each hyphen-separated part capitalised (`queue-high` → `QueueHigh`).
 * Two names can meet on one stem (`a-1`, `a1`); render.ts refuses such a pair.
 */
export function workerLogicalId(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The scheduler's command and size, or undefined for `scheduler: false`. */
export function schedulerSettings(manifest: Manifest): (TaskSize & { command: string[] }) | undefined {
  const scheduler = manifest.app.scheduler;
  if (scheduler === false) return undefined;
  if (scheduler === true) return { command: DEFAULT_SCHEDULER_COMMAND, cpu: 256, memory: 512 };
  // `schedule:run` once a minute is what `schedule:work` does in a long-running process.
  const isScheduleRun = scheduler.command.join(' ') === 'php artisan schedule:run';
  return {
    command: isScheduleRun ? DEFAULT_SCHEDULER_COMMAND : scheduler.command,
    cpu: scheduler.cpu,
    memory: scheduler.memory ?? scheduler.cpu * 2,
  };
}

/** The manifest's own environment variables (APP_ENV and APP_URL are wired separately), by name. */
export function manifestEnvironment(manifest: Manifest): [string, string][] {
  const overridable = new Set<string>(OVERRIDABLE_ENVIRONMENT);
  return Object.entries(manifest.app.environment)
    .filter(([name]) => !overridable.has(name))
    .sort(byName);
}

/** Reads the app stage's facts from a validated manifest. */
export function appModel(manifest: Manifest): AppModel {
  const app = manifest.app;
  const web = app.web;
  return {
    project: manifest.project,
    environment: manifest.environment,
    cpuArchitecture: app.architecture === 'arm64' ? 'ARM64' : 'X86_64',
    postgres: manifest.database.engine === 'aurora-postgresql',
    appEnv: app.environment.APP_ENV ?? manifest.environment,
    port: web.port,
    web: {
      cpu: web.cpu,
      memory: web.memory ?? web.cpu * 2,
      desiredCount: web.desiredCount ?? 2,
      ...(web.autoscaling ? { autoscaling: web.autoscaling } : {}),
    },
    ...(app.release ? { release: app.release } : {}),
    ...(schedulerSettings(manifest) ? { scheduler: schedulerSettings(manifest)! } : {}),
    workers: app.workers.map((w) => ({
      name: w.name,
      logicalId: workerLogicalId(w.name),
      command: w.command,
      cpu: w.cpu,
      memory: w.memory ?? w.cpu * 2,
      desiredCount: w.desiredCount,
    })),
    variables: manifestEnvironment(manifest),
    secrets: Object.entries(app.secrets).sort(byName),
    externalSecretGrants: [
      ...new Set(
        Object.values(app.secrets)
          // `secret:NAME` resolves under the project's prefix (shared/manifest/secret-refs.ts).
          .filter((arn) => !arn.startsWith('secret:'))
          .filter((arn) => !isProjectSecret(arn, manifest.project, manifest.environment))
          .map(secretGrant),
      ),
    ].sort(),
    secretsKmsKeyArns: [...app.secretsKmsKeyArns],
    cache: manifest.cache !== undefined,
    assetUrl: app.cdn !== false && app.environment.ASSET_URL === undefined,
    ...(app.alarmTopicArn ? { alarmTopicArn: app.alarmTopicArn } : {}),
    exec: app.exec === true,
  };
}
