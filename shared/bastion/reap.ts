import { DeleteSecurityGroupCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../logger.ts';
import { TAG_ENVIRONMENT, TAG_EXPIRES_AT, TAG_MANAGED, TAG_OPENED_BY, TAG_PROJECT } from '../naming.ts';
import { readStatus, updateStatus } from '../status.ts';
import { LIVE_STATES, ROLE_BASTION_ACCESS, TAG_ACCESS, TAG_ROLE, TERMINATE_BATCH_SIZE } from './constants.ts';
import { describeAllInstances, describeAllSecurityGroups, errorCode, terminateInBatches } from './ec2.ts';
import { type BastionEvent, emitBastionEvents } from './events.ts';
import { type EndedBastion, markBastionsEnded } from './record.ts';
import { isExpired, isManaged, readExpiry, tagValue } from './tags.ts';

export interface ReapDeps {
  ec2: EC2Client;
  s3: S3Client;
  events: EventBridgeClient;
  logger: Logger;
  now: () => Date;
  /** The stackdrop bucket holding the status documents. */
  bucket: string;
  batchSize?: number;
  /** Passed to updateStatus (tests inject a sleep that does not wait). */
  sleep?: (ms: number) => Promise<void>;
}

export interface ReapResult {
  /** Instances the listing returned. */
  scanned: number;
  /** Expired bastions this run moved to shutting-down. */
  terminated: string[];
  /** Expired bastions another run (or the instance itself) had already ended. */
  alreadyGone: string[];
  /** Instances listed but deliberately left alone, with the reason. */
  skipped: { instanceId: string; reason: string }[];
  /** Per-bastion security groups deleted (their bastion is gone). */
  groupsDeleted: string[];
  /** Status records this run changed to expired (each is also a Bastion Expired event). */
  recorded: string[];
  failures: { target: string; error: string }[];
}

/** Thrown after a reaper run that did what it could but could not finish everything; the next run retries. */
export class ReapIncompleteError extends Error {
  override name = 'ReapIncompleteError';
}

interface Candidate {
  instance: Instance;
  instanceId: string;
  project: string;
  environment: string;
  expiresAt: Date;
}

const LIVE = new Set<string>(LIVE_STATES);

/**
 * One reaper pass: lists every managed instance carrying `stackdrop:expires-at` (all pages),
 * terminates the expired in batches, deletes the per-bastion security groups of bastions that are
 * gone, records each expiry once in its project's status document and emits Bastion Expired.
 * Instances without the managed tag, with a missing or malformed expiry, or without their project
 * tags are never touched, only logged. Safe to run concurrently with itself.
 */
export async function reapBastions(deps: ReapDeps): Promise<ReapResult> {
  const { ec2, logger } = deps;
  const now = deps.now();
  const result: ReapResult = {
    scanned: 0,
    terminated: [],
    alreadyGone: [],
    skipped: [],
    groupsDeleted: [],
    recorded: [],
    failures: [],
  };

  const instances = await describeAllInstances(ec2, [
    { Name: 'tag-key', Values: [TAG_EXPIRES_AT] },
    { Name: `tag:${TAG_MANAGED}`, Values: ['true'] },
    { Name: 'instance-state-name', Values: [...LIVE_STATES] },
  ]);
  result.scanned = instances.length;

  const expired: Candidate[] = [];
  const groupsInUse = new Set<string>();
  for (const instance of instances) {
    const instanceId = instance.InstanceId ?? '(no id)';
    const skip = (reason: string, level: 'warn' | 'info' = 'warn') => {
      result.skipped.push({ instanceId, reason });
      logger[level]('Reaper left an instance alone', { instanceId, reason });
    };
    const state = instance.State?.Name ?? 'unknown';
    // A listing can lag behind a termination; such an instance holds its groups until it is gone.
    for (const group of instance.SecurityGroups ?? []) if (group.GroupId) groupsInUse.add(group.GroupId);
    if (!isManaged(instance.Tags)) {
      skip(`no ${TAG_MANAGED}=true tag`);
      continue;
    }
    if (!LIVE.has(state)) {
      skip(`already ${state}`, 'info');
      continue;
    }
    const expiry = readExpiry(instance.Tags);
    if (expiry === 'missing' || expiry === 'malformed') {
      skip(`${expiry} ${TAG_EXPIRES_AT} tag: ${JSON.stringify(tagValue(instance.Tags, TAG_EXPIRES_AT))}`);
      continue;
    }
    const project = tagValue(instance.Tags, TAG_PROJECT);
    const environment = tagValue(instance.Tags, TAG_ENVIRONMENT);
    if (!project || !environment) {
      skip(`no ${TAG_PROJECT} / ${TAG_ENVIRONMENT} tags`);
      continue;
    }
    if (isExpired(expiry, now))
      expired.push({ instance, instanceId, project, environment, expiresAt: expiry });
  }

  const outcomes = await terminateInBatches(
    ec2,
    expired.map((c) => c.instanceId),
    deps.batchSize ?? TERMINATE_BATCH_SIZE,
  );
  const byId = new Map(expired.map((c) => [c.instanceId, c]));
  const ended: Candidate[] = [];
  const moved = new Set<string>();
  for (const outcome of outcomes) {
    const candidate = byId.get(outcome.instanceId)!;
    if (outcome.result === 'failed') {
      result.failures.push({ target: outcome.instanceId, error: outcome.error });
      logger.error('Could not terminate an expired bastion', {
        instanceId: outcome.instanceId,
        error: outcome.error,
      });
      continue;
    }
    ended.push(candidate);
    if (outcome.result === 'terminated') {
      result.terminated.push(outcome.instanceId);
      moved.add(outcome.instanceId);
    } else {
      result.alreadyGone.push(outcome.instanceId);
    }
  }
  if (result.terminated.length > 0) {
    logger.info('Terminated expired bastions', { instanceIds: result.terminated });
  }

  await deleteOrphanedAccessGroups(deps, now, groupsInUse, result);

  const events: BastionEvent[] = [];
  for (const [key, group] of groupByProject(ended)) {
    try {
      const changed = await recordExpiries(deps, group, moved, now);
      for (const c of group.filter((c) => changed.has(c.instanceId))) {
        result.recorded.push(c.instanceId);
        events.push({
          detailType: 'Bastion Expired',
          detail: {
            project: c.project,
            environment: c.environment,
            instanceId: c.instanceId,
            expiresAt: c.expiresAt.toISOString(),
            endedAt: now.toISOString(),
            access: tagValue(c.instance.Tags, TAG_ACCESS),
          },
        });
      }
    } catch (error) {
      result.failures.push({ target: `status ${key}`, error: (error as Error).message });
      logger.error('Could not record bastion expiries', { project: key, error: error as Error });
    }
  }
  try {
    await emitBastionEvents(deps.events, events);
  } catch (error) {
    result.failures.push({ target: 'events', error: (error as Error).message });
    logger.error('Could not emit Bastion Expired events', { error: error as Error });
  }

  logger.info('Reaper pass finished', {
    scanned: result.scanned,
    terminated: result.terminated.length,
    alreadyGone: result.alreadyGone.length,
    skipped: result.skipped.length,
    groupsDeleted: result.groupsDeleted.length,
    failures: result.failures.length,
  });
  if (result.failures.length > 0) {
    throw new ReapIncompleteError(
      `Reaper could not finish ${result.failures.length} item(s): ${result.failures
        .slice(0, 5)
        .map((f) => `${f.target} (${f.error})`)
        .join('; ')}`,
    );
  }
  return result;
}

/**
 * Deletes per-bastion security groups whose expiry has passed and that no listed instance still
 * uses. A group of a bastion still shutting down is refused with DependencyViolation and retried on
 * the next run; a group created for a bastion being opened right now has a future expiry, so a
 * reaper pass never races an open.
 */
async function deleteOrphanedAccessGroups(
  deps: ReapDeps,
  now: Date,
  groupsInUse: Set<string>,
  result: ReapResult,
): Promise<void> {
  const groups = await describeAllSecurityGroups(deps.ec2, [
    { Name: `tag:${TAG_MANAGED}`, Values: ['true'] },
    { Name: `tag:${TAG_ROLE}`, Values: [ROLE_BASTION_ACCESS] },
  ]);
  for (const group of groups) {
    const groupId = group.GroupId!;
    const expiry = readExpiry(group.Tags);
    if (!isManaged(group.Tags) || tagValue(group.Tags, TAG_ROLE) !== ROLE_BASTION_ACCESS) continue;
    if (expiry === 'missing' || expiry === 'malformed') {
      deps.logger.warn('Reaper left a security group alone', { groupId, reason: `${expiry} expiry tag` });
      continue;
    }
    if (!isExpired(expiry, now) || groupsInUse.has(groupId)) continue;
    try {
      await deps.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
      result.groupsDeleted.push(groupId);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'InvalidGroup.NotFound') continue;
      if (code === 'DependencyViolation') {
        deps.logger.debug('Security group still attached; retrying next run', { groupId });
        continue;
      }
      result.failures.push({ target: groupId, error: `${code}: ${(error as Error).message}` });
    }
  }
}

