import type { ScheduledEvent } from 'aws-lambda';
import { ec2, events, s3 } from '#shared/aws.ts';
import { reapBastions } from '#shared/bastion/reap.ts';
import {
  closeProjectBastions,
  isTeardownBastionsRequest,
  type TeardownBastionsRequest,
} from '#shared/bastion/teardown.ts';
import { requiredEnv } from '#shared/env.ts';
import { logger } from '#shared/logger.ts';

const bucket = requiredEnv('STATE_BUCKET');

/**
 * Every 5 minutes (EventBridge Scheduled Event): terminates expired bastions. Invoked by the
 * teardown state machine: ends every bastion of one project before its network stack is deleted.
 */
export const handler = (event: ScheduledEvent | TeardownBastionsRequest) => {
  const deps = { ec2, s3, events, logger, now: () => new Date(), bucket };
  return isTeardownBastionsRequest(event) ? closeProjectBastions(event, deps) : reapBastions(deps);
};
