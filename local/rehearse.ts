// Rehearsal: any manifest, run offline on the real stackdrop (template.yaml, state machines,
// functions) with simulated AWS timings, optionally with faults injected, so a user sees the plan,
// the expected duration, the critical path and every error the real run would hit.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { ociPlatform } from '#shared/image-platform.ts';
import { parseDeployableManifest } from '#shared/manifest/deployable.ts';
import { formatProblem } from '#shared/manifest/index.ts';
import { projectSecretName, secretShortName } from '#shared/manifest/secret-refs.ts';
import type { StatusDocument } from '#shared/status.ts';
import type { LocalCloud } from './kernel.ts';
import { startStackdrop } from './runtime/index.ts';
import { LocalSession } from './runtime/session.ts';
import { criticalPath, formatDuration, STAGE_ORDER } from './runtime/timeline.ts';

/** Where a fault is armed: before the manifest is dropped, or once provisioning is ready (deploy faults). */
export interface FaultScenario {
  name: string;
  description: string;
  /** Whether the rehearsal must push an image (deploy scenarios). */
  push: boolean;
  arm(cloud: LocalCloud, ctx: { project: string; environment: string; status?: StatusDocument }): void;
  /** `before` = before the manifest is dropped; `after-ready` = before the push. */
  when: 'before' | 'after-ready';
}

const stack = (ctx: { project: string; environment: string }, stage: string) =>
  `stackdrop-${ctx.project}-${ctx.environment}-${stage}`;

/** The fault scenarios a rehearsal can select by name. */
export const FAULT_SCENARIOS: readonly FaultScenario[] = [
  {
    name: 'database fails',
    description: 'RDS cannot create the Aurora cluster; the database stack rolls back',
    push: false,
    when: 'before',
    arm: (cloud, ctx) =>
      cloud.faults.failResource({
        stackName: stack(ctx, 'database'),
        type: 'AWS::RDS::DBCluster',
        action: 'create',
        reason:
          'Rehearsal fault: InsufficientDBClusterCapacity: Cannot create the DB cluster because of insufficient capacity in the Availability Zones of its subnet group.',
        times: 1,
      }),
  },
  {
    name: 'network fails',
    description: 'a NAT gateway cannot be created; the network stack rolls back',
    push: false,
    when: 'before',
    arm: (cloud, ctx) =>
      cloud.faults.failResource({
        stackName: stack(ctx, 'network'),
        type: 'AWS::EC2::NatGateway',
        action: 'create',
        reason:
          'Rehearsal fault: NatGatewayLimitExceeded: the maximum number of NAT gateways has been reached',
        times: 1,
      }),
  },
  {
    name: 'app fails',
    description: 'the web service cannot be created; the app stack rolls back',
    push: false,
    when: 'before',
    arm: (cloud, ctx) =>
      cloud.faults.failResource({
        stackName: stack(ctx, 'app'),
        type: 'AWS::ECS::Service',
        action: 'create',
        reason: 'Rehearsal fault: ECS service did not stabilize',
        times: 1,
      }),
  },
  {
    name: 'stack event lost',
    description: "the network stack's Stack Status Change events are lost; the 5-minute sweep recovers",
    push: false,
    when: 'before',
    arm: (cloud) =>
      cloud.faults.dropEvent({
        source: 'aws.cloudformation',
        detailType: 'CloudFormation Stack Status Change',
        times: 2,
      }),
  },
  {
    name: 'throttled',
    description: 'CloudFormation throttles the first three CreateStack calls; stackdrop retries',
    push: false,
    when: 'before',
    arm: (cloud) => cloud.faults.throttle({ service: 'cloudformation', operation: 'CreateStack', times: 3 }),
  },
  {
    name: 'deploy crashes',
    description: 'the new web tasks crash; the ECS circuit breaker rolls the service back',
    push: true,
    when: 'after-ready',
    arm: (cloud, ctx) =>
      cloud.faults.failDeployment({
        service: ctx.status?.outputs.WebServiceName ?? 'web',
        cluster: ctx.status?.outputs.ClusterName,
        reason: 'Rehearsal fault: tasks failed their health checks (exit code 137)',
        times: 1,
      }),
  },
  {
    name: 'release fails',
    description: 'the release task (migrations) exits 1; no service is rolled',
    push: true,
    when: 'after-ready',
    arm: (cloud) =>
      cloud.faults.failTask({ exitCode: 1, reason: 'Rehearsal fault: migration failed', times: 1 }),
  },
];