async function recordExpiries(
  deps: ReapDeps,
  group: Candidate[],
  moved: Set<string>,
  now: Date,
): Promise<Set<string>> {
  const first = group[0]!;
  const ref = { bucket: deps.bucket, project: first.project, environment: first.environment };
  const current = await readStatus(ref, deps);
  if (!current) {
    // No document to record in (project never provisioned or its status removed): the run that
    // actually terminated an instance still announces it.
    deps.logger.warn('No status document for expired bastions', { ...ref });
    return new Set(group.filter((c) => moved.has(c.instanceId)).map((c) => c.instanceId));
  }
  const ended: EndedBastion[] = group.map((c) => ({
    instanceId: c.instanceId,
    state: 'expired',
    at: now,
    fallback: {
      instanceId: c.instanceId,
      access: tagValue(c.instance.Tags, TAG_ACCESS) === 'ssh' ? 'ssh' : 'ssm',
      openedBy: tagValue(c.instance.Tags, TAG_OPENED_BY),
      openedAt: (c.instance.LaunchTime ?? now).toISOString(),
      expiresAt: c.expiresAt.toISOString(),
    },
  }));
  // Records never go back to open, so when nothing would change now nothing will: skip the write.
  if (markBastionsEnded(structuredClone(current.doc), ended).size === 0) return new Set();
  let changed = new Set<string>();
  await updateStatus(
    ref,
    (doc) => {
      changed = markBastionsEnded(doc, ended);
      return doc;
    },
    { s3: deps.s3, now: deps.now, ...(deps.sleep ? { sleep: deps.sleep } : {}) },
  );
  return changed;
}

function groupByProject(candidates: Candidate[]): Map<string, Candidate[]> {
  const groups = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const key = `${c.project}/${c.environment}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return groups;
}
