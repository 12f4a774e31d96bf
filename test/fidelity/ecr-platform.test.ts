import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  ECRClient,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCEPTED_MANIFEST_MEDIA_TYPES, imagePlatforms, OCI_IMAGE_INDEX } from '#shared/image-platform.ts';
import { errorOf, startTestCloud } from '../integration/local/helpers.ts';
import { aws } from './services-harness.ts';

const PUT_IMAGE = 'https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutImage.html';
const BATCH_GET = 'https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_BatchGetImage.html';
const FORMATS = 'https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-manifest-formats.html';
const MULTI_ARCH =
  'https://docs.aws.amazon.com/AmazonECR/latest/userguide/docker-push-multi-architecture-image.html';
const CANNOT_PULL = 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_cannot_pull_image.html';
const BREAKER = 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let ecr: ECRClient;
let ecs: ECSClient;
const REPO = 'acme-platform';

const network = {
  awsvpcConfiguration: {
    subnets: ['subnet-1'],
    securityGroups: ['sg-1'],
    assignPublicIp: 'DISABLED' as const,
  },
};

/** What `docker buildx build --platform <platforms> --push` leaves in ECR: an image index. */
const push = (tag: string, platforms: string[]) =>
  env.cloud.ecr.pushImage({ repositoryName: REPO, imageTag: tag, platforms });

const taskDefinition = async (family: string, imageUri: string, cpuArchitecture: 'X86_64' | 'ARM64') =>
  (
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture },
        containerDefinitions: [{ name: 'app', image: imageUri, essential: true }],
      }),
    )
  ).taskDefinition!.taskDefinitionArn!;

beforeAll(async () => {
  env = await startTestCloud();
  ecr = new ECRClient(env.config);
  ecs = new ECSClient(env.config);
  await ecr.send(new CreateRepositoryCommand({ repositoryName: REPO }));
  await ecs.send(new CreateClusterCommand({ clusterName: 'acme' }));
}, 60_000);

afterAll(async () => {
  ecr?.destroy();
  ecs?.destroy();
  await env?.stop();
});

describe('ECR image indexes', () => {
  it(
    aws('PutImage refuses an image index naming a manifest the repository does not hold', PUT_IMAGE),
    async () => {
      const index = JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_IMAGE_INDEX,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: `sha256:${'a'.repeat(64)}`,
            size: 500,
            platform: { os: 'linux', architecture: 'arm64' },
          },
        ],
      });
      const error = await errorOf(
        ecr.send(new PutImageCommand({ repositoryName: REPO, imageManifest: index, imageTag: 'orphan' })),
      );
      expect(error.name).toBe('ReferencedImagesNotFoundException');
      expect(env.cloud.ecr.repository(REPO).images.some((i) => i.imageTags.includes('orphan'))).toBe(false);
    },
  );

  it(
    aws(
      'BatchGetImage returns the stored image index with its media type and platforms',
      `${BATCH_GET} ${MULTI_ARCH}`,
    ),
    async () => {
      const pushed = push('both', ['linux/amd64', 'linux/arm64']);
      const out = await ecr.send(
        new BatchGetImageCommand({
          repositoryName: REPO,
          imageIds: [{ imageTag: 'both' }],
          acceptedMediaTypes: ACCEPTED_MANIFEST_MEDIA_TYPES,
        }),
      );
      const image = out.images![0]!;
      expect(image.imageId?.imageDigest).toBe(pushed.imageDigest);
      expect(image.imageManifestMediaType).toBe(OCI_IMAGE_INDEX);
      expect(imagePlatforms(image.imageManifest!, image.imageManifestMediaType).platforms).toEqual([
        'linux/amd64',
        'linux/arm64',
      ]);
    },
  );

  it(
    aws(
      'an image index has no conversion: BatchGetImage accepting only image manifests does not return it',
      FORMATS,
    ),
    async () => {
      push('index-only', ['linux/amd64']);
      const out = await ecr.send(
        new BatchGetImageCommand({
          repositoryName: REPO,
          imageIds: [{ imageTag: 'index-only' }],
          acceptedMediaTypes: ['application/vnd.oci.image.manifest.v1+json'],
        }),
      );
      expect(out.images).toEqual([]);
      expect(out.failures![0]!.imageId).toEqual({ imageTag: 'index-only' });
    },
  );
});

