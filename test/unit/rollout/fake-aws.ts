import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandInput,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeImagesCommand,
  type DescribeImagesCommandInput,
  ECRClient,
  ListTagsForResourceCommand,
  type ListTagsForResourceCommandInput,
} from '@aws-sdk/client-ecr';
import {
  type Deployment,
  DescribeServicesCommand,
  type DescribeServicesCommandInput,
  DescribeTaskDefinitionCommand,
  type DescribeTaskDefinitionCommandInput,
  DescribeTasksCommand,
  type DescribeTasksCommandInput,
  ECSClient,
  ListTasksCommand,
  type ListTasksCommandInput,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  RunTaskCommand,
  type RunTaskCommandInput,
  type Task,
  type TaskDefinition,
  UpdateServiceCommand,
  type UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import {
  GetObjectCommand,
  type GetObjectCommandInput,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { stringify } from 'yaml';
import { logger } from '#shared/logger.ts';
import { type ManifestInput, validateManifestObject } from '#shared/manifest/index.ts';
import { manifestKey, stackName, statusKey } from '#shared/naming.ts';
import { parsedManifestKey } from '#shared/parsed-manifest.ts';
import type { BatchDeps } from '#shared/rollout/batch.ts';
import type { EcrImageActionEvent } from '#shared/rollout/event.ts';
import { deployMessage } from '#shared/rollout/message.ts';
import { type Phase, type StatusDocument, StatusDocumentSchema } from '#shared/status.ts';

export const BUCKET = 'stackdrop-state-123456789012';
export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'events');

/** An ECR fixture (`push`, `push-untagged`, `delete`), cloned so a test may change it. */
export function ecrEvent(variant: string): EcrImageActionEvent {
  return structuredClone(
    JSON.parse(readFileSync(join(fixtures, 'aws.ecr', `${variant}.json`), 'utf8')) as EcrImageActionEvent,
  );
}

/** `sha256:` and 64 hex characters derived from a number. */
export function digest(n: number): string {
  return `sha256:${n.toString(16).padStart(64, '0')}`;
}

/** A push event of `repository` with the given digest, tag and time. */
export function pushEvent(
  repository: string,
  imageDigest: string,
  tag: string | undefined,
  time: Date,
  id: string,
): EcrImageActionEvent {
  const event = ecrEvent('push');
  event.id = id;
  event.time = time.toISOString().replace(/\.\d{3}Z$/, 'Z');
  event.detail['repository-name'] = repository;
  event.detail['image-digest'] = imageDigest;
  if (tag === undefined) delete event.detail['image-tag'];
  else event.detail['image-tag'] = tag;
  return event;
}

let receiptCounter = 0;
/** An SQS FIFO record carrying an event as the deploy queue would deliver it. */
export function sqsRecord(event: EcrImageActionEvent, messageId: string, receiveCount = 1): SQSRecord {
  const message = deployMessage(event);
  return {
    messageId,
    receiptHandle: `receipt-${++receiptCounter}`,
    body: message.MessageBody,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '0',
      SenderId: 'AIDA',
      ApproximateFirstReceiveTimestamp: '0',
      MessageGroupId: message.MessageGroupId,
      MessageDeduplicationId: message.MessageDeduplicationId,
      SequenceNumber: messageId,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:stackdrop-deploys.fifo`,
    awsRegion: REGION,
  };
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

export function awsError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    ...(name === 'ThrottlingException' ? { $retryable: { throttling: true } } : {}),
  });
}

export interface ProjectOptions {
  project?: string;
  environment?: string;
  repository?: string;
  deployTag?: string;
  phase?: Phase;
  /** false: no app stack yet. */
  appStack?: boolean;
  /** The app stack's ImageUri output: empty for a stack created without an image. */
  stackImageUri?: string;
  workers?: { name: string; desiredCount: number }[];
  scheduler?: boolean;
  release?: string[] | undefined;
  webDesiredCount?: number;
  deploys?: StatusDocument['deploys'];
}

interface FakeService {
  cluster: string;
  name: string;
  taskDefinition: string;
  desiredCount: number;
  deployments: Deployment[];
  /** DescribeServices calls seen per IN_PROGRESS deployment. */
  polls: Map<string, number>;
}

/**
 * An in-memory AWS for roll-service: S3 with ETags (conditional writes), CloudFormation outputs,
 * ECR tags and tag pointers, ECS task definitions, services whose deployments move from
 * IN_PROGRESS to COMPLETED (or FAILED with a circuit-breaker rollback) over polls, and release
 * tasks that stop with a chosen exit code. Backed by one aws-sdk-client-mock per client.
 */
export class FakeAws {
  readonly mocks = {
    s3: mockClient(S3Client),
    cfn: mockClient(CloudFormationClient),
    ecr: mockClient(ECRClient),
    ecs: mockClient(ECSClient),
    events: mockClient(EventBridgeClient),
    sqs: mockClient(SQSClient),
  };
  readonly clients = {
    s3: new S3Client({}),
    cfn: new CloudFormationClient({}),
    ecr: new ECRClient({}),
    ecs: new ECSClient({}),
    events: new EventBridgeClient({}),
    sqs: new SQSClient({}),
  };
  clock!: Date;
  objects!: Map<string, { body: string; etag: number }>;
  stacks!: Map<string, { status: string; outputs: Record<string, string> }>;
  repos!: Map<
    string,
    { tags: Record<string, string>; images: { digest: string; tag?: string; pushedAt: Date }[] }
  >;
  taskDefinitions!: Map<string, TaskDefinition & { tags?: { key?: string; value?: string }[] }>;
  services!: Map<string, FakeService>;
  tasks!: Map<string, Task & { polls: number }>;
  published!: { detailType: string; detail: Record<string, unknown> }[];
  updates!: UpdateServiceCommandInput[];
  runTasks!: RunTaskCommandInput[];
  visibilityChanges!: { ReceiptHandle?: string; VisibilityTimeout?: number }[];
  /** Outcome a new deployment of a service reaches, and after how many DescribeServices polls. */
  rolloutOutcome!: (service: string) => 'COMPLETED' | 'FAILED' | 'NEVER';
  pollsToFinish!: number;
  releaseExitCode!: number;
  /** Throttle the next N calls of a command (by name, e.g. 'UpdateServiceCommand'). */
  throttles!: Map<string, number>;
  /** RunTask starts the task but its answer is lost (a server error) for the next N calls. */
  lostRunTaskAnswers!: number;
  /** Tasks RunTask started per clientToken: ECS answers a repeated token with the same task. */
  private runTaskTokens = new Map<string, string>();
  private seq = 0;

  constructor() {
    this.reset();
  }

  /** handleDeployBatch's dependencies on this fake (its clients, clock and sleep), with `overrides`. */
  batchDeps(overrides: Partial<BatchDeps> = {}): BatchDeps {
    return {
      ...this.clients,
      logger,
      bucket: BUCKET,
      queueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/stackdrop-deploys.fifo`,
      maxReceiveCount: 5,
      now: this.now,
      sleep: this.sleep,
      pollIntervalMs: 15_000,
      ...overrides,
    };
  }

  readonly now = (): Date => new Date(this.clock);
  /** Virtual time: sleeping advances the clock instantly. */
  readonly sleep = async (ms: number): Promise<void> => {
    this.clock = new Date(this.clock.getTime() + ms);
  };

  /** Empties the world and resets every mock, wired to the fresh state. */
  reset(): void {
    this.clock = new Date('2026-11-26T07:00:00Z');
    this.objects = new Map();
    this.stacks = new Map();
    this.repos = new Map();
    this.taskDefinitions = new Map();
    this.services = new Map();
    this.tasks = new Map();
    this.published = [];
    this.updates = [];
    this.runTasks = [];
    this.lostRunTaskAnswers = 0;
    this.runTaskTokens = new Map();
    this.visibilityChanges = [];
    this.rolloutOutcome = () => 'COMPLETED';
    this.pollsToFinish = 2;
    this.releaseExitCode = 0;
    this.throttles = new Map();
    for (const mock of Object.values(this.mocks)) mock.reset();
    const { s3, cfn, ecr, ecs, events, sqs } = this.mocks;
    s3.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => this.getObject(input));
    s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => this.putObject(input));
    cfn
      .on(DescribeStacksCommand)
      .callsFake((input: DescribeStacksCommandInput) => this.describeStacks(input));
    ecr
      .on(ListTagsForResourceCommand)
      .callsFake((input: ListTagsForResourceCommandInput) => this.listTags(input));
    ecr
      .on(DescribeImagesCommand)
      .callsFake((input: DescribeImagesCommandInput) => this.describeImages(input));
    ecs
      .on(DescribeTaskDefinitionCommand)
      .callsFake((input: DescribeTaskDefinitionCommandInput) => this.describeTaskDefinition(input));
    ecs
      .on(RegisterTaskDefinitionCommand)
      .callsFake((input: RegisterTaskDefinitionCommandInput) => this.registerTaskDefinition(input));
    ecs
      .on(DescribeServicesCommand)
      .callsFake((input: DescribeServicesCommandInput) => this.describeServices(input));
    ecs.on(UpdateServiceCommand).callsFake((input: UpdateServiceCommandInput) => this.updateService(input));
    ecs.on(RunTaskCommand).callsFake((input: RunTaskCommandInput) => this.runTask(input));
    ecs.on(DescribeTasksCommand).callsFake((input: DescribeTasksCommandInput) => this.describeTasks(input));
    ecs.on(ListTasksCommand).callsFake((input: ListTasksCommandInput) => this.listTasks(input));
    events.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => {
      for (const e of input.Entries ?? []) {
        this.published.push({ detailType: e.DetailType!, detail: JSON.parse(e.Detail ?? '{}') });
      }
      return { FailedEntryCount: 0, Entries: [{ EventId: `e-${++this.seq}` }] };
    });
    sqs.on(ChangeMessageVisibilityBatchCommand).callsFake((input) => {
      this.visibilityChanges.push(...(input.Entries ?? []));
      return { Successful: [], Failed: [] };
    });
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  }

  /** Creates a provisioned project: stacks with outputs, ECS services, manifest, status document. */
  addProject(options: ProjectOptions = {}): { project: string; environment: string; repository: string } {
    const project = options.project ?? 'acme';
    const environment = options.environment ?? 'production';
    const repository = options.repository ?? `${project}-${environment}`;
    const cluster = `stackdrop-${project}-${environment}`;
    const repositoryUri = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${repository}`;
    const workers = options.workers ?? [{ name: 'default', desiredCount: 1 }];
    const scheduler = options.scheduler ?? true;
    const release = 'release' in options ? options.release : ['php', 'artisan', 'migrate', '--force'];
    const stackImageUri = options.stackImageUri ?? `${repositoryUri}@${digest(0xaaa)}`;
    const firstImage = stackImageUri === '';
    const image = firstImage ? 'public.ecr.aws/nginx/nginx:stable' : stackImageUri;

    this.repos.set(repository, {
      tags: {
        'stackdrop:project': project,
        'stackdrop:environment': environment,
        'stackdrop:managed': 'true',
        'stackdrop:deploy-tag': options.deployTag ?? 'main',
      },
      images: [],
    });
    this.stacks.set(stackName(project, environment, 'network'), {
      status: 'CREATE_COMPLETE',
      outputs: { PrivateSubnetIds: 'subnet-a,subnet-b', AppSecurityGroupId: 'sg-app' },
    });
    this.stacks.set(stackName(project, environment, 'edge'), {
      status: 'CREATE_COMPLETE',
      outputs: { ClusterName: cluster, RepositoryUri: repositoryUri },
    });
    const family = (role: string) => `stackdrop-${project}-${environment}-${role}`;
    const td = (role: string, command: string[]) =>
      this.registerTaskDefinition({
        family: family(role),
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/stackdrop/stages/stackdrop-exec`,
        taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/stackdrop/stages/stackdrop-task`,
        containerDefinitions: [
          { name: 'app', image, essential: true, command },
          {
            name: 'log-router',
            image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable',
            essential: false,
          },
        ],
        tags: [{ key: 'stackdrop:project', value: project }],
      }).taskDefinition!.taskDefinitionArn!;
    const addService = (name: string, taskDefinition: string, desiredCount: number) => {
      this.services.set(`${cluster}/${name}`, {
        cluster,
        name,
        taskDefinition,
        desiredCount: firstImage ? 0 : desiredCount,
        deployments: [
          { id: `ecs-svc/initial-${name}`, status: 'PRIMARY', taskDefinition, rolloutState: 'COMPLETED' },
        ],
        polls: new Map(),
      });
    };
    const web = `${project}-${environment}-web`;
    addService(web, td('web', ['apache2-foreground']), options.webDesiredCount ?? 2);
    const workerNames = workers.map((w) => {
      const name = `${project}-${environment}-worker-${w.name}`;
      addService(name, td(`worker-${w.name}`, ['php', 'artisan', 'queue:work']), w.desiredCount);
      return name;
    });
    const schedulerName = `${project}-${environment}-scheduler`;
    if (scheduler) addService(schedulerName, td('scheduler', ['php', 'artisan', 'schedule:work']), 1);
    const releaseTd = td('release', release ?? ['true']);
    if (options.appStack !== false) {
      this.stacks.set(stackName(project, environment, 'app'), {
        status: 'CREATE_COMPLETE',
        outputs: {
          WebServiceName: web,
          WorkerServiceNames: workerNames.join(','),
          SchedulerServiceName: scheduler ? schedulerName : '',
          WebTaskDefinitionArn: this.services.get(`${cluster}/${web}`)!.taskDefinition,
          ReleaseTaskDefinitionArn: releaseTd,
          ImageUri: stackImageUri,
        },
      });
    }

    const manifest: ManifestInput = {
      version: 1,
      project,
      environment,
      app: {
        allowPlainHttp: true,
        repository,
        deployTag: options.deployTag ?? 'main',
        web: { desiredCount: options.webDesiredCount ?? 2 },
        workers: workers.map((w) => ({
          name: w.name,
          command: ['php', 'artisan', 'queue:work'],
          desiredCount: w.desiredCount,
        })),
        scheduler,
        ...(release ? { release } : {}),
      },
    };
    this.objects.set(manifestKey(project, environment), { body: stringify(manifest), etag: 1 });
    // What record-status keeps when provisioning starts: the manifest as load-manifest parsed it.
    const parsed = { key: manifestKey(project, environment), versionId: 'v1' };
    this.objects.set(parsedManifestKey(project, environment, parsed), {
      body: JSON.stringify({ ...parsed, manifest: validateManifestObject(manifest) }),
      etag: 1,
    });
    const doc = StatusDocumentSchema.parse({
      project,
      environment,
      phase: options.phase ?? 'ready',
      updatedAt: this.clock.toISOString(),
      manifest: { key: manifestKey(project, environment), versionId: 'v1' },
      deploys: options.deploys ?? [],
    });
    this.objects.set(statusKey(project, environment), { body: JSON.stringify(doc), etag: 1 });
    return { project, environment, repository };
  }

  /** Records a push in ECR: the tag now points to this digest. */
  pushImage(repository: string, imageDigest: string, tag: string | undefined, pushedAt: Date): void {
    this.repos.get(repository)?.images.push({ digest: imageDigest, ...(tag ? { tag } : {}), pushedAt });
  }

  status(project = 'acme', environment = 'production'): StatusDocument {
    return StatusDocumentSchema.parse(JSON.parse(this.objects.get(statusKey(project, environment))!.body));
  }

  service(name: string): FakeService {
    const found = [...this.services.values()].find((s) => s.name === name);
    if (!found) throw new Error(`no service ${name}`);
    return found;
  }

  imageOf(taskDefinitionArn: string): string | undefined {
    return this.taskDefinitions.get(taskDefinitionArn)?.containerDefinitions?.[0]?.image;
  }

  private throttled(command: string): void {
    const left = this.throttles.get(command) ?? 0;
    if (left > 0) {
      this.throttles.set(command, left - 1);
      throw awsError('ThrottlingException', 'Rate exceeded');
    }
  }

  private getObject(input: GetObjectCommandInput) {
    const object = this.objects.get(input.Key!);
    if (!object) throw awsError('NoSuchKey', 'The specified key does not exist.', 404);
    return {
      Body: {
        transformToString: async () => object.body,
        transformToByteArray: async () => new TextEncoder().encode(object.body),
      },
      ETag: `"${object.etag}"`,
    } as never;
  }

  private putObject(input: PutObjectCommandInput) {
    const current = this.objects.get(input.Key!);
    if (input.IfNoneMatch === '*' && current) throw awsError('PreconditionFailed', 'exists', 412);
    if (input.IfMatch !== undefined && input.IfMatch !== `"${current?.etag}"`) {
      throw awsError('PreconditionFailed', 'etag mismatch', 412);
    }
    const etag = (current?.etag ?? 0) + 1;
    this.objects.set(input.Key!, { body: String(input.Body), etag });
    return { ETag: `"${etag}"` };
  }

  private describeStacks(input: DescribeStacksCommandInput) {
    const stack = this.stacks.get(input.StackName!);
    if (!stack) throw awsError('ValidationError', `Stack with id ${input.StackName} does not exist`);
    return {
      Stacks: [
        {
          StackName: input.StackName,
          StackStatus: stack.status,
          CreationTime: new Date(),
          Outputs: Object.entries(stack.outputs).map(([OutputKey, OutputValue]) => ({
            OutputKey,
            OutputValue,
          })),
        },
      ],
    } as never;
  }

  private listTags(input: ListTagsForResourceCommandInput) {
    const name = input.resourceArn!.split(':repository/')[1]!;
    const repo = this.repos.get(name);
    if (!repo) throw awsError('RepositoryNotFoundException', `repository ${name} not found`);
    return { tags: Object.entries(repo.tags).map(([Key, Value]) => ({ Key, Value })) };
  }

  private describeImages(input: DescribeImagesCommandInput) {
    const repo = this.repos.get(input.repositoryName!);
    const tag = input.imageIds?.[0]?.imageTag;
    const images = (repo?.images ?? []).filter((i) => i.tag === tag);
    const latest = images.sort((a, b) => a.pushedAt.getTime() - b.pushedAt.getTime()).at(-1);
    if (!latest) throw awsError('ImageNotFoundException', 'image not found');
    return {
      imageDetails: [{ imageDigest: latest.digest, imagePushedAt: latest.pushedAt, imageTags: [tag!] }],
    };
  }

  private describeTaskDefinition(input: DescribeTaskDefinitionCommandInput) {
    this.throttled('DescribeTaskDefinitionCommand');
    let arn = input.taskDefinition!;
    if (!arn.startsWith('arn:')) {
      arn = [...this.taskDefinitions.keys()].filter((k) => k.includes(`/${arn}:`)).at(-1) ?? arn;
    }
    const found = this.taskDefinitions.get(arn);
    if (!found) throw awsError('ClientException', 'Unable to describe task definition.');
    const { tags, ...taskDefinition } = found;
    return { taskDefinition: structuredClone(taskDefinition), tags: structuredClone(tags ?? []) };
  }

  private registerTaskDefinition(input: RegisterTaskDefinitionCommandInput) {
    this.throttled('RegisterTaskDefinitionCommand');
    for (const field of ['taskDefinitionArn', 'revision', 'status', 'registeredAt', 'compatibilities']) {
      if (field in input) throw awsError('ClientException', `Unknown parameter ${field}`);
    }
    const revision = [...this.taskDefinitions.values()].filter((t) => t.family === input.family).length + 1;
    const arn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${input.family}:${revision}`;
    const { tags, ...rest } = structuredClone(input);
    const taskDefinition = {
      ...rest,
      taskDefinitionArn: arn,
      revision,
      status: 'ACTIVE',
      compatibilities: ['EC2', 'FARGATE'],
      requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.task-eni' }],
      registeredAt: new Date(this.clock),
      registeredBy: 'arn:aws:sts::123456789012:assumed-role/roll-service',
    } as TaskDefinition;
    this.taskDefinitions.set(arn, { ...taskDefinition, ...(tags ? { tags } : {}) });
    return { taskDefinition };
  }

  private describeServices(input: DescribeServicesCommandInput) {
    this.throttled('DescribeServicesCommand');
    const services = (input.services ?? []).flatMap((name) => {
      const service = this.services.get(`${input.cluster}/${name}`);
      if (!service) return [];
      for (const d of service.deployments) {
        if (d.rolloutState !== 'IN_PROGRESS') continue;
        const polls = (service.polls.get(d.id!) ?? 0) + 1;
        service.polls.set(d.id!, polls);
        const outcome = this.rolloutOutcome(service.name);
        if (polls < this.pollsToFinish || outcome === 'NEVER') continue;
        if (outcome === 'COMPLETED') {
          d.rolloutState = 'COMPLETED';
          service.deployments = service.deployments.filter((x) => x === d);
          continue;
        }
        this.failDeployment(service, d);
      }
      return [
        {
          serviceName: service.name,
          status: 'ACTIVE',
          taskDefinition: service.taskDefinition,
          desiredCount: service.desiredCount,
          deployments: structuredClone(service.deployments),
        },
      ];
    });
    return { services, failures: [] } as never;
  }

  /** Circuit breaker: tasks crashed, the deployment FAILED and a rollback deployment took over. */
  private failDeployment(service: FakeService, d: Deployment): void {
    d.rolloutState = 'FAILED';
    d.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
    d.status = 'ACTIVE';
    const taskArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${service.cluster}/crashed-${++this.seq}`;
    this.tasks.set(taskArn, {
      taskArn,
      clusterArn: service.cluster,
      group: `service:${service.name}`,
      taskDefinitionArn: d.taskDefinition,
      lastStatus: 'STOPPED',
      stoppedAt: new Date(this.clock),
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [{ name: 'app', exitCode: 1, reason: 'SQLSTATE[HY000] [2002] Connection refused' }],
      polls: 0,
    });
    const previous = service.deployments.find((x) => x !== d)?.taskDefinition ?? service.taskDefinition;
    service.taskDefinition = previous;
    service.deployments.unshift({
      id: `ecs-svc/rollback-${++this.seq}`,
      status: 'PRIMARY',
      taskDefinition: previous,
      rolloutState: 'COMPLETED',
    });
  }

  private updateService(input: UpdateServiceCommandInput) {
    this.throttled('UpdateServiceCommand');
    const service = this.services.get(`${input.cluster}/${input.service}`);
    if (!service) throw awsError('ServiceNotFoundException', 'Service not found.');
    this.updates.push(structuredClone(input));
    for (const d of service.deployments) if (d.status === 'PRIMARY') d.status = 'ACTIVE';
    const id = `ecs-svc/${++this.seq}`;
    service.taskDefinition = input.taskDefinition ?? service.taskDefinition;
    if (input.desiredCount !== undefined) service.desiredCount = input.desiredCount;
    service.deployments.unshift({
      id,
      status: 'PRIMARY',
      taskDefinition: service.taskDefinition,
      rolloutState: 'IN_PROGRESS',
    });
    return {
      service: {
        serviceName: service.name,
        taskDefinition: service.taskDefinition,
        deployments: structuredClone(service.deployments),
      },
    } as never;
  }

  private runTask(input: RunTaskCommandInput) {
    this.throttled('RunTaskCommand');
    this.runTasks.push(structuredClone(input));
    const known = input.clientToken ? this.runTaskTokens.get(input.clientToken) : undefined;
    const taskArn = known ?? `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${input.cluster}/release-${++this.seq}`;
    if (!known) {
      this.tasks.set(taskArn, {
        taskArn,
        taskDefinitionArn: input.taskDefinition,
        lastStatus: 'PROVISIONING',
        containers: [{ name: 'app' }, { name: 'log-router' }],
        polls: 0,
      });
      if (input.clientToken) this.runTaskTokens.set(input.clientToken, taskArn);
    }
    if (this.lostRunTaskAnswers > 0) {
      this.lostRunTaskAnswers--;
      throw awsError('ServerException', 'Service unavailable', 500);
    }
    return { tasks: [{ taskArn }], failures: [] };
  }

  private describeTasks(input: DescribeTasksCommandInput) {
    const tasks = (input.tasks ?? []).flatMap((arn) => {
      const task = this.tasks.get(arn);
      if (!task) return [];
      if (task.lastStatus !== 'STOPPED' && ++task.polls >= this.pollsToFinish) {
        task.lastStatus = 'STOPPED';
        task.stoppedAt = new Date(this.clock);
        task.stopCode = 'EssentialContainerExited';
        task.stoppedReason = 'Essential container in task exited';
        task.containers = [
          {
            name: 'app',
            exitCode: this.releaseExitCode,
            ...(this.releaseExitCode === 0 ? {} : { reason: 'Migration failed: table users already exists' }),
          },
          { name: 'log-router', exitCode: 0 },
        ];
      }
      const { polls: _polls, ...rest } = task;
      return [structuredClone(rest)];
    });
    return { tasks, failures: [] } as never;
  }

  private listTasks(input: ListTasksCommandInput) {
    const taskArns = [...this.tasks.values()]
      .filter((t) => t.group === `service:${input.serviceName}` && t.lastStatus === 'STOPPED')
      .map((t) => t.taskArn!);
    return { taskArns };
  }
}