/** Thrown for a fault scenario name no rehearsal knows. */
export class UnknownFaultScenarioError extends Error {
  override name = 'UnknownFaultScenarioError';
}

export interface RehearsalStage {
  stage: string;
  stackName: string;
  status: string;
  resources: number;
  resourceTypes: Record<string, number>;
  startMs?: number;
  durationMs?: number;
  reason?: string;
  failedResource?: string;
}

export interface RehearsalReport {
  manifest: string;
  project: string;
  environment: string;
  faults: string[];
  /** Problems of the manifest itself (the real run stops at validation with these). */
  manifestProblems: string[];
  outcome: 'ready' | 'failed' | 'invalid';
  stages: RehearsalStage[];
  /** Simulated AWS time from the upload to the last stack (ms). */
  expectedDurationMs: number;
  criticalPath: string[];
  errors: string[];
  deploy?: { outcome: string; reason?: string; durationMs: number };
  /** Step Functions state transitions of the provisioning executions. */
  transitions: number;
  wallMs: number;
  /** What the rehearsal assumed of the account (e.g. the domain's hosted zone). */
  assumptions?: string[];
}

export interface RehearseOptions {
  /** Fault scenario names (see FAULT_SCENARIOS) or scenarios. */
  faults?: Array<string | FaultScenario>;
  /** Push an image after provisioning (implied by deploy scenarios). */
  push?: boolean;
  /** Real-time limit for the whole rehearsal (ms). */
  timeoutMs?: number;
  /** Compressed size of the pushed image: each Fargate task pulls it (default REHEARSAL_IMAGE_BYTES). */
  imageBytes?: number;
  /** The Region the project deploys to (the CLI's AWS_REGION): some rules differ by Region. */
  region?: string;
}

/**
 * The image a rehearsal pushes: 250 MB compressed, about a Laravel image like examples/laravel's
 * (php-fpm on Debian, nginx, vendor/, built assets), and where AWS starts recommending SOCI.
 */
export const REHEARSAL_IMAGE_BYTES = 250_000_000;

/** Resolves scenario names (case-insensitive); throws UnknownFaultScenarioError listing the valid ones. */
export function faultScenarios(names: Array<string | FaultScenario>): FaultScenario[] {
  return names.map((n) => {
    if (typeof n !== 'string') return n;
    const found = FAULT_SCENARIOS.find((s) => s.name === n.trim().toLowerCase());
    if (!found) {
      throw new UnknownFaultScenarioError(
        `Unknown fault scenario "${n}". Choose from: ${FAULT_SCENARIOS.map((s) => `"${s.name}"`).join(', ')}`,
      );
    }
    return found;
  });
}

/**
 * Rehearses a manifest offline: deploys stackdrop on a fresh local cloud, drops the manifest,
 * waits for the outcome (and for a deploy when asked or when a deploy fault is chosen), and
 * reports the plan, the simulated AWS duration, the critical path and every error recorded.
 */
