// Push → every service COMPLETED for examples/laravel's manifest, on the virtual clock: the real
// stackdrop (template.yaml, roll-service, the app template) on the local cloud, whose ECS times each
// deployment from the service's own settings (local/services/ecs-rollout.ts). Release task excluded
// and included (each pushed REPEATS times: medians); image sizes; ECS/ELB defaults for comparison;
// a crashing release caught by the circuit breaker. Also push → recorded by stackdrop, its lag
// behind ECS and the ECS describes roll-service made. Writes bench/results/deploy.md.
// Run: npm exec -- node bench/deploy.bench.ts
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalCloud } from '#local/kernel.ts';
import { startStackdrop } from '#local/runtime/index.ts';
import { LocalSession } from '#local/runtime/session.ts';
import type { Deployment } from '#local/services/ecs.ts';
import {
  DEREGISTRATION_DELAY_SECONDS,
  HEALTH_CHECK_GRACE_PERIOD_SECONDS,
  HEALTH_CHECK_INTERVAL_SECONDS,
  HEALTHY_THRESHOLD_COUNT,
  UNHEALTHY_THRESHOLD_COUNT,
} from '#shared/service-defaults.ts';
import { median, provenance, ROOT, range, writeResults } from './lib.ts';

const MANIFEST = join(ROOT, 'examples', 'laravel', 'stackdrop.yaml');
const MB = 1_000_000;
/** Assumed compressed size of the example image (AWS recommends SOCI lazy loading above 250 MB). */
const EXAMPLE_IMAGE = 250 * MB;
/**
 * Pushes per main scenario (release included and excluded). The clock is virtual, so identical
 * pushes take identical times: the repeats vary the image by ±10 MB around the example's, which
 * moves where the deployment settles between two of roll-service's polls.
 */
const REPEATS = 5;
const REPEAT_STEP = 5 * MB;

interface ServiceTime {
  service: string;
  tasks: number;
  /** Push → this service's deployment settled. */
  ms: number;
  /** Its deployment's own duration: UpdateService → settled. */
  ownMs: number;
  state: string;
}

interface PushResult {
  label: string;
  /** Push → the last service's deployment settled (COMPLETED, or FAILED for the web service). */
  ecsMs: number;
  /** Push → stackdrop recorded the deploy (its describe loop included). */
  recordedMs: number;
  /** DescribeServices and DescribeTasks calls between the push and the record. */
  describes: number;
  outcome: string;
  releaseMs?: number;
  services: ServiceTime[];
}

const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Provisions the manifest on a fresh local stackdrop; returns the session and the cloud. */
async function provision(text: string) {
  const sd = await startStackdrop({
    speed: 'instant',
    environmentOverrides: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
  });
  const session = new LocalSession(sd);
  await session.dropManifest(text, 'manifests/acme-production.yaml');
  const doc = await session.waitForStatus(
    'acme',
    'production',
    (d) => d.phase === 'ready' || d.phase === 'failed',
    {
      timeoutMs: 120_000,
    },
  );
  if (doc.phase !== 'ready') throw new Error(`provisioning failed: ${JSON.stringify(doc.error)}`);
  // ECS describes (roll-service's polls), counted at the local cloud's front door.
  const describes = { count: 0 };
  const handle = sd.cloud.handle.bind(sd.cloud);
  sd.cloud.handle = (req) => {
    if (/\.(DescribeServices|DescribeTasks)$/.test(String(req.headers['x-amz-target'] ?? '')))
      describes.count += 1;
    return handle(req);
  };
  // When each deployment settled, from ECS's own Deployment State Change events.
  const settled = new Map<string, { at: number; state: string }>();
  const retired = new Map<string, Deployment[]>();
  sd.cloud.eventBus.subscribe((event) => {
    const detail = event.detail as { eventName?: string; deploymentId?: string; updatedAt?: string };
    if (event['detail-type'] !== 'ECS Deployment State Change' || !detail.deploymentId) return;
    const state = { SERVICE_DEPLOYMENT_COMPLETED: 'COMPLETED', SERVICE_DEPLOYMENT_FAILED: 'FAILED' }[
      detail.eventName ?? ''
    ];
    if (state) settled.set(detail.deploymentId, { at: Date.parse(detail.updatedAt!), state });
    // Keep every deployment: a completed one drops older ones from the service.
    for (const svc of sd.cloud.ecs.services.values()) {
      const seen = retired.get(svc.serviceArn) ?? [];
      for (const d of svc.deployments) if (!seen.includes(d)) seen.push(d);
      retired.set(svc.serviceArn, seen);
    }
  });
  return {
    settled,
    retired,
    describes,
    sd,
    session,
    cluster: doc.outputs.ClusterName!,
    repository: doc.outputs.RepositoryName ?? 'acme-production',
  };
}

