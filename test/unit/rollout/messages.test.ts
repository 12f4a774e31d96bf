import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { logger } from '#shared/logger.ts';
import { parsePushMessage, pinnedImageUri, repositoryArn } from '#shared/rollout/event.ts';
import { deployMessage, eventFromRecord, latestDeferredDeploy } from '#shared/rollout/message.ts';
import { routePush } from '#shared/rollout/router.ts';
import { familyOf, pinnedRegistration } from '#shared/rollout/task-definitions.ts';
import type { DeployRecord } from '#shared/status.ts';
import { digest, ecrEvent, FakeAws } from './fake-aws.ts';

const aws = new FakeAws();

beforeEach(() => {
  aws.reset();
});

describe('deploy queue messages', () => {
  it('carries the ECR event unchanged, grouped by repository', () => {
    const event = ecrEvent('push');

    const message = deployMessage(event);

    expect(JSON.parse(message.MessageBody)).toEqual(event);
    expect(message.MessageGroupId).toBe('acme-production');
    expect(message.MessageDeduplicationId).toMatch(/^[a-f0-9]{64}$/);
  });

  it('deduplicates the same digest and tag, but not the same digest under another tag', () => {
    const main = ecrEvent('push');
    const again = { ...ecrEvent('push'), id: 'another-event-id', time: '2026-11-26T06:03:00Z' };
    const sha = ecrEvent('push');
    sha.detail['image-tag'] = 'sha-abc123';

    expect(deployMessage(again).MessageDeduplicationId).toBe(deployMessage(main).MessageDeduplicationId);
    expect(deployMessage(sha).MessageDeduplicationId).not.toBe(deployMessage(main).MessageDeduplicationId);
    expect(deployMessage(main, 'provision-run-7').MessageDeduplicationId).not.toBe(
      deployMessage(main).MessageDeduplicationId,
    );
  });

  it('rebuilds a deferred push as the event roll-service receives, with its original id', () => {
    const event = ecrEvent('push');
    const { push } = parsePushMessage(JSON.stringify(event));
    const record: DeployRecord = {
      id: event.id,
      repository: push.repository,
      digest: push.digest,
      tag: 'main',
      pushedAt: event.time,
      imageUri: pinnedImageUri(push, push.digest),
      startedAt: '2026-11-26T06:00:01.000Z',
      outcome: 'deferred',
    };

    const rebuilt = eventFromRecord(record)!;

    expect(parsePushMessage(JSON.stringify(rebuilt)).push).toEqual({
      ...push,
      pushedAt: new Date(event.time),
    });
  });

  it('finds the newest deferred push among the deploy records', () => {
    const base = { repository: 'r', startedAt: '2026-11-26T06:00:00.000Z' };
    const records: DeployRecord[] = [
      { ...base, id: 'a', digest: digest(1), pushedAt: '2026-11-26T05:00:00Z', outcome: 'deferred' },
      { ...base, id: 'b', digest: digest(2), pushedAt: '2026-11-26T05:10:00Z', outcome: 'deferred' },
      { ...base, id: 'c', digest: digest(3), pushedAt: '2026-11-26T05:20:00Z', outcome: 'succeeded' },
    ];

    expect(latestDeferredDeploy(records)?.id).toBe('b');
    expect(latestDeferredDeploy([])).toBeUndefined();
  });

  it('rejects a message that is not an ECR Image Action event', () => {
    expect(() => parsePushMessage('not json')).toThrow(/not JSON/);
    expect(() => parsePushMessage(JSON.stringify({ ...ecrEvent('push'), source: 'aws.s3' }))).toThrow(
      /not an ECR Image Action event/,
    );
  });

  it('builds repository ARNs and image URIs per partition', () => {
    const push = { account: '123456789012', region: 'cn-north-1', repository: 'acme' };

    expect(repositoryArn(push)).toBe('arn:aws-cn:ecr:cn-north-1:123456789012:repository/acme');
    expect(pinnedImageUri(push, digest(1))).toBe(
      `123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/acme@${digest(1)}`,
    );
  });
});

describe('deploy-router', () => {
  it('sends the push to the FIFO deploy queue with the repository as group', async () => {
    const event = ecrEvent('push');

    await routePush(event, { sqs: aws.clients.sqs, queueUrl: 'https://sqs/q.fifo', logger });

    expect(aws.mocks.sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: 'https://sqs/q.fifo',
      MessageGroupId: 'acme-production',
      MessageDeduplicationId: deployMessage(event).MessageDeduplicationId,
      MessageBody: JSON.stringify(event),
    });
  });

  it('refuses an event that is not an ECR push, so the invocation fails into its DLQ', async () => {
    await expect(
      routePush({ source: 'aws.s3' }, { sqs: aws.clients.sqs, queueUrl: 'https://sqs/q.fifo', logger }),
    ).rejects.toThrow();
    expect(aws.mocks.sqs).not.toHaveReceivedCommand(SendMessageCommand);
  });
});

describe('pinned task definition revisions', () => {
  const repositoryUri = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme';
  const described: TaskDefinition = {
    taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/acme-web:7',
    family: 'acme-web',
    revision: 7,
    status: 'ACTIVE',
    requiresAttributes: [{ name: 'ecs.capability.execution-role-awslogs' }],
    compatibilities: ['EC2', 'FARGATE'],
    registeredAt: new Date(),
    registeredBy: 'arn:aws:iam::123456789012:role/x',
    cpu: '512',
    memory: '1024',
    networkMode: 'awsvpc',
    containerDefinitions: [
      { name: 'proxy', image: 'public.ecr.aws/nginx/nginx:stable', essential: true },
      { name: 'app', image: `${repositoryUri}:main`, essential: true },
    ],
  };

  it('drops the read-only fields and pins only the containers that run the repository', () => {
    const input = pinnedRegistration(described, repositoryUri, `${repositoryUri}@${digest(5)}`, [
      { key: 'stackdrop:project', value: 'acme' },
    ]);

    for (const field of [
      'taskDefinitionArn',
      'revision',
      'status',
      'requiresAttributes',
      'compatibilities',
      'registeredAt',
      'registeredBy',
      'deregisteredAt',
    ]) {
      expect(input).not.toHaveProperty(field);
    }
    expect(input).toMatchObject({ family: 'acme-web', cpu: '512', memory: '1024', networkMode: 'awsvpc' });
    expect((input.containerDefinitions ?? []).map((c) => c.image)).toEqual([
      'public.ecr.aws/nginx/nginx:stable',
      `${repositoryUri}@${digest(5)}`,
    ]);
    expect(input.tags).toEqual([{ key: 'stackdrop:project', value: 'acme' }]);
  });

  it('replaces the placeholder of the first essential container when no container runs the repository yet', () => {
    const placeholder: TaskDefinition = {
      ...described,
      containerDefinitions: [
        { name: 'log-router', image: 'fluent-bit', essential: false },
        { name: 'app', image: 'public.ecr.aws/nginx/nginx:stable', essential: true },
      ],
    };

    const input = pinnedRegistration(placeholder, repositoryUri, `${repositoryUri}@${digest(5)}`);

    expect((input.containerDefinitions ?? []).map((c) => c.image)).toEqual([
      'fluent-bit',
      `${repositoryUri}@${digest(5)}`,
    ]);
    expect(input).not.toHaveProperty('tags');
  });

  it('names the family of a revision ARN', () => {
    expect(familyOf('arn:aws:ecs:eu-west-1:123456789012:task-definition/acme-web:7')).toBe('acme-web');
  });
});