export async function rehearse(
  manifestPath: string,
  options: RehearseOptions = {},
): Promise<RehearsalReport> {
  const wallStart = performance.now();
  const scenarios = faultScenarios(options.faults ?? []);
  const text = readFileSync(manifestPath, 'utf8');
  const parsed = parseDeployableManifest(text, basename(manifestPath));
  const project = parsed.ok ? parsed.manifest.project : (/^project:\s*(\S+)/m.exec(text)?.[1] ?? 'unknown');
  const environment = parsed.ok
    ? parsed.manifest.environment
    : (/^environment:\s*(\S+)/m.exec(text)?.[1] ?? 'production');
  const report: RehearsalReport = {
    manifest: manifestPath,
    project,
    environment,
    faults: scenarios.map((s) => s.name),
    manifestProblems: parsed.ok ? [] : parsed.problems.map((p) => formatProblem(p)),
    outcome: 'invalid',
    stages: [],
    expectedDurationMs: 0,
    criticalPath: [],
    errors: [],
    transitions: 0,
    wallMs: 0,
  };
  const sd = await startStackdrop({
    speed: 'instant',
    environmentOverrides: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
    ...(options.region ? { region: options.region } : {}),
  });
  const session = new LocalSession(sd);
  try {
    const ctx = { project, environment };
    // The local account is empty; the real one holds the domain's Route 53 zone (load-manifest
    // finds it by name or by app.hostedZoneId): the rehearsal stands in for it.
    const domain = parsed.ok ? parsed.manifest.app.domain : undefined;
    if (parsed.ok && domain && (parsed.manifest.app.hostedZoneId || !parsed.manifest.app.certificateArn)) {
      const zoneName = parsed.manifest.app.hostedZoneId ? domain : domain.split('.').slice(-2).join('.');
      const { zone } = sd.cloud.route53.createHostedZone({
        Name: zoneName,
        CallerReference: 'rehearsal',
        ...(parsed.manifest.app.hostedZoneId ? { Id: parsed.manifest.app.hostedZoneId } : {}),
      });
      report.assumptions = [
        `Route 53 public hosted zone ${zoneName} (${zone.Id}) exists in the account and holds ${domain}`,
      ];
    }
    // `secret:NAME` references name secrets the real account holds (stackdrop secrets set): the
    // rehearsal stands in for them with placeholder values, so provisioning can resolve them.
    const shortNames = parsed.ok
      ? Object.values(parsed.manifest.app.secrets).flatMap((v) => secretShortName(v) ?? [])
      : [];
    for (const name of shortNames)
      sd.cloud.secretsManager.createSecret({
        Name: projectSecretName(project, environment, name),
        SecretString: 'rehearsal placeholder',
      });
    if (shortNames.length > 0)
      report.assumptions = [
        ...(report.assumptions ?? []),
        `the secrets ${shortNames.join(', ')} exist under ${projectSecretName(project, environment, '')}`,
      ];
    for (const s of scenarios.filter((x) => x.when === 'before')) s.arm(sd.cloud, ctx);
    const dropAt = session.now();
    const extension = manifestPath.endsWith('.json') ? 'json' : 'yaml';
    await session.dropManifest(text, `manifests/${project}-${environment}.${extension}`);
    const timeoutMs = options.timeoutMs ?? 60_000;
    const doc = await session.waitForStatus(
      project,
      environment,
      (d) => d.phase === 'ready' || d.phase === 'failed',
      { timeoutMs },
    );
    await Promise.all([...sd.stepFunctions.executions.values()].map((e) => e.done));
    report.outcome = doc.phase === 'ready' ? 'ready' : parsed.ok ? 'failed' : 'invalid';
    report.transitions = [...sd.stepFunctions.executions.values()].reduce((n, e) => n + e.transitions, 0);
    for (const stage of STAGE_ORDER) {
      const s = doc.stacks[stage];
      if (!s?.stackName) continue;
      const resources = await session.cfn
        .send(new DescribeStackResourcesCommand({ StackName: s.stackName }))
        .then((o) => o.StackResources ?? [])
        .catch(() => []);
      const types: Record<string, number> = {};
      for (const r of resources) types[r.ResourceType!] = (types[r.ResourceType!] ?? 0) + 1;
      const start = s.startedAt ? Date.parse(s.startedAt) - dropAt : undefined;
      report.stages.push({
        stage,
        stackName: s.stackName,
        status: s.status,
        resources: resources.length,
        resourceTypes: types,
        startMs: start,
        durationMs:
          s.startedAt && s.finishedAt ? Date.parse(s.finishedAt) - Date.parse(s.startedAt) : undefined,
        reason: s.reason,
        failedResource: s.failedResource,
      });
      if (s.reason)
        report.errors.push(`${stage}: ${s.failedResource ? `${s.failedResource}: ` : ''}${s.reason}`);
    }
    if (doc.error && !report.errors.some((e) => e.includes(doc.error!.message))) {
      report.errors.push(`${doc.error.stage}: ${doc.error.code}: ${doc.error.message}`);
    }
    for (const e of doc.errors ?? [])
      report.errors.push(`${e.path}${e.line ? ` (line ${e.line})` : ''}: ${e.message}`);
    const path = criticalPath(doc, dropAt);
    report.criticalPath = path.stages;
    report.expectedDurationMs = path.end - dropAt;

    const wantsPush = options.push || scenarios.some((s) => s.push);
    if (wantsPush && doc.phase === 'ready') {
      for (const s of scenarios.filter((x) => x.when === 'after-ready'))
        s.arm(sd.cloud, { ...ctx, status: doc });
      const pushAt = session.now();
      const repository = doc.outputs.RepositoryName ?? `${project}-${environment}`;
      const tag = parsed.ok ? (parsed.manifest.app?.deployTag ?? 'main') : 'main';
      // Built for the app's architecture, as the manifest asks (docker buildx --platform).
      const platform = ociPlatform(parsed.ok ? parsed.manifest.app.architecture : 'x86_64');
      const digest = await session.pushImage(
        repository,
        tag,
        'rehearsal',
        options.imageBytes ?? REHEARSAL_IMAGE_BYTES,
        [platform],
      );
      const after = await session.waitForStatus(
        project,
        environment,
        (d) => d.deploys.some((x) => x.digest === digest && ['succeeded', 'failed'].includes(x.outcome)),
        { timeoutMs },
      );
      const deploy = after.deploys.find((x) => x.digest === digest)!;
      report.deploy = {
        outcome: deploy.outcome,
        reason: deploy.reason,
        durationMs: Date.parse(deploy.finishedAt ?? deploy.startedAt) - pushAt,
      };
      if (deploy.outcome === 'failed') report.errors.push(`deploy: ${deploy.reason ?? 'failed'}`);
    }
    return report;
  } finally {
    report.wallMs = performance.now() - wallStart;
    session.destroy();
    await sd.stop();
  }
}

