// `npm start`: stackdrop's whole story, offline. Starts the local cloud, deploys stackdrop from
// template.yaml (real functions, real state machines), drops the Laravel example manifest, pushes
// an image, opens a bastion and lets the reaper end it, on simulated AWS time.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { StackEvent } from '@aws-sdk/client-cloudformation';
import { makeStyle } from '#cli/ui.ts';
import { ociPlatform } from '#shared/image-platform.ts';
import type { StatusDocument } from '#shared/status.ts';
import { operateTour } from './demo-tour.ts';
import { REPOSITORY_ROOT, startStackdrop } from './runtime/index.ts';
import { LocalSession } from './runtime/session.ts';
import { criticalPath, formatDuration, STAGE_ORDER } from './runtime/timeline.ts';

export interface DemoOptions {
  manifest?: string;
  port?: number;
  /** Keep the local cloud running after the story (to inspect it with the AWS CLI). */
  keep?: boolean;
  /** Show the functions' own logs. */
  verbose?: boolean;
  write?: (text: string) => void;
  color?: boolean;
}

export interface DemoSummary {
  ok: boolean;
  provisioningMs: number;
  deployMs: number;
  bastionLifetimeMs: number;
  criticalPath: string[];
  wallMs: number;
}

const EXAMPLE = 'examples/laravel/stackdrop.yaml';

/** One progress line, stamped with the virtual time of the event it reports. */
interface ProgressLine {
  at: number;
  /** Order among lines of the same instant: 0 phases, 1 stacks and tasks, 2 the final phase. */
  rank: number;
  key: string;
  text: string;
}

/**
 * Prints progress lines in the order their events happened, whenever a poll discovers them. A poll
 * started at virtual time T sees every event up to T, so lines up to T are printed and later ones
 * wait for the next poll (or the final flush): a late discovery never prints out of order.
 */
class Progress {
  readonly #write: (line: ProgressLine) => void;
  readonly #known = new Set<string>();
  #pending: ProgressLine[] = [];

  constructor(write: (line: ProgressLine) => void) {
    this.#write = write;
  }

