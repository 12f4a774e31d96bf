import { randomBytes } from 'node:crypto';
import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';
import { taskStartFailure } from './ecs-image-pull.ts';
import {
  type CircuitBreakerTiming,
  circuitBreakerThreshold,
  type RolloutTimeline,
  type RolloutTimingInput,
  timeCircuitBreaker,
  timeRollout,
} from './ecs-rollout.ts';
import { checkTaskDefinition } from './ecs-task-definitions.ts';
import { targetGroupTimings, taskTimings } from './ecs-timing.ts';

type Tag = { key: string; value: string };

export interface EcsCluster {
  clusterArn: string;
  clusterName: string;
  status: 'ACTIVE' | 'INACTIVE';
  tags: Tag[];
  settings?: unknown[];
  capacityProviders?: string[];
}

export interface TaskDefinition {
  taskDefinitionArn: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';
  registeredAt: Date;
  deregisteredAt?: Date;
  containerDefinitions: Array<
    Record<string, unknown> & { name?: string; image?: string; essential?: boolean }
  >;
  [key: string]: unknown;
}

export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

export interface Deployment {
  id: string;
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  taskDefinition: string;
  desiredCount: number;
  pendingCount: number;
  runningCount: number;
  failedTasks: number;
  createdAt: Date;
  updatedAt: Date;
  launchType?: string;
  rolloutState: RolloutState;
  rolloutStateReason: string;
  networkConfiguration?: unknown;
}

export interface EcsService {
  serviceArn: string;
  serviceName: string;
  clusterArn: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  taskDefinition: string;
  launchType?: string;
  platformVersion?: string;
  networkConfiguration?: unknown;
  loadBalancers: unknown[];
  deploymentConfiguration: {
    deploymentCircuitBreaker?: { enable: boolean; rollback: boolean };
    maximumPercent?: number;
    minimumHealthyPercent?: number;
  };
  healthCheckGracePeriodSeconds?: number;
  enableExecuteCommand?: boolean;
  propagateTags?: string;
  capacityProviderStrategy?: unknown[];
  deployments: Deployment[];
  events: Array<{ id: string; createdAt: Date; message: string }>;
  createdAt: Date;
  tags: Tag[];
  timers: Array<{ cancel(): void }>;
  settled: Array<{ deploymentId: string; resolve: (state: RolloutState) => void }>;
}

export interface EcsTask {
  taskArn: string;
  clusterArn: string;
  taskDefinitionArn: string;
  lastStatus: string;
  desiredStatus: string;
  launchType?: string;
  cpu?: string;
  memory?: string;
  group?: string;
  startedBy?: string;
  createdAt: Date;
  startedAt?: Date;
  stoppingAt?: Date;
  stoppedAt?: Date;
  stopCode?: string;
  stoppedReason?: string;
  overrides: { containerOverrides?: Array<Record<string, unknown>> };
  /** RunTask's awsvpc configuration (subnets, security groups), as the task's ENI attachment has it. */
  networkConfiguration?: unknown;
  containers: Array<{
    containerArn: string;
    taskArn: string;
    name: string;
    image?: string;
    lastStatus: string;
    exitCode?: number;
    reason?: string;
  }>;
  tags: Tag[];
  timers: Array<{ cancel(): void }>;
}

const clusterNotFound = () => new AwsError('ClusterNotFoundException', 'Cluster not found.');
const serviceNotFound = () => new AwsError('ServiceNotFoundException', 'Service not found.');
const invalidParameter = (m: string) => new AwsError('InvalidParameterException', m);

/**
 * A task definition in `awsvpc` mode needs the service's or task's networkConfiguration
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-networking-awsvpc.html).
 */
function requireAwsvpcNetwork(td: TaskDefinition, networkConfiguration: unknown): void {
  if (td.networkMode === 'awsvpc' && !networkConfiguration) {
    throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
}

function hex(n: number): string {
  return randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n);
}

/**
 * ECS: clusters, task definitions with revisions, services whose deployments roll out over
 * virtual time (IN_PROGRESS → COMPLETED, or → FAILED with a circuit-breaker rollback when a fault
 * is injected), RunTask with exit codes and stop reasons, and *ECS Deployment State Change* events.
 */
