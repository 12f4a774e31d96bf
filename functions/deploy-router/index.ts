import type { EventBridgeEvent } from 'aws-lambda';
import { sqs } from '#shared/aws.ts';
import { requiredEnv } from '#shared/env.ts';
import { logger } from '#shared/logger.ts';
import { routePush } from '#shared/rollout/router.ts';

const queueUrl = requiredEnv('DEPLOY_QUEUE_URL');

/** Puts an ECR push on the FIFO deploy queue, grouped by repository (EventBridge targets cannot). */
export const handler = (event: EventBridgeEvent<'ECR Image Action', unknown>) =>
  routePush(event, { sqs, queueUrl, logger });
