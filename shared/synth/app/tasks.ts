import {
  CIRCUIT_BREAKER,
  HEALTH_CHECK_GRACE_PERIOD_SECONDS,
  ROLLING_DEPLOYMENT,
  SINGLETON_DEPLOYMENT,
  WORKER_STOP_TIMEOUT_SECONDS,
} from '../../service-defaults.ts';
import {
  ifThen,
  type Json,
  loadBalancerFullName,
  type Resource,
  type Resources,
  ref,
  sub,
  targetGroupFullName,
} from './cfn.ts';
import type { AppModel, TaskSize } from './model.ts';

/**
 * Task definitions and ECS services of the app stage, one per web, release, scheduler and worker,
 * with web autoscaling. Every manifest value is literal; only the image and the earlier stages'
 * outputs are references.
 */

/** Laravel wiring plus the manifest's own variables, identical in every container. */
export function containerEnvironment(model: AppModel): Json[] {
  return [
    { Name: 'APP_ENV', Value: model.appEnv },
    { Name: 'APP_URL', Value: ref('Url') },
    { Name: 'LOG_CHANNEL', Value: 'stderr' },
    { Name: 'DB_CONNECTION', Value: model.postgres ? 'pgsql' : 'mysql' },
    { Name: 'DB_HOST', Value: ref('WriterEndpoint') },
    { Name: 'DB_PORT', Value: ref('Port') },
    { Name: 'DB_DATABASE', Value: ref('DatabaseName') },
    { Name: 'QUEUE_CONNECTION', Value: 'sqs' },
    { Name: 'SQS_PREFIX', Value: sub('https://sqs.${AWS::Region}.${AWS::URLSuffix}/${AWS::AccountId}') },
    { Name: 'SQS_QUEUE', Value: ref('QueueName') },
    { Name: 'FILESYSTEM_DISK', Value: 's3' },
    { Name: 'AWS_BUCKET', Value: ref('AppBucketName') },
    { Name: 'AWS_DEFAULT_REGION', Value: ref('AWS::Region') },
    // Laravel's redis connection; ElastiCache Serverless accepts TLS only (shared/app-wiring.ts).
    ...(model.cache
      ? [
          { Name: 'REDIS_HOST', Value: ref('CacheAddress') },
          { Name: 'REDIS_PORT', Value: ref('CachePort') },
          { Name: 'REDIS_SCHEME', Value: 'tls' },
        ]
      : []),
    ...(model.assetUrl ? [{ Name: 'ASSET_URL', Value: ref('AssetUrl') }] : []),
    ...model.variables.map(([Name, Value]) => ({ Name, Value })),
  ];
}

/** The database credentials plus the manifest's secret references (never values). */
export function containerSecrets(model: AppModel): Json[] {
  return [
    { Name: 'DB_USERNAME', ValueFrom: sub('${SecretArn}:username::') },
    { Name: 'DB_PASSWORD', ValueFrom: sub('${SecretArn}:password::') },
    ...model.secrets.map(([Name, ValueFrom]) => ({ Name, ValueFrom })),
  ];
}

interface TaskSpec extends TaskSize {
  /** web, release, scheduler or worker-<name>: the family suffix and the log stream prefix. */
  role: string;
  command?: string[];
  web?: boolean;
}

function taskDefinition(model: AppModel, spec: TaskSpec): Resource {
  const container: Record<string, unknown> = {
    Name: 'app',
    Image: ifThen('HasImage', ref('ImageUri'), sub('${RepositoryUri}:stackdrop-no-image-yet')),
    Essential: true,
  };
  if (spec.command) container.Command = spec.command;
  if (spec.web) container.PortMappings = [{ ContainerPort: model.port, Protocol: 'tcp' }];
  // Fargate allows at most 120 s between SIGTERM and SIGKILL: let workers finish their job.
  if (!spec.web) container.StopTimeout = WORKER_STOP_TIMEOUT_SECONDS;
  container.Environment = containerEnvironment(model);
  container.Secrets = containerSecrets(model);
  container.LogConfiguration = {
    LogDriver: 'awslogs',
    Options: {
      'awslogs-group': ref('LogGroupName'),
      'awslogs-region': ref('AWS::Region'),
      // Streams are <prefix>/app/<task id>: one prefix per web, release, scheduler and worker name.
      'awslogs-stream-prefix': spec.role,
    },
  };
  return {
    Type: 'AWS::ECS::TaskDefinition',
    Properties: {
      Family: `stackdrop-${model.project}-${model.environment}-${spec.role}`,
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      Cpu: String(spec.cpu),
      Memory: String(spec.memory),
      RuntimePlatform: { OperatingSystemFamily: 'LINUX', CpuArchitecture: model.cpuArchitecture },
      ExecutionRoleArn: ref('ExecutionRoleArn'),
      TaskRoleArn: ref('TaskRoleArn'),
      ContainerDefinitions: [container],
    },
  };
}

interface ServiceSpec {
  taskDefinition: string;
  name: string;
  role: string;
  desiredCount: number;
  web?: boolean;
  /** The scheduler never runs twice: the old task stops before the new one starts. */
  singleton?: boolean;
}

