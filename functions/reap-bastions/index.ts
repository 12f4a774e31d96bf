import type { ScheduledEvent } from 'aws-lambda';
import { ec2, events, s3 } from '#shared/aws.ts';
import { reapBastions } from '#shared/bastion/reap.ts';
import { requiredEnv } from '#shared/env.ts';
import { logger } from '#shared/logger.ts';

const bucket = requiredEnv('STATE_BUCKET');

/** Every 5 minutes (EventBridge Scheduled Event): terminates expired bastions. */
export const handler = (_event: ScheduledEvent) =>
  reapBastions({ ec2, s3, events, logger, now: () => new Date(), bucket });
