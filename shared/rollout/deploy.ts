import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECSClient, Service } from '@aws-sdk/client-ecs';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { S3Client } from '@aws-sdk/client-s3';
import { emitEvent } from '../events.ts';
import type { Logger } from '../logger.ts';
import type { Manifest } from '../manifest/schema.ts';
import { ParsedManifestUnavailableError, readParsedManifest } from '../parsed-manifest.ts';
import {
  type DeployRecord,
  readStatus,
  type StatusDocument,
  type StatusRef,
  updateStatus,
} from '../status.ts';
import { type Push, pinnedImageUri } from './event.ts';
import { markFirstImageDeployed } from './first-image.ts';
import { imagePlatformOf } from './image-check.ts';
import { findRepositoryOwner, type RepositoryOwner, resolveDeployTag } from './project.ts';
import { startRelease, waitForRelease } from './release.ts';
import { describeError, isTransient, RolloutStillRunningError, withRetry } from './retry.ts';
import { describeServices, updateService, waitForRollouts } from './services.ts';
import { type DeployTarget, lookupDeployTarget } from './stacks.ts';
import { registerPinnedRevision } from './task-definitions.ts';

export interface RolloutDeps {
  ecs: ECSClient;
  ecr: ECRClient;
  s3: S3Client;
  cfn: CloudFormationClient;
  events: EventBridgeClient;
  logger: Logger;
  /** The stackdrop bucket (status documents, manifests). */
  bucket: string;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** When this invocation must stop waiting (the Lambda's remaining time minus a margin). */
  deadline: Date;
  /** The longest wait between DescribeServices/DescribeTasks polls (poll.ts); 15 s by default. */
  pollIntervalMs?: number;
  /** Set on the message's last receive: a transient failure is then recorded as failed too. */
  finalAttempt?: boolean;
  /** When the queue first delivered the oldest of the pushes (how long they have been retried). */
  firstReceivedAt?: Date;
  /** The CloudFormation service role: the first image is recorded in the app stack with it. */
  cfnRoleArn?: string;
}

/** What became of one repository's pushes in a batch. Only `retry` leaves the messages on the queue. */
export type RepositoryOutcome =
  | { kind: 'ignored'; reason: string }
  | { kind: 'skipped'; reason: string }
  | { kind: 'deferred'; deployId: string; reason: string }
  | { kind: 'succeeded'; deployId: string; digest: string }
  | { kind: 'failed'; deployId: string; digest: string; reason: string }
  | { kind: 'retry'; reason: string; retryAfterSeconds: number };

/** Phases in which provisioning is (about to be) running: it re-sends deferred pushes when it ends. */
const PROVISIONING_PHASES = new Set(['queued', 'provisioning']);
const FINAL_OUTCOMES = new Set(['succeeded', 'failed', 'superseded']);

/** Newest push first by push time, then by queue order (a later message wins a tie). */
function newest(pushes: Push[]): Push {
  return pushes.reduce((best, p) => (p.pushedAt.getTime() >= best.pushedAt.getTime() ? p : best));
}

/**
 * Deploys one repository's pushes from a batch: coalesced to the newest deploy-tag image, never
 * older than what is deployed; deferred while the project is provisioning; otherwise registers
 * pinned revisions, runs the release task, updates the services and waits for their rollouts,
 * recording every step in the status document so a redelivered message resumes instead of
 * starting over. `pushes` are in queue order.
 */
export async function deployRepository(pushes: Push[], deps: RolloutDeps): Promise<RepositoryOutcome> {
  const first = pushes[0];
  if (!first) return { kind: 'ignored', reason: 'no pushes' };
  const log = deps.logger;
  const retryDeps = { sleep: deps.sleep };
  try {
    const owner = await withRetry(() => findRepositoryOwner(first, deps), retryDeps);
    if (!owner) {
      log.info('Ignoring pushes to a repository stackdrop does not manage', { repository: first.repository });
      return { kind: 'ignored', reason: `repository ${first.repository} is not managed by stackdrop` };
    }
    const candidates = pushes.filter((p) => p.tag === owner.deployTag);
    for (const p of pushes.filter((p) => p.tag !== owner.deployTag)) {
      log.info('Ignoring a push of a tag that does not deploy', {
        repository: p.repository,
        tag: p.tag ?? '(untagged)',
        deployTag: owner.deployTag,
        digest: p.digest,
      });
    }
    if (candidates.length === 0) {
      return { kind: 'ignored', reason: `no push of the deploy tag ${owner.deployTag}` };
    }
    return await deployOwned(owner, candidates, deps);
  } catch (error) {
    if (isTransient(error)) {
      log.warn('Deploy hit a transient error; the message will be retried', { error: describeError(error) });
      return { kind: 'retry', reason: describeError(error), retryAfterSeconds: 30 };
    }
    throw error;
  }
}

async function deployOwned(
  owner: RepositoryOwner,
  candidates: Push[],
  deps: RolloutDeps,
): Promise<RepositoryOutcome> {
  const log = deps.logger;
  const ref: StatusRef = { bucket: deps.bucket, project: owner.project, environment: owner.environment };
  const ctx = {
    project: owner.project,
    environment: owner.environment,
    repository: candidates[0]!.repository,
  };
  const winner = newest(candidates);
  for (const p of candidates) {
    if (p !== winner)
      log.info('Push superseded by a newer push in the same batch', {
        ...ctx,
        digest: p.digest,
        by: winner.digest,
      });
  }

  const current = await readStatus(ref, deps);
  if (!current) {
    log.warn('Project has no status document; nothing to deploy to', ctx);
    return {
      kind: 'ignored',
      reason: `project ${owner.project}-${owner.environment} has no status document`,
    };
  }
  const doc = current.doc;
  if (doc.phase === 'destroying' || doc.phase === 'destroyed') {
    log.info('Ignoring a push to a project being torn down', { ...ctx, phase: doc.phase });
    return { kind: 'ignored', reason: `project is ${doc.phase}` };
  }

  if (PROVISIONING_PHASES.has(doc.phase)) {
    return defer(
      ref,
      winner,
      doc,
      `project is ${doc.phase}; the push is applied when provisioning finishes`,
      deps,
    );
  }
  const lookup = await lookupDeployTarget(owner.project, owner.environment, deps);
  if (lookup.kind === 'missing') return defer(ref, winner, doc, lookup.reason, deps);
  if (lookup.kind === 'busy') {
    if (deps.finalAttempt) return giveUpOnBusyStack(ref, owner, winner, lookup, deps);
    log.info('A stack operation is in progress; retrying the push shortly', {
      ...ctx,
      reason: lookup.reason,
    });
    return { kind: 'retry', reason: lookup.reason, retryAfterSeconds: 60 };
  }
  const target = lookup.target;

  // The deploy tag's current image is the newest push even if its event is queued behind or lost.
  const pointer = await withRetry(() => resolveDeployTag(winner.repository, owner.deployTag, deps), deps);
  let digest = winner.digest;
  let pushedAt = winner.pushedAt;
  let trigger = winner;
  if (
    pointer &&
    pointer.digest !== winner.digest &&
    (pointer.pushedAt?.getTime() ?? 0) >= winner.pushedAt.getTime()
  ) {
    digest = pointer.digest;
    pushedAt = pointer.pushedAt ?? winner.pushedAt;
    trigger = candidates.find((p) => p.digest === pointer.digest) ?? winner;
    log.info('The deploy tag has moved on since this push; deploying its current image', {
      ...ctx,
      eventDigest: winner.digest,
      digest,
    });
  }

  const history = doc.deploys.filter((d) => d.repository === winner.repository);
  const lastSucceeded = history.filter((d) => d.outcome === 'succeeded').at(-1);
  if (lastSucceeded?.digest === digest) {
    log.info('Image already deployed; nothing to do', { ...ctx, digest });
    return { kind: 'skipped', reason: `${digest} is already deployed` };
  }
  if (lastSucceeded?.pushedAt && pushedAt.getTime() < Date.parse(lastSucceeded.pushedAt)) {
    log.info('Refusing to roll back to an image older than the deployed one', {
      ...ctx,
      digest,
      deployed: lastSucceeded.digest,
    });
    return { kind: 'skipped', reason: `${digest} is older than the deployed ${lastSucceeded.digest}` };
  }

  // A late event must not re-run a deploy that failed: only a push of that image retries it.
  if (trigger.digest !== digest && history.filter((d) => d.digest === digest).at(-1)?.outcome === 'failed') {
    log.info('The deploy tag points to an image whose deploy failed; waiting for a new push', {
      ...ctx,
      digest,
    });
    return { kind: 'skipped', reason: `${digest} failed to deploy; push it again to retry` };
  }

  const resumable = history.filter((d) => d.outcome === 'in-progress' && d.digest === digest).at(-1);
  // A push deferred during provisioning and re-sent afterwards continues its own record.
  const carried = resumable
    ? undefined
    : history
        .filter((d) => (d.outcome === 'deferred' || d.outcome === 'pending') && d.digest === digest)
        .at(-1);
  const deployId = resumable?.id ?? carried?.id ?? recordId(trigger.eventId, doc.deploys);
  const record: DeployRecord = resumable ?? {
    id: deployId,
    repository: winner.repository,
    digest,
    ...(trigger.tag ? { tag: trigger.tag } : {}),
    ...(trigger.pushedBy ? { pushedBy: trigger.pushedBy } : {}),
    pushedAt: pushedAt.toISOString(),
    ...(carried
      ? {
          ...(carried.tag ? { tag: carried.tag } : {}),
          ...(carried.pushedBy ? { pushedBy: carried.pushedBy } : {}),
        }
      : {}),
    ...(carried?.pushedAt ? { pushedAt: carried.pushedAt } : {}),
    imageUri: pinnedImageUri(winner, digest, target.repositoryUri),
    startedAt: deps.now().toISOString(),
    outcome: 'in-progress',
  };
  const logCtx = { ...ctx, deployId, digest };
  log.info(resumable ? 'Resuming deploy' : 'Starting deploy', logCtx);
  await saveRecord(ref, record, deps, { start: !resumable });

  try {
    // Returning services to the previous revision makes sense only if that revision ran the app.
    const canRevert = Boolean(lastSucceeded) || target.stackImageUri !== '';
    const result = await roll(record, target, doc, ref, canRevert, deps);
    const finishedAt = deps.now().toISOString();
    const final: DeployRecord = {
      ...record,
      finishedAt,
      outcome: result.ok ? 'succeeded' : 'failed',
      ...(result.ok ? {} : { reason: result.reason }),
    };
    await saveRecord(ref, final, deps, { finish: true });
    if (result.ok && target.stackImageUri === '') {
      await markFirstImageDeployed(owner.project, owner.environment, deps);
    }
    await announce(final, owner, deps);
    log.info(result.ok ? 'Deploy succeeded' : 'Deploy failed', { ...logCtx, reason: final.reason });
    return result.ok
      ? { kind: 'succeeded', deployId, digest }
      : { kind: 'failed', deployId, digest, reason: result.reason };
  } catch (error) {
    if (isTransient(error) && !deps.finalAttempt) {
      log.warn('Deploy interrupted; the message will be retried to resume it', {
        ...logCtx,
        error: describeError(error),
      });
      return {
        kind: 'retry',
        reason: describeError(error),
        retryAfterSeconds: error instanceof RolloutStillRunningError ? 5 : 30,
      };
    }
    const reason = isTransient(error)
      ? `gave up after the last retry: ${describeError(error)}`
      : describeError(error);
    const final: DeployRecord = {
      ...record,
      finishedAt: deps.now().toISOString(),
      outcome: 'failed',
      reason,
    };
    await saveRecord(ref, final, deps, { finish: true });
    await announce(final, owner, deps);
    log.error('Deploy failed', { ...logCtx, reason });
    // A last transient failure still goes to the DLQ (and its alarm); anything else is a recorded outcome.
    if (isTransient(error)) return { kind: 'retry', reason, retryAfterSeconds: 30 };
    return { kind: 'failed', deployId, digest, reason };
  }
}

/**
 * The last receive of a push whose stack stayed in progress: it must not reach the DLQ unrecorded.
 * If provisioning has taken the project over meanwhile, the push is deferred (provisioning re-sends
 * deferred pushes when it finishes); otherwise it is recorded as failed and announced.
 */
async function giveUpOnBusyStack(
  ref: StatusRef,
  owner: RepositoryOwner,
  push: Push,
  busy: { reason: string; stage: string; status: string },
  deps: RolloutDeps,
): Promise<RepositoryOutcome> {
  const current = await readStatus(ref, deps);
  if (!current)
    return { kind: 'ignored', reason: `project ${ref.project}-${ref.environment} has no status document` };
  const doc = current.doc;
  const deployed = doc.deploys
    .filter((d) => d.repository === push.repository && d.outcome === 'succeeded')
    .at(-1);
  if (deployed?.digest === push.digest)
    return { kind: 'skipped', reason: `${push.digest} is already deployed` };
  if (deployed?.pushedAt && push.pushedAt.getTime() < Date.parse(deployed.pushedAt))
    return { kind: 'skipped', reason: `${push.digest} is older than the deployed ${deployed.digest}` };
  if (PROVISIONING_PHASES.has(doc.phase)) {
    const deferred = await defer(
      ref,
      push,
      doc,
      `${busy.reason} and the project is ${doc.phase}; the push is applied when provisioning finishes`,
      deps,
    );
    // Provisioning finished between the read and the write: it will not re-send it, so fail it.
    if (deferred.kind !== 'retry') return deferred;
  }
  const open = doc.deploys
    .filter(
      (d) =>
        d.repository === push.repository &&
        d.digest === push.digest &&
        (d.outcome === 'in-progress' || d.outcome === 'deferred' || d.outcome === 'pending'),
    )
    .at(-1);
  const since = deps.firstReceivedAt ?? push.pushedAt;
  const minutes = Math.max(1, Math.round((deps.now().getTime() - since.getTime()) / 60_000));
  const reason = `the ${busy.stage} stack stayed ${busy.status} for ${minutes} minute${minutes === 1 ? '' : 's'}; push again or run \`stackdrop rollback\``;
  const now = deps.now().toISOString();
  const record: DeployRecord = {
    ...(open ?? {
      id: recordId(push.eventId, doc.deploys),
      repository: push.repository,
      digest: push.digest,
      ...(push.tag ? { tag: push.tag } : {}),
      ...(push.pushedBy ? { pushedBy: push.pushedBy } : {}),
      pushedAt: push.pushedAt.toISOString(),
      imageUri: pinnedImageUri(push, push.digest),
      startedAt: now,
    }),
    finishedAt: now,
    outcome: 'failed',
    reason,
  };
  await saveRecord(ref, record, deps, { finish: open?.outcome === 'in-progress' });
  await announce(record, owner, deps);
  deps.logger.error('Deploy failed', {
    project: ref.project,
    environment: ref.environment,
    deployId: record.id,
    digest: record.digest,
    reason,
  });
  return { kind: 'failed', deployId: record.id, digest: record.digest, reason };
}

/** A record id for a push: the event id, made unique if that id already finished once. */
function recordId(eventId: string, deploys: DeployRecord[]): string {
  const taken = deploys.filter((d) => d.id === eventId || d.id.startsWith(`${eventId}#`));
  if (!taken.some((d) => FINAL_OUTCOMES.has(d.outcome))) return eventId;
  return `${eventId}#${taken.length + 1}`;
}

async function defer(
  ref: StatusRef,
  push: Push,
  doc: StatusDocument,
  reason: string,
  deps: RolloutDeps,
): Promise<RepositoryOutcome> {
  const record: DeployRecord = {
    id: recordId(push.eventId, doc.deploys),
    repository: push.repository,
    digest: push.digest,
    ...(push.tag ? { tag: push.tag } : {}),
    ...(push.pushedBy ? { pushedBy: push.pushedBy } : {}),
    pushedAt: push.pushedAt.toISOString(),
    imageUri: pinnedImageUri(push, push.digest),
    startedAt: deps.now().toISOString(),
    outcome: 'deferred',
    reason,
  };
  const written = await saveRecord(ref, record, deps, {});
  // Deferred because provisioning ran, but it finished between our read and this write: it has
  // already looked for deferred pushes and will not re-send this one, so deploy it ourselves.
  if (PROVISIONING_PHASES.has(doc.phase) && !PROVISIONING_PHASES.has(written.phase)) {
    deps.logger.info('Provisioning finished while the push was being deferred; retrying it', {
      project: ref.project,
      environment: ref.environment,
      digest: push.digest,
      phase: written.phase,
    });
    return {
      kind: 'retry',
      reason: `project became ${written.phase} while the push was deferred`,
      retryAfterSeconds: 5,
    };
  }
  deps.logger.info('Push deferred until the project is provisioned', {
    project: ref.project,
    environment: ref.environment,
    digest: push.digest,
    reason,
  });
  return { kind: 'deferred', deployId: record.id, reason };
}

/**
 * Writes one deploy record (replacing the one with the same id). Starting a deploy marks older
 * deferred or in-progress records of the repository superseded and moves a ready project to
 * `deploying`; finishing moves it back unless provisioning took over meanwhile.
 */
async function saveRecord(
  ref: StatusRef,
  record: DeployRecord,
  deps: RolloutDeps,
  mode: { start?: boolean; finish?: boolean },
): Promise<StatusDocument> {
  return updateStatus(
    ref,
    (doc) => {
      if (mode.start) {
        for (const other of doc.deploys) {
          if (
            other.id !== record.id &&
            other.repository === record.repository &&
            (other.outcome === 'deferred' || other.outcome === 'in-progress' || other.outcome === 'pending')
          ) {
            other.outcome = 'superseded';
            other.finishedAt = record.startedAt;
            other.reason = `superseded by ${record.digest}`;
          }
        }
        if (doc.phase === 'ready') doc.phase = 'deploying';
      }
      if (mode.finish && doc.phase === 'deploying') doc.phase = 'ready';
      const index = doc.deploys.findIndex((d) => d.id === record.id);
      if (index >= 0) doc.deploys[index] = record;
      else doc.deploys.push(record);
      return doc;
    },
    { s3: deps.s3, now: deps.now, sleep: deps.sleep },
  );
}

async function announce(record: DeployRecord, owner: RepositoryOwner, deps: RolloutDeps): Promise<void> {
  try {
    await emitEvent(deps.events, record.outcome === 'succeeded' ? 'Deploy Succeeded' : 'Deploy Failed', {
      project: owner.project,
      environment: owner.environment,
      deployId: record.id,
      repository: record.repository,
      digest: record.digest,
      imageUri: record.imageUri,
      tag: record.tag,
      pushedBy: record.pushedBy,
      startedAt: record.startedAt,
      finishedAt: record.finishedAt,
      outcome: record.outcome,
      reason: record.reason,
    });
  } catch (error) {
    // The outcome is already in the status document; a lost notification must not redo the deploy.
    deps.logger.error('Could not publish the deploy event', {
      deployId: record.id,
      error: describeError(error),
    });
  }
}

/**
 * The manifest version provisioning last applied (desired counts, release command), as
 * load-manifest parsed it: this function never parses YAML (parsed-manifest.ts).
 */
export async function loadManifest(
  doc: StatusDocument,
  deps: Pick<RolloutDeps, 's3' | 'bucket'>,
): Promise<Manifest> {
  if (!doc.manifest) throw new ManifestUnavailableError('The status document names no manifest');
  try {
    return await readParsedManifest(deps.s3, deps.bucket, doc.project, doc.environment, doc.manifest);
  } catch (error) {
    if (error instanceof ParsedManifestUnavailableError) throw new ManifestUnavailableError(error.message);
    throw error;
  }
}

export class ManifestUnavailableError extends Error {
  override name = 'ManifestUnavailableError';
}

/** The manifest's desired count for a service the app stack created at 0 (first image). */
export function desiredCountFor(
  serviceName: string,
  role: 'web' | 'worker' | 'scheduler',
  workerIndex: number,
  manifest: Manifest,
): number {
  if (role === 'web') return Math.max(manifest.app.web.desiredCount, manifest.app.web.autoscaling?.min ?? 0);
  if (role === 'scheduler') return 1;
  const workers = manifest.app.workers;
  const byName = workers.find(
    (w) => serviceName.endsWith(`-${w.name}`) || serviceName.includes(`-worker-${w.name}`),
  );
  return (byName ?? workers[workerIndex])?.desiredCount ?? 0;
}

interface ServiceSlot {
  name: string;
  role: 'web' | 'worker' | 'scheduler';
  workerIndex: number;
}

/**
 * The rollout proper: pinned revisions → release task (exit 0 required) → UpdateService each →
 * wait for rolloutState. Each step's handle is saved first, so a retry resumes where it stopped.
 */
async function roll(
  record: DeployRecord,
  target: DeployTarget,
  doc: StatusDocument,
  ref: StatusRef,
  canRevert: boolean,
  deps: RolloutDeps,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const waitDeps = {
    ecs: deps.ecs,
    now: deps.now,
    sleep: deps.sleep,
    deadline: deps.deadline,
    pollIntervalMs: deps.pollIntervalMs ?? 15_000,
  };
  const slots: ServiceSlot[] = [
    { name: target.webService, role: 'web', workerIndex: 0 },
    ...target.workerServices.map((name, workerIndex) => ({ name, role: 'worker' as const, workerIndex })),
    ...(target.schedulerService
      ? [{ name: target.schedulerService, role: 'scheduler' as const, workerIndex: 0 }]
      : []),
  ];
  const imageUri = record.imageUri ?? `${target.repositoryUri}@${record.digest}`;
  const manifest = await loadManifest(doc, deps);
  const release = manifest.app.release;

  if (!record.taskDefinitions) {
    const services = await describeServices(
      target.cluster,
      slots.map((s) => s.name),
      waitDeps,
    );
    const taskDefinitions: Record<string, string> = {};
    const previous: Record<string, string> = {};
    const registered = new Map<string, { arn: string; appContainer: string | undefined }>();
    const register = async (base: string) => {
      let done = registered.get(base);
      if (!done) {
        done = await withRetry(
          () => registerPinnedRevision(base, target.repositoryUri, imageUri, deps),
          deps,
        );
        registered.set(base, done);
      }
      return done;
    };
    for (const service of services) {
      previous[service.serviceName!] = service.taskDefinition!;
      taskDefinitions[service.serviceName!] = (await register(service.taskDefinition!)).arn;
    }
    if (release) {
      const base = target.releaseTaskDefinition ?? services[0]!.taskDefinition!;
      const done = await register(base);
      taskDefinitions.release = done.arn;
      if (done.appContainer) record.releaseContainer = done.appContainer;
    }
    record.taskDefinitions = taskDefinitions;
    record.previousTaskDefinitions = previous;
    const platform = await imagePlatformOf(record, manifest.app.architecture, deps);
    if (platform) record.imagePlatform = platform;
    await saveRecord(ref, record, deps, {});
  }
  const taskDefinitions = record.taskDefinitions;

  if (release && !record.deployments) {
    const containerName = record.releaseContainer;
    if (!record.releaseTaskArn) {
      const started = await startRelease(
        {
          cluster: target.cluster,
          taskDefinition: taskDefinitions.release!,
          containerName,
          command: release,
          subnets: target.subnets,
          securityGroups: target.securityGroups,
          deployId: record.id,
        },
        waitDeps,
      );
      if ('failure' in started) return { ok: false, reason: started.failure };
      record.releaseTaskArn = started.taskArn;
      await saveRecord(ref, record, deps, {});
    }
    const released = await waitForRelease(target.cluster, record.releaseTaskArn, containerName, waitDeps);
    if (!released.ok) return released;
  }

  if (!record.deployments) {
    const services = await describeServices(
      target.cluster,
      slots.map((s) => s.name),
      waitDeps,
    );
    // A stack created without an image runs its services at 0; the first image scales them up.
    const firstImage = target.stackImageUri === '';
    const deployments: Record<string, string> = {};
    for (const [index, slot] of slots.entries()) {
      const service: Service = services[index]!;
      const desired =
        firstImage && (service.desiredCount ?? 0) === 0
          ? desiredCountFor(slot.name, slot.role, slot.workerIndex, manifest)
          : undefined;
      deployments[slot.name] = await updateService(
        target.cluster,
        slot.name,
        taskDefinitions[slot.name]!,
        desired,
        waitDeps,
      );
    }
    record.deployments = deployments;
    await saveRecord(ref, record, deps, {});
  }

  const results = await waitForRollouts(target.cluster, record.deployments, taskDefinitions, waitDeps);
  const failed = Object.entries(results).filter(([, r]) => !r.ok) as [
    string,
    { ok: false; reason: string },
  ][];
  if (failed.length === 0) return { ok: true };
  // Keep every service on one version: return those that did roll out to where they were.
  for (const [name, result] of Object.entries(results)) {
    const previous = record.previousTaskDefinitions?.[name];
    if (canRevert && result.ok && previous) {
      await updateService(target.cluster, name, previous, undefined, waitDeps);
    }
  }
  return { ok: false, reason: failed.map(([name, r]) => `${name}: ${r.reason}`).join('; ') };
}
