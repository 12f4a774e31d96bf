import { ec2, events, s3 } from '#shared/aws.ts';
import { closeBastion } from '#shared/bastion/close.ts';
import { requiredEnv } from '#shared/env.ts';
import { logger } from '#shared/logger.ts';

const bucket = requiredEnv('STATE_BUCKET');

/** Lambda Invoke: `{project, environment, instanceId, closedBy?}`. */
export const handler = (event: unknown) =>
  closeBastion(event, { ec2, s3, events, logger, now: () => new Date(), bucket });
