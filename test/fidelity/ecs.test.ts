import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FARGATE_SIZES } from '#shared/aws-rules/fargate.ts';
import { errorOf, startTestCloud } from '../integration/local/helpers.ts';
import { aws, type CliResult, cliError, runCli } from './services-harness.ts';

const SIZES = 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html';
const RUNTIME_PLATFORM = 'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RuntimePlatform.html';
const PARAMS = 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html';
const FARGATE = 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html';
const ROLLING = 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html';
const LIFECYCLE =
  'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-lifecycle-explanation.html';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let ecs: ECSClient;
let cli: Record<string, CliResult>;

const web = {
  name: 'web',
  image: 'repo@sha256:aaaa',
  essential: true,
  portMappings: [{ containerPort: 80 }],
};
const network = {
  awsvpcConfiguration: {
    subnets: ['subnet-1'],
    securityGroups: ['sg-1'],
    assignPublicIp: 'DISABLED' as const,
  },
};
const fargate = (cpu: string, memory: string, extra: Partial<RegisterTaskDefinitionCommandInput> = {}) =>
  ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'acme-web',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu,
      memory,
      containerDefinitions: [web],
      ...extra,
    }),
  );
const register = (cpu: string, memory: string, networkMode = 'awsvpc') => [
  'ecs',
  'register-task-definition',
  '--family',
  'acme-web',
  '--requires-compatibilities',
  'FARGATE',
  '--network-mode',
  networkMode,
  '--cpu',
  cpu,
  ...(memory ? ['--memory', memory] : []),
  '--container-definitions',
  JSON.stringify([web]),
];

beforeAll(async () => {
  env = await startTestCloud();
  ecs = new ECSClient(env.config);
  await ecs.send(new CreateClusterCommand({ clusterName: 'acme' }));
  cli = await runCli(env.endpoint, {
    tooMuchMemory: register('256', '8192'),
    badCpu: register('128', '512'),
    bridge: register('512', '1024', 'bridge'),
    noMemory: register('512', ''),
    ok: register('1024', '2048'),
  });
}, 120_000);

afterAll(async () => {
  ecs?.destroy();
  await env?.stop();
});

