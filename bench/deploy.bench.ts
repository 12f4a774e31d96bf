// Push → every service COMPLETED for examples/laravel's manifest, on the virtual clock: the real
// stackdrop (template.yaml, roll-service, the app template) on the local cloud, whose ECS times each
// deployment from the service's own settings (local/services/ecs-rollout.ts). Release task excluded
// and included; image sizes; ECS/ELB defaults for comparison; a crashing release caught by the
// circuit breaker. Writes bench/results/deploy.md.
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
import { provenance, ROOT, writeResults } from './lib.ts';

const MANIFEST = join(ROOT, 'examples', 'laravel', 'stackdrop.yaml');
const MB = 1_000_000;
/** Assumed compressed size of the example image (AWS recommends SOCI lazy loading above 250 MB). */
const EXAMPLE_IMAGE = 250 * MB;

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
  /** Push → stackdrop recorded the deploy (its 15 s describe loop included). */
  recordedMs: number;
  outcome: string;
  releaseMs?: number;
  services: ServiceTime[];
}

const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;

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
): Promise<PushResult> {
  const { sd, session, cluster } = env;
  // Measure a push to an idle project: the previous deploy's message has left the FIFO group.
  await sd.cloud.clock.sleep(10 * 60_000);
  const pushAt = session.now();
  const digest = await session.pushImage(env.repository, 'main', label, bytes);
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

const wallStart = performance.now();
const withRelease = await provision(example);
const results: PushResult[] = [];
try {
  // The first push scales the services up from 0 tasks; the measured pushes replace running tasks.
  await push(withRelease, 'first push', EXAMPLE_IMAGE);
  results.push(await push(withRelease, `release included, ${EXAMPLE_IMAGE / MB} MB image`, EXAMPLE_IMAGE));
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
  results.splice(
    0,
    0,
    await push(noRelease, `release excluded, ${EXAMPLE_IMAGE / MB} MB image`, EXAMPLE_IMAGE),
  );
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
  '| scenario | push → every service settled (ECS) | push → deploy recorded by stackdrop | release task | outcome |',
  '|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.label} | ${s(r.ecsMs)} | ${s(r.recordedMs)} | ${r.releaseMs === undefined ? '—' : s(r.releaseMs)} | ${r.outcome} |`,
  ),
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
  'stackdrop records a deploy after its describe loop sees every service settled (every 15 s), so the',
  'recorded time is up to 15 s after the last ECS deployment settles, and the release task adds its own',
  'start (image pull) and run before any service is updated.',
  '',
];
writeResults('deploy', lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