/** Pushes an image of `bytes` and measures push → every service settled, and push → recorded. */
async function push(
  env: Awaited<ReturnType<typeof provision>>,
  label: string,
  bytes: number,
  /** What makes the image (and so its digest) unique; the label by default. */
  content = label,
): Promise<PushResult> {
  const { sd, session, cluster } = env;
  // Measure a push to an idle project: the previous deploy's message has left the FIFO group.
  await sd.cloud.clock.sleep(10 * 60_000);
  const pushAt = session.now();
  const describesBefore = env.describes.count;
  const digest = await session.pushImage(env.repository, 'main', content, bytes);
  const doc = await session.waitForStatus(
    'acme',
    'production',
    (d) => d.deploys.some((x) => x.digest === digest && ['succeeded', 'failed'].includes(x.outcome)),
    { timeoutMs: 120_000 },
  );
  const deploy = doc.deploys.find((x) => x.digest === digest)!;
  const services: ServiceTime[] = [];
  for (const svc of sd.cloud.ecs.services.values()) {
    if (!svc.clusterArn.endsWith(`/${cluster}`) || svc.status !== 'ACTIVE') continue;
    // The deployment this push started (a rollback after it is a later one).
    const own = [...svc.deployments, ...(env.retired.get(svc.serviceArn) ?? [])]
      .filter((d) => d.createdAt.getTime() >= pushAt)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())[0];
    const settled = own ? env.settled.get(own.id) : undefined;
    if (!own || !settled) continue;
    services.push({
      service: svc.serviceName,
      tasks: own.desiredCount,
      ms: settled.at - pushAt,
      ownMs: settled.at - own.createdAt.getTime(),
      state: settled.state,
    });
  }
  const release = [...sd.cloud.ecs.tasks.values()].find(
    (t) => t.group?.endsWith('-release') && t.createdAt.getTime() >= pushAt && t.stoppedAt,
  );
  return {
    label,
    ecsMs: Math.max(...services.map((x) => x.ms)),
    recordedMs: Date.parse(deploy.finishedAt ?? deploy.startedAt) - pushAt,
    describes: env.describes.count - describesBefore,
    outcome: deploy.outcome,
    releaseMs: release ? release.stoppedAt!.getTime() - release.createdAt.getTime() : undefined,
    services: services.sort((a, b) => a.service.localeCompare(b.service)),
  };
}

/** What ECS and ELB use when a template says nothing (for the comparison row only). */
function applyAwsDefaults(cloud: LocalCloud): void {
  for (const tg of cloud.elbv2.targetGroups.values()) {
    tg.HealthCheckIntervalSeconds = 30;
    tg.HealthCheckTimeoutSeconds = 5;
    tg.HealthyThresholdCount = 5;
    tg.UnhealthyThresholdCount = 2;
    tg.attributes['deregistration_delay.timeout_seconds'] = '300';
  }
  for (const svc of cloud.ecs.services.values()) svc.healthCheckGracePeriodSeconds = 0;
}

const example = readFileSync(MANIFEST, 'utf8');
const withoutRelease = example.replace(/^\s*release:.*\n/m, '');
if (withoutRelease === example) throw new Error('the example manifest has no release line to remove');

