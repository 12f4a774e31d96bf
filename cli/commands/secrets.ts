import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { Command } from 'commander';
import type { StatusDocument } from '#shared/status.ts';
import { type CommandKit, examples, opsClients, projectIfAny } from '../command-kit.ts';
import { EXIT, UserError } from '../errors.ts';

/** Where a project's secrets live: `stackdrop/<project>/<environment>/` (docs/security.md). */
export function secretPrefix(project: string, environment: string): string {
  return `stackdrop/${project}/${environment}/`;
}

/** NAME becomes an environment variable in the tasks: letters, digits and underscores. */
export function checkSecretName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name)) {
    throw new UserError(
      `${name} is not a usable secret name: use letters, digits and underscores, starting with a letter (it becomes an environment variable, e.g. APP_KEY).`,
    );
  }
  return name;
}

/** One secret as `secrets list` shows it: never its value. */
export interface SecretRow {
  name: string;
  secretName: string;
  arn: string;
  currentVersion?: string;
  versions: number;
  lastChanged?: string;
}

/** Every secret under the project's prefix (all pages), names and versions only. */
export async function listSecrets(sm: SecretsManagerClient, prefix: string): Promise<SecretRow[]> {
  const rows: SecretRow[] = [];
  let NextToken: string | undefined;
  do {
    const out = await sm.send(
      new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }], MaxResults: 100, NextToken }),
    );
    for (const s of out.SecretList ?? []) {
      // The name filter is a prefix match; keep only this project's own secrets all the same.
      if (!s.Name?.startsWith(prefix) || !s.ARN) continue;
      const stages = s.SecretVersionsToStages ?? {};
      const current = Object.entries(stages).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];
      rows.push({
        name: s.Name.slice(prefix.length),
        secretName: s.Name,
        arn: s.ARN,
        ...(current ? { currentVersion: current } : {}),
        versions: Object.keys(stages).length,
        ...(s.LastChangedDate ? { lastChanged: new Date(s.LastChangedDate).toISOString() } : {}),
      });
    }
    NextToken = out.NextToken;
  } while (NextToken);
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}

/** Creates the secret, or puts a new version when it exists; returns its ARN and the new version. */
export async function setSecret(
  sm: SecretsManagerClient,
  doc: Pick<StatusDocument, 'project' | 'environment'> & { outputs?: Record<string, string> },
  name: string,
  value: string,
): Promise<{ arn: string; versionId?: string; created: boolean }> {
  const secretName = `${secretPrefix(doc.project, doc.environment)}${name}`;
  try {
    const out = await sm.send(
      new CreateSecretCommand({
        Name: secretName,
        SecretString: value,
        Description: `stackdrop ${doc.project}/${doc.environment}: ${name}`,
        // The project's customer-managed key (security.kmsKey), which the execution role may use
        // through Secrets Manager; without one, the AWS managed aws/secretsmanager key.
        ...(doc.outputs?.KmsKeyArn ? { KmsKeyId: doc.outputs.KmsKeyArn } : {}),
        Tags: [
          { Key: 'stackdrop:project', Value: doc.project },
          { Key: 'stackdrop:environment', Value: doc.environment },
          { Key: 'stackdrop:managed', Value: 'true' },
        ],
      }),
    );
    return { arn: out.ARN!, ...(out.VersionId ? { versionId: out.VersionId } : {}), created: true };
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceExistsException') throw error;
  }
  const out = await sm.send(new PutSecretValueCommand({ SecretId: secretName, SecretString: value }));
  return { arn: out.ARN!, ...(out.VersionId ? { versionId: out.VersionId } : {}), created: false };
}

