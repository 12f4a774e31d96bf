// How long an ECS rolling deployment takes on the local cloud, rule by rule, each from the AWS page
// that documents it. Everything goes over the wire: ECR holds the image (its size decides the
// pull), ELBv2 the target group (health checks, deregistration delay), ECS the service.
import { CreateRepositoryCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestCloud } from '../integration/local/helpers.ts';
import { aws } from './services-harness.ts';

const ELB_HEALTH =
  'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html';
const ECS_HEALTH =
  'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-healthcheck.html';
const DRAINING =
  'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-connection-draining.html';
const TG_ATTRIBUTES =
  'https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupAttribute.html';
const PULL = 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-pull-behavior.html';
const GRACE = 'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html';
const BREAKER =
  'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentCircuitBreaker.html';
const STEADY = 'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html';

const s = 1000;
let env: Awaited<ReturnType<typeof startTestCloud>>;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;
let ecr: ECRClient;
let repositoryUri: string;
let serial = 0;

const network = {
  awsvpcConfiguration: {
    subnets: ['subnet-1'],
    securityGroups: ['sg-1'],
    assignPublicIp: 'DISABLED' as const,
  },
};

/** Pushes an image whose layers weigh `bytes`; returns its URI pinned by digest. */
async function push(bytes: number): Promise<string> {
  const out = await ecr.send(
    new PutImageCommand({
      repositoryName: 'acme',
      imageManifest: JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          size: 0,
          digest: `sha256:${'0'.repeat(64)}`,
        },
        layers: [
          {
            mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
            size: bytes,
            digest: `sha256:${String(++serial).padStart(64, '0')}`,
          },
        ],
      }),
    }),
  );
  return `${repositoryUri}@${out.image!.imageId!.imageDigest}`;
}

async function taskDefinition(image: string): Promise<string> {
  const out = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'acme-web',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '512',
      memory: '1024',
      containerDefinitions: [
        { name: 'app', image, essential: true, portMappings: [{ containerPort: 8080 }] },
      ],
    }),
  );
  return out.taskDefinition!.taskDefinitionArn!;
}

interface Setup {
  interval?: number;
  healthyThreshold?: number;
  unhealthyThreshold?: number;
  deregistrationDelay?: number;
  grace?: number;
  desired?: number;
  imageBytes?: number;
  fault?: boolean;
}

/**
 * Creates a web service behind its own target group, lets it settle, then deploys a new image
 * (`imageBytes` of layers) and returns the virtual time from UpdateService to the deployment's
 * settled state, sampling every second.
 */
async function deploy(
  setup: Setup,
): Promise<{ ms: number; state: string; name: string; id: string; deactivatingMs: number }> {
  const name = `web-${++serial}`;
  const tg = await elb.send(
    new CreateTargetGroupCommand({
      Name: name,
      Protocol: 'HTTP',
      Port: 8080,
      TargetType: 'ip',
      HealthCheckPath: '/up',
      HealthCheckIntervalSeconds: setup.interval ?? 10,
      HealthCheckTimeoutSeconds: 4,
      HealthyThresholdCount: setup.healthyThreshold ?? 2,
      UnhealthyThresholdCount: setup.unhealthyThreshold ?? 2,
    }),
  );
  const targetGroupArn = tg.TargetGroups![0]!.TargetGroupArn!;
  await elb.send(
    new ModifyTargetGroupAttributesCommand({
      TargetGroupArn: targetGroupArn,
      Attributes: [
        { Key: 'deregistration_delay.timeout_seconds', Value: String(setup.deregistrationDelay ?? 30) },
      ],
    }),
  );
  const v1 = await taskDefinition(await push(12_000_000));
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'acme',
      serviceName: name,
      taskDefinition: v1,
      desiredCount: setup.desired ?? 2,
      launchType: 'FARGATE',
      networkConfiguration: network,
      loadBalancers: [{ targetGroupArn, containerName: 'app', containerPort: 8080 }],
      healthCheckGracePeriodSeconds: setup.grace ?? 30,
      deploymentConfiguration: {
        minimumHealthyPercent: 100,
        maximumPercent: 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
    }),
  );
  await env.cloud.clock.advance(env.cloud.ecs.deploymentMs('acme', name));
  const v2 = await taskDefinition(await push(setup.imageBytes ?? 12_000_000));
  if (setup.fault)
    env.cloud.faults.failDeployment({ service: name, reason: 'tasks failed their health checks' });
  const updated = await ecs.send(
    new UpdateServiceCommand({ cluster: 'acme', service: name, taskDefinition: v2 }),
  );
  const id = updated.service!.deployments!.find((d) => d.status === 'PRIMARY')!.id!;
  let deactivatingMs = 0;
  for (let ms = 0; ms <= 3_600 * s; ms += s) {
    const out = await ecs.send(new DescribeServicesCommand({ cluster: 'acme', services: [name] }));
    const d = out.services![0]!.deployments!.find((x) => x.id === id)!;
    if (d.rolloutState !== 'IN_PROGRESS') return { ms, state: d.rolloutState!, name, id, deactivatingMs };
    // Seconds during which an old task was draining from the target group.
    const old = [...env.cloud.ecs.tasks.values()].filter(
      (t) => t.group === `service:${name}` && t.startedBy !== id && t.lastStatus === 'DEACTIVATING',
    );
    if (old.length > 0) deactivatingMs += s;
    await env.cloud.clock.advance(s);
  }
  throw new Error(`${name} never settled`);
}

