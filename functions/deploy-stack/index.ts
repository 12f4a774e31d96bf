import { cfn, rds, s3, sfn } from '#shared/aws.ts';
import { requiredEnv } from '#shared/env.ts';
import { logger } from '#shared/logger.ts';
import {
  checkTeardown,
  runStackTask,
  type StackTaskInput,
  type TeardownRequest,
} from '#shared/provision/deploy.ts';

const bucket = requiredEnv('STATE_BUCKET');
const roleArn = requiredEnv('CFN_ROLE_ARN');

export type DeployStackEvent =
  | StackTaskInput
  | {
      action: 'check-teardown';
      project: string;
      environment: string;
      executionId: string;
      request?: TeardownRequest;
    };

/**
 * Starts one stage's stack operation for a task waiting on its token (or re-arms the wait in
 * check mode), or vets a teardown request before anything is deleted.
 */
export const handler = async (event: DeployStackEvent) => {
  logger.appendPersistentKeys({
    project: event.project,
    environment: event.environment,
    executionId: event.executionId,
    ...('stage' in event ? { stage: event.stage } : {}),
  });
  if (event.action === 'check-teardown') return checkTeardown(event, { cfn });
  const outcome = await runStackTask(event, { cfn, rds, s3, sfn, logger, bucket, roleArn });
  return { outcome: outcome.kind };
};