  /** Adds what a poll found (lines seen before are ignored) and prints everything up to `upTo`. */
  add(lines: ProgressLine[], upTo: number): void {
    for (const line of lines) {
      if (this.#known.has(line.key)) continue;
      this.#known.add(line.key);
      this.#pending.push(line);
    }
    this.#pending.sort((a, b) => a.at - b.at || a.rank - b.rank);
    const due = this.#pending.filter((l) => l.at <= upTo);
    this.#pending = this.#pending.filter((l) => l.at > upTo);
    for (const line of due) this.#write(line);
  }

  /** Prints every line still waiting. */
  flush(): void {
    this.add([], Number.POSITIVE_INFINITY);
  }
}

/** Runs the demo story; resolves with its summary (ok = every step reached its expected end). */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const wallStart = performance.now();
  const write = options.write ?? ((text: string) => process.stdout.write(`${text}\n`));
  const c = makeStyle(options.color ?? false);
  const manifestPath = resolve(REPOSITORY_ROOT, options.manifest ?? EXAMPLE);
  let manifestText = readFileSync(manifestPath, 'utf8');
  // The example names its own certificate; the demo leaves the certificate to stackdrop (the
  // domain's zone is in the local account) and turns on the CDN, the created KMS key and the
  // cache the example offers commented out, to show them all.
  const showDomain = options.manifest === undefined;
  if (showDomain)
    manifestText = manifestText
      .replace(/\n {2}certificateArn: .*/, '')
      .replace(/\n {2}domain: (\S+)/, '\n  domain: $1\n  cdn: true')
      .replace(/^# (security:|cache:| {2}kmsKey: create| {2}engine: valkey)$/gm, '$1');
  const domain = /^\s+domain:\s*(\S+)/m.exec(manifestText)?.[1];
  const project = /^project:\s*(\S+)/m.exec(manifestText)?.[1] ?? 'acme';
  const environment = /^environment:\s*(\S+)/m.exec(manifestText)?.[1] ?? 'production';
  const deployTag = /^\s+deployTag:\s*(\S+)/m.exec(manifestText)?.[1] ?? 'main';
  // The image is built for the app's architecture (docker buildx --platform), as the manifest asks.
  const platform = ociPlatform(
    /^\s+architecture:\s*(\S+)/m.exec(manifestText)?.[1] === 'arm64' ? 'arm64' : 'x86_64',
  );

  write(c.bold('stackdrop — offline demo'));
  write(
    c.dim(
      'Everything below runs on this machine: a local AWS (S3, SQS, EventBridge, CloudFormation, ECS, RDS, ...)',
    ),
  );
  write(c.dim('with published AWS durations on a virtual clock. No AWS account, no network.'));
  write('');
  // Real-time budget per step of the story (each takes a second or two on the instant clock).
  const stepTimeoutMs = 60_000;
  const sd = await startStackdrop({
    port: options.port ?? 0,
    // Instant: time jumps to the next event whenever nothing is computing. (An accelerated clock
    // would also speed up the in-process functions' own compute time, e.g. 50 ms real = 1 min at 1200×.)
    speed: 'instant',
    environmentOverrides: options.verbose ? {} : { POWERTOOLS_LOG_LEVEL: 'SILENT' },
  });
  const session = new LocalSession(sd);
  try {
    const p = sd.plan;
    write(`${c.cyan('1.')} Local cloud on ${c.bold(sd.endpoint)}; stackdrop deployed from template.yaml:`);
    write(
      `   ${p.functions.length} functions, ${p.stateMachines.length} state machines, ${p.rules.length} rules, ${p.queues.length} queues, ${p.eventSourceMappings.length} SQS mapping, bucket ${session.bucket}`,
    );
    write(c.dim(`   inspect it: aws --endpoint-url ${sd.endpoint} s3 ls s3://${session.bucket} --recursive`));
    write('');

    // 2. Provisioning.
    const key = `manifests/${project}-${environment}.yaml`;
    if (showDomain && domain) {
      // As in the user's account: the domain's public hosted zone exists (load-manifest finds it).
      const zoneName = domain.split('.').slice(-2).join('.');
      const { zone } = sd.cloud.route53.createHostedZone({ Name: zoneName, CallerReference: 'demo' });
      write(`   Route 53 hosted zone ${zoneName} (${zone.Id}) in the local account, as in yours`);
    }
    write(
      `${c.cyan('2.')} Drop ${options.manifest ?? EXAMPLE}${showDomain ? ' (certificate left to stackdrop, cdn: true, kmsKey: create, cache: valkey)' : ''} → s3://${session.bucket}/${key}`,
    );
    const dropAt = session.now();
    await session.dropManifest(manifestText, key);
    const elapsed = (at: number) => `[+${formatDuration(at - dropAt, true)}]`;
    const progress = new Progress((line) => write(`   ${elapsed(line.at)} ${line.text}`));
    const paint = (status: string) =>
      /FAILED|ROLLBACK/.test(status) ? c.red : /COMPLETE$/.test(status) ? c.green : c.yellow;
    const showProgress = async (doc: StatusDocument | undefined) => {
      // Everything up to this instant is in what the reads below return (status document first:
      // a phase is recorded only after the stack events that led to it).
      const pollAt = session.now();
      if (!doc) return;
      const lines: ProgressLine[] = [];
      for (const h of doc.history) {
        const at = Date.parse(h.at);
        if (at < dropAt) continue;
        const final = h.phase === 'ready' || h.phase === 'failed';
        lines.push({
          at,
          rank: final ? 2 : 0,
          key: `phase ${h.phase} ${h.at}`,
          text: `phase ${c.bold(h.phase)}`,
        });
      }
      for (const stage of STAGE_ORDER) {
        const stackName = doc.stacks[stage]?.stackName;
        if (stackName) lines.push(...stackLines(stage, stackName, await session.stackEvents(stackName)));
      }
      progress.add(lines, pollAt);
    };
    /** A line per stack status change (with its resource counts then) and per failed resource. */
    const stackLines = (stage: string, stackName: string, events: StackEvent[]): ProgressLine[] => {
      const resources = new Map<string, string>();
      const lines: ProgressLine[] = [];
      for (const e of events) {
        const status = e.ResourceStatus ?? '';
        const at = e.Timestamp ? new Date(e.Timestamp).getTime() : dropAt;
        const key = `${stackName} ${e.EventId}`;
        if (e.ResourceType === 'AWS::CloudFormation::Stack' && e.LogicalResourceId === stackName) {
          const complete = [...resources.values()].filter((r) => r.endsWith('_COMPLETE')).length;
          const counts = resources.size > 0 ? `${complete}/${resources.size} resources` : '';
          lines.push({
            at,
            rank: 1,
            key,
            text: `${stage.padEnd(8)} ${paint(status)(status.padEnd(22))} ${counts}`.trimEnd(),
          });
          continue;
        }
        resources.set(e.LogicalResourceId ?? '', status);
        if (status.endsWith('_FAILED') && !/cancelled/.test(e.ResourceStatusReason ?? '')) {
          lines.push({
            at,
            rank: 1,
            key,
            text: `${stage.padEnd(8)} ${c.red(`${e.LogicalResourceId} ${status}`)} ${e.ResourceStatusReason ?? ''}`.trimEnd(),
          });
        }
      }
      return lines;
    };
    const ready = await session.waitForStatus(
      project,
      environment,
      (d) => d.phase === 'ready' || d.phase === 'failed',
      {
        timeoutMs: stepTimeoutMs,
        onPoll: showProgress,
      },
    );
    progress.flush();
    if (ready.phase !== 'ready') {
      write(c.red(`   provisioning failed: ${ready.error?.stage ?? ''} ${ready.error?.message ?? ''}`));
      return finish(false, ready, undefined, undefined);
    }
    write('');
    write(`${c.cyan('3.')} Outputs`);
    write(`   URL          ${c.bold(ready.outputs.Url ?? ready.outputs.url ?? '')}`);
    write(`   DB endpoint  ${c.bold(ready.outputs.WriterEndpoint ?? '')}`);
    write(`   DB reader    ${ready.outputs.ReaderEndpoint ?? ''}`);
    write(`   Repository   ${ready.outputs.RepositoryUri ?? ''}`);
    if (domain) {
      const certificate = sd.cloud.acm.certificates.get(ready.outputs.CertificateArn ?? '');
      if (certificate)
        write(
          `   Certificate  ${c.green(certificate.status)} for ${certificate.subjectAlternativeNames.join(', ')} (DNS-validated in Route 53)`,
        );
      const records = [...sd.cloud.route53.zones.values()].flatMap((z) =>
        z.records.filter((r) => r.Name === `${domain}.` && r.AliasTarget),
      );
      for (const r of records) write(`   DNS          ${domain} ${r.Type} alias → ${r.AliasTarget!.DNSName}`);
    }
    if (ready.outputs.AssetUrl)
      write(`   CDN          ${c.bold(ready.outputs.AssetUrl)} (CloudFront, ASSET_URL)`);
    if (ready.outputs.CacheAddress)
      write(
        `   Cache        ${c.bold(`${ready.outputs.CacheAddress}:${ready.outputs.CachePort ?? 6379}`)} (ElastiCache Serverless, TLS; REDIS_HOST, REDIS_PORT, REDIS_SCHEME=tls)`,
      );
    if (ready.outputs.KmsKeyArn) {
      const key = sd.cloud.kms.resolve(ready.outputs.KmsKeyArn);
      write(
        `   KMS key      ${ready.outputs.KmsKeyArn} (${c.green(key.KeyState)}, yearly rotation; Aurora, bucket, logs, queues, ECR, secrets, cache)`,
      );
    }
    write('');

    // 4. Deploy on push.
    const repository = ready.outputs.RepositoryName ?? `${project}-${environment}`;
    write(
      `${c.cyan('4.')} Push ${repository}:${deployTag} (ECR PutImage → EventBridge → deploy-router → FIFO queue → roll-service)`,
    );
    const pushAt = session.now();
    const digest = await session.pushImage(repository, deployTag, 'demo-1', 0, [platform]);
    write(`   [push +00:00] pushed ${digest.slice(0, 19)}… (image index: ${platform})`);
    const cluster = ready.outputs.ClusterName ?? `${project}-${environment}`;
    const deployProgress = new Progress((line) =>
      write(`   [push +${formatDuration(line.at - pushAt, true)}] ${line.text}`),
    );
    const deployLines = async (d: StatusDocument | undefined): Promise<ProgressLine[]> => {
      const dep = d?.deploys.find((x) => x.digest === digest);
      if (!dep) return [];
      const lines: ProgressLine[] = [];
      if (dep.releaseTaskArn) {
        const task = await session.task(cluster, dep.releaseTaskArn);
        const id = (dep.releaseTaskArn.split('/').pop() ?? '').slice(0, 12);
        const started = task?.startedAt ?? task?.createdAt;
        if (started) {
          lines.push({
            at: new Date(started).getTime(),
            rank: 1,
            key: 'release started',
            text: `release task started (${id}…): php artisan migrate --force`,
          });
        }
        const container =
          task?.containers?.find((x) => x.name === dep.releaseContainer) ?? task?.containers?.[0];
        if (task?.stoppedAt && container?.exitCode !== undefined) {
          lines.push({
            at: new Date(task.stoppedAt).getTime(),
            rank: 1,
            key: 'release stopped',
            text: `release task exited ${container.exitCode}`,
          });
        }
      }
      const rolled = Object.entries(dep.deployments ?? {});
      const created = await Promise.all(
        rolled.map(([service, id]) => session.deploymentCreatedAt(cluster, service, id)),
      );
      const first = Math.min(
        ...created.map((at) => (at ? new Date(at).getTime() : Number.POSITIVE_INFINITY)),
      );
      if (Number.isFinite(first)) {
        lines.push({
          at: first,
          rank: 1,
          key: 'roll',
          text: `rolling ${rolled.map(([service]) => service).join(', ')}`,
        });
      }
      if (dep.finishedAt && ['succeeded', 'failed'].includes(dep.outcome)) {
        lines.push({
          at: Date.parse(dep.finishedAt),
          rank: 2,
          key: 'outcome',
          text: `rollout ${dep.outcome === 'succeeded' ? c.green('COMPLETED') : c.red(`FAILED ${dep.reason ?? ''}`)}`,
        });
      }
      return lines;
    };
    const deployed = await session.waitForStatus(
      project,
      environment,
      (d) => d.deploys.some((x) => x.digest === digest && ['succeeded', 'failed'].includes(x.outcome)),
      {
        timeoutMs: stepTimeoutMs,
        onPoll: async (d) => {
          const pollAt = session.now();
          deployProgress.add(await deployLines(d), pollAt);
        },
      },
    );
    deployProgress.add(await deployLines(deployed), Number.POSITIVE_INFINITY);
    const deploy = deployed.deploys.find((x) => x.digest === digest)!;
    const deployMs = Date.parse(deploy.finishedAt ?? deploy.startedAt) - pushAt;
    write('');

    // 5. Bastion.
    write(`${c.cyan('5.')} Open a bastion for 30 minutes (SSM access, no inbound rule), then let time pass`);
    const openAt = session.now();
    const opened = await session.invoke<{ instanceId: string; expiresAt: string }>('OpenBastionFunction', {
      project,
      environment,
      ttlMinutes: 30,
      access: 'ssm',
      callerCidr: '203.0.113.10/32',
      openedBy: 'demo',
    });
    if (!opened.result) {
      write(c.red(`   open-bastion failed: ${opened.error?.errorType}: ${opened.error?.errorMessage}`));
      return finish(false, deployed, deployMs, undefined);
    }
    write(`   ${opened.result.instanceId} open until ${opened.result.expiresAt}`);
    const reaped = await session.waitForStatus(
      project,
      environment,
      (d) => d.bastions.some((b) => b.instanceId === opened.result!.instanceId && b.state !== 'open'),
      { timeoutMs: stepTimeoutMs },
    );
    const bastion = reaped.bastions.find((b) => b.instanceId === opened.result!.instanceId)!;
    const lifetime = Date.parse(bastion.closedAt ?? reaped.updatedAt) - openAt;
    write(
      `   [+${formatDuration(lifetime, true)}] ${bastion.instanceId} ${c.green(bastion.state)} by the reaper (runs every 5 minutes)`,
    );
    write('');

    // 6. Day-2 operations with the stackdrop command itself.
    write(`${c.cyan('6.')} Operate it: logs, a one-off command, metrics`);
    const toured = await operateTour(sd.endpoint, project, c, write);
    write('');
    return finish(
      deploy.outcome === 'succeeded' && bastion.state === 'expired' && toured,
      reaped,
      deployMs,
      lifetime,
    );

    function finish(
      ok: boolean,
      doc: StatusDocument,
      deployMs: number | undefined,
      lifetime: number | undefined,
    ): DemoSummary {
      const path = criticalPath(doc, dropAt);
      const provisioningMs = path.end - dropAt;
      write(c.bold('Summary (simulated AWS time)'));
      for (const stage of STAGE_ORDER) {
        const s = doc.stacks[stage];
        if (!s?.startedAt) continue;
        const start = Date.parse(s.startedAt) - dropAt;
        const end = s.finishedAt ? Date.parse(s.finishedAt) - dropAt : undefined;
        write(
          `   ${stage.padEnd(9)} ${formatDuration(start, true)} → ${end === undefined ? '…' : formatDuration(end, true)}  ${end === undefined ? '' : formatDuration(end - start)}  ${s.status}`,
        );
      }
      write(`   provisioning  ${formatDuration(provisioningMs)}   critical path: ${path.stages.join(' → ')}`);
      if (deployMs !== undefined)
        write(`   deploy        ${formatDuration(deployMs)}   release task + rollout of every service`);
      if (lifetime !== undefined)
        write(
          `   bastion       ${formatDuration(lifetime)}   30-minute TTL, reaped on the next 5-minute sweep`,
        );
      const wallMs = performance.now() - wallStart;
      write(`   real time     ${(wallMs / 1000).toFixed(1)} s`);
      write(ok ? c.green('Demo complete.') : c.red('Demo did not complete.'));
      return {
        ok,
        provisioningMs,
        deployMs: deployMs ?? 0,
        bastionLifetimeMs: lifetime ?? 0,
        criticalPath: path.stages,
        wallMs,
      };
    }
  } finally {
    if (options.keep) {
      // From here on work runs instantly (reporting AWS's durations) while schedules and TTLs run
      // in real time, so neither a deploy takes real minutes nor a bastion expires between commands.
      sd.cloud.clock.setSpeed('auto');
      write('');
      write(`The local cloud keeps running on ${sd.endpoint} (Ctrl-C to stop). Try:`);
      write(`  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=${sd.cloud.region}`);
      write(`  aws --endpoint-url ${sd.endpoint} s3 ls s3://${session.bucket} --recursive`);
      write(
        `  aws --endpoint-url ${sd.endpoint} stepfunctions list-executions --state-machine-arn ${sd.outputs.ProvisionStateMachineArn}`,
      );
      write(
        `  aws --endpoint-url ${sd.endpoint} cloudformation describe-stacks --query 'Stacks[].[StackName,StackStatus]'`,
      );
      await new Promise<void>((done) => process.once('SIGINT', () => done()));
    }
    session.destroy();
    await sd.stop();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      manifest: { type: 'string' },
      port: { type: 'string' },
      keep: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
  });
  const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  try {
    const summary = await runDemo({
      manifest: values.manifest,
      port: values.port ? Number(values.port) : undefined,
      keep: values.keep,
      verbose: values.verbose,
      color,
    });
    process.exit(summary.ok ? 0 : 1);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    process.stderr.write(
      e.code === 'EADDRINUSE'
        ? `Port ${values.port} is in use; pick another with --port or leave it out.\n`
        : `${e.stack ?? e}\n`,
    );
    process.exit(1);
  }
}