/** Starts a new deployment of every service so running tasks are replaced and read the new value. */
export async function rollServices(doc: StatusDocument, ecs: ECSClient): Promise<string[]> {
  const cluster = doc.outputs.ClusterName;
  const services = [
    doc.outputs.WebServiceName,
    ...(doc.outputs.WorkerServiceNames ?? '').split(','),
    doc.outputs.SchedulerServiceName,
  ].filter((s): s is string => Boolean(s?.trim()));
  if (!cluster || services.length === 0) return [];
  for (const service of services) {
    await ecs.send(new UpdateServiceCommand({ cluster, service: service.trim(), forceNewDeployment: true }));
  }
  return services;
}

/** The value from --from-file or piped stdin; never from the command line. */
async function readValue(kit: CommandKit, fromFile: string | undefined): Promise<string> {
  let value: string | undefined;
  if (fromFile) {
    value = await readFile(resolve(kit.deps.cwd, fromFile), 'utf8').catch(() => {
      throw new UserError(`Cannot read ${fromFile}: give a readable file to --from-file.`);
    });
  } else {
    value = await kit.deps.readStdin?.();
    // `echo value | stackdrop secrets set` adds one newline that is not part of the value.
    if (value !== undefined) value = value.replace(/\r?\n$/, '');
  }
  if (value === undefined)
    throw new UserError(
      'Give the value on standard input (`printf %s "$VALUE" | stackdrop secrets set acme NAME`) or with --from-file <file>; values never go on the command line.',
    );
  if (value === '') throw new UserError('The value is empty: Secrets Manager needs at least one character.');
  return value;
}

