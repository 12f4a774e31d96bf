import { randomUUID } from 'node:crypto';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '#local/runtime/session.ts';
import type { StatusDocument } from '#shared/status.ts';
import { type E2eWorld, ENVIRONMENT, provision, pushAndWait, recordRequests, startWorld } from './helpers.ts';

let world: E2eWorld;
let ecs: ECSClient;
let sqs: SQSClient;

beforeAll(async () => {
  world = await startWorld();
  const config = {
    endpoint: world.sd.endpoint,
    region: world.sd.cloud.region,
    credentials: LOCAL_CREDENTIALS,
  };
  ecs = new ECSClient(config);
  sqs = new SQSClient(config);
});

afterAll(async () => {
  ecs?.destroy();
  sqs?.destroy();
  await world?.stop();
});

/** Task definition each of the project's services runs, by service name. */
async function serviceRevisions(doc: StatusDocument): Promise<Record<string, string>> {
  const names = [
    doc.outputs.WebServiceName,
    ...(doc.outputs.WorkerServiceNames ?? '').split(','),
    doc.outputs.SchedulerServiceName,
  ].filter((n): n is string => Boolean(n));
  const out = await ecs.send(
    new DescribeServicesCommand({ cluster: doc.outputs.ClusterName, services: names }),
  );
  return Object.fromEntries((out.services ?? []).map((s) => [s.serviceName!, s.taskDefinition!]));
}

describe('fault drills: deploys on the local cloud', () => {
  it('records a deploy whose ECS circuit breaker trips as failed, with the reason, services on the previous revision', async () => {
    // Prepare
    const ready = await provision(world, 'breaker');
    await pushAndWait(world, 'breaker', 'good');
    const before = await serviceRevisions(ready);
    const reason = 'ECS deployment circuit breaker: tasks failed to start (exit code 137)';
    world.sd.cloud.faults.failDeployment({
      service: ready.outputs.WebServiceName!,
      cluster: ready.outputs.ClusterName,
      reason,
      times: 1,
    });

    // Act
    const { digest, doc } = await pushAndWait(world, 'breaker', 'bad');

    // Assess
    const deploy = doc.deploys.find((d) => d.digest === digest)!;
    expect(deploy.outcome).toBe('failed');
    expect(deploy.reason).toContain(reason);
    expect(deploy.finishedAt).toBeDefined();
    expect(await serviceRevisions(ready)).toEqual(before);
    expect(world.sd.cloud.faults.list()).toHaveLength(0);
    // A later good push converges.
    const next = await pushAndWait(world, 'breaker', 'fixed');
    expect(next.doc.deploys.find((d) => d.digest === next.digest)?.outcome).toBe('succeeded');
  });

  it('updates no service when the release task exits 1, and records the stop reason', async () => {
    // Prepare
    const ready = await provision(world, 'release');
    await pushAndWait(world, 'release', 'v1');
    const before = await serviceRevisions(ready);
    const reason = 'Essential container in task exited';
    world.sd.cloud.faults.failTask({ exitCode: 1, reason, times: 1 });
    const log = recordRequests(world.sd.cloud);

    // Act
    const { digest, doc } = await pushAndWait(world, 'release', 'v2');
    log.restore();

    // Assess
    const deploy = doc.deploys.find((d) => d.digest === digest)!;
    expect(deploy.outcome).toBe('failed');
    expect(deploy.reason).toMatch(/exited with code 1/);
    expect(deploy.reason).toContain(reason);
    expect(deploy.releaseTaskArn).toBeDefined();
    expect(log.calls.filter((c) => c.operation === 'RunTask')).toHaveLength(1);
    expect(log.calls.filter((c) => c.operation === 'UpdateService')).toHaveLength(0);
    expect(await serviceRevisions(ready)).toEqual(before);
  });

  it('rolls out exactly once, to the newest digest, when ECR events arrive out of order and duplicated', async () => {
    // Prepare: three pushes a second apart whose events EventBridge holds back ...
    const ready = await provision(world, 'ecrorder');
    const repository = ready.outputs.RepositoryName!;
    const clock = world.sd.cloud.clock;
    // Each push is two PutImage calls (the platform's manifest, then the tagged index): six events.
    world.sd.cloud.faults.dropEvent({ source: 'aws.ecr', detailType: 'ECR Image Action', times: 6 });
    const digests: string[] = [];
    for (const label of ['one', 'two', 'three']) {
      digests.push(await world.session.pushImage(repository, 'main', label));
      await clock.sleep(1000);
    }
    const images = world.sd.cloud.ecr.repository(repository).images;
    const eventOf = (digest: string) => ({
      version: '0',
      id: randomUUID(),
      'detail-type': 'ECR Image Action',
      source: 'aws.ecr',
      account: world.sd.cloud.accountId,
      time: images.find((i) => i.imageDigest === digest)!.imagePushedAt.toISOString(),
      region: world.sd.cloud.region,
      resources: [],
      detail: {
        result: 'SUCCESS',
        'action-type': 'PUSH',
        'repository-name': repository,
        'image-digest': digest,
        'image-tag': 'main',
      },
    });
    const log = recordRequests(world.sd.cloud);

    // Act: ... then delivers them newest first, middle, oldest, with redeliveries (new message ids).
    const order = [2, 0, 1, 2, 0, 1];
    await world.session.act(async () => {
      for (const i of order) {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: world.sd.outputs.DeployQueueUrl!,
            MessageBody: JSON.stringify(eventOf(digests[i]!)),
            MessageGroupId: repository,
            MessageDeduplicationId: randomUUID(),
          }),
        );
      }
    });
    const doc = await world.session.waitForStatus('ecrorder', ENVIRONMENT, (d) =>
      d.deploys.some((x) => x.digest === digests[2] && ['succeeded', 'failed'].includes(x.outcome)),
    );
    await world.sd.drain();
    log.restore();

    // Assess
    const final = (await world.session.status('ecrorder', ENVIRONMENT))!;
    expect(doc.deploys.find((d) => d.digest === digests[2])?.outcome).toBe('succeeded');
    expect(final.deploys.filter((d) => d.outcome === 'succeeded').map((d) => d.digest)).toEqual([digests[2]]);
    expect(final.deploys.filter((d) => d.outcome === 'in-progress' || d.outcome === 'pending')).toHaveLength(
      0,
    );
    const updates = log.calls.filter((c) => c.operation === 'UpdateService' && c.statusCode === 200);
    const perService = new Map<string, number>();
    for (const u of updates) {
      const service = String(u.input?.service);
      perService.set(service, (perService.get(service) ?? 0) + 1);
    }
    expect(perService.size).toBeGreaterThan(0);
    expect([...perService.values()].every((n) => n === 1)).toBe(true);
    const web = await ecs.send(
      new DescribeServicesCommand({
        cluster: ready.outputs.ClusterName,
        services: [ready.outputs.WebServiceName!],
      }),
    );
    const td = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: web.services![0]!.taskDefinition! }),
    );
    expect(td.taskDefinition?.containerDefinitions?.some((c) => c.image?.endsWith(`@${digests[2]}`))).toBe(
      true,
    );
  });
});
