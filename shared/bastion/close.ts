import {
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  type EC2Client,
  type Instance,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../logger.ts';
import { TAG_ENVIRONMENT, TAG_OPENED_BY, TAG_PROJECT } from '../naming.ts';
import { readStatus, updateStatus } from '../status.ts';
import { ROLE_BASTION, TAG_ACCESS, TAG_ACCESS_GROUP, TAG_ROLE } from './constants.ts';
import { errorCode, terminateInBatches } from './ec2.ts';
import { emitBastionEvents } from './events.ts';
import { BastionRefusedError, CloseBastionInputSchema, parseRequest } from './input.ts';
import { markBastionsEnded } from './record.ts';
import { isManaged, readExpiry, tagValue, toTagValue } from './tags.ts';

export interface CloseDeps {
  ec2: EC2Client;
  s3: S3Client;
  events: EventBridgeClient;
  logger: Logger;
  now: () => Date;
  bucket: string;
  sleep?: (ms: number) => Promise<void>;
}

export interface CloseBastionResult {
  instanceId: string;
  /** `terminated` when this call ended it; `already-ended` when it was shutting down or gone. */
  result: 'terminated' | 'already-ended';
  closedAt: string;
}

/**
 * Closes a bastion before its expiry: checks that the instance is a stackdrop bastion of exactly
 * this project, terminates it, revokes its port-22 rule at once (the reaper deletes the emptied
 * group at the original expiry), records the close and emits Bastion Closed.
 */
export async function closeBastion(event: unknown, deps: CloseDeps): Promise<CloseBastionResult> {
  const input = parseRequest(CloseBastionInputSchema, event);
  const { project, environment, instanceId } = input;
  const instance = await describeOne(deps.ec2, instanceId);
  const refuse = (why: string): never => {
    throw new BastionRefusedError(
      'NOT_A_BASTION',
      `${instanceId} is not a stackdrop bastion of ${project}/${environment}: ${why}`,
    );
  };
  if (!instance) refuse('EC2 does not know this instance');
  const tags = instance!.Tags;
  if (!isManaged(tags)) refuse('it is not managed by stackdrop');
  if (tagValue(tags, TAG_ROLE) !== ROLE_BASTION || typeof readExpiry(tags) === 'string') {
    refuse('it carries no bastion role and expiry tags');
  }
  if (tagValue(tags, TAG_PROJECT) !== project || tagValue(tags, TAG_ENVIRONMENT) !== environment) {
    refuse(`it belongs to ${tagValue(tags, TAG_PROJECT)}/${tagValue(tags, TAG_ENVIRONMENT)}`);
  }

  const [outcome] = await terminateInBatches(deps.ec2, [instanceId], 1);
  if (outcome?.result === 'failed') throw new Error(`Could not terminate ${instanceId}: ${outcome.error}`);
  const accessGroupId = tagValue(tags, TAG_ACCESS_GROUP);
  if (accessGroupId) await revokeIngress(deps, accessGroupId);

  const now = deps.now();
  const expiresAt = readExpiry(tags) as Date;
  const ref = { bucket: deps.bucket, project, environment };
  let changed = new Set<string>();
  if (await readStatus(ref, deps)) {
    const closedBy = input.closedBy ? toTagValue(input.closedBy) : undefined;
    await updateStatus(
      ref,
      (doc) => {
        changed = markBastionsEnded(doc, [
          {
            instanceId,
            state: 'closed',
            at: now,
            ...(closedBy ? { closedBy } : {}),
            fallback: {
              instanceId,
              access: tagValue(tags, TAG_ACCESS) === 'ssh' ? 'ssh' : 'ssm',
              openedBy: tagValue(tags, TAG_OPENED_BY),
              openedAt: (instance!.LaunchTime ?? now).toISOString(),
              expiresAt: expiresAt.toISOString(),
            },
          },
        ]);
        return doc;
      },
      { s3: deps.s3, now: deps.now, ...(deps.sleep ? { sleep: deps.sleep } : {}) },
    );
  } else if (outcome?.result === 'terminated') {
    changed.add(instanceId);
  }
  if (changed.has(instanceId)) {
    await emitBastionEvents(deps.events, [
      {
        detailType: 'Bastion Closed',
        detail: {
          project,
          environment,
          instanceId,
          closedAt: now.toISOString(),
          expiresAt: expiresAt.toISOString(),
          ...(input.closedBy ? { closedBy: toTagValue(input.closedBy) } : {}),
        },
      },
    ]);
  }
  deps.logger.info('Bastion closed', { project, environment, instanceId, result: outcome?.result });
  return {
    instanceId,
    result: outcome?.result === 'terminated' ? 'terminated' : 'already-ended',
    closedAt: now.toISOString(),
  };
}

async function describeOne(ec2: EC2Client, instanceId: string): Promise<Instance | undefined> {
  try {
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    return out.Reservations?.[0]?.Instances?.[0];
  } catch (error) {
    if (errorCode(error)?.startsWith('InvalidInstanceID')) return undefined;
    throw error;
  }
}

async function revokeIngress(deps: CloseDeps, groupId: string): Promise<void> {
  try {
    const rules = await deps.ec2.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }),
    );
    const ids = (rules.SecurityGroupRules ?? [])
      .filter((rule) => !rule.IsEgress && rule.SecurityGroupRuleId)
      .map((rule) => rule.SecurityGroupRuleId!);
    if (ids.length === 0) return;
    await deps.ec2.send(
      new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: ids }),
    );
  } catch (error) {
    const code = errorCode(error);
    if (code === 'InvalidGroup.NotFound' || code === 'InvalidPermission.NotFound') return;
    throw error;
  }
}