/** Registers `stackdrop secrets set|list|remove`. */
export function registerSecrets(program: Command, kit: CommandKit): void {
  const { ui } = kit.deps;
  const secrets = program
    .command('secrets')
    .description("a project's secrets in Secrets Manager (stackdrop/<project>/<environment>/NAME)")
    .addHelpText(
      'after',
      examples(
        'printf %s "$APP_KEY" | stackdrop secrets set acme APP_KEY',
        'stackdrop secrets set acme STRIPE_SECRET --from-file stripe.txt --roll',
        'stackdrop secrets list acme',
        'stackdrop secrets remove acme OLD_TOKEN',
      ),
    );

  secrets
    .command('set')
    .description(
      'create or update a secret from stdin or --from-file; --roll restarts the services to pick it up',
    )
    .argument('<project>', 'project name')
    .argument('<name>', 'the environment variable name, e.g. APP_KEY')
    .option('-e, --environment <name>', 'environment', 'production')
    .option('--from-file <file>', 'read the value from this file (as is)')
    .option('--roll', 'roll web, workers and scheduler so running tasks get the new value')
    .option('--json', 'machine-readable result')
    .action(
      async (
        project: string,
        name: string,
        opts: { environment: string; fromFile?: string; roll?: boolean; json?: boolean },
        cmd: Command,
      ) => {
        checkSecretName(name);
        const value = await readValue(kit, opts.fromFile);
        const s = kit.session(cmd);
        // A project's secrets come before its first provisioning, which refuses a manifest naming
        // a secret:NAME that does not exist: no status document is needed to set one.
        const doc = await projectIfAny(s, project, opts.environment);
        const { secrets: sm, ecs } = opsClients(s.target);
        const set = await setSecret(sm, doc ?? { project, environment: opts.environment }, name, value);
        const live = doc?.deploys.some((d) => d.outcome === 'succeeded') ?? false;
        const rolled = opts.roll && doc && live ? await rollServices(doc, ecs) : [];
        if (!doc)
          ui.err(
            ui.style.dim(
              `${project}/${opts.environment} has not been provisioned yet: the secret is ready for its first deploy (check the project name if you expected it to exist).`,
            ),
          );
        if (opts.json) {
          ui.json({ project, environment: opts.environment, name, ...set, rolled });
        } else {
          ui.out(
            `${ui.style.green('✓')} ${set.created ? 'created' : 'updated'} ${secretPrefix(project, opts.environment)}${name}${set.versionId ? ` (version ${set.versionId})` : ''}`,
          );
          ui.out(
            `  use it in the manifest: app.secrets.${name}: secret:${name}   (or the full ARN ${set.arn})`,
          );
          if (rolled.length) ui.out(`  rolling ${rolled.join(', ')} so running tasks read the new value`);
          else if (opts.roll && !live) ui.out('  nothing to roll: the project has no deploy yet');
          else if (live)
            ui.out(
              `  running tasks keep the old value until they restart: pass --roll (or \`stackdrop secrets set ${project} ${name} --roll\`)`,
            );
        }
        kit.setExit(EXIT.ok);
      },
    );

  secrets
    .command('list')
    .description('names, versions and last change of the secrets (never their values)')
    .argument('<project>', 'project name')
    .option('-e, --environment <name>', 'environment', 'production')
    .option('--json', 'machine-readable result')
    .action(async (project: string, opts: { environment: string; json?: boolean }, cmd: Command) => {
      const s = kit.session(cmd);
      const doc = await projectIfAny(s, project, opts.environment);
      const prefix = secretPrefix(project, opts.environment);
      const rows = await listSecrets(opsClients(s.target).secrets, prefix);
      if (!doc && rows.length === 0)
        throw new UserError(
          `stackdrop has no status for ${project}/${opts.environment} and no secrets under ${prefix}: check the project name, or set its first secret with \`printf %s "$VALUE" | stackdrop secrets set ${project} NAME\`.`,
        );
      if (opts.json) ui.json({ project, environment: opts.environment, prefix, secrets: rows });
      else if (rows.length === 0)
        ui.out(
          `No secrets under ${prefix}: add one with \`printf %s "$VALUE" | stackdrop secrets set ${project} NAME\`.`,
        );
      else {
        const width = Math.max(4, ...rows.map((r) => r.name.length));
        ui.out(`${'NAME'.padEnd(width)}  VERSIONS  CURRENT                               LAST CHANGE`);
        for (const r of rows)
          ui.out(
            `${r.name.padEnd(width)}  ${String(r.versions).padEnd(8)}  ${(r.currentVersion ?? '-').padEnd(36)}  ${r.lastChanged ?? '-'}`,
          );
      }
      kit.setExit(EXIT.ok);
    });

  secrets
    .command('remove')
    .description('schedule a secret for deletion (restorable for 7 days unless --force)')
    .argument('<project>', 'project name')
    .argument('<name>', 'the secret name, e.g. OLD_TOKEN')
    .option('-e, --environment <name>', 'environment', 'production')
    .option('--force', 'delete at once, without a recovery window')
    .option('--json', 'machine-readable result')
    .action(
      async (
        project: string,
        name: string,
        opts: { environment: string; force?: boolean; json?: boolean },
        cmd: Command,
      ) => {
        checkSecretName(name);
        const s = kit.session(cmd);
        const secretName = `${secretPrefix(project, opts.environment)}${name}`;
        const out = await opsClients(s.target)
          .secrets.send(
            new DeleteSecretCommand({
              SecretId: secretName,
              ...(opts.force ? { ForceDeleteWithoutRecovery: true } : { RecoveryWindowInDays: 7 }),
            }),
          )
          .catch((error: { name?: string }) => {
            if (error.name === 'ResourceNotFoundException')
              throw new UserError(
                `There is no secret ${secretName}: see \`stackdrop secrets list ${project}\`.`,
              );
            throw error;
          });
        const deletion = out.DeletionDate ? new Date(out.DeletionDate).toISOString() : undefined;
        if (opts.json)
          ui.json({ project, environment: opts.environment, name, arn: out.ARN, deletionDate: deletion });
        else
          ui.out(
            `${ui.style.green('✓')} ${secretName} ${opts.force ? 'deleted' : `scheduled for deletion on ${deletion} (restore it with \`aws secretsmanager restore-secret --secret-id ${secretName}\`)`}`,
          );
        kit.setExit(EXIT.ok);
      },
    );
}
