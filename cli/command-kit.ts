import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Command } from 'commander';
import { readStatus, type StatusDocument } from '#shared/status.ts';
import { loadStatus } from './commands/status.ts';
import type { CliDeps, Clients, Target } from './context.ts';
import { UserError } from './errors.ts';
import type { Stackdrop } from './stackdrop-stack.ts';

/** What a day-2 command needs from the program's per-invocation session (session.ts's Session). */
export interface CommandSession {
  readonly target: Target;
  readonly deps: CliDeps;
  readonly clients: Clients;
  now(): Date;
  stackdrop(): Promise<Stackdrop>;
  bucket(): Promise<string>;
  syncClock(): Promise<void>;
}

/** How program.ts hands a command file what it needs to register itself. */
export interface CommandKit {
  deps: CliDeps;
  session(cmd: Command): CommandSession;
  setExit(code: number): void;
}

/** The clients of the day-2 commands, built from the same target settings as context.ts's. */
export interface OpsClients {
  logs: CloudWatchLogsClient;
  cloudwatch: CloudWatchClient;
  ecs: ECSClient;
  secrets: SecretsManagerClient;
  autoScaling: ApplicationAutoScalingClient;
}

const built = new WeakMap<Target, OpsClients>();

/** Day-2 clients for a target (once per target): fake credentials and the endpoint on the local cloud. */
export function opsClients(target: Target): OpsClients {
  let clients = built.get(target);
  if (!clients) {
    const config = {
      maxAttempts: 5,
      ...(target.region ? { region: target.region } : {}),
      ...(target.profile ? { profile: target.profile } : {}),
      ...(target.endpoint ? { endpoint: target.endpoint } : {}),
      ...(target.local
        ? { credentials: { accessKeyId: 'AKIDLOCALCLOUD', secretAccessKey: 'local-cloud-secret' } }
        : {}),
    };
    clients = {
      logs: new CloudWatchLogsClient(config),
      cloudwatch: new CloudWatchClient(config),
      ecs: new ECSClient(config),
      secrets: new SecretsManagerClient(config),
      autoScaling: new ApplicationAutoScalingClient(config),
    };
    built.set(target, clients);
  }
  return clients;
}

export const examples = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;

/** A live project's status document; a project that was never provisioned is a clear user error. */
export async function liveProject(
  s: CommandSession,
  project: string,
  environment: string,
): Promise<StatusDocument> {
  const doc = await loadStatus(s.clients.s3, await s.bucket(), project, environment);
  return doc;
}

/**
 * The project's status document, or undefined when it was never deployed: for commands that work
 * before a project's first provisioning (its secrets must exist before a manifest names them).
 */
export async function projectIfAny(
  s: CommandSession,
  project: string,
  environment: string,
): Promise<StatusDocument | undefined> {
  return (await readStatus({ bucket: await s.bucket(), project, environment }, { s3: s.clients.s3 }))?.doc;
}

/** One output of a project's stacks, or an error saying provisioning has not produced it yet. */
export function projectOutput(doc: StatusDocument, key: string): string {
  const value = doc.outputs[key];
  if (!value) {
    throw new UserError(
      `${doc.project}/${doc.environment} has no ${key} yet (phase ${doc.phase}): wait until provisioning is ready (\`stackdrop status ${doc.project} --watch\`).`,
    );
  }
  return value;
}

/** The digest currently deployed (the newest succeeded deploy), if any. */
export function deployedImage(doc: StatusDocument): { digest: string; imageUri?: string } | undefined {
  const last = doc.deploys.filter((d) => d.outcome === 'succeeded').at(-1);
  return last ? { digest: last.digest, ...(last.imageUri ? { imageUri: last.imageUri } : {}) } : undefined;
}

/** Parses `30s`, `15m`, `1h`, `2d` or `1h30m` into milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (!m || text.trim() === '') return undefined;
  const [, d = '0', h = '0', min = '0', s = '0'] = m;
  return ((Number(d) * 24 + Number(h)) * 60 + Number(min)) * 60_000 + Number(s) * 1000;
}