describe('ECS task definitions on Fargate', () => {
  it(
    aws('a CPU/memory pair outside the Fargate table is a ClientException (256 CPU with 8 GiB)', SIZES),
    () => {
      expect(cliError(cli.tooMuchMemory)).toEqual({
        code: 'ClientException',
        message:
          'No Fargate configuration exists for given values: 256 CPU, 8192 memory. See the Amazon ECS documentation for the valid values.',
      });
      expect(cli.ok!.json.taskDefinition).toMatchObject({ cpu: '1024', memory: '2048' });
    },
  );

  it(
    aws(
      'runs Linux tasks on ARM64 or X86_64 and refuses ARM64 with a Windows family (ARM64 is for Linux containers on Fargate)',
      RUNTIME_PLATFORM,
    ),
    async () => {
      const arm = await fargate('1024', '2048', {
        runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'ARM64' },
      });
      expect(arm.taskDefinition?.runtimePlatform).toEqual({
        operatingSystemFamily: 'LINUX',
        cpuArchitecture: 'ARM64',
      });
      expect(
        (await fargate('1024', '2048', { runtimePlatform: { cpuArchitecture: 'X86_64' } })).taskDefinition,
      ).toBeDefined();
      const windowsArm = await errorOf(
        fargate('1024', '2048', {
          runtimePlatform: { operatingSystemFamily: 'WINDOWS_SERVER_2022_CORE', cpuArchitecture: 'ARM64' },
        }),
      );
      expect(windowsArm.name).toBe('ClientException');
    },
  );

  it(aws('a CPU value Fargate does not offer is "Invalid \'cpu\' setting for task."', SIZES), () => {
    expect(cliError(cli.badCpu)).toEqual({
      code: 'ClientException',
      message: "Invalid 'cpu' setting for task.",
    });
  });

  it(
    aws('every corner of the table registers: the smallest and largest memory of each CPU size', SIZES),
    async () => {
      for (const [cpu, size] of Object.entries(FARGATE_SIZES)) {
        for (const memory of [size.min, size.max]) {
          const out = await fargate(cpu, String(memory));
          expect(out.taskDefinition?.memory, `${cpu}/${memory}`).toBe(String(memory));
        }
      }
    },
  );

  it(
    aws('memory outside a CPU size’s range is refused (512 CPU with 512 MiB, 4096 CPU with 31 GiB)', SIZES),
    async () => {
      expect((await errorOf(fargate('512', '512'))).name).toBe('ClientException');
      expect((await errorOf(fargate('4096', '31744'))).name).toBe('ClientException');
      expect((await errorOf(fargate('256', '4096'))).name).toBe('ClientException');
    },
  );

  it(
    aws(
      '8 vCPU takes memory in 4 GiB steps and 16 vCPU in 8 GiB steps; 256 CPU takes 512 MiB, 1 GB or 2 GB only',
      SIZES,
    ),
    async () => {
      expect((await errorOf(fargate('8192', '18432'))).name).toBe('ClientException');
      expect((await fargate('8192', '24576')).taskDefinition?.memory).toBe('24576');
      expect((await errorOf(fargate('16384', '36864'))).name).toBe('ClientException');
      expect((await fargate('16384', '40960')).taskDefinition?.memory).toBe('40960');
      expect((await errorOf(fargate('256', '1536'))).name).toBe('ClientException');
    },
  );

  it(aws('cpu in vCPU and memory in GB are converted to units and MiB at registration', SIZES), async () => {
    const out = await fargate('1 vCPU', '3 GB');
    expect(out.taskDefinition).toMatchObject({ cpu: '1024', memory: '3072' });
  });

  it(aws('Fargate requires the awsvpc network mode', FARGATE), () => {
    expect(cliError(cli.bridge)).toEqual({
      code: 'ClientException',
      message: 'Fargate only supports network mode ‘awsvpc’.',
    });
  });

  it(aws('Fargate requires task-level memory', FARGATE), () => {
    expect(cliError(cli.noMemory)).toEqual({
      code: 'ClientException',
      message: "Fargate requires that 'memory' be defined at the task level.",
    });
  });

  it(aws('with awsvpc, a port mapping’s hostPort must equal its containerPort', PARAMS), async () => {
    const error = await errorOf(
      fargate('256', '512', {
        containerDefinitions: [{ ...web, portMappings: [{ containerPort: 80, hostPort: 8080 }] }],
      }),
    );
    expect(error.name).toBe('ClientException');
    expect(error.message).toBe(
      'When networkMode=awsvpc, the host ports and container ports in port mappings must match.',
    );
  });

  it(aws('without task memory (EC2), each container needs memory or memoryReservation', PARAMS), async () => {
    const error = await errorOf(
      ecs.send(new RegisterTaskDefinitionCommand({ family: 'acme-ec2', containerDefinitions: [web] })),
    );
    expect(error.message).toBe(
      "Invalid setting for container 'web'. At least one of 'memory' or 'memoryReservation' must be specified.",
    );
  });

  it(aws('container names are unique within a task definition', PARAMS), async () => {
    const error = await errorOf(fargate('256', '512', { containerDefinitions: [web, web] }));
    expect(error.name).toBe('ClientException');
  });
});

