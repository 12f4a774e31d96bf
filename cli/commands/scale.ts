import { userInfo } from 'node:os';
import {
  type ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand, type ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { Command } from 'commander';
import { recordScaling } from '#shared/scaling.ts';
import type { StatusDocument } from '#shared/status.ts';
import { type CommandKit, examples, liveProject, opsClients, projectOutput } from '../command-kit.ts';
import { EXIT, UserError } from '../errors.ts';

/** One requested change: `web=4` or `worker:default=2`. */
export interface ScaleRequest {
  service: string;
  desiredCount: number;
}

/** Parses `web=4 worker:default=2`; the scheduler runs exactly one task and is not scalable. */
export function parseScaleArgs(args: string[]): ScaleRequest[] {
  return args.map((arg) => {
    const m = /^(web|worker:[a-z][a-z0-9-]*)=(\d{1,4})$/.exec(arg);
    if (!m) {
      throw new UserError(
        `${arg} is not a scale request: use web=<count> or worker:<name>=<count> (the scheduler always runs one task).`,
      );
    }
    return { service: m[1]!, desiredCount: Number(m[2]) };
  });
}

/** The ECS service name of `web` or `worker:<name>` from the app stack's outputs. */
export function serviceName(doc: StatusDocument, service: string): string {
  if (service === 'web') return projectOutput(doc, 'WebServiceName');
  const name = service.slice('worker:'.length);
  const workers = (doc.outputs.WorkerServiceNames ?? '').split(',').filter(Boolean);
  const found = workers.find((w) => w === `worker-${name}` || w.endsWith(`-worker-${name}`));
  if (!found)
    throw new UserError(
      `${doc.project} has no worker named ${name}: its workers are ${workers.map((w) => w.replace(/^.*worker-/, '')).join(', ') || 'none'}.`,
    );
  return found;
}

const resourceId = (cluster: string, service: string) => `service/${cluster}/${service}`;

/** The web service's autoscaling bounds, if it has a scalable target. */
async function webBounds(
  aas: ApplicationAutoScalingClient,
  cluster: string,
  service: string,
): Promise<{ min: number; max: number } | undefined> {
  const out = await aas.send(
    new DescribeScalableTargetsCommand({
      ServiceNamespace: 'ecs',
      ResourceIds: [resourceId(cluster, service)],
      ScalableDimension: 'ecs:service:DesiredCount',
    }),
  );
  const t = out.ScalableTargets?.[0];
  return t && t.MinCapacity !== undefined && t.MaxCapacity !== undefined
    ? { min: t.MinCapacity, max: t.MaxCapacity }
    : undefined;
}

function who(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Registers `stackdrop scale`. */
export function registerScale(program: Command, kit: CommandKit): void {
  const { ui } = kit.deps;
  program
    .command('scale')
    .description('set desired counts within the autoscaling bounds, or move the web bounds with --min/--max')
    .argument('<project>', 'project name')
    .argument('[counts...]', 'web=<n> and worker:<name>=<n>')
    .option('-e, --environment <name>', 'environment', 'production')
    .option('--min <n>', 'new lower autoscaling bound of the web service', (v) => Number.parseInt(v, 10))
    .option('--max <n>', 'new upper autoscaling bound of the web service', (v) => Number.parseInt(v, 10))
    .option('--json', 'machine-readable result')
    .addHelpText(
      'after',
      `${examples('stackdrop scale acme web=4 worker:default=2', 'stackdrop scale acme --min 4 --max 20', 'stackdrop scale acme web=6 --max 12')}
Recorded in the status document and shown by \`stackdrop status\` until the next provisioning, when the
manifest is the reference again (docs/cli.md, "scale": which wins).`,
    )
    .action(
      async (
        project: string,
        counts: string[],
        opts: { environment: string; min?: number; max?: number; json?: boolean },
        cmd: Command,
      ) => {
        const requests = parseScaleArgs(counts);
        const moveBounds = opts.min !== undefined || opts.max !== undefined;
        if (requests.length === 0 && !moveBounds)
          throw new UserError(
            'Say what to scale: web=<n>, worker:<name>=<n>, or --min/--max for the web bounds.',
          );
        for (const [flag, v] of [
          ['--min', opts.min],
          ['--max', opts.max],
        ] as const)
          if (v !== undefined && (!Number.isInteger(v) || v < 0))
            throw new UserError(`${flag} must be a whole number of tasks, 0 or more.`);
        const s = kit.session(cmd);
        const doc = await liveProject(s, project, opts.environment);
        if (!doc.deploys.some((d) => d.outcome === 'succeeded'))
          throw new UserError(
            `${project}/${opts.environment} has no deploy yet: its services run no tasks until an image is pushed, so there is nothing to scale.`,
          );
        const cluster = projectOutput(doc, 'ClusterName');
        const { ecs, autoScaling } = opsClients(s.target);
        const web = projectOutput(doc, 'WebServiceName');
        const current = await webBounds(autoScaling, cluster, web);
        if (moveBounds && !current)
          throw new UserError(
            `The web service of ${project} has no autoscaling target: app.web.autoscaling is off, or the app stack has not been provisioned since the first image (the target is created with the image; run \`stackdrop deploy <manifest>\`). Set its count with web=<n> meanwhile.`,
          );
        const bounds = current ? { min: opts.min ?? current.min, max: opts.max ?? current.max } : undefined;
        if (bounds && bounds.min > bounds.max)
          throw new UserError(`--min ${bounds.min} is above --max ${bounds.max}.`);
        const plan = requests.map((r) => ({ ...r, name: serviceName(doc, r.service) }));
        for (const r of plan) {
          if (r.service === 'web' && bounds && (r.desiredCount < bounds.min || r.desiredCount > bounds.max))
            throw new UserError(
              `web=${r.desiredCount} is outside the autoscaling bounds ${bounds.min}–${bounds.max}: move them with --min/--max in the same command.`,
            );
        }
        if (moveBounds && bounds) {
          await autoScaling.send(
            new RegisterScalableTargetCommand({
              ServiceNamespace: 'ecs',
              ResourceId: resourceId(cluster, web),
              ScalableDimension: 'ecs:service:DesiredCount',
              MinCapacity: bounds.min,
              MaxCapacity: bounds.max,
            }),
          );
        }
        for (const r of plan)
          await ecs.send(
            new UpdateServiceCommand({ cluster, service: r.name, desiredCount: r.desiredCount }),
          );
        const at = s.now().toISOString();
        const by = who();
        await recordScaling(s.clients.s3, await s.bucket(), project, opts.environment, (overrides) => {
          for (const r of plan)
            overrides[r.service] = { ...overrides[r.service], desiredCount: r.desiredCount, at, by };
          if (moveBounds && bounds)
            overrides.web = { ...overrides.web, min: bounds.min, max: bounds.max, at, by };
          return overrides;
        });
        const after = await describeCounts(ecs, cluster, [web, ...plan.map((r) => r.name)]);
        if (opts.json) {
          ui.json({
            project,
            environment: opts.environment,
            services: after,
            ...(bounds ? { webBounds: bounds } : {}),
          });
        } else {
          for (const r of plan) ui.out(`${ui.style.green('✓')} ${r.service}: desired ${r.desiredCount}`);
          if (moveBounds && bounds)
            ui.out(`${ui.style.green('✓')} web autoscaling bounds ${bounds.min}–${bounds.max}`);
          ui.out(
            ui.style.dim(
              'recorded in the status; the next provisioning hands control back to the manifest (put lasting changes there)',
            ),
          );
        }
        kit.setExit(EXIT.ok);
      },
    );
}

async function describeCounts(ecs: ECSClient, cluster: string, services: string[]) {
  const out = await ecs.send(new DescribeServicesCommand({ cluster, services: [...new Set(services)] }));
  return (out.services ?? []).map((x) => ({
    service: x.serviceName,
    desiredCount: x.desiredCount,
    runningCount: x.runningCount,
  }));
}
