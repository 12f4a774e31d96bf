import { beforeEach, describe, expect, it } from 'vitest';
import { type BatchDeps, handleDeployBatch } from '#shared/rollout/batch.ts';
import { deployMessage } from '#shared/rollout/message.ts';
import { drain, seedBurst } from './burst-scenario.ts';
import { ACCOUNT, digest, FakeAws, pushEvent, REGION } from './fake-aws.ts';
import { FifoQueue } from './fifo-queue.ts';

const aws = new FakeAws();
const T0 = new Date('2026-11-26T06:00:00Z');
const context = { getRemainingTimeInMillis: () => 900_000 };

const deps = (overrides: Partial<BatchDeps> = {}) => aws.batchDeps(overrides);

beforeEach(() => {
  aws.reset();
  aws.pollsToFinish = 1;
});

describe('roll-service under a burst of pushes', () => {
  it('turns 1,000 pushes over 50 repositories (mixed tags, duplicates, out of order) into exactly 50 rollouts to the newest digests', async () => {
    const { repositories, newest, queue } = seedBurst(aws, 1000, 50);

    const invocations = await drain(queue, 4, (event) => handleDeployBatch(event, context, deps()));

    expect(newest.size).toBe(50);
    expect(queue.size).toBe(0);
    expect(queue.deduplicated).toBeGreaterThan(50);
    const webUpdates = aws.updates.filter((u) => u.service?.endsWith('-web'));
    expect(webUpdates).toHaveLength(50);
    for (const repository of repositories) {
      const project = repository.replace(/-production$/, '');
      const succeeded = aws.status(project).deploys.filter((d) => d.outcome === 'succeeded');
      expect(
        succeeded.map((d) => d.digest),
        repository,
      ).toEqual([newest.get(repository)]);
      expect(
        aws.status(project).deploys.filter((d) => d.outcome !== 'succeeded'),
        repository,
      ).toEqual([]);
      const web = aws.service(`${repository}-web`);
      expect(aws.imageOf(web.taskDefinition)).toBe(
        `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${repository}@${newest.get(repository)}`,
      );
    }
    expect(invocations).toBeGreaterThan(50);
  });

  it('queues a push made during a running deploy behind it, then deploys it', async () => {
    aws.pollsToFinish = 3;
    const { repository } = aws.addProject();
    const queue = new FifoQueue(aws.now);
    aws.pushImage(repository, digest(1), 'main', T0);
    queue.send(deployMessage(pushEvent(repository, digest(1), 'main', T0, 'evt-a')));
    let deliveredDuringDeploy: number | undefined;
    const second = pushEvent(repository, digest(2), 'main', new Date(T0.getTime() + 60_000), 'evt-b');
    const sleepAndPush = async (ms: number) => {
      await aws.sleep(ms);
      if (deliveredDuringDeploy === undefined && aws.updates.length > 0) {
        aws.pushImage(repository, digest(2), 'main', new Date(T0.getTime() + 60_000));
        queue.send(deployMessage(second));
        deliveredDuringDeploy = queue.receive(10).length;
      }
    };

    const first = queue.receive(10);
    queue.complete(
      first,
      await handleDeployBatch({ Records: first }, context, deps({ sleep: sleepAndPush })),
    );
    const next = queue.receive(10);
    queue.complete(next, await handleDeployBatch({ Records: next }, context, deps()));

    expect(deliveredDuringDeploy).toBe(0);
    expect(next).toHaveLength(1);
    expect(queue.size).toBe(0);
    expect(aws.status().deploys.map((d) => [d.digest, d.outcome])).toEqual([
      [digest(1), 'succeeded'],
      [digest(2), 'succeeded'],
    ]);
  });
});
