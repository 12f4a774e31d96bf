import { DeleteSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { TAG_ENVIRONMENT, TAG_EXPIRES_AT, TAG_MANAGED, TAG_OPENED_BY, TAG_PROJECT } from '../naming.ts';
import { readStatus, updateStatus } from '../status.ts';
import { LIVE_STATES, ROLE_BASTION, ROLE_BASTION_ACCESS, TAG_ACCESS, TAG_ROLE } from './constants.ts';
import { describeAllInstances, describeAllSecurityGroups, errorCode, terminateInBatches } from './ec2.ts';
import { type BastionEvent, emitBastionEvents } from './events.ts';
import type { ReapDeps } from './reap.ts';
import { type EndedBastion, markBastionsEnded } from './record.ts';
import { isManaged, readExpiry, tagValue } from './tags.ts';

/**
 * Bastions are made outside CloudFormation: their network interface sits in a public subnet of the
 * network stack and an ssh bastion has its own security group in the VPC. While either exists, EC2
 * refuses to delete the subnet, the groups and the VPC with DependencyViolation
 * (https://docs.aws.amazon.com/vpc/latest/userguide/delete-vpc.html, read 2026-12-07), so the
 * teardown ends every bastion of the project, and deletes their access groups, before it deletes
 * the network stack.
 */

/** What the teardown sends the bastion function. */
export interface TeardownBastionsRequest {
  teardown: { project: string; environment: string; executionId?: string };
  /** true: fail with BastionsRemain while an instance or access group is still there. */
  wait?: boolean;
}

export interface TeardownBastionsResult {
  terminated: string[];
  groupsDeleted: string[];
  /** Instances still shutting down and access groups still attached. */
  remaining: string[];
}

/** Thrown in wait mode while something remains; the state machine's Retry is the bounded wait. */
export class BastionsRemainError extends Error {
  override name = 'BastionsRemain';
}

/** Whether an invocation is the teardown's (not the reaper's schedule). */
export function isTeardownBastionsRequest(event: unknown): event is TeardownBastionsRequest {
  const teardown = (event as { teardown?: { project?: unknown; environment?: unknown } })?.teardown;
  return typeof teardown?.project === 'string' && typeof teardown.environment === 'string';
}

/**
 * Terminates every live bastion of one project (records each as closed by the teardown and emits
 * Bastion Closed), then deletes the project's per-bastion access groups that nothing uses any more.
 * Idempotent: the teardown calls it once early (no wait) and again before the network stack goes.
 */
export async function closeProjectBastions(
  request: TeardownBastionsRequest,
  deps: ReapDeps,
): Promise<TeardownBastionsResult> {
  const { project, environment } = request.teardown;
  const now = deps.now();
  const ofProject = [
    { Name: `tag:${TAG_MANAGED}`, Values: ['true'] },
    { Name: `tag:${TAG_PROJECT}`, Values: [project] },
    { Name: `tag:${TAG_ENVIRONMENT}`, Values: [environment] },
  ];
  const instances = (
    await describeAllInstances(deps.ec2, [
      ...ofProject,
      { Name: 'tag-key', Values: [TAG_EXPIRES_AT] },
      { Name: 'instance-state-name', Values: [...LIVE_STATES, 'shutting-down'] },
    ])
  ).filter((i) => isManaged(i.Tags) && tagValue(i.Tags, TAG_ROLE) === ROLE_BASTION);
  const live = instances.filter((i) => (LIVE_STATES as readonly string[]).includes(i.State?.Name ?? ''));
  const outcomes = await terminateInBatches(
    deps.ec2,
    live.map((i) => i.InstanceId!),
    deps.batchSize ?? 50,
  );
  const failed = outcomes.filter((o) => o.result === 'failed');
  if (failed.length > 0) {
    throw new Error(
      `Could not terminate bastions of ${project}/${environment}: ${failed.map((f) => `${f.instanceId} (${'error' in f ? f.error : ''})`).join('; ')}`,
    );
  }
  const terminated = outcomes.filter((o) => o.result === 'terminated').map((o) => o.instanceId);
  await recordClosed(deps, project, environment, live, new Set(terminated), now);

  const inUse = new Set(instances.flatMap((i) => (i.SecurityGroups ?? []).map((g) => g.GroupId!)));
  const groups = await describeAllSecurityGroups(deps.ec2, [
    ...ofProject,
    { Name: `tag:${TAG_ROLE}`, Values: [ROLE_BASTION_ACCESS] },
  ]);
  const groupsDeleted: string[] = [];
  const remaining = instances.map((i) => i.InstanceId!);
  for (const group of groups) {
    const groupId = group.GroupId!;
    if (!isManaged(group.Tags) || tagValue(group.Tags, TAG_ROLE) !== ROLE_BASTION_ACCESS) continue;
    if (inUse.has(groupId)) {
      remaining.push(groupId);
      continue;
    }
    try {
      await deps.ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
      groupsDeleted.push(groupId);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'InvalidGroup.NotFound') continue;
      if (code !== 'DependencyViolation') throw error;
      remaining.push(groupId);
    }
  }
  deps.logger.info('Closed the bastions of a project for its teardown', {
    project,
    environment,
    terminated: terminated.length,
    groupsDeleted: groupsDeleted.length,
    remaining: remaining.length,
  });
  if (request.wait && remaining.length > 0) {
    throw new BastionsRemainError(
      `${remaining.length} bastion instance(s) or access group(s) of ${project}/${environment} are still there: ${remaining.join(', ')}`,
    );
  }
  return { terminated, groupsDeleted, remaining };
}

async function recordClosed(
  deps: ReapDeps,
  project: string,
  environment: string,
  live: { InstanceId?: string; Tags?: { Key?: string; Value?: string }[]; LaunchTime?: Date }[],
  moved: Set<string>,
  now: Date,
): Promise<void> {
  if (live.length === 0) return;
  const ended: EndedBastion[] = live.map((i) => {
    const expiry = readExpiry(i.Tags);
    return {
      instanceId: i.InstanceId!,
      state: 'closed',
      at: now,
      closedBy: 'teardown',
      fallback: {
        instanceId: i.InstanceId!,
        access: tagValue(i.Tags, TAG_ACCESS) === 'ssh' ? 'ssh' : 'ssm',
        openedBy: tagValue(i.Tags, TAG_OPENED_BY),
        openedAt: (i.LaunchTime ?? now).toISOString(),
        expiresAt: (expiry instanceof Date ? expiry : now).toISOString(),
      },
    };
  });
  const ref = { bucket: deps.bucket, project, environment };
  let changed = moved;
  if (await readStatus(ref, deps)) {
    await updateStatus(
      ref,
      (doc) => {
        changed = markBastionsEnded(doc, ended);
        return doc;
      },
      { s3: deps.s3, now: deps.now, ...(deps.sleep ? { sleep: deps.sleep } : {}) },
    );
  }
  const events: BastionEvent[] = ended
    .filter((e) => changed.has(e.instanceId))
    .map((e) => ({
      detailType: 'Bastion Closed',
      detail: {
        project,
        environment,
        instanceId: e.instanceId,
        closedAt: now.toISOString(),
        expiresAt: e.fallback.expiresAt,
        closedBy: 'teardown',
      },
    }));
  await emitBastionEvents(deps.events, events);
}