describe('Fargate pulls the image of its platform', () => {
  const startedTask = async (taskDefinitionArn: string) => {
    const run = await ecs.send(
      new RunTaskCommand({
        cluster: 'acme',
        taskDefinition: taskDefinitionArn,
        launchType: 'FARGATE',
        networkConfiguration: network,
      }),
    );
    await env.cloud.clock.advance(5 * 60_000);
    const arn = run.tasks![0]!.taskArn!;
    for (let i = 0; i < 200; i++) {
      const task = (await ecs.send(new DescribeTasksCommand({ cluster: 'acme', tasks: [arn] }))).tasks![0]!;
      if (task.lastStatus !== 'PROVISIONING' && task.lastStatus !== 'PENDING') return task;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the task never left PENDING');
  };

  it(
    aws(
      'an ARM64 task whose image index lacks linux/arm64 stops with CannotPullContainerError (TaskFailedToStart); an X86_64 task of the same image runs',
      CANNOT_PULL,
    ),
    async () => {
      const amd64 = push('amd64-only', ['linux/amd64']);
      const arm = await startedTask(await taskDefinition('acme-arm', amd64.imageUri, 'ARM64'));
      expect(arm.lastStatus).toBe('STOPPED');
      expect(arm.stopCode).toBe('TaskFailedToStart');
      expect(arm.stoppedReason).toMatch(
        /^CannotPullContainerError: .*does not contain descriptor matching platform 'linux\/arm64\/v8'/,
      );
      const x86 = await startedTask(await taskDefinition('acme-x86', amd64.imageUri, 'X86_64'));
      expect(['RUNNING', 'STOPPED']).toContain(x86.lastStatus);
      expect(x86.stopCode).not.toBe('TaskFailedToStart');
    },
  );

  it(
    aws(
      'a service rolled to an image without its platform never runs a new task and the circuit breaker rolls back',
      `${CANNOT_PULL} ${BREAKER}`,
    ),
    async () => {
      const good = push('good', ['linux/arm64']);
      const bad = push('bad', ['linux/amd64']);
      const v1 = await taskDefinition('acme-svc', good.imageUri, 'ARM64');
      const v2 = await taskDefinition('acme-svc', bad.imageUri, 'ARM64');
      await ecs.send(
        new CreateServiceCommand({
          cluster: 'acme',
          serviceName: 'svc',
          taskDefinition: v1,
          desiredCount: 2,
          launchType: 'FARGATE',
          networkConfiguration: network,
          deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
        }),
      );
      const describe = async () =>
        (await ecs.send(new DescribeServicesCommand({ cluster: 'acme', services: ['svc'] }))).services![0]!;
      await env.cloud.clock.advance(30 * 60_000);
      for (let i = 0; i < 200 && (await describe()).deployments![0]!.rolloutState !== 'COMPLETED'; i++)
        await new Promise((r) => setTimeout(r, 25));
      expect((await describe()).deployments![0]!.rolloutState).toBe('COMPLETED');

      await ecs.send(new UpdateServiceCommand({ cluster: 'acme', service: 'svc', taskDefinition: v2 }));
      const failedDeployment = (await describe()).deployments!.find((d) => d.status === 'PRIMARY')!.id!;
      await env.cloud.clock.advance(2 * 60_000);
      const stoppedTasks = () =>
        ecs.send(
          new ListTasksCommand({ cluster: 'acme', startedBy: failedDeployment, desiredStatus: 'STOPPED' }),
        );
      for (let i = 0; i < 200 && !(await stoppedTasks()).taskArns?.length; i++)
        await new Promise((r) => setTimeout(r, 25));
      await env.cloud.clock.advance(30 * 60_000);

      const stopped = await stoppedTasks();
      const tasks = (await ecs.send(new DescribeTasksCommand({ cluster: 'acme', tasks: stopped.taskArns })))
        .tasks!;
      expect(tasks.length).toBeGreaterThan(0);
      for (const t of tasks) {
        expect(t.stopCode).toBe('TaskFailedToStart');
        expect(t.stoppedReason).toMatch(/^CannotPullContainerError: /);
      }
      const after = await describe();
      expect(after.deployments!.find((d) => d.id === failedDeployment)?.rolloutState ?? 'FAILED').toBe(
        'FAILED',
      );
      expect(after.deployments!.find((d) => d.status === 'PRIMARY')!.taskDefinition).toBe(v1);
      expect(after.runningCount).toBe(2);
    },
  );
});
