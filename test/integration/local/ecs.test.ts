import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteClusterCommand,
  DeleteServiceCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  ListTagsForResourceCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  TagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '#local/events/bus.ts';
import { errorOf, startTestCloud } from './helpers.ts';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let ecs: ECSClient;
const events: BusEvent[] = [];

const container = (image: string) => ({
  name: 'web',
  image,
  essential: true,
  // EC2-compatible task definitions need memory on the container when the task has none.
  memory: 512,
  portMappings: [{ containerPort: 80 }],
});
const fargate = {
  requiresCompatibilities: ['FARGATE' as const],
  networkMode: 'awsvpc' as const,
  cpu: '512',
  memory: '1024',
};
const network = {
  awsvpcConfiguration: {
    subnets: ['subnet-1'],
    securityGroups: ['sg-1'],
    assignPublicIp: 'DISABLED' as const,
  },
};

beforeAll(async () => {
  env = await startTestCloud();
  ecs = new ECSClient(env.config);
  env.cloud.eventBus.subscribe((e) => {
    if (e.source === 'aws.ecs') events.push(e);
  });
  await ecs.send(
    new CreateClusterCommand({ clusterName: 'acme', tags: [{ key: 'stackdrop:project', value: 'acme' }] }),
  );
});
afterAll(() => env.stop());

async function register(family: string, image: string) {
  const out = await ecs.send(
    new RegisterTaskDefinitionCommand({ family, containerDefinitions: [container(image)], ...fargate }),
  );
  return out.taskDefinition!;
}

async function primary(service: string) {
  const out = await ecs.send(new DescribeServicesCommand({ cluster: 'acme', services: [service] }));
  const s = out.services![0]!;
  return { service: s, primary: s.deployments!.find((d) => d.status === 'PRIMARY')! };
}