describe('ECS rolling deployments', () => {
  const service = async (name: string) =>
    (await ecs.send(new DescribeServicesCommand({ cluster: 'acme', services: [name] }))).services![0]!;

  const rollout = async (
    name: string,
    desired: number,
    minimumHealthyPercent: number,
    maximumPercent: number,
  ) => {
    const v1 = (await fargate('256', '512')).taskDefinition!.taskDefinitionArn!;
    const v2 = (
      await fargate('256', '512', { containerDefinitions: [{ ...web, image: 'repo@sha256:bbbb' }] })
    ).taskDefinition!.taskDefinitionArn!;
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'acme',
        serviceName: name,
        taskDefinition: v1,
        desiredCount: desired,
        launchType: 'FARGATE',
        networkConfiguration: network,
        deploymentConfiguration: { minimumHealthyPercent, maximumPercent },
      }),
    );
    await env.cloud.clock.advance(env.cloud.ecs.deploymentMs('acme', name));
    await ecs.send(new UpdateServiceCommand({ cluster: 'acme', service: name, taskDefinition: v2 }));
    return v2;
  };

  /** Samples the service every 5 s of virtual time until the deployment completes. */
  const sample = async (name: string) => {
    const samples: Array<{ running: number; pending: number; newRunning: number; oldRunning: number }> = [];
    const total = env.cloud.ecs.deploymentMs('acme', name);
    for (let t = 0; t <= total; t += 5_000) {
      const s = await service(name);
      const primary = s.deployments!.find((d) => d.status === 'PRIMARY')!;
      samples.push({
        running: s.runningCount!,
        pending: s.pendingCount!,
        newRunning: primary.runningCount!,
        oldRunning: s.runningCount! - primary.runningCount!,
      });
      await env.cloud.clock.advance(5_000);
    }
    return samples;
  };

  it(
    aws(
      'runningCount follows the deployment: new tasks start pending, then run beside the old ones (100/200)',
      ROLLING,
    ),
    async () => {
      await rollout('web', 2, 100, 200);
      const samples = await sample('web');
      const final = await service('web');

      expect(samples[0]).toEqual({ running: 2, pending: 2, newRunning: 0, oldRunning: 2 });
      // Old tasks stop only once the new ones run: never fewer than 2 RUNNING (100 % of 2).
      expect(samples.filter((s) => s.oldRunning < 2).every((s) => s.newRunning === 2)).toBe(true);
      expect(samples.every((s) => s.running + s.pending <= 4 && s.running >= 2)).toBe(true);
      expect(final.deployments).toHaveLength(1);
      expect(final.runningCount).toBe(2);
      expect(final.deployments![0]!.rolloutState).toBe('COMPLETED');
    },
  );

  it(
    aws(
      'with minimumHealthyPercent 50 / maximumPercent 100 old tasks stop first and new ones come in two batches',
      ROLLING,
    ),
    async () => {
      await rollout('worker', 4, 50, 100);
      const samples = await sample('worker');

      expect(samples.every((s) => s.running + s.pending <= 4)).toBe(true);
      expect(samples.every((s) => s.running >= 2 || s.pending > 0)).toBe(true);
      expect(samples.map((s) => s.newRunning)).toContain(2);
      expect(samples.at(-1)!.newRunning).toBe(4);
    },
  );

  it(
    aws(
      'maximumPercent 150 with 4 tasks never runs more than 6, minimumHealthyPercent 100 never fewer than 4',
      ROLLING,
    ),
    async () => {
      await rollout('api', 4, 100, 150);
      const samples = await sample('api');
      expect(samples.every((s) => s.running + s.pending <= 6 && s.running >= 4)).toBe(true);
      expect(new Set(samples.map((s) => s.newRunning))).toEqual(new Set([0, 2, 4]));
    },
  );

  it(aws('a task moves PROVISIONING → PENDING → ACTIVATING → RUNNING as it starts', LIFECYCLE), async () => {
    await rollout('sched', 1, 100, 200);
    const statuses: string[] = [];
    const taskStart = env.cloud.durations.service.ecsTaskStart;
    for (let t = 0; t <= taskStart; t += taskStart / 3) {
      const primary = (await service('sched')).deployments!.find((d) => d.status === 'PRIMARY')!;
      const arns = await ecs.send(
        new ListTasksCommand({ cluster: 'acme', serviceName: 'sched', startedBy: primary.id }),
      );
      const tasks = await ecs.send(new DescribeTasksCommand({ cluster: 'acme', tasks: arns.taskArns }));
      statuses.push(tasks.tasks![0]!.lastStatus!);
      await env.cloud.clock.advance(taskStart / 3);
    }
    expect(statuses).toEqual(['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING']);
  });
});