/** REPEATS pushes of one scenario, images of `bytes` ± 10 MB; the row is the push of exactly `bytes`. */
async function repeated(env: Awaited<ReturnType<typeof provision>>, label: string, bytes: number) {
  const samples: PushResult[] = [];
  const middle = Math.floor(REPEATS / 2);
  for (let i = 0; i < REPEATS; i++)
    samples.push(await push(env, label, bytes + (i - middle) * REPEAT_STEP, `${label} #${i + 1}`));
  return { row: samples[middle]!, samples };
}

const wallStart = performance.now();
const withRelease = await provision(example);
const results: PushResult[] = [];
/** Every push of the two main scenarios (REPEATS each). */
const samples: PushResult[] = [];
try {
  // The first push scales the services up from 0 tasks; the measured pushes replace running tasks.
  await push(withRelease, 'first push', EXAMPLE_IMAGE);
  const included = await repeated(
    withRelease,
    `release included, ${EXAMPLE_IMAGE / MB} MB image`,
    EXAMPLE_IMAGE,
  );
  results.push(included.row);
  samples.push(...included.samples);
  for (const mb of [100, 413])
    results.push(await push(withRelease, `release included, ${mb} MB image`, mb * MB));
  withRelease.sd.cloud.faults.failDeployment({
    service: 'web',
    cluster: withRelease.cluster,
    reason: 'tasks failed their health checks',
  });
  results.push(await push(withRelease, 'crashing release (circuit breaker)', EXAMPLE_IMAGE));
  applyAwsDefaults(withRelease.sd.cloud);
  results.push(await push(withRelease, 'release included, ECS/ELB defaults', EXAMPLE_IMAGE));
} finally {
  withRelease.session.destroy();
  await withRelease.sd.stop();
}
const noRelease = await provision(withoutRelease);
try {
  await push(noRelease, 'first push', EXAMPLE_IMAGE);
  const excluded = await repeated(
    noRelease,
    `release excluded, ${EXAMPLE_IMAGE / MB} MB image`,
    EXAMPLE_IMAGE,
  );
  results.splice(0, 0, excluded.row);
  samples.push(...excluded.samples);
} finally {
  noRelease.session.destroy();
  await noRelease.sd.stop();
}
const wallMs = performance.now() - wallStart;

const web = (r: PushResult) => r.services.find((x) => x.service.endsWith('web'));
const tuned = results[1]!;
const crash = results.find((r) => r.label.startsWith('crashing'))!;
const webMs = web(tuned)!.ownMs;
const breakerMs = web(crash)!.ownMs;
const lag = (r: PushResult) => r.recordedMs - r.ecsMs;
const sampleRows = (label: string) => samples.filter((r) => r.label === label);
const lagRow = (label: string) => {
  const rows = sampleRows(label);
  const recorded = rows.map((r) => r.recordedMs);
  const lags = rows.map(lag);
  return `| ${label} | ${rows.length} | ${s(median(rows.map((r) => r.ecsMs)))} | ${s(median(recorded))} (${range(recorded, s)}) | ${s1(median(lags))} (${range(lags, s1)}) | ${median(rows.map((r) => r.describes))} |`;
};

