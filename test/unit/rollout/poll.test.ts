import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, type Service } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { earliestRolloutMs, nextPollDelayMs } from '#shared/rollout/poll.ts';
import { waitForRelease } from '#shared/rollout/release.ts';
import { waitForRollouts } from '#shared/rollout/services.ts';

const ecs = new ECSClient({});
const ecsMock = mockClient(ecs);
const T0 = Date.parse('2026-12-07T12:00:00Z');
let clock = T0;
const deps = () => ({
  ecs,
  now: () => new Date(clock),
  sleep: async (ms: number) => {
    clock += ms;
  },
  deadline: new Date(T0 + 900_000),
  pollIntervalMs: 15_000,
});

/** A service whose deployment `ours` started at T0 and settles `settlesAfterS` later. */
function service(name: string, settlesAfterS: number, loadBalanced: boolean): () => Service {
  return () => {
    const done = clock >= T0 + settlesAfterS * 1000;
    return {
      serviceName: name,
      status: 'ACTIVE',
      loadBalancers: loadBalanced
        ? [{ targetGroupArn: 'arn:tg', containerName: 'app', containerPort: 8080 }]
        : [],
      deployments: [
        {
          id: `${name}-new`,
          status: 'PRIMARY',
          rolloutState: done ? 'COMPLETED' : 'IN_PROGRESS',
          createdAt: new Date(T0),
          runningCount: done ? 2 : 0,
        },
        ...(done
          ? []
          : [{ id: `${name}-old`, status: 'ACTIVE', runningCount: 2, createdAt: new Date(T0 - 3_600_000) }]),
      ],
    };
  };
}

beforeEach(() => {
  ecsMock.reset();
  clock = T0;
});

describe('roll-service polling', () => {
  it('records a rollout within a few seconds of ECS settling it, not up to 15 s later', async () => {
    // Prepare: the example's deploy: web behind the load balancer settles 81 s in, the worker 46 s.
    const services: Record<string, () => Service> = {
      web: service('web', 81, true),
      worker: service('worker', 46, false),
    };
    ecsMock.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => ({
      services: input.services.map((name) => services[name]!()),
    }));

    // Act
    const results = await waitForRollouts(
      'cluster',
      { web: 'web-new', worker: 'worker-new' },
      { web: 'td-web', worker: 'td-worker' },
      deps(),
    );

    // Assess: done, at most 5 s after the web settled, with fewer describes than seconds / 5.
    expect(results).toEqual({ web: { ok: true }, worker: { ok: true } });
    const lateMs = clock - (T0 + 81_000);
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThanOrEqual(5_000);
    expect(ecsMock.commandCalls(DescribeServicesCommand).length).toBeLessThanOrEqual(81 / 5);
  });

  it('sees the release task stop within 5 s, not up to 15 s later', async () => {
    // Prepare: the release task (image pull, then the migration) stops 76 s after it was created.
    ecsMock.on(DescribeTasksCommand).callsFake(() => ({
      tasks: [
        {
          taskArn: 'arn:task',
          createdAt: new Date(T0),
          lastStatus: clock >= T0 + 76_000 ? 'STOPPED' : 'RUNNING',
          containers: [{ name: 'app', exitCode: clock >= T0 + 76_000 ? 0 : undefined }],
        },
      ],
    }));

    // Act
    const result = await waitForRelease('cluster', 'arn:task', 'app', deps());

    // Assess
    expect(result).toEqual({ ok: true });
    expect(clock - (T0 + 76_000)).toBeLessThanOrEqual(5_000);
  });

  it('does not poll a load-balanced rollout before it can settle: health check interval plus draining', () => {
    const web = service('web', 81, true)();
    expect(earliestRolloutMs(web, 'web-new')).toBe(35_000);
    // Its first deployment replaces no task: nothing drains.
    expect(earliestRolloutMs({ ...web, deployments: [web.deployments![0]!] }, 'web-new')).toBe(5_000);
    expect(earliestRolloutMs(service('worker', 46, false)(), 'worker-new')).toBe(0);
    expect(nextPollDelayMs(1_000, 35_000)).toBe(15_000);
    expect(nextPollDelayMs(32_000, 35_000)).toBe(5_000);
    expect(nextPollDelayMs(28_000, 35_000)).toBe(7_000);
  });

  it('polls every 5 s, past 100 s at a twentieth of the time waited, up to the cap', () => {
    expect(nextPollDelayMs(0)).toBe(5_000);
    expect(nextPollDelayMs(80_000)).toBe(5_000);
    expect(nextPollDelayMs(160_000)).toBe(8_000);
    expect(nextPollDelayMs(600_000)).toBe(15_000);
    expect(nextPollDelayMs(600_000, 0, 10)).toBe(10);
  });
});