describe('ECS over awsJson 1.1', () => {
  it('creates, lists, describes and deletes clusters', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'scratch' }));

    const listed = await ecs.send(new ListClustersCommand({}));
    const described = await ecs.send(
      new DescribeClustersCommand({ clusters: ['acme', 'nope'], include: ['TAGS'] }),
    );
    await ecs.send(new DeleteClusterCommand({ cluster: 'scratch' }));
    const after = await ecs.send(new ListClustersCommand({}));

    expect(listed.clusterArns).toContain('arn:aws:ecs:eu-west-1:000000000000:cluster/scratch');
    expect(described.clusters?.[0]).toMatchObject({
      clusterName: 'acme',
      status: 'ACTIVE',
      tags: [{ key: 'stackdrop:project', value: 'acme' }],
    });
    expect(described.failures).toEqual([
      { arn: 'arn:aws:ecs:eu-west-1:000000000000:cluster/nope', reason: 'MISSING' },
    ]);
    expect(after.clusterArns).not.toContain('arn:aws:ecs:eu-west-1:000000000000:cluster/scratch');
  });

  it('registers task definition revisions and describes by family, family:revision and ARN', async () => {
    const one = await register('acme-release', 'repo@sha256:1111');
    const two = await register('acme-release', 'repo@sha256:2222');

    const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'acme-release' }));
    const first = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'acme-release:1' }));
    const byArn = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: two.taskDefinitionArn }),
    );
    const missing = await errorOf(
      ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'acme-release:9' })),
    );
    const invalid = await errorOf(
      ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'x',
          containerDefinitions: [container('i')],
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
        }),
      ),
    );

    expect(one.taskDefinitionArn).toBe('arn:aws:ecs:eu-west-1:000000000000:task-definition/acme-release:1');
    expect(two.revision).toBe(2);
    expect(latest.taskDefinition?.revision).toBe(2);
    expect(first.taskDefinition?.containerDefinitions?.[0]?.image).toBe('repo@sha256:1111');
    expect(byArn.taskDefinition?.family).toBe('acme-release');
    expect(latest.taskDefinition?.registeredAt).toBeInstanceOf(Date);
    expect(missing.name).toBe('ClientException');
    expect(invalid.name).toBe('ClientException');
  });

  it('rolls a new PRIMARY deployment from IN_PROGRESS to COMPLETED and emits deployment events', async () => {
    const v1 = await register('acme-web', 'repo@sha256:aaaa');
    const v2 = await register('acme-web', 'repo@sha256:bbbb');
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'acme',
        serviceName: 'web',
        taskDefinition: v1.taskDefinitionArn,
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: network,
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      }),
    );
    await env.cloud.clock.advance(env.cloud.ecs.deploymentMs('acme', 'web'));
    events.length = 0;

    const updated = await ecs.send(
      new UpdateServiceCommand({ cluster: 'acme', service: 'web', taskDefinition: v2.taskDefinitionArn }),
    );
    const during = await primary('web');
    await env.cloud.clock.advance(env.cloud.ecs.deploymentMs('acme', 'web'));
    const after = await primary('web');

    expect(updated.service?.deployments).toHaveLength(2);
    expect(during.primary.rolloutState).toBe('IN_PROGRESS');
    expect(during.primary.taskDefinition).toBe(v2.taskDefinitionArn);
    expect(after.primary.rolloutState).toBe('COMPLETED');
    expect(after.primary.id).toBe(during.primary.id);
    expect(after.service.deployments).toHaveLength(1);
    expect(after.service.runningCount).toBe(2);
    expect(events.map((e) => e.detail.eventName)).toEqual([
      'SERVICE_DEPLOYMENT_IN_PROGRESS',
      'SERVICE_DEPLOYMENT_COMPLETED',
    ]);
    expect(events[1]).toMatchObject({
      'detail-type': 'ECS Deployment State Change',
      resources: ['arn:aws:ecs:eu-west-1:000000000000:service/acme/web'],
      detail: { eventType: 'INFO', deploymentId: during.primary.id },
    });
  });

  it('fails a faulted deployment and rolls back to the previous task definition with the circuit breaker', async () => {
    const good = await register('acme-worker', 'repo@sha256:good');
    const bad = await register('acme-worker', 'repo@sha256:bad');
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'acme',
        serviceName: 'worker',
        taskDefinition: good.taskDefinitionArn,
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: network,
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      }),
    );
    await env.cloud.clock.advance(env.cloud.ecs.deploymentMs('acme', 'worker'));
    env.cloud.faults.failDeployment({ service: 'worker', reason: 'tasks failed to start.' });
    events.length = 0;

    await ecs.send(
      new UpdateServiceCommand({ cluster: 'acme', service: 'worker', taskDefinition: bad.taskDefinitionArn }),
    );
    const failedId = (await primary('worker')).primary.id;
    await env.cloud.clock.advance(env.cloud.ecs.deploymentMs('acme', 'worker'));
    const rollingBack = await primary('worker');
    await env.cloud.clock.advance(env.cloud.ecs.deploymentMs('acme', 'worker'));
    const settled = await primary('worker');

    expect(rollingBack.service.deployments?.find((d) => d.id === failedId)?.rolloutState).toBe('FAILED');
    expect(rollingBack.primary.taskDefinition).toBe(good.taskDefinitionArn);
    expect(rollingBack.primary.rolloutState).toBe('IN_PROGRESS');
    expect(settled.primary.rolloutState).toBe('COMPLETED');
    expect(settled.service.taskDefinition).toBe(good.taskDefinitionArn);
    const stopped = await ecs.send(
      new ListTasksCommand({ cluster: 'acme', serviceName: 'worker', desiredStatus: 'STOPPED' }),
    );
    const failedTasks = await ecs.send(
      new DescribeTasksCommand({ cluster: 'acme', tasks: stopped.taskArns }),
    );
    const running = await ecs.send(new ListTasksCommand({ cluster: 'acme', serviceName: 'worker' }));
    const runningTasks = await ecs.send(
      new DescribeTasksCommand({ cluster: 'acme', tasks: running.taskArns }),
    );
    expect(failedTasks.tasks?.filter((t) => t.startedBy === failedId)).toHaveLength(3);
    expect(failedTasks.tasks?.find((t) => t.startedBy === failedId)).toMatchObject({
      stoppedReason: 'tasks failed to start.',
      taskDefinitionArn: bad.taskDefinitionArn,
      group: 'service:worker',
    });
    expect(runningTasks.tasks?.map((t) => t.taskDefinitionArn)).toEqual([good.taskDefinitionArn]);
    expect(events.map((e) => [e.detail.eventName, e.detail.eventType])).toEqual([
      ['SERVICE_DEPLOYMENT_IN_PROGRESS', 'INFO'],
      ['SERVICE_DEPLOYMENT_FAILED', 'ERROR'],
      ['SERVICE_DEPLOYMENT_IN_PROGRESS', 'INFO'],
      ['SERVICE_DEPLOYMENT_COMPLETED', 'INFO'],
    ]);
  });

  it('scales without a new deployment and refuses to delete a scaled service unless forced', async () => {
    const td = await register('acme-sched', 'repo@sha256:cccc');
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'acme',
        serviceName: 'sched',
        taskDefinition: td.taskDefinitionArn,
        desiredCount: 1,
        networkConfiguration: network,
      }),
    );
    await env.cloud.clock.advance(env.cloud.ecs.deploymentMs('acme', 'sched'));

    await ecs.send(new UpdateServiceCommand({ cluster: 'acme', service: 'sched', desiredCount: 3 }));
    const scaling = await primary('sched');
    await env.cloud.clock.advance(env.cloud.durations.service.ecsTaskStart);
    const scaled = await primary('sched');
    const scaledTasks = await ecs.send(new ListTasksCommand({ cluster: 'acme', serviceName: 'sched' }));
    const refused = await errorOf(ecs.send(new DeleteServiceCommand({ cluster: 'acme', service: 'sched' })));
    const deleted = await ecs.send(
      new DeleteServiceCommand({ cluster: 'acme', service: 'sched', force: true }),
    );
    await env.cloud.clock.advance(60_000);
    const inactive = await ecs.send(new DescribeServicesCommand({ cluster: 'acme', services: ['sched'] }));
    const drainedTasks = await ecs.send(new ListTasksCommand({ cluster: 'acme', serviceName: 'sched' }));

    expect(scaling.service.runningCount).toBe(1);
    expect(scaling.service.pendingCount).toBe(2);
    expect(scaled.service.deployments).toHaveLength(1);
    expect(scaled.service.runningCount).toBe(3);
    expect(scaledTasks.taskArns).toHaveLength(3);
    expect(drainedTasks.taskArns).toEqual([]);
    expect(refused.name).toBe('InvalidParameterException');
    expect(deleted.service?.status).toBe('DRAINING');
    expect(inactive.services?.[0]?.status).toBe('INACTIVE');
  });

  it('runs a task to exit code 0, or to the injected exit code and reason', async () => {
    const td = await register('acme-migrate', 'repo@sha256:dddd');
    const run = (overrides = {}) =>
      ecs.send(
        new RunTaskCommand({
          cluster: 'acme',
          taskDefinition: td.taskDefinitionArn,
          launchType: 'FARGATE',
          networkConfiguration: network,
          ...overrides,
        }),
      );
    const describe = async (arn: string) =>
      (await ecs.send(new DescribeTasksCommand({ cluster: 'acme', tasks: [arn] }))).tasks![0]!;

    const ok = (
      await run({
        overrides: {
          containerOverrides: [{ name: 'web', command: ['php', 'artisan', 'migrate', '--force'] }],
        },
      })
    ).tasks![0]!;
    env.cloud.faults.failTask({
      taskDefinition: 'acme-migrate',
      exitCode: 1,
      reason: 'SQLSTATE[HY000] [2002] Connection refused',
    });
    const failing = (await run()).tasks![0]!;
    const provisioning = ok.lastStatus;
    await env.cloud.clock.advance(env.cloud.durations.service.ecsTaskStart);
    const running = (await describe(ok.taskArn!)).lastStatus;
    await env.cloud.clock.advance(env.cloud.durations.service.ecsTaskRun);
    const okDone = await describe(ok.taskArn!);
    const failDone = await describe(failing.taskArn!);
    const networkless = await errorOf(
      ecs.send(
        new RunTaskCommand({ cluster: 'acme', taskDefinition: td.taskDefinitionArn, launchType: 'FARGATE' }),
      ),
    );

    expect(provisioning).toBe('PROVISIONING');
    expect(running).toBe('RUNNING');
    expect(okDone).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited' });
    expect(okDone.containers?.[0]?.exitCode).toBe(0);
    expect(okDone.overrides?.containerOverrides?.[0]?.command).toEqual([
      'php',
      'artisan',
      'migrate',
      '--force',
    ]);
    expect(failDone.containers?.[0]?.exitCode).toBe(1);
    expect(failDone.stoppedReason).toBe('SQLSTATE[HY000] [2002] Connection refused');
    expect(networkless.name).toBe('InvalidParameterException');
  });

  it('stops a running task and tags resources', async () => {
    const td = await register('acme-oneoff', 'repo@sha256:eeee');
    const task = (
      await ecs.send(
        new RunTaskCommand({
          cluster: 'acme',
          taskDefinition: td.taskDefinitionArn,
          networkConfiguration: network,
        }),
      )
    ).tasks![0]!;

    const stopped = await ecs.send(
      new StopTaskCommand({ cluster: 'acme', task: task.taskArn, reason: 'cancelled' }),
    );
    await ecs.send(new TagResourceCommand({ resourceArn: task.taskArn, tags: [{ key: 'k', value: 'v' }] }));
    const tags = await ecs.send(new ListTagsForResourceCommand({ resourceArn: task.taskArn }));

    expect(stopped.task).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'UserInitiated',
      stoppedReason: 'cancelled',
    });
    expect(tags.tags).toEqual([{ key: 'k', value: 'v' }]);
  });

  it('answers unknown clusters and services with the ECS exceptions', async () => {
    const cluster = await errorOf(
      ecs.send(new UpdateServiceCommand({ cluster: 'nope', service: 'web', desiredCount: 1 })),
    );
    const service = await errorOf(
      ecs.send(new UpdateServiceCommand({ cluster: 'acme', service: 'nope', desiredCount: 1 })),
    );

    expect(cluster.name).toBe('ClusterNotFoundException');
    expect(service.name).toBe('ServiceNotFoundException');
  });

  it('completes a rollout on an instant clock while a client polls over HTTP', async () => {
    const instant = await startTestCloud({ speed: 'instant' });
    const client = new ECSClient(instant.config);
    const start = instant.cloud.clock.now();
    await client.send(new CreateClusterCommand({ clusterName: 'fast' }));
    const td = await client.send(
      new RegisterTaskDefinitionCommand({ family: 'fast', containerDefinitions: [container('img')] }),
    );
    await client.send(
      new CreateServiceCommand({
        cluster: 'fast',
        serviceName: 'web',
        taskDefinition: td.taskDefinition!.taskDefinitionArn,
        desiredCount: 2,
      }),
    );

    let state: string | undefined;
    for (let i = 0; i < 200 && state !== 'COMPLETED'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      const out = await client.send(new DescribeServicesCommand({ cluster: 'fast', services: ['web'] }));
      state = out.services?.[0]?.deployments?.[0]?.rolloutState;
    }
    const simulated = instant.cloud.clock.now() - start;
    const modelled = instant.cloud.ecs.deploymentMs('fast', 'web');
    await instant.stop();

    expect(state).toBe('COMPLETED');
    expect(simulated).toBeGreaterThanOrEqual(modelled);
  });

  it('lets a newer deployment supersede one still rolling out, and waiters follow it', async () => {
    const a = await register('acme-api', 'repo@sha256:a');
    const b = await register('acme-api', 'repo@sha256:b');
    const c = await register('acme-api', 'repo@sha256:c');
    env.cloud.ecs.createService({
      cluster: 'acme',
      serviceName: 'api',
      taskDefinition: a.taskDefinitionArn!,
      desiredCount: 1,
      networkConfiguration: network,
    });
    await env.cloud.clock.advance(env.cloud.ecs.deploymentMs('acme', 'api'));

    env.cloud.ecs.updateService({ cluster: 'acme', service: 'api', taskDefinition: b.taskDefinitionArn });
    const settled = env.cloud.ecs.waitForDeployment('acme', 'api');
    await env.cloud.clock.advance(60_000);
    env.cloud.ecs.updateService({ cluster: 'acme', service: 'api', taskDefinition: c.taskDefinitionArn });
    await env.cloud.clock.advance(env.cloud.ecs.deploymentMs('acme', 'api'));
    const after = await primary('api');

    expect(await settled).toBe('COMPLETED');
    expect(after.primary.taskDefinition).toBe(c.taskDefinitionArn);
    expect(after.service.deployments).toHaveLength(1);
  });

  it('refuses an awsvpc service or task without a network configuration, as ECS does', async () => {
    const td = await register('acme-net', 'repo@sha256:ffff');
    const service = await errorOf(
      ecs.send(
        new CreateServiceCommand({
          cluster: 'acme',
          serviceName: 'net',
          taskDefinition: td.taskDefinitionArn,
        }),
      ),
    );
    const task = await errorOf(
      ecs.send(new RunTaskCommand({ cluster: 'acme', taskDefinition: td.taskDefinitionArn })),
    );
    expect(service.message).toBe(
      "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    );
    expect(task.name).toBe('InvalidParameterException');
  });
});
