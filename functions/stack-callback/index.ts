import { cfn, rds, s3, sfn } from '#shared/aws.ts';
import { requiredEnv } from '#shared/env.ts';
import { logger } from '#shared/logger.ts';
import { parseStackName } from '#shared/naming.ts';
import { stackNameFromId } from '#shared/provision/cfn.ts';
import { onStackFinalStatus, sweepWaitingStacks } from '#shared/provision/stack-events.ts';
import { wakeWaitersOfEndedHolders } from '#shared/provision/turn.ts';

const bucket = requiredEnv('STATE_BUCKET');
const roleArn = requiredEnv('CFN_ROLE_ARN');

/**
 * The CloudFormation Stack Status Change event (the fields stackdrop reads); a Resource Status
 * Change event carries the same fields plus the resource's, and only moves on a task waiting for
 * a milestone (shared/provision/milestones.ts).
 */
export interface StackStatusChangeEvent {
  id?: string;
  'detail-type'?: string;
  detail: {
    'logical-resource-id'?: string;
    'stack-id': string;
    'client-request-token'?: string;
    'status-details': { status: string; 'status-reason'?: string };
  };
}

/** The 5-minute schedule's event (EventBridge rule). */
export interface ScheduledEvent {
  source: 'aws.events';
  'detail-type': 'Scheduled Event';
}

const deps = () => ({ cfn, rds, s3, sfn, logger, bucket, roleArn });

/**
 * Completes the waiting task when a stackdrop stack reaches a final status; on the schedule,
 * sweeps every waiting stack so a lost event is recovered within minutes, and wakes a run waiting
 * for its project's turn behind a holder whose execution has ended.
 */
export const handler = async (event: StackStatusChangeEvent | ScheduledEvent) => {
  if ('source' in event && event.source === 'aws.events') {
    const swept = await sweepWaitingStacks(deps());
    const turnsHandedOn = await wakeWaitersOfEndedHolders({ s3, sfn, logger, bucket });
    return { handled: true, outcome: 'swept', ...swept, turnsHandedOn };
  }
  return onStatusChange(event as StackStatusChangeEvent);
};

async function onStatusChange(event: StackStatusChangeEvent) {
  const name = stackNameFromId(event.detail['stack-id']);
  const parsed = name ? parseStackName(name) : undefined;
  if (!name || !parsed) {
    logger.info('Not a stackdrop stack; ignored', { stackId: event.detail['stack-id'] });
    return { handled: false };
  }
  logger.appendPersistentKeys({
    project: parsed.project,
    environment: parsed.environment,
    stage: parsed.stage,
  });
  const resource = event.detail['logical-resource-id'];
  const ofResource =
    event['detail-type'] === 'CloudFormation Resource Status Change' || resource !== undefined;
  logger.info(ofResource ? 'Resource status changed' : 'Stack status changed', {
    stackName: name,
    ...(ofResource ? { resource } : {}),
    status: event.detail['status-details'].status,
  });
  const outcome = await onStackFinalStatus(name, event.detail['client-request-token'], deps(), {
    milestonesOnly: ofResource,
  });
  return { handled: outcome !== undefined, outcome: outcome?.kind ?? 'none' };
}