beforeAll(async () => {
  env = await startTestCloud();
  ecs = new ECSClient(env.config);
  elb = new ElasticLoadBalancingV2Client(env.config);
  ecr = new ECRClient(env.config);
  await ecs.send(new CreateClusterCommand({ clusterName: 'acme' }));
  repositoryUri = (await ecr.send(new CreateRepositoryCommand({ repositoryName: 'acme' }))).repository!
    .repositoryUri!;
}, 60_000);

afterAll(async () => {
  await env?.stop();
});

describe('ECS rolling deployment timing', () => {
  const d = () => env.cloud.durations.service;
  const start = (bytes: number) => d().ecsTaskStart + (bytes / d().ecsImagePullBytesPerSecond) * s;

  it(
    aws(
      'a newly registered target is healthy after one passing check, whatever HealthyThresholdCount',
      ELB_HEALTH,
    ),
    async () => {
      const two = await deploy({ healthyThreshold: 2 });
      const ten = await deploy({ healthyThreshold: 10 });

      expect(two.state).toBe('COMPLETED');
      expect(ten.ms).toBe(two.ms);
      // Start (1 s pull of 12 MB) + the first check at 10 s + 30 s draining + stop.
      expect(two.ms).toBe(start(12_000_000) + 10 * s + 30 * s + d().ecsTaskStop);
    },
  );

  it(aws('the health check interval sets when the first check comes', ECS_HEALTH), async () => {
    const ten = await deploy({ interval: 10 });
    const five = await deploy({ interval: 5 });
    expect(ten.ms - five.ms).toBe(5 * s);
  });

  it(
    aws('old tasks drain (DEACTIVATING) for the whole deregistration delay before they stop', DRAINING),
    async () => {
      const short = await deploy({ deregistrationDelay: 30 });
      const long = await deploy({ deregistrationDelay: 300 });
      expect(long.ms - short.ms).toBe(270 * s);
      expect(long.deactivatingMs).toBe(300 * s);
      expect(short.deactivatingMs).toBe(30 * s);
    },
  );

  it(aws('deregistration_delay.timeout_seconds must be within 0–3600', TG_ATTRIBUTES), async () => {
    const tg = await elb.send(
      new CreateTargetGroupCommand({ Name: 'range', Protocol: 'HTTP', Port: 80, TargetType: 'ip' }),
    );
    const error = await errorOf(
      elb.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn: tg.TargetGroups![0]!.TargetGroupArn!,
          Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '3601' }],
        }),
      ),
    );
    expect(error.name).toBe('InvalidConfigurationRequestException');
  });

  it(aws('every Fargate task pulls the whole image: a bigger image starts later', PULL), async () => {
    const small = await deploy({ imageBytes: 12_000_000 });
    const big = await deploy({ imageBytes: 252_000_000 });
    expect(big.ms - small.ms).toBe(((252_000_000 - 12_000_000) / d().ecsImagePullBytesPerSecond) * s);
  });

  it(aws('the deployment is COMPLETED only at steady state: every old task STOPPED', STEADY), async () => {
    const r = await deploy({ deregistrationDelay: 60 });
    const stopped = await ecs.send(
      new ListTasksCommand({ cluster: 'acme', serviceName: r.name, desiredStatus: 'STOPPED' }),
    );
    const tasks = await ecs.send(new DescribeTasksCommand({ cluster: 'acme', tasks: stopped.taskArns }));
    const completedAt = env.cloud.clock.now();
    expect(tasks.tasks!.length).toBe(2);
    for (const t of tasks.tasks!) {
      expect(t.lastStatus).toBe('STOPPED');
      expect(t.stoppedAt!.getTime()).toBeLessThanOrEqual(completedAt);
      // Draining began when the new tasks were healthy; the stop came a full delay later.
      expect(t.stoppedAt!.getTime() - t.stoppingAt!.getTime()).toBe(60 * s + d().ecsTaskStop);
    }
  });

  it(
    aws(
      'unhealthy targets are ignored for the grace period; a grace period too short for the app kills its tasks',
      GRACE,
    ),
    async () => {
      const boot = d().ecsAppBoot;
      d().ecsAppBoot = 25 * s;
      try {
        const tooShort = await deploy({ grace: 0, interval: 10, unhealthyThreshold: 2 });
        const enough = await deploy({ grace: 60, interval: 10, unhealthyThreshold: 2 });
        expect(tooShort.state).toBe('FAILED');
        expect(enough.state).toBe('COMPLETED');
      } finally {
        d().ecsAppBoot = boot;
      }
    },
  );

  it(
    aws('the circuit breaker fails a deployment after 0.5 × desired failed tasks, at least 3', BREAKER),
    async () => {
      const failed = await deploy({ fault: true, desired: 2, grace: 30 });
      const out = await ecs.send(new DescribeServicesCommand({ cluster: 'acme', services: [failed.name] }));
      const deployment = out.services![0]!.deployments!.find((x) => x.id === failed.id);

      expect(failed.state).toBe('FAILED');
      expect(deployment?.failedTasks).toBe(3);
      // Two tasks at a time: 2 rounds of (start + 30 s grace) to count 3 failures.
      expect(failed.ms).toBe(2 * (start(12_000_000) + 30 * s));
    },
  );
});