export class EcsModel {
  readonly #cloud: LocalCloud;
  readonly clusters = new Map<string, EcsCluster>();
  /** Task definition revisions per family (index = revision - 1). */
  readonly taskDefinitions = new Map<string, TaskDefinition[]>();
  /** Services by ARN. */
  readonly services = new Map<string, EcsService>();
  readonly tasks = new Map<string, EcsTask>();
  /** How each deployment was timed (ecs-rollout.ts), by deployment id: what tests and benchmarks read. */
  readonly timings = new Map<string, { rollout?: RolloutTimeline; failure?: CircuitBreakerTiming }>();
  /** A deployment's secret read at task start (local/iam/ecs.ts) and the task definition to roll back to. */
  readonly #secretReads = new WeakMap<
    Deployment,
    { denial: Promise<string | undefined>; previous?: string }
  >();
  /** Told when a task starts RUNNING or STOPS (local/services/containers.ts writes its log lines). */
  readonly taskListeners: Array<(task: EcsTask, state: 'RUNNING' | 'STOPPED') => void> = [];

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
  }

  #arn(resource: string): string {
    return this.#cloud.arn('ecs', resource);
  }

  // ---- clusters --------------------------------------------------------------------------

  createCluster(
    input: { clusterName?: string; tags?: Tag[]; settings?: unknown[]; capacityProviders?: string[] } = {},
  ): EcsCluster {
    const name = input.clusterName ?? 'default';
    const existing = this.clusters.get(name);
    if (existing && existing.status === 'ACTIVE') return existing;
    const cluster: EcsCluster = {
      clusterArn: this.#arn(`cluster/${name}`),
      clusterName: name,
      status: 'ACTIVE',
      tags: input.tags ?? [],
      settings: input.settings,
      capacityProviders: input.capacityProviders,
    };
    this.clusters.set(name, cluster);
    return cluster;
  }

  /** Resolves a cluster name or ARN (default: `default`). */
  cluster(ref: string | undefined): EcsCluster {
    const name = (ref ?? 'default').split('/').pop()!;
    const c = this.clusters.get(name);
    if (c?.status !== 'ACTIVE') throw clusterNotFound();
    return c;
  }

  deleteCluster(ref: string): EcsCluster {
    const c = this.cluster(ref);
    if ([...this.services.values()].some((s) => s.clusterArn === c.clusterArn && s.status === 'ACTIVE')) {
      throw new AwsError(
        'ClusterContainsServicesException',
        'The Cluster cannot be deleted while Services are active.',
      );
    }
    if ([...this.tasks.values()].some((t) => t.clusterArn === c.clusterArn && t.lastStatus !== 'STOPPED')) {
      throw new AwsError(
        'ClusterContainsTasksException',
        'The Cluster cannot be deleted while Tasks are active.',
      );
    }
    c.status = 'INACTIVE';
    return c;
  }

  #clusterView(c: EcsCluster, withTags: boolean) {
    const services = [...this.services.values()].filter(
      (s) => s.clusterArn === c.clusterArn && s.status === 'ACTIVE',
    );
    const tasks = [...this.tasks.values()].filter((t) => t.clusterArn === c.clusterArn);
    return {
      clusterArn: c.clusterArn,
      clusterName: c.clusterName,
      status: c.status,
      registeredContainerInstancesCount: 0,
      runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
      pendingTasksCount: tasks.filter((t) => ['PROVISIONING', 'PENDING'].includes(t.lastStatus)).length,
      activeServicesCount: services.length,
      capacityProviders: c.capacityProviders ?? [],
      settings: c.settings,
      tags: withTags ? c.tags : undefined,
    };
  }

  // ---- task definitions ------------------------------------------------------------------

  /** Registers a new revision of a family. */
  registerTaskDefinition(
    input: Record<string, unknown> & {
      family: string;
      containerDefinitions: TaskDefinition['containerDefinitions'];
      tags?: Tag[];
    },
  ): { taskDefinition: TaskDefinition; tags: Tag[] } {
    // Fargate sizes, awsvpc rules and container limits (ecs-task-definitions.ts, with sources).
    const size = checkTaskDefinition(input);
    const revisions = this.taskDefinitions.get(input.family) ?? [];
    const revision = revisions.length + 1;
    const { tags, ...rest } = input;
    const td: TaskDefinition = {
      ...rest,
      ...(size.cpu !== undefined ? { cpu: size.cpu } : {}),
      ...(size.memory !== undefined ? { memory: size.memory } : {}),
      containerDefinitions: input.containerDefinitions,
      family: input.family,
      revision,
      taskDefinitionArn: this.#arn(`task-definition/${input.family}:${revision}`),
      status: 'ACTIVE',
      registeredAt: this.#cloud.clock.date(),
      registeredBy: `arn:aws:iam::${this.#cloud.accountId}:user/local`,
      compatibilities: ['EC2', ...(input.networkMode === 'awsvpc' ? ['FARGATE'] : [])],
      requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }],
      tags: tags ?? [],
    };
    revisions.push(td);
    this.taskDefinitions.set(input.family, revisions);
    return { taskDefinition: td, tags: tags ?? [] };
  }

  /** Resolves `family`, `family:revision` or an ARN (family alone = latest ACTIVE revision). */
  taskDefinition(ref: string): TaskDefinition {
    const short = ref.includes(':task-definition/') ? ref.split(':task-definition/')[1]! : ref;
    const [family = '', rev] = short.split(':');
    const revisions = this.taskDefinitions.get(family) ?? [];
    const td = rev ? revisions[Number(rev) - 1] : [...revisions].reverse().find((t) => t.status === 'ACTIVE');
    if (!td || td.status === 'DELETE_IN_PROGRESS')
      throw new AwsError('ClientException', 'Unable to describe task definition.');
    return td;
  }

  deregisterTaskDefinition(ref: string): TaskDefinition {
    const td = this.taskDefinition(ref);
    td.status = 'INACTIVE';
    td.deregisteredAt = this.#cloud.clock.date();
    return td;
  }

  #tdView(td: TaskDefinition) {
    const { tags: _tags, ...rest } = td;
    return rest;
  }

  // ---- services --------------------------------------------------------------------------

  /** Creates a service; its first deployment rolls out over the ECS deployment duration. */
  createService(input: {
    cluster?: string;
    serviceName: string;
    taskDefinition: string;
    desiredCount?: number;
    launchType?: string;
    platformVersion?: string;
    networkConfiguration?: unknown;
    loadBalancers?: unknown[];
    deploymentConfiguration?: EcsService['deploymentConfiguration'];
    healthCheckGracePeriodSeconds?: number;
    enableExecuteCommand?: boolean;
    propagateTags?: string;
    capacityProviderStrategy?: unknown[];
    tags?: Tag[];
  }): EcsService {
    const cluster = this.cluster(input.cluster);
    if (!input.serviceName) throw invalidParameter('Service name is required.');
    const arn = this.#arn(`service/${cluster.clusterName}/${input.serviceName}`);
    const existing = this.services.get(arn);
    if (existing && existing.status !== 'INACTIVE') {
      throw invalidParameter('Creation of service was not idempotent.');
    }
    const td = this.taskDefinition(input.taskDefinition);
    requireAwsvpcNetwork(td, input.networkConfiguration);
    const service: EcsService = {
      serviceArn: arn,
      serviceName: input.serviceName,
      clusterArn: cluster.clusterArn,
      status: 'ACTIVE',
      desiredCount: input.desiredCount ?? 0,
      taskDefinition: td.taskDefinitionArn,
      launchType: input.launchType ?? (input.capacityProviderStrategy ? undefined : 'EC2'),
      platformVersion: input.platformVersion ?? (input.launchType === 'FARGATE' ? 'LATEST' : undefined),
      networkConfiguration: input.networkConfiguration,
      loadBalancers: input.loadBalancers ?? [],
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: false, rollback: false },
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        ...input.deploymentConfiguration,
      },
      healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds,
      enableExecuteCommand: input.enableExecuteCommand ?? false,
      propagateTags: input.propagateTags ?? 'NONE',
      capacityProviderStrategy: input.capacityProviderStrategy,
      deployments: [],
      events: [],
      createdAt: this.#cloud.clock.date(),
      tags: input.tags ?? [],
      timers: [],
      settled: [],
    };
    this.services.set(arn, service);
    this.#startDeployment(service, td.taskDefinitionArn, undefined);
    return service;
  }

  /** Finds a service by name or ARN in a cluster. */
  service(clusterRef: string | undefined, ref: string): EcsService {
    const cluster = this.cluster(clusterRef);
    const name = ref.split('/').pop()!;
    const s = this.services.get(this.#arn(`service/${cluster.clusterName}/${name}`));
    if (!s) throw serviceNotFound();
    return s;
  }

  /**
   * Updates a service. A new task definition, network configuration or forceNewDeployment starts
   * a new PRIMARY deployment; a desired-count change alone scales the current one.
   */
  updateService(input: {
    cluster?: string;
    service: string;
    taskDefinition?: string;
    desiredCount?: number;
    forceNewDeployment?: boolean;
    networkConfiguration?: unknown;
    deploymentConfiguration?: EcsService['deploymentConfiguration'];
    healthCheckGracePeriodSeconds?: number;
    enableExecuteCommand?: boolean;
    loadBalancers?: unknown[];
  }): EcsService {
    const s = this.service(input.cluster, input.service);
    if (s.status !== 'ACTIVE') throw new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
    const td = input.taskDefinition ? this.taskDefinition(input.taskDefinition) : undefined;
    if (input.deploymentConfiguration) {
      s.deploymentConfiguration = { ...s.deploymentConfiguration, ...input.deploymentConfiguration };
    }
    if (input.healthCheckGracePeriodSeconds !== undefined)
      s.healthCheckGracePeriodSeconds = input.healthCheckGracePeriodSeconds;
    if (input.enableExecuteCommand !== undefined) s.enableExecuteCommand = input.enableExecuteCommand;
    if (input.loadBalancers) s.loadBalancers = input.loadBalancers;
    const newTd = td && td.taskDefinitionArn !== s.taskDefinition;
    const newNet =
      input.networkConfiguration !== undefined &&
      JSON.stringify(input.networkConfiguration) !== JSON.stringify(s.networkConfiguration);
    if (input.networkConfiguration !== undefined) s.networkConfiguration = input.networkConfiguration;
    if (input.desiredCount !== undefined) s.desiredCount = input.desiredCount;
    if (newTd || newNet || input.forceNewDeployment) {
      const previous = s.taskDefinition;
      s.taskDefinition = td?.taskDefinitionArn ?? s.taskDefinition;
      this.#startDeployment(s, s.taskDefinition, previous);
    } else if (input.desiredCount !== undefined) {
      const primary = s.deployments.find((d) => d.status === 'PRIMARY');
      if (primary) {
        primary.desiredCount = input.desiredCount;
        primary.updatedAt = this.#cloud.clock.date();
        if (primary.rolloutState === 'COMPLETED') this.#scale(s, primary);
      }
    }
    return s;
  }

  /** Deletes a service (desired count must be 0 unless forced); DRAINING, then INACTIVE. */
  deleteService(input: { cluster?: string; service: string; force?: boolean }): EcsService {
    const s = this.service(input.cluster, input.service);
    if (s.status !== 'ACTIVE') throw new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
    if (!input.force && s.desiredCount > 0) {
      throw invalidParameter('The service cannot be stopped while it is scaled above 0.');
    }
    for (const t of s.timers) t.cancel();
    s.timers = [];
    s.status = 'DRAINING';
    s.desiredCount = 0;
    for (const d of s.deployments) {
      d.desiredCount = 0;
      d.runningCount = 0;
    }
    // The scheduler stops the service's tasks at once; the service itself lingers as DRAINING.
    this.#syncServiceTasks(s, 'Service deleted');
    this.#cloud.clock.setTimer(this.#cloud.durations.resource('AWS::ECS::Service', 'delete'), () => {
      s.status = 'INACTIVE';
      for (const d of s.deployments) d.status = 'INACTIVE';
    });
    for (const w of s.settled.splice(0)) w.resolve('FAILED');
    return s;
  }

  /**
   * Resolves with the rollout state once a deployment (default: the current PRIMARY) settles:
   * COMPLETED, or FAILED (circuit breaker, or the service deleted). A superseded deployment's
   * waiters follow the deployment that replaced it.
   */
  waitForDeployment(
    clusterRef: string | undefined,
    serviceRef: string,
    deploymentId?: string,
  ): Promise<RolloutState> {
    const s = this.service(clusterRef, serviceRef);
    const id = deploymentId ?? s.deployments.find((d) => d.status === 'PRIMARY')?.id ?? '';
    const d = s.deployments.find((x) => x.id === id);
    if (d && d.rolloutState !== 'IN_PROGRESS') return Promise.resolve(d.rolloutState);
    return new Promise((resolve) => s.settled.push({ deploymentId: id, resolve }));
  }

  /**
   * How long the service's PRIMARY deployment takes from its start until it settles, as timed from
   * the service's settings: until COMPLETED, or until the circuit breaker sets it FAILED.
   */
  deploymentMs(clusterRef: string | undefined, serviceRef: string): number {
    const s = this.service(clusterRef, serviceRef);
    const primary = s.deployments.find((d) => d.status === 'PRIMARY');
    const timing = primary ? this.timings.get(primary.id) : undefined;
    if (timing?.failure) return timing.failure.failedAtMs;
    return Math.max(timing?.rollout?.totalMs ?? 0, this.#cloud.durations.service.ecsSteadyState);
  }

  #startDeployment(
    s: EcsService,
    taskDefinition: string,
    previous: string | undefined,
    isRollback = false,
  ): Deployment {
    const now = this.#cloud.clock.date();
    // A newer deployment supersedes any still rolling out: their timers stop, and whoever waits
    // on them follows the new PRIMARY (as CloudFormation waits for the service as a whole).
    for (const t of s.timers) t.cancel();
    s.timers = [];
    // Tasks still starting for an older deployment are stopped: the new deployment replaces them.
    for (const d of s.deployments) {
      for (const t of this.#serviceTasks(s, d.id, ['PROVISIONING', 'PENDING', 'ACTIVATING'])) {
        this.#stop(t, 'ServiceSchedulerInitiated', `Superseded by a newer deployment of ${s.serviceName}`, 0);
      }
      d.pendingCount = 0;
    }
    const superseded = new Set<string>();
    for (const d of s.deployments) {
      if (d.status === 'PRIMARY') d.status = 'ACTIVE';
      if (d.rolloutState === 'IN_PROGRESS') {
        d.rolloutStateReason = 'ECS deployment superseded by a newer deployment.';
        superseded.add(d.id);
      }
    }
    const deployment: Deployment = {
      id: `ecs-svc/${BigInt(`0x${hex(15)}`)
        .toString()
        .padStart(19, '0')
        .slice(0, 19)}`,
      status: 'PRIMARY',
      taskDefinition,
      desiredCount: s.desiredCount,
      pendingCount: 0,
      runningCount: 0,
      failedTasks: 0,
      createdAt: now,
      updatedAt: now,
      launchType: s.launchType,
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: isRollback
        ? 'ECS deployment circuit breaker: rolling back to the previous deployment.'
        : 'ECS deployment in progress.',
      networkConfiguration: s.networkConfiguration,
    };
    s.deployments.unshift(deployment);
    for (const w of s.settled) if (superseded.has(w.deploymentId)) w.deploymentId = deployment.id;
    this.#emit(
      s,
      deployment,
      'SERVICE_DEPLOYMENT_IN_PROGRESS',
      'INFO',
      `ECS deployment ${deployment.id} in progress.`,
    );
    const cluster = s.clusterArn.split('/').pop()!;
    const injected = isRollback
      ? undefined
      : this.#cloud.faults.takeDeployment({ cluster, service: s.serviceName });
    const timing = this.#timingInput(s, deployment);
    const timeline = injected ? undefined : timeRollout(timing);
    const failure =
      injected ??
      (timeline && 'killed' in timeline
        ? `(service ${s.serviceName}) tasks failed ELB health checks: the target was unhealthy ${timeline.killed.unhealthyMs / 1000} s after the task started, before the ${s.healthCheckGracePeriodSeconds ?? 0} s health check grace period let it recover.`
        : undefined);
    if (failure || !timeline || 'killed' in timeline) {
      const failing = timeCircuitBreaker(timing);
      this.timings.set(deployment.id, { failure: failing });
      s.timers.push(
        this.#cloud.clock.setTimer(failing.failedAtMs, () =>
          this.#tripBreaker(s, deployment, failure ?? '', previous, 'EssentialContainerExited'),
        ),
      );
    } else {
      this.timings.set(deployment.id, { rollout: timeline });
      const ms = Math.max(timeline.totalMs, this.#cloud.durations.service.ecsSteadyState);
      this.#rollOut(s, deployment, timeline, timing.task.startMs);
      const timer = this.#cloud.clock.setTimer(ms, async () => {
        // A deployment whose tasks could not read their secrets never completes.
        if (await this.#secretReads.get(deployment)?.denial) return;
        if (deployment.rolloutState !== 'IN_PROGRESS') return;
        deployment.rolloutState = 'COMPLETED';
        deployment.rolloutStateReason = 'ECS deployment completed.';
        deployment.runningCount = deployment.desiredCount;
        deployment.pendingCount = 0;
        deployment.updatedAt = this.#cloud.clock.date();
        // Older deployments are drained and disappear.
        s.deployments = s.deployments.filter((d) => d === deployment || d.status === 'PRIMARY');
        this.#syncServiceTasks(s, `Scaling activity initiated by (deployment ${deployment.id})`);
        s.events.unshift(this.#event(`(service ${s.serviceName}) has reached a steady state.`));
        this.#emit(
          s,
          deployment,
          'SERVICE_DEPLOYMENT_COMPLETED',
          'INFO',
          `ECS deployment ${deployment.id} completed.`,
        );
        this.#settle(s, deployment);
      });
      s.timers.push(timer);
      if (!isRollback) this.#checkSecretsAtStart(deployment, previous);
    }
    return deployment;
  }

  /**
   * The execution role reads the task definition's secrets as each task starts (local/iam/ecs.ts),
   * after its images were pulled for its platform (ecs-image-pull.ts): when either fails, no task
   * of the deployment ever runs; each stops with ResourceInitializationError or
   * CannotPullContainerError (stop code TaskFailedToStart) and the circuit breaker trips after its threshold of failures.
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/resource-initialization-error.html
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html (read 2026-12-07)
   */
  #checkSecretsAtStart(deployment: Deployment, previous: string | undefined): void {
    const denial = taskStartFailure(
      this.#cloud,
      this.taskDefinition(deployment.taskDefinition),
      deployment.id.split('/').pop() ?? deployment.id,
    );
    // The instant clock waits for the evaluation, as it waits for any request in flight.
    this.#cloud.clock.busy();
    void denial.finally(() => this.#cloud.clock.idle());
    this.#secretReads.set(deployment, { denial, ...(previous ? { previous } : {}) });
  }

  /** The deployment's tasks could not read their secrets: none runs, and the breaker trips. */
  #secretsDenied(s: EcsService, deployment: Deployment, reason: string): void {
    if (deployment.rolloutState !== 'IN_PROGRESS' || deployment.status !== 'PRIMARY') return;
    for (const t of s.timers) t.cancel();
    s.timers = [];
    for (const t of this.#serviceTasks(s, deployment.id, ['PROVISIONING', 'PENDING', 'ACTIVATING'])) {
      this.#stop(t, 'TaskFailedToStart', reason);
    }
    deployment.pendingCount = 0;
    const previous = this.#secretReads.get(deployment)?.previous;
    // The breaker's threshold of failed starts is reached when the circuit breaker's timing says.
    const elapsed = this.#cloud.clock.now() - deployment.createdAt.getTime();
    const failing = timeCircuitBreaker(this.#timingInput(s, deployment));
    this.timings.set(deployment.id, { failure: failing });
    const wait = Math.max(0, failing.failedAtMs - elapsed);
    s.timers.push(
      this.#cloud.clock.setTimer(wait, () =>
        this.#tripBreaker(s, deployment, reason, previous, 'TaskFailedToStart'),
      ),
    );
  }

  /**
   * A deployment whose tasks keep failing: the circuit breaker's threshold of tasks stops, and with
   * the breaker on the rollout FAILS (and rolls back when asked); without it ECS keeps trying.
   */
  #tripBreaker(
    s: EcsService,
    deployment: Deployment,
    failure: string,
    previous: string | undefined,
    stopCode: 'EssentialContainerExited' | 'TaskFailedToStart',
  ): void {
    const breaker = s.deploymentConfiguration.deploymentCircuitBreaker;
    const threshold = circuitBreakerThreshold(s.desiredCount);
    deployment.failedTasks = threshold;
    deployment.pendingCount = 0;
    for (let n = 0; n < threshold; n++) {
      const task = this.#serviceTask(s, deployment);
      // A task that failed to start has no exit code.
      this.#stop(task, stopCode, failure, stopCode === 'TaskFailedToStart' ? undefined : 1);
    }
    deployment.updatedAt = this.#cloud.clock.date();
    s.events.unshift(
      this.#event(`(service ${s.serviceName}) (deployment ${deployment.id}) deployment failed: ${failure}`),
    );
    if (!breaker?.enable) {
      // Without the circuit breaker ECS keeps launching failing tasks: the rollout never ends.
      return;
    }
    deployment.rolloutState = 'FAILED';
    deployment.rolloutStateReason = `ECS deployment circuit breaker: ${failure}`;
    this.#emit(s, deployment, 'SERVICE_DEPLOYMENT_FAILED', 'ERROR', deployment.rolloutStateReason);
    this.#settle(s, deployment);
    if (breaker.rollback && previous) {
      s.taskDefinition = previous;
      this.#startDeployment(s, previous, undefined, true);
    }
  }

  /** What times a deployment: its batches' inputs, the task's timings, the target group, the grace period. */
  #timingInput(s: EcsService, d: Deployment): RolloutTimingInput {
    const oldRunning = s.deployments
      .filter((x) => x !== d)
      .reduce((n, x) => n + this.#serviceTasks(s, x.id, ['RUNNING']).length, 0);
    return {
      desired: d.desiredCount,
      oldRunning,
      minimumHealthyPercent: s.deploymentConfiguration.minimumHealthyPercent,
      maximumPercent: s.deploymentConfiguration.maximumPercent,
      task: taskTimings(this.#cloud, this.taskDefinition(d.taskDefinition)),
      targetGroup: targetGroupTimings(this.#cloud, s.loadBalancers),
      gracePeriodMs: (s.healthCheckGracePeriodSeconds ?? 0) * 1000,
    };
  }

  /**
   * Schedules a rolling deployment's batches at the times ecs-rollout.ts gives them: each batch
   * drains old tasks, starts new ones (PROVISIONING → PENDING → ACTIVATING → RUNNING over the task
   * start), and once they are healthy drains the surplus old tasks, so runningCount follows the
   * rollout (a draining task no longer counts as RUNNING).
   */
  #rollOut(s: EcsService, d: Deployment, timeline: RolloutTimeline, startMs: number): void {
    const at = (offset: number, fn: () => unknown) => {
      if (offset <= 0) fn();
      else s.timers.push(this.#cloud.clock.setTimer(offset, fn));
    };
    for (const batch of timeline.batches) {
      at(batch.startAtMs, () => {
        this.#drainOld(s, d, batch.stopBefore);
        this.#launch(s, d, batch.start, startMs);
      });
      // Old tasks drain only once the new ones are healthy: never when they could not start.
      if (batch.stopAfter > 0)
        at(batch.healthyAtMs, async () => {
          if (await this.#secretReads.get(d)?.denial) return;
          if (d.rolloutState !== 'IN_PROGRESS') return;
          this.#drainOld(s, d, batch.stopAfter);
        });
    }
  }

  /** Starts `count` tasks for a deployment; they count as pending until RUNNING. */
  #launch(s: EcsService, d: Deployment, count: number, startMs: number): void {
    if (count <= 0) return;
    const tasks = Array.from({ length: count }, () => this.#serviceTask(s, d, 'PROVISIONING'));
    this.#recount(s);
    const step = (status: string, fraction: number) =>
      s.timers.push(
        this.#cloud.clock.setTimer(startMs * fraction, async () => {
          // A task runs only once its secrets were read (the evaluation may still be under way).
          const denied = status === 'RUNNING' ? await this.#secretReads.get(d)?.denial : undefined;
          if (denied) return this.#secretsDenied(s, d, denied);
          const live = tasks.filter((t) => t.desiredStatus === 'RUNNING');
          for (const t of live) {
            t.lastStatus = status;
            for (const c of t.containers) c.lastStatus = status === 'RUNNING' ? 'RUNNING' : 'PENDING';
            if (status === 'RUNNING') t.startedAt = this.#cloud.clock.date();
          }
          if (status === 'RUNNING') this.#recount(s);
        }),
      );
    step('PENDING', 1 / 3);
    step('ACTIVATING', 2 / 3);
    step('RUNNING', 1);
  }

  /**
   * Drains up to `count` RUNNING tasks of the deployments a new one replaces: behind a load
   * balancer a task is DEACTIVATING for the target group's deregistration delay, then STOPPING for
   * its own shutdown (task lifecycle:
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-lifecycle-explanation.html).
   */
  #drainOld(s: EcsService, d: Deployment, count: number): void {
    let left = count;
    const targetGroup = targetGroupTimings(this.#cloud, s.loadBalancers);
    for (const old of [...s.deployments].reverse()) {
      if (old === d || left <= 0) continue;
      for (const t of this.#serviceTasks(s, old.id, ['RUNNING']).slice(0, left)) {
        const reason = `Task stopped by deployment ${d.id}`;
        const task = taskTimings(this.#cloud, this.taskDefinition(t.taskDefinitionArn));
        t.desiredStatus = 'STOPPED';
        t.lastStatus = targetGroup ? 'DEACTIVATING' : 'STOPPING';
        t.stoppingAt = this.#cloud.clock.date();
        const stop = () => this.#stop(t, 'ServiceSchedulerInitiated', reason, 0);
        const stopping = () => {
          t.lastStatus = 'STOPPING';
          t.timers.push(this.#cloud.clock.setTimer(task.stopMs, stop));
        };
        if (targetGroup)
          t.timers.push(this.#cloud.clock.setTimer(targetGroup.deregistrationDelayMs, stopping));
        else t.timers.push(this.#cloud.clock.setTimer(task.stopMs, stop));
        left -= 1;
      }
      old.updatedAt = this.#cloud.clock.date();
    }
    this.#recount(s);
  }

  /** Each deployment's pending and running counts, from its tasks (a draining task is neither). */
  #recount(s: EcsService): void {
    for (const d of s.deployments) {
      const mine = [...this.tasks.values()].filter(
        (t) =>
          t.group === `service:${s.serviceName}` && t.startedBy === d.id && t.desiredStatus === 'RUNNING',
      );
      const running = mine.filter((t) => t.lastStatus === 'RUNNING').length;
      const pending = mine.filter((t) =>
        ['PROVISIONING', 'PENDING', 'ACTIVATING'].includes(t.lastStatus),
      ).length;
      if (running !== d.runningCount || pending !== d.pendingCount) {
        d.runningCount = running;
        d.pendingCount = pending;
        d.updatedAt = this.#cloud.clock.date();
      }
    }
  }

  /** Scales a settled deployment: new tasks start over the task start, surplus tasks stop now. */
  #scale(s: EcsService, d: Deployment): void {
    const live = this.#serviceTasks(s, d.id, ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING']);
    if (live.length < d.desiredCount) {
      this.#launch(
        s,
        d,
        d.desiredCount - live.length,
        taskTimings(this.#cloud, this.taskDefinition(d.taskDefinition)).startMs,
      );
      return;
    }
    for (const t of live.slice(d.desiredCount)) {
      if (t.lastStatus === 'RUNNING') d.runningCount = Math.max(0, d.runningCount - 1);
      else d.pendingCount = Math.max(0, d.pendingCount - 1);
      this.#stop(t, 'ServiceSchedulerInitiated', `Scaling activity initiated by (deployment ${d.id})`, 0);
    }
  }

  /** A service's tasks of one deployment in the given states. */
  #serviceTasks(s: EcsService, deploymentId: string, states: string[]): EcsTask[] {
    return [...this.tasks.values()].filter(
      (t) =>
        t.clusterArn === s.clusterArn &&
        t.group === `service:${s.serviceName}` &&
        t.startedBy === deploymentId &&
        t.desiredStatus === 'RUNNING' &&
        states.includes(t.lastStatus),
    );
  }

  /** A task the service scheduler started for a deployment (RUNNING unless told otherwise). */
  #serviceTask(s: EcsService, d: Deployment, lastStatus = 'RUNNING'): EcsTask {
    const clusterName = s.clusterArn.split('/').pop()!;
    const id = hex(32);
    const taskArn = this.#arn(`task/${clusterName}/${id}`);
    const td = this.taskDefinition(d.taskDefinition);
    const now = this.#cloud.clock.date();
    const task: EcsTask = {
      taskArn,
      clusterArn: s.clusterArn,
      taskDefinitionArn: d.taskDefinition,
      lastStatus,
      desiredStatus: 'RUNNING',
      launchType: s.launchType,
      cpu: td.cpu as string | undefined,
      memory: td.memory as string | undefined,
      group: `service:${s.serviceName}`,
      startedBy: d.id,
      createdAt: now,
      startedAt: lastStatus === 'RUNNING' ? now : undefined,
      overrides: { containerOverrides: [] },
      containers: td.containerDefinitions.map((c) => ({
        containerArn: this.#arn(
          `container/${clusterName}/${id}/${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
        ),
        taskArn,
        name: String(c.name),
        image: c.image,
        lastStatus: lastStatus === 'RUNNING' ? 'RUNNING' : 'PENDING',
      })),
      tags: [],
      timers: [],
    };
    this.tasks.set(taskArn, task);
    for (const listen of this.taskListeners) listen(task, 'RUNNING');
    return task;
  }

  /** Starts or stops service tasks so each deployment runs `runningCount` of them (starting ones included). */
  #syncServiceTasks(s: EcsService, reason: string): void {
    const running = [...this.tasks.values()].filter(
      (t) =>
        t.clusterArn === s.clusterArn &&
        t.group === `service:${s.serviceName}` &&
        t.desiredStatus === 'RUNNING' &&
        t.lastStatus !== 'STOPPED',
    );
    for (const d of s.deployments) {
      const mine = running.filter((t) => t.startedBy === d.id);
      const want = d.status === 'INACTIVE' ? 0 : d.runningCount;
      for (let n = mine.length; n < want; n++) this.#serviceTask(s, d);
      for (const t of mine.slice(want)) this.#stop(t, 'ServiceSchedulerInitiated', reason, 0);
    }
    for (const t of running) {
      if (!s.deployments.some((d) => d.id === t.startedBy))
        this.#stop(t, 'ServiceSchedulerInitiated', reason, 0);
    }
  }

  #settle(s: EcsService, d: Deployment): void {
    const waiting = s.settled.filter((w) => w.deploymentId === d.id);
    s.settled = s.settled.filter((w) => w.deploymentId !== d.id);
    for (const w of waiting) w.resolve(d.rolloutState);
  }

  #event(message: string) {
    return {
      id: `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
      createdAt: this.#cloud.clock.date(),
      message,
    };
  }

  #emit(s: EcsService, d: Deployment, eventName: string, eventType: string, reason: string): void {
    this.#cloud.eventBus.emit({
      source: 'aws.ecs',
      detailType: 'ECS Deployment State Change',
      resources: [s.serviceArn],
      detail: {
        eventType,
        eventName,
        deploymentId: d.id,
        updatedAt: this.#cloud.clock.date().toISOString(),
        reason,
      },
    });
  }

  #serviceView(s: EcsService, withTags: boolean) {
    return {
      serviceArn: s.serviceArn,
      serviceName: s.serviceName,
      clusterArn: s.clusterArn,
      status: s.status,
      desiredCount: s.desiredCount,
      runningCount: s.deployments.reduce((n, d) => n + d.runningCount, 0),
      pendingCount: s.deployments.reduce((n, d) => n + d.pendingCount, 0),
      launchType: s.launchType,
      platformVersion: s.platformVersion,
      taskDefinition: s.taskDefinition,
      loadBalancers: s.loadBalancers,
      networkConfiguration: s.networkConfiguration,
      deploymentConfiguration: s.deploymentConfiguration,
      deployments: s.deployments,
      events: s.events.slice(0, 100),
      createdAt: s.createdAt,
      createdBy: `arn:aws:iam::${this.#cloud.accountId}:user/local`,
      healthCheckGracePeriodSeconds: s.healthCheckGracePeriodSeconds,
      enableExecuteCommand: s.enableExecuteCommand,
      propagateTags: s.propagateTags,
      capacityProviderStrategy: s.capacityProviderStrategy,
      schedulingStrategy: 'REPLICA',
      deploymentController: { type: 'ECS' },
      tags: withTags ? s.tags : undefined,
    };
  }

  // ---- tasks -----------------------------------------------------------------------------

  /** Runs tasks: PROVISIONING → RUNNING → STOPPED with exit code 0, or the injected fault's. */
  runTask(input: {
    cluster?: string;
    taskDefinition: string;
    count?: number;
    launchType?: string;
    group?: string;
    startedBy?: string;
    overrides?: EcsTask['overrides'];
    tags?: Tag[];
    networkConfiguration?: unknown;
  }): EcsTask[] {
    const cluster = this.cluster(input.cluster);
    const td = this.taskDefinition(input.taskDefinition);
    const count = input.count ?? 1;
    if (count < 1 || count > 10) throw invalidParameter('count must be between 1 and 10.');
    requireAwsvpcNetwork(td, input.networkConfiguration);
    const durations = this.#cloud.durations.service;
    const tasks: EcsTask[] = [];
    for (let n = 0; n < count; n++) {
      const id = hex(32);
      const taskArn = this.#arn(`task/${cluster.clusterName}/${id}`);
      const task: EcsTask = {
        taskArn,
        clusterArn: cluster.clusterArn,
        taskDefinitionArn: td.taskDefinitionArn,
        lastStatus: 'PROVISIONING',
        desiredStatus: 'RUNNING',
        launchType: input.launchType,
        cpu: td.cpu as string | undefined,
        memory: td.memory as string | undefined,
        group: input.group ?? `family:${td.family}`,
        startedBy: input.startedBy,
        createdAt: this.#cloud.clock.date(),
        overrides: input.overrides ?? { containerOverrides: [] },
        ...(input.networkConfiguration ? { networkConfiguration: input.networkConfiguration } : {}),
        containers: td.containerDefinitions.map((c) => ({
          containerArn: this.#arn(
            `container/${cluster.clusterName}/${id}/${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
          ),
          taskArn,
          name: String(c.name),
          image: c.image,
          lastStatus: 'PENDING',
        })),
        tags: input.tags ?? [],
        timers: [],
      };
      this.tasks.set(taskArn, task);
      tasks.push(task);
      const fault = this.#cloud.faults.takeTask({
        cluster: cluster.clusterName,
        family: td.family,
        revision: td.revision,
      });
      // The task pulls its images and its execution role reads its secrets before it starts.
      const secretsReadable = taskStartFailure(this.#cloud, td, id);
      // The instant clock waits for the evaluation, as it waits for any request in flight.
      this.#cloud.clock.busy();
      void secretsReadable.finally(() => this.#cloud.clock.idle());
      task.timers.push(
        this.#cloud.clock.setTimer(taskTimings(this.#cloud, td).startMs, async () => {
          if (task.desiredStatus === 'STOPPED') return;
          const denial = await secretsReadable;
          if (denial) {
            this.#stop(task, 'TaskFailedToStart', denial);
            return;
          }
          task.lastStatus = 'RUNNING';
          task.startedAt = this.#cloud.clock.date();
          for (const c of task.containers) c.lastStatus = 'RUNNING';
          for (const listen of this.taskListeners) listen(task, 'RUNNING');
          task.timers.push(
            this.#cloud.clock.setTimer(durations.ecsTaskRun, () => {
              this.#stop(
                task,
                'EssentialContainerExited',
                fault?.reason ?? 'Essential container in task exited',
                fault?.exitCode ?? 0,
              );
            }),
          );
        }),
      );
    }
    return tasks;
  }

  /** vCPUs of the Fargate tasks not yet stopped (what the Fargate On-Demand vCPU quota counts). */
  fargateVcpusInUse(): number {
    let units = 0;
    for (const t of this.tasks.values()) {
      if (t.lastStatus !== 'STOPPED' && t.launchType !== 'EC2') units += Number(t.cpu ?? 0);
    }
    return units / 1024;
  }

  /**
   * Why `count` more tasks of a definition would exceed the Fargate On-Demand vCPU quota
   * (L-3032A538), in ECS's words, or undefined when they fit. Placement fails rather than the call.
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html (read 2026-12-07);
   * message as ECS reports it (https://repost.aws/questions/QUmYO0T8YKQgG5zOMJQ7HsMw).
   */
  fargateVcpuShortfall(taskDefinition: string, count: number, launchType?: string): string | undefined {
    if (launchType === 'EC2') return undefined;
    const td = this.taskDefinition(taskDefinition);
    const wanted = (Number(td.cpu ?? 0) / 1024) * count;
    const limit = this.#cloud.quotas.value('fargateOnDemandVcpus');
    if (this.fargateVcpusInUse() + wanted <= limit) return undefined;
    return "You've reached the limit on the number of vCPUs you can run concurrently";
  }

  task(clusterRef: string | undefined, ref: string): EcsTask {
    const cluster = this.cluster(clusterRef);
    const id = ref.split('/').pop()!;
    const t = this.tasks.get(this.#arn(`task/${cluster.clusterName}/${id}`));
    if (!t) throw invalidParameter('The referenced task was not found.');
    return t;
  }

  /** Stops a task (exit code 143, stop code UserInitiated). */
  stopTask(clusterRef: string | undefined, ref: string, reason?: string): EcsTask {
    const t = this.task(clusterRef, ref);
    if (t.lastStatus !== 'STOPPED') this.#stop(t, 'UserInitiated', reason ?? 'Task stopped by user', 143);
    return t;
  }

  #stop(t: EcsTask, stopCode: string, reason: string, exitCode?: number): void {
    for (const timer of t.timers) timer.cancel();
    const now = this.#cloud.clock.date();
    t.desiredStatus = 'STOPPED';
    t.lastStatus = 'STOPPED';
    t.stopCode = stopCode;
    t.stoppedReason = reason;
    t.stoppingAt ??= now;
    t.stoppedAt = now;
    for (const c of t.containers) {
      c.lastStatus = 'STOPPED';
      // A task that failed to start has no exit code.
      if (exitCode !== undefined) c.exitCode = exitCode;
      if (exitCode !== 0) c.reason = reason;
    }
    for (const listen of this.taskListeners) listen(t, 'STOPPED');
    // Stopped tasks stay visible for about an hour, as on ECS.
    this.#cloud.clock.setBackgroundTimer(60 * 60_000, () => this.tasks.delete(t.taskArn));
  }

  #taskView(t: EcsTask, withTags: boolean) {
    const { timers: _timers, tags, ...rest } = t;
    return { ...rest, tags: withTags ? tags : undefined, taskDefinitionArn: t.taskDefinitionArn, version: 1 };
  }

  // ---- tags ------------------------------------------------------------------------------

  #tagsFor(arn: string): Tag[] {
    for (const c of this.clusters.values()) if (c.clusterArn === arn) return c.tags;
    const s = this.services.get(arn);
    if (s) return s.tags;
    const t = this.tasks.get(arn);
    if (t) return t.tags;
    if (arn.includes(':task-definition/')) return this.taskDefinition(arn).tags as Tag[];
    throw invalidParameter('The specified resource could not be found.');
  }

  tagResource(arn: string, tags: Tag[]): void {
    const list = this.#tagsFor(arn);
    for (const t of tags) {
      const i = list.findIndex((x) => x.key === t.key);
      if (i >= 0) list.splice(i, 1);
      list.push(t);
    }
  }

  untagResource(arn: string, keys: string[]): void {
    const list = this.#tagsFor(arn);
    for (let i = list.length - 1; i >= 0; i--) if (keys.includes(list[i]!.key)) list.splice(i, 1);
  }

  // ---- wire ------------------------------------------------------------------------------

  /** The wire definition registered with the kernel. */
  definition(): ServiceDefinition {
    const withTags = (include: string[] | undefined) => include?.includes('TAGS') ?? false;
    return {
      protocol: 'awsJson1_1',
      targetPrefix: 'AmazonEC2ContainerServiceV20141113',
      operations: {
        CreateCluster: (input) => ({ cluster: this.#clusterView(this.createCluster(input), true) }),
        DeleteCluster: (input) => ({ cluster: this.#clusterView(this.deleteCluster(input.cluster), false) }),
        DescribeClusters: (input) => {
          const refs: string[] = input.clusters?.length ? input.clusters : ['default'];
          const clusters = [];
          const failures = [];
          for (const ref of refs) {
            const c = this.clusters.get(ref.split('/').pop()!);
            if (c) clusters.push(this.#clusterView(c, withTags(input.include)));
            else
              failures.push({
                arn: ref.startsWith('arn:') ? ref : this.#arn(`cluster/${ref}`),
                reason: 'MISSING',
              });
          }
          return { clusters, failures };
        },
        ListClusters: () => ({
          clusterArns: [...this.clusters.values()]
            .filter((c) => c.status === 'ACTIVE')
            .map((c) => c.clusterArn),
        }),
        RegisterTaskDefinition: (input) => {
          const r = this.registerTaskDefinition(input);
          return { taskDefinition: this.#tdView(r.taskDefinition), tags: r.tags };
        },
        DeregisterTaskDefinition: (input) => ({
          taskDefinition: this.#tdView(this.deregisterTaskDefinition(input.taskDefinition)),
        }),
        DescribeTaskDefinition: (input) => {
          const td = this.taskDefinition(input.taskDefinition);
          return { taskDefinition: this.#tdView(td), tags: withTags(input.include) ? td.tags : undefined };
        },
        ListTaskDefinitions: (input) => {
          const all = [...this.taskDefinitions.values()]
            .flat()
            .filter(
              (t) =>
                (!input.familyPrefix || t.family.startsWith(input.familyPrefix)) &&
                t.status === (input.status ?? 'ACTIVE'),
            );
          if (input.sort === 'DESC') all.reverse();
          return { taskDefinitionArns: all.map((t) => t.taskDefinitionArn) };
        },
        ListTaskDefinitionFamilies: (input) => ({
          families: [...this.taskDefinitions.keys()].filter(
            (f) => !input.familyPrefix || f.startsWith(input.familyPrefix),
          ),
        }),
        CreateService: (input) => ({ service: this.#serviceView(this.createService(input), true) }),
        UpdateService: (input) => ({ service: this.#serviceView(this.updateService(input), false) }),
        DeleteService: (input) => ({ service: this.#serviceView(this.deleteService(input), false) }),
        DescribeServices: (input) => {
          const cluster = this.cluster(input.cluster);
          const services = [];
          const failures = [];
          for (const ref of input.services ?? []) {
            const arn = this.#arn(`service/${cluster.clusterName}/${String(ref).split('/').pop()}`);
            const s = this.services.get(arn);
            if (s) services.push(this.#serviceView(s, withTags(input.include)));
            else failures.push({ arn, reason: 'MISSING' });
          }
          return { services, failures };
        },
        ListServices: (input) => {
          const cluster = this.cluster(input.cluster);
          return {
            serviceArns: [...this.services.values()]
              .filter((s) => s.clusterArn === cluster.clusterArn && s.status === 'ACTIVE')
              .map((s) => s.serviceArn),
          };
        },
        RunTask: (input) => {
          this.cluster(input.cluster);
          const over = this.fargateVcpuShortfall(input.taskDefinition, input.count ?? 1, input.launchType);
          // Over the Fargate vCPU quota RunTask still answers 200: no task, the reason in failures.
          if (over) return { tasks: [], failures: [{ reason: over }] };
          return { tasks: this.runTask(input).map((t) => this.#taskView(t, true)), failures: [] };
        },
        DescribeTasks: (input) => {
          const cluster = this.cluster(input.cluster);
          const tasks = [];
          const failures = [];
          for (const ref of input.tasks ?? []) {
            const arn = this.#arn(`task/${cluster.clusterName}/${String(ref).split('/').pop()}`);
            const t = this.tasks.get(arn);
            if (t) tasks.push(this.#taskView(t, withTags(input.include)));
            else failures.push({ arn, reason: 'MISSING' });
          }
          return { tasks, failures };
        },
        StopTask: (input) => ({
          task: this.#taskView(this.stopTask(input.cluster, input.task, input.reason), false),
        }),
        ListTasks: (input) => {
          const cluster = this.cluster(input.cluster);
          const desired = input.desiredStatus ?? 'RUNNING';
          return {
            taskArns: [...this.tasks.values()]
              .filter(
                (t) =>
                  t.clusterArn === cluster.clusterArn &&
                  t.desiredStatus === desired &&
                  (!input.family || t.taskDefinitionArn.includes(`/${input.family}:`)) &&
                  (!input.startedBy || t.startedBy === input.startedBy) &&
                  (!input.serviceName || t.group === `service:${String(input.serviceName).split('/').pop()}`),
              )
              .map((t) => t.taskArn),
          };
        },
        TagResource: (input) => {
          this.tagResource(input.resourceArn, input.tags ?? []);
          return {};
        },
        UntagResource: (input) => {
          this.untagResource(input.resourceArn, input.tagKeys ?? []);
          return {};
        },
        ListTagsForResource: (input) => ({ tags: this.#tagsFor(input.resourceArn) }),
      },
    };
  }
}
