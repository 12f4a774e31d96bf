import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { cfn, ecr, ecs, events, s3, sqs } from '#shared/aws.ts';
import { requiredEnv } from '#shared/env.ts';
import { logger } from '#shared/logger.ts';
import { handleDeployBatch } from '#shared/rollout/batch.ts';

const bucket = requiredEnv('STATE_BUCKET');
const queueUrl = requiredEnv('DEPLOY_QUEUE_URL');
const maxReceiveCount = Number(requiredEnv('DEPLOY_MAX_RECEIVE_COUNT'));
const cfnRoleArn = requiredEnv('CFN_ROLE_ARN');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Deploys pushed images: one batch from the FIFO deploy queue, partial failures reported per message. */
export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  handleDeployBatch(event, context, {
    ecs,
    ecr,
    s3,
    cfn,
    events,
    sqs,
    logger,
    bucket,
    queueUrl,
    maxReceiveCount,
    cfnRoleArn,
    now: () => new Date(),
    sleep,
  });
