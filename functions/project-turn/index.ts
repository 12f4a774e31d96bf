import { s3, sfn } from '#shared/aws.ts';
import { requiredEnv } from '#shared/env.ts';
import { logger } from '#shared/logger.ts';
import { releaseTurn, type TakeTurnInput, takeTurn } from '#shared/provision/turn.ts';

const bucket = requiredEnv('STATE_BUCKET');

export type ProjectTurnEvent =
  | ({ action: 'take' } & TakeTurnInput)
  | { action: 'release'; project: string; environment: string; executionId: string };

/** Takes or releases a project's provisioning turn (one run per project at a time). */
export const handler = async (event: ProjectTurnEvent) => {
  logger.appendPersistentKeys({
    project: event.project,
    environment: event.environment,
    executionId: event.executionId,
  });
  const deps = { s3, sfn, logger, bucket };
  if (event.action === 'take') return { decision: await takeTurn(event, deps) };
  return releaseTurn(event, deps);
};