/** The report as text for a terminal or a CI log. */
export function formatRehearsal(report: RehearsalReport): string {
  const lines: string[] = [];
  lines.push(
    `Rehearsal of ${report.manifest} (${report.project}/${report.environment})${report.faults.length ? ` with faults: ${report.faults.join(', ')}` : ''}`,
  );
  for (const a of report.assumptions ?? []) lines.push(`Assumed: ${a}`);
  if (report.manifestProblems.length) {
    lines.push('Manifest problems (the real run stops at validation, nothing is created):');
    for (const p of report.manifestProblems) lines.push(`  - ${p}`);
  }
  if (report.stages.length) {
    lines.push('Plan:');
    for (const s of report.stages) {
      const top = Object.entries(s.resourceTypes)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([t, n]) => `${n}× ${t.replace(/^AWS::/, '')}`)
        .join(', ');
      const timing =
        s.durationMs !== undefined
          ? `${formatDuration(s.startMs ?? 0, true)} +${formatDuration(s.durationMs)}`
          : '';
      lines.push(
        `  ${s.stage.padEnd(9)} ${s.status.padEnd(22)} ${String(s.resources).padStart(3)} resources  ${timing}${top ? `  (${top})` : ''}`,
      );
    }
  }
  lines.push(`Outcome: ${report.outcome}`);
  if (report.outcome === 'ready') {
    lines.push(
      `Expected AWS duration: ${formatDuration(report.expectedDurationMs)} (critical path ${report.criticalPath.join(' → ')})`,
    );
  }
  if (report.deploy)
    lines.push(
      `Deploy on push: ${report.deploy.outcome} in ${formatDuration(report.deploy.durationMs)}${report.deploy.reason ? ` (${report.deploy.reason})` : ''}`,
    );
  if (report.errors.length) {
    lines.push('Errors the real run would hit:');
    for (const e of report.errors) lines.push(`  - ${e}`);
  }
  lines.push(`State transitions: ${report.transitions}; rehearsed in ${(report.wallMs / 1000).toFixed(1)} s`);
  return lines.join('\n');
}

if (import.meta.main) {
  const [manifest, ...faults] = process.argv.slice(2);
  if (!manifest) {
    process.stderr.write(
      `usage: node local/rehearse.ts <manifest> [fault scenario...]\nscenarios: ${FAULT_SCENARIOS.map((s) => `"${s.name}"`).join(', ')}\n`,
    );
    process.exit(2);
  }
  const report = await rehearse(manifest, { faults });
  process.stdout.write(`${formatRehearsal(report)}\n`);
  process.exit(
    report.outcome === 'ready' && (!report.deploy || report.deploy.outcome === 'succeeded') ? 0 : 1,
  );
}
