import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  BUCKET,
  digest,
  ecrEvent,
  FakeAws,
  pushEvent,
  REGION,
  sqsEvent,
  sqsRecord,
} from './fake-aws.ts';

const aws = new FakeAws();
const context = { getRemainingTimeInMillis: () => 900_000 } as Context;
let rollService: typeof import('#functions/roll-service/index.ts');
let deployRouter: typeof import('#functions/deploy-router/index.ts');

beforeAll(async () => {
  Object.assign(process.env, {
    STATE_BUCKET: BUCKET,
    DEPLOY_QUEUE_URL: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/deploys.fifo`,
    DEPLOY_MAX_RECEIVE_COUNT: '5',
    CFN_ROLE_ARN: 'arn:aws:iam::123456789012:role/stackdrop-cfn',
  });
  rollService = await import('#functions/roll-service/index.ts');
  deployRouter = await import('#functions/deploy-router/index.ts');
});

beforeEach(() => {
  aws.reset();
  aws.pollsToFinish = 1;
});

describe('function handlers', () => {
  it('roll-service deploys a queued push through the shared clients', async () => {
    const { repository } = aws.addProject({ release: undefined });
    const at = new Date('2026-11-26T06:00:00Z');
    aws.pushImage(repository, digest(7), 'main', at);

    const response = await rollService.handler(
      sqsEvent(sqsRecord(pushEvent(repository, digest(7), 'main', at, 'evt-7'), 'm-7')),
      context,
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(aws.status().deploys.at(-1)).toMatchObject({ digest: digest(7), outcome: 'succeeded' });
  });

  it('deploy-router puts the event on the configured deploy queue', async () => {
    await deployRouter.handler(ecrEvent('push') as never);

    expect(aws.mocks.sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/deploys.fifo`,
      MessageGroupId: 'acme-production',
    });
  });
});