const lines = [
  '# Deploys: push → every service COMPLETED',
  '',
  ...provenance('deploy'),
  `- Manifest: \`examples/laravel/stackdrop.yaml\` (web 2 tasks behind the ALB, worker \`default\` 1 task,`,
  '  scheduler 1 task, release `php artisan migrate --force`), provisioned on a fresh local stackdrop; then',
  '  pushes of `acme-production:main`. Every figure is virtual (simulated AWS) time.',
  `- Image: ${EXAMPLE_IMAGE / MB} MB compressed assumed for the example (php:8.3-fpm on bookworm with extensions,`,
  '  nginx, vendor/, built assets; check yours with `aws ecr describe-images`), 100 and 413 MB for comparison.',
  '- ECS times each deployment from the service settings (`local/services/ecs-rollout.ts`, sources in',
  '  docs/local-cloud.md): task start 20 s + pull at 12 MB/s, app boot 5 s, first passing health check,',
  '  draining for the deregistration delay, stop 5 s; the release task runs 45 s once started.',
  `- stackdrop's settings (\`shared/service-defaults.ts\`): health check every ${HEALTH_CHECK_INTERVAL_SECONDS} s, healthy ${HEALTHY_THRESHOLD_COUNT} / unhealthy ${UNHEALTHY_THRESHOLD_COUNT},`,
  `  deregistration delay ${DEREGISTRATION_DELAY_SECONDS} s, grace period ${HEALTH_CHECK_GRACE_PERIOD_SECONDS} s, 100 % / 200 % (scheduler 0 % / 100 %), circuit breaker with rollback.`,
  '  "ECS/ELB defaults" sets the target group to 30 s / 5 / 2, 5 s timeout, 300 s deregistration delay and',
  '  the grace period to 0 for comparison.',
  `- Wall time of the whole benchmark: ${s(wallMs)}.`,
  '',
  '## Result',
  '',
  `The two main scenarios are pushed ${REPEATS} times each, images of ${(EXAMPLE_IMAGE - 2 * REPEAT_STEP) / MB}–${(EXAMPLE_IMAGE + 2 * REPEAT_STEP) / MB} MB (the section below); their row here is the ${EXAMPLE_IMAGE / MB} MB push.`,
  '',
  '| scenario | push → every service settled (ECS) | push → deploy recorded by stackdrop | recorded after ECS settled | ECS describes | release task | outcome |',
  '|---|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.label} | ${s(r.ecsMs)} | ${s(r.recordedMs)} | ${s1(lag(r))} | ${r.describes} | ${r.releaseMs === undefined ? '—' : s(r.releaseMs)} | ${r.outcome} |`,
  ),
  '',
  `## Push → recorded outcome, ${REPEATS} pushes of ${(EXAMPLE_IMAGE - 2 * REPEAT_STEP) / MB}–${(EXAMPLE_IMAGE + 2 * REPEAT_STEP) / MB} MB images (median, min – max)`,
  '',
  '| scenario | pushes | push → ECS settled | push → recorded | recorded after ECS settled | ECS describes per deploy |',
  '|---|---|---|---|---|---|',
  lagRow(`release excluded, ${EXAMPLE_IMAGE / MB} MB image`),
  lagRow(`release included, ${EXAMPLE_IMAGE / MB} MB image`),
  '',
  '## Per service: push → its deployment settled (its own deployment: UpdateService → settled)',
  '',
  `| scenario | ${results[0]!.services.map((x) => `${x.service} (${x.tasks})`).join(' | ')} |`,
  `|---|${results[0]!.services.map(() => '---|').join('')}`,
  ...results.map(
    (r) => `| ${r.label} | ${r.services.map((x) => `${s(x.ms)} (${s(x.ownMs)}) ${x.state}`).join(' | ')} |`,
  ),
  '',
  '## Targets',
  '',
  '| target | measured | met |',
  '|---|---|---|',
  `| web rollout ≤ 90 s (its deployment alone, ${EXAMPLE_IMAGE / MB} MB image) | ${s(webMs)} | ${webMs <= 90_000 ? 'yes' : 'no'} |`,
  `| circuit-breaker failure detected ≤ 5 min (web deployment start → FAILED) | ${s(breakerMs)} | ${breakerMs <= 300_000 ? 'yes' : 'no'} |`,
  '',
  'stackdrop records a deploy at the first describe that finds every service settled. roll-service',
  'polls the release task and the services every 5 s (past 100 s at a twentieth of the time waited,',
  'at most 15 s), and not before a load-balanced deployment can settle (health check interval +',
  'deregistration delay; `shared/rollout/poll.ts`), so the record lands at most 5 s after ECS settles',
  '(a twentieth of the wait past 100 s; a flat 15 s poll before: up to 15 s after each of the release',
  'and the rollout). The release task',
  'adds its own start (image pull) and run before any service is updated.',
  '',
];
writeResults('deploy', lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