function service(model: AppModel, spec: ServiceSpec): Resource {
  const properties: Record<string, unknown> = {
    Cluster: ref('ClusterName'),
    ServiceName: spec.name,
    LaunchType: 'FARGATE',
    TaskDefinition: ref(spec.taskDefinition),
    DesiredCount: ifThen('HasImage', spec.desiredCount, 0),
    NetworkConfiguration: {
      AwsvpcConfiguration: {
        AssignPublicIp: 'DISABLED',
        Subnets: ref('PrivateSubnetIds'),
        SecurityGroups: [ref('AppSecurityGroupId')],
      },
    },
    // Tuned values and why they are safe: shared/service-defaults.ts.
    DeploymentConfiguration: {
      ...(spec.singleton ? SINGLETON_DEPLOYMENT : ROLLING_DEPLOYMENT),
      DeploymentCircuitBreaker: { ...CIRCUIT_BREAKER },
    },
    EnableExecuteCommand: model.exec,
    PropagateTags: 'SERVICE',
    EnableECSManagedTags: true,
    Tags: [
      { Key: 'stackdrop:role', Value: spec.role },
      // What the manifest asks for: a deploy scales a service created with 0 tasks (no image yet) up to this.
      { Key: 'stackdrop:desired-count', Value: String(spec.desiredCount) },
    ],
  };
  if (spec.web) {
    properties.LoadBalancers = [
      { ContainerName: 'app', ContainerPort: model.port, TargetGroupArn: ref('TargetGroupArn') },
    ];
    properties.HealthCheckGracePeriodSeconds = HEALTH_CHECK_GRACE_PERIOD_SECONDS;
  }
  return {
    Type: 'AWS::ECS::Service',
    DependsOn: ['ExecutionSecretsPolicy'],
    Properties: properties,
  };
}

/** Logical ids of a worker's resources. */
export const workerIds = (logicalId: string) => ({
  taskDefinition: `Worker${logicalId}TaskDefinition`,
  service: `Worker${logicalId}Service`,
  alarms: `Worker${logicalId}`,
});

/** Task definitions, services and web autoscaling. */
export function taskResources(model: AppModel): Resources {
  const r: Resources = {
    WebTaskDefinition: taskDefinition(model, { role: 'web', ...model.web, web: true }),
  };
  if (model.release) {
    // The release task runs with the web task's size (migrations need the app's memory).
    r.ReleaseTaskDefinition = taskDefinition(model, {
      role: 'release',
      cpu: model.web.cpu,
      memory: model.web.memory,
      command: model.release,
    });
  }
  if (model.scheduler) {
    r.SchedulerTaskDefinition = taskDefinition(model, { role: 'scheduler', ...model.scheduler });
  }
  for (const w of model.workers) {
    r[workerIds(w.logicalId).taskDefinition] = taskDefinition(model, {
      role: `worker-${w.name}`,
      cpu: w.cpu,
      memory: w.memory,
      command: w.command,
    });
  }
  r.WebService = service(model, {
    taskDefinition: 'WebTaskDefinition',
    name: 'web',
    role: 'web',
    desiredCount: model.web.desiredCount,
    web: true,
  });
  for (const w of model.workers) {
    const ids = workerIds(w.logicalId);
    r[ids.service] = service(model, {
      taskDefinition: ids.taskDefinition,
      name: `worker-${w.name}`,
      role: 'worker',
      desiredCount: w.desiredCount,
    });
  }
  if (model.scheduler) {
    r.SchedulerService = service(model, {
      taskDefinition: 'SchedulerTaskDefinition',
      name: 'scheduler',
      role: 'scheduler',
      desiredCount: 1,
      singleton: true,
    });
  }
  Object.assign(r, autoscaling(model));
  return r;
}

/**
 * Autoscaling exists only once an image runs: a minimum above 0 would otherwise start tasks that
 * cannot pull anything. The first push marks ImageDeployed (shared/rollout/first-image.ts).
 */
function autoscaling(model: AppModel): Resources {
  const scaling = model.web.autoscaling;
  if (!scaling) return {};
  const policy = (name: string, metric: Record<string, unknown>, target: number): Resource => ({
    Type: 'AWS::ApplicationAutoScaling::ScalingPolicy',
    Condition: 'HasDeployedImage',
    Properties: {
      PolicyName: name,
      PolicyType: 'TargetTrackingScaling',
      ScalingTargetId: ref('WebScalableTarget'),
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: metric,
        TargetValue: target,
        ScaleInCooldown: 300,
        ScaleOutCooldown: 60,
      },
    },
  });
  const r: Resources = {
    WebScalableTarget: {
      Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
      Condition: 'HasDeployedImage',
      // The service's literal name (not GetAtt, which a change set cannot evaluate while the
      // service is modified), so the service must exist first.
      DependsOn: ['WebService'],
      Properties: {
        ServiceNamespace: 'ecs',
        ScalableDimension: 'ecs:service:DesiredCount',
        ResourceId: { 'Fn::Join': ['/', ['service', ref('ClusterName'), 'web']] },
        MinCapacity: scaling.min,
        MaxCapacity: scaling.max,
      },
    },
    WebCpuScaling: policy(
      'web-cpu',
      { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      scaling.cpuTarget,
    ),
  };
  if (scaling.requestsPerTarget !== undefined) {
    r.WebRequestScaling = policy(
      'web-requests',
      {
        PredefinedMetricType: 'ALBRequestCountPerTarget',
        ResourceLabel: { 'Fn::Join': ['/', [loadBalancerFullName, targetGroupFullName]] },
      },
      scaling.requestsPerTarget,
    );
  }
  return r;
}
