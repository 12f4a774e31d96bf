import { events, s3, sqs } from '#shared/aws.ts';
import { optionalEnv, requiredEnv } from '#shared/env.ts';
import { logger } from '#shared/logger.ts';
import { type RecordInput, recordPhase } from '#shared/provision/record.ts';

const bucket = requiredEnv('STATE_BUCKET');
const deployQueueUrl = optionalEnv('DEPLOY_QUEUE_URL', '');

/** Records a provisioning or teardown phase in the status document and emits its event. */
export const handler = async (event: RecordInput) => {
  logger.appendPersistentKeys({
    project: event.action === 'invalid' ? event.loaded.project : event.project,
    environment: event.action === 'invalid' ? event.loaded.environment : event.environment,
    executionId: event.executionId,
  });
  return recordPhase(event, {
    s3,
    events,
    sqs,
    logger,
    bucket,
    ...(deployQueueUrl ? { deployQueueUrl } : {}),
  });
};