describe('ECS service tasks read their secrets with the execution role at start', () => {
  const INIT_ERROR =
    'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/resource-initialization-error.html';
  const BREAKER =
    'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html';

  it(
    aws(
      'a deployment whose execution role may not read its secret never runs a task: ResourceInitializationError, TaskFailedToStart, the circuit breaker rolls back',
      `${INIT_ERROR} ${BREAKER}`,
    ),
    async () => {
      const account = env.cloud.accountId;
      const secret = (name: string) =>
        env.cloud.secretsManager.createSecret({ Name: `acme/${name}`, SecretString: 'x' }).ARN;
      const readable = secret('DB_PASSWORD');
      const unreadable = secret('MAIL_PASSWORD');
      const role = `arn:aws:iam::${account}:role/acme-exec`;
      env.cloud.iam.roles.put({
        arn: role,
        name: 'acme-exec',
        source: 'fidelity test',
        policies: [
          {
            name: 'read-one-secret',
            document: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: readable }],
            },
          },
        ],
      });
      const withSecret = (arn: string) =>
        fargate('256', '512', {
          family: 'acme-secrets',
          executionRoleArn: role,
          containerDefinitions: [{ ...web, secrets: [{ name: 'PASSWORD', valueFrom: arn }] }],
        });
      const v1 = (await withSecret(readable)).taskDefinition!.taskDefinitionArn!;
      const v2 = (await withSecret(unreadable)).taskDefinition!.taskDefinitionArn!;
      await ecs.send(
        new CreateServiceCommand({
          cluster: 'acme',
          serviceName: 'secrets',
          taskDefinition: v1,
          desiredCount: 2,
          launchType: 'FARGATE',
          networkConfiguration: network,
          deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
        }),
      );
      // Well past any rollout the service's settings give (local/services/ecs-timing.ts).
      await env.cloud.clock.advance(30 * 60_000);
      const describe = async () =>
        (await ecs.send(new DescribeServicesCommand({ cluster: 'acme', services: ['secrets'] })))
          .services![0]!;
      // The secret read at task start is evaluated off the clock: wait (real time) for its verdict.
      for (let i = 0; i < 200 && (await describe()).deployments![0]!.rolloutState !== 'COMPLETED'; i++)
        await new Promise((r) => setTimeout(r, 25));
      expect((await describe()).deployments![0]!.rolloutState).toBe('COMPLETED');

      await ecs.send(new UpdateServiceCommand({ cluster: 'acme', service: 'secrets', taskDefinition: v2 }));
      const failedDeployment = (await describe()).deployments!.find((d) => d.status === 'PRIMARY')!.id!;
      // Past the new tasks' start (ecs-timing.ts: provisioning and the image pull).
      await env.cloud.clock.advance(2 * 60_000);
      // The secret read is evaluated off the clock: wait (real time) until the first start failed.
      const failedStarts = () =>
        ecs.send(
          new ListTasksCommand({ cluster: 'acme', startedBy: failedDeployment, desiredStatus: 'STOPPED' }),
        );
      for (let i = 0; i < 200 && !(await failedStarts()).taskArns?.length; i++)
        await new Promise((r) => setTimeout(r, 25));
      const during = await describe();
      // No task of the new deployment ever ran.
      expect(during.deployments!.find((d) => d.id === failedDeployment)?.runningCount ?? 0).toBe(0);

      // Well past the circuit breaker's failure time for two tasks.
      await env.cloud.clock.advance(30 * 60_000);
      const stopped = await ecs.send(
        new ListTasksCommand({ cluster: 'acme', startedBy: failedDeployment, desiredStatus: 'STOPPED' }),
      );
      const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: 'acme', tasks: stopped.taskArns })))
        .tasks!;
      expect(tasks.length).toBeGreaterThan(0);
      for (const t of tasks) {
        expect(t.stopCode).toBe('TaskFailedToStart');
        expect(t.stoppedReason).toMatch(
          /^ResourceInitializationError: unable to pull secrets or registry auth: .*AccessDeniedException: .*secretsmanager:GetSecretValue/,
        );
        expect(t.containers![0]!.exitCode).toBeUndefined();
      }
      const after = await describe();
      const failed = after.deployments!.find((d) => d.id === failedDeployment);
      expect(failed?.rolloutState ?? 'FAILED').toBe('FAILED');
      const primary = after.deployments!.find((d) => d.status === 'PRIMARY')!;
      expect(primary.taskDefinition).toBe(v1);
      // After the rollback the service runs its two tasks of the readable definition again.
      expect(after.runningCount).toBe(2);
      expect(
        after.events!.some((e) => e.message!.includes('deployment failed: ResourceInitializationError')),
      ).toBe(true);
    },
  );
});
