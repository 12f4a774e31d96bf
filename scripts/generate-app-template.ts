import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { CfnTemplate } from '#shared/cfn-yaml.ts';
import { stringifyCfnTemplate } from '#shared/cfn-yaml.ts';
import { COMMAND_PARAMETER_MAX_LENGTH } from '#shared/manifest/limits.ts';
import {
  COMMAND_DELIMITER,
  MAX_ENVIRONMENT_VARIABLES,
  MAX_SECRETS,
  MAX_WORKERS,
  templatePath,
} from '#shared/render.ts';
import {
  CIRCUIT_BREAKER,
  HEALTH_CHECK_GRACE_PERIOD_SECONDS,
  ROLLING_DEPLOYMENT,
  SINGLETON_DEPLOYMENT,
  WORKER_STOP_TIMEOUT_SECONDS,
} from '#shared/service-defaults.ts';
import { opsConditions, opsParameters, opsResources, withExecuteCommand } from './app-template-ops.ts';

/**
 * Builds templates/app.yaml. CloudFormation cannot loop and rejects YAML anchors, so the app template
 * has fixed slots (workers, environment variables, secrets) whose container definitions repeat the
 * same wiring 12 times; this script writes them out so nobody has to keep the copies in step by hand.
 * Run: npm exec -- node scripts/generate-app-template.ts (a unit test fails when the file is stale).
 */

type Json = unknown;
const ref = (name: string): Json => ({ Ref: name });
const sub = (text: string): Json => ({ 'Fn::Sub': text });
const getAtt = (resource: string, attribute: string): Json => ({ 'Fn::GetAtt': [resource, attribute] });
const ifThen = (condition: string, yes: Json, no: Json): Json => ({ 'Fn::If': [condition, yes, no] });
const noValue = ref('AWS::NoValue');
const not = (condition: Json): Json => ({ 'Fn::Not': [condition] });
const equals = (a: Json, b: Json): Json => ({ 'Fn::Equals': [a, b] });
const condition = (name: string): Json => ({ Condition: name });
const split = (text: Json): Json => ({ 'Fn::Split': [COMMAND_DELIMITER, text] });
const slots = (count: number): number[] => Array.from({ length: count }, (_, i) => i + 1);

/** Path of every role the stage templates create (template.yaml's service role may touch no other). */
const STAGE_ROLE_PATH = '/stackdrop/stages/';

const FARGATE_CPU = [256, 512, 1024, 2048, 4096, 8192, 16384];
const NAME = '^[A-Z_][A-Z0-9_]*$';

/** Every alarm notifies the optional SNS topic (alarm and recovery). */
const alarmActions = {
  AlarmActions: ifThen('HasAlarmTopic', [ref('AlarmTopicArn')], noValue),
  OKActions: ifThen('HasAlarmTopic', [ref('AlarmTopicArn')], noValue),
  TreatMissingData: 'notBreaching',
};
const loadBalancerFullName = {
  'Fn::Select': [1, { 'Fn::Split': ['loadbalancer/', ref('LoadBalancerArn')] }],
};
const targetGroupFullName = { 'Fn::Select': [5, { 'Fn::Split': [':', ref('TargetGroupArn')] }] };

function parameters(): Record<string, Record<string, unknown>> {
  const p: Record<string, Record<string, unknown>> = {
    Project: {
      Type: 'String',
      Description: 'stackdrop project name (from the manifest), used in resource names.',
      AllowedPattern: '^[a-z][a-z0-9-]{1,30}$',
    },
    Environment: {
      Type: 'String',
      Description: 'stackdrop environment name (from the manifest), used in resource names.',
      AllowedPattern: '^[a-z][a-z0-9]{0,15}$',
    },
    ImageUri: {
      Type: 'String',
      Description:
        'Image to run, preferably pinned by digest (<repository uri>@sha256:...). Empty before the first push: every service then runs 0 tasks, so the stack never waits for an image that does not exist.',
      AllowedPattern:
        '^$|^[a-z0-9][a-z0-9.-]*(:[0-9]+)?/[a-z0-9._/-]+(@sha256:[a-f0-9]{64}|:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$',
      Default: '',
    },
    ImageDeployed: {
      Type: 'String',
      Description:
        'true once an image runs in the services. The first push sets it while ImageUri is still empty (roll-service scales the services itself), so web autoscaling starts without another manifest upload.',
      AllowedValues: ['true', 'false'],
      Default: 'false',
    },
    AppEnv: {
      Type: 'String',
      Description: "Laravel APP_ENV (the manifest's app.environment.APP_ENV, else the environment name).",
      AllowedPattern: '^[A-Za-z0-9_.-]{1,64}$',
      Default: 'production',
    },
    PrivateSubnetIds: {
      Type: 'List<AWS::EC2::Subnet::Id>',
      Description: 'Private subnets of the network stage for the tasks (its PrivateSubnetIds output).',
    },
    AppSecurityGroupId: {
      Type: 'AWS::EC2::SecurityGroup::Id',
      Description: 'App security group of the network stage (its AppSecurityGroupId output).',
    },
    WriterEndpoint: {
      Type: 'String',
      Description: 'Database writer host name (database stage WriterEndpoint output).',
      AllowedPattern: '^[a-z0-9.-]{1,255}$',
    },
    Port: {
      Type: 'Number',
      Description: 'Database port (database stage Port output).',
      MinValue: 1150,
      MaxValue: 65535,
    },
    SecretArn: {
      Type: 'String',
      Description: 'Managed master user secret of the database (database stage SecretArn output).',
      AllowedPattern: '^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\\d{12}:secret:[A-Za-z0-9/_+=.@!-]+$',
    },
    DatabaseName: {
      Type: 'String',
      Description: 'Database name (database stage DatabaseName output).',
      AllowedPattern: '^[a-zA-Z][a-zA-Z0-9_]{0,62}$',
    },
    Engine: {
      Type: 'String',
      Description: 'Aurora engine (database stage Engine output); picks DB_CONNECTION.',
      AllowedValues: ['aurora-mysql', 'aurora-postgresql'],
    },
    ClusterName: {
      Type: 'String',
      Description: 'ECS cluster (edge stage ClusterName output).',
      AllowedPattern: '^[A-Za-z0-9_-]{1,255}$',
    },
    RepositoryUri: {
      Type: 'String',
      Description:
        'ECR repository URI (edge stage RepositoryUri output); names the image until the first push.',
      AllowedPattern: '^[a-z0-9][a-z0-9.-]*(:[0-9]+)?/[a-z0-9._/-]+$',
    },
    LoadBalancerArn: {
      Type: 'String',
      Description: 'Load balancer (edge stage LoadBalancerArn output), for alarms and request-count scaling.',
      AllowedPattern: '^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\\d{12}:loadbalancer/app/.+$',
    },
    TargetGroupArn: {
      Type: 'String',
      Description: 'Target group of the web service (edge stage TargetGroupArn output).',
      AllowedPattern: '^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\\d{12}:targetgroup/.+$',
    },
    Url: {
      Type: 'String',
      Description: "Laravel APP_URL: the edge stage's Url output, or the manifest's app.environment.APP_URL.",
      AllowedPattern: '^https?://[^\\s]+$',
      MaxLength: 2048,
    },
    AppBucketName: {
      Type: 'String',
      Description: 'App bucket (edge stage AppBucketName output); Laravel AWS_BUCKET.',
      AllowedPattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
    },
    QueueName: {
      Type: 'String',
      Description: 'App queue name (edge stage QueueName output); Laravel SQS_QUEUE.',
      AllowedPattern: '^[A-Za-z0-9_-]{1,80}$',
    },
    TaskRoleArn: {
      Type: 'String',
      Description:
        "Role of the app's code (edge stage TaskRoleArn output), in stackdrop's /stackdrop/stages/ path.",
      AllowedPattern: `^arn:aws[a-z-]*:iam::\\d{12}:role${STAGE_ROLE_PATH}[A-Za-z0-9+=,.@_-]+$`,
    },
    ExecutionRoleArn: {
      Type: 'String',
      Description:
        "Task execution role (edge stage ExecutionRoleArn output), in stackdrop's /stackdrop/stages/ path; this stage lets it read the secrets.",
      AllowedPattern: `^arn:aws[a-z-]*:iam::\\d{12}:role${STAGE_ROLE_PATH}[A-Za-z0-9+=,.@_-]+$`,
    },
    LogGroupName: {
      Type: 'String',
      Description: "Log group of the app's containers (edge stage LogGroupName output).",
      AllowedPattern: '^[A-Za-z0-9_/.#-]{1,512}$',
    },
    ContainerPort: {
      Type: 'Number',
      Description: 'Port the web container listens on.',
      MinValue: 1,
      MaxValue: 65535,
      Default: 8080,
    },
    CpuArchitecture: {
      Type: 'String',
      Description: 'CPU architecture the image is built for.',
      AllowedValues: ['X86_64', 'ARM64'],
      Default: 'X86_64',
    },
    WebCpu: {
      Type: 'Number',
      Description: 'Fargate CPU units of a web task (1024 = 1 vCPU).',
      AllowedValues: FARGATE_CPU,
      Default: 512,
    },
    WebMemory: {
      Type: 'Number',
      Description: 'Memory (MiB) of a web task; must suit WebCpu.',
      MinValue: 512,
      MaxValue: 122880,
      Default: 1024,
    },
    WebDesiredCount: {
      Type: 'Number',
      Description: 'Web tasks to run (ignored while ImageUri is empty: 0 then).',
      MinValue: 1,
      MaxValue: 1000,
      Default: 2,
    },
    WebAutoscaling: {
      Type: 'String',
      Description: 'true to scale the web service between WebMinCapacity and WebMaxCapacity.',
      AllowedValues: ['true', 'false'],
      Default: 'false',
    },
    WebMinCapacity: {
      Type: 'Number',
      Description: 'Fewest web tasks autoscaling keeps.',
      MinValue: 0,
      MaxValue: 1000,
      Default: 2,
    },
    WebMaxCapacity: {
      Type: 'Number',
      Description: 'Most web tasks autoscaling starts.',
      MinValue: 1,
      MaxValue: 1000,
      Default: 10,
    },
    WebCpuTarget: {
      Type: 'Number',
      Description: 'Average CPU % autoscaling aims for.',
      MinValue: 10,
      MaxValue: 90,
      Default: 60,
    },
    WebRequestsPerTarget: {
      Type: 'Number',
      Description: 'Load balancer requests per task per minute autoscaling aims for; 0 scales on CPU only.',
      MinValue: 0,
      MaxValue: 100000,
      Default: 0,
    },
    HealthCheckGracePeriodSeconds: {
      Type: 'Number',
      Description: 'Seconds a new web task may fail load balancer health checks while it boots.',
      MinValue: 0,
      MaxValue: 600,
      Default: HEALTH_CHECK_GRACE_PERIOD_SECONDS,
    },
    ReleaseCommand: {
      Type: 'String',
      Description: `Release command run before each rollout (e.g. php artisan migrate --force), arguments joined by ␟ (U+241F); empty for none.`,
      MaxLength: COMMAND_PARAMETER_MAX_LENGTH,
      Default: '',
    },
    SchedulerCommand: {
      Type: 'String',
      Description:
        'Long-running scheduler process (php artisan schedule:work), arguments joined by ␟ (U+241F); empty for no scheduler.',
      MaxLength: COMMAND_PARAMETER_MAX_LENGTH,
      Default: '',
    },
    SchedulerCpu: {
      Type: 'Number',
      Description: 'Fargate CPU units of the scheduler task.',
      AllowedValues: FARGATE_CPU,
      Default: 256,
    },
    SchedulerMemory: {
      Type: 'Number',
      Description: 'Memory (MiB) of the scheduler task; must suit SchedulerCpu.',
      MinValue: 512,
      MaxValue: 122880,
      Default: 512,
    },
    SecretsKmsKeyArns: {
      Type: 'CommaDelimitedList',
      // For a CommaDelimitedList, CloudFormation matches the pattern against each value.
      AllowedPattern:
        '^$|^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$',
      Description:
        "Customer-managed KMS key ARNs that encrypt the app's secrets (manifest app.secretsKmsKeyArns); the execution role may decrypt with them through Secrets Manager and SSM only. Empty for none.",
      Default: '',
    },
    AlarmTopicArn: {
      Type: 'String',
      Description: 'SNS topic for alarm notifications; empty for none (alarms still show in CloudWatch).',
      AllowedPattern: '^$|^arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,256}$',
      Default: '',
    },
  };
  for (const n of slots(MAX_WORKERS)) {
    p[`Worker${n}Name`] = {
      Type: 'String',
      Description: `Worker slot ${n}: name (service worker-<name>); empty leaves the slot unused.`,
      AllowedPattern: '^$|^[a-z][a-z0-9-]{0,19}$',
      Default: '',
    };
    p[`Worker${n}Command`] = {
      Type: 'String',
      Description: `Worker slot ${n}: command, arguments joined by ␟ (U+241F) (e.g. php artisan queue:work --tries=3).`,
      MaxLength: COMMAND_PARAMETER_MAX_LENGTH,
      Default: '',
    };
    p[`Worker${n}Cpu`] = {
      Type: 'Number',
      Description: `Worker slot ${n}: Fargate CPU units.`,
      AllowedValues: FARGATE_CPU,
      Default: 256,
    };
    p[`Worker${n}Memory`] = {
      Type: 'Number',
      Description: `Worker slot ${n}: memory (MiB); must suit the CPU units.`,
      MinValue: 512,
      MaxValue: 122880,
      Default: 512,
    };
    p[`Worker${n}DesiredCount`] = {
      Type: 'Number',
      Description: `Worker slot ${n}: tasks to run (0 while ImageUri is empty).`,
      MinValue: 0,
      MaxValue: 1000,
      Default: 0,
    };
  }
  for (const n of slots(MAX_ENVIRONMENT_VARIABLES)) {
    p[`Env${n}Name`] = {
      Type: 'String',
      Description: `Environment slot ${n}: variable name from the manifest's app.environment; empty leaves it unused.`,
      AllowedPattern: `^$|${NAME}`,
      MaxLength: 255,
      Default: '',
    };
    p[`Env${n}Value`] = {
      Type: 'String',
      Description: `Environment slot ${n}: value (not secret; use app.secrets for secrets).`,
      MaxLength: 4096,
      Default: '',
    };
  }
  for (const n of slots(MAX_SECRETS)) {
    p[`Secret${n}Name`] = {
      Type: 'String',
      Description: `Secret slot ${n}: variable name from the manifest's app.secrets; empty leaves it unused.`,
      AllowedPattern: `^$|${NAME}`,
      MaxLength: 255,
      Default: '',
    };
    p[`Secret${n}ValueFrom`] = {
      Type: 'String',
      Description: `Secret slot ${n}: ARN of the Secrets Manager secret or SSM parameter (never the value).`,
      AllowedPattern:
        '^$|^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:\\d{12}:secret:[A-Za-z0-9/_+=.@-]+|ssm:[a-z0-9-]+:\\d{12}:parameter/[A-Za-z0-9/_.-]+)$',
      Default: '',
    };
  }
  p.ExternalSecretGrants = {
    Type: 'CommaDelimitedList',
    Description:
      'IAM resources for secret references outside stackdrop/<project>/<environment>/ (manifest app.externalSecrets: true); a Secrets Manager ARN without its 6-character suffix is granted as <arn>-??????. Empty: none.',
    AllowedPattern:
      '^$|^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:\\d{12}:secret:[A-Za-z0-9/_+=.@?-]+|ssm:[a-z0-9-]+:\\d{12}:parameter/[A-Za-z0-9/_.-]+)$',
    Default: '',
  };
  return p;
}

function conditions(): Record<string, Json> {
  const c: Record<string, Json> = {
    HasImage: not(equals(ref('ImageUri'), '')),
    IsPostgres: equals(ref('Engine'), 'aurora-postgresql'),
    HasRelease: not(equals(ref('ReleaseCommand'), '')),
    HasScheduler: not(equals(ref('SchedulerCommand'), '')),
    HasAlarmTopic: not(equals(ref('AlarmTopicArn'), '')),
    HasExternalSecrets: not(equals({ 'Fn::Join': ['', ref('ExternalSecretGrants')] }, '')),
    HasDeployedImage: { 'Fn::Or': [condition('HasImage'), equals(ref('ImageDeployed'), 'true')] },
    WebAutoscalingOn: { 'Fn::And': [condition('HasDeployedImage'), equals(ref('WebAutoscaling'), 'true')] },
    WebRequestScalingOn: {
      'Fn::And': [condition('WebAutoscalingOn'), not(equals(ref('WebRequestsPerTarget'), 0))],
    },
  };
  for (const n of slots(MAX_WORKERS)) c[`HasWorker${n}`] = not(equals(ref(`Worker${n}Name`), ''));
  for (const n of slots(MAX_ENVIRONMENT_VARIABLES)) c[`HasEnv${n}`] = not(equals(ref(`Env${n}Name`), ''));
  for (const n of slots(MAX_SECRETS)) c[`HasSecret${n}`] = not(equals(ref(`Secret${n}Name`), ''));
  c.HasSecretsKmsKeys = not(equals({ 'Fn::Join': ['', ref('SecretsKmsKeyArns')] }, ''));
  return c;
}

/** Laravel wiring plus the manifest's environment slots, identical in every container. */
function environment(): Json[] {
  return [
    { Name: 'APP_ENV', Value: ref('AppEnv') },
    { Name: 'APP_URL', Value: ref('Url') },
    { Name: 'LOG_CHANNEL', Value: 'stderr' },
    { Name: 'DB_CONNECTION', Value: ifThen('IsPostgres', 'pgsql', 'mysql') },
    { Name: 'DB_HOST', Value: ref('WriterEndpoint') },
    { Name: 'DB_PORT', Value: ref('Port') },
    { Name: 'DB_DATABASE', Value: ref('DatabaseName') },
    { Name: 'QUEUE_CONNECTION', Value: 'sqs' },
    { Name: 'SQS_PREFIX', Value: sub('https://sqs.${AWS::Region}.${AWS::URLSuffix}/${AWS::AccountId}') },
    { Name: 'SQS_QUEUE', Value: ref('QueueName') },
    { Name: 'FILESYSTEM_DISK', Value: 's3' },
    { Name: 'AWS_BUCKET', Value: ref('AppBucketName') },
    { Name: 'AWS_DEFAULT_REGION', Value: ref('AWS::Region') },
    ...slots(MAX_ENVIRONMENT_VARIABLES).map((n) =>
      ifThen(`HasEnv${n}`, { Name: ref(`Env${n}Name`), Value: ref(`Env${n}Value`) }, noValue),
    ),
  ];
}

function secrets(): Json[] {
  return [
    { Name: 'DB_USERNAME', ValueFrom: sub('${SecretArn}:username::') },
    { Name: 'DB_PASSWORD', ValueFrom: sub('${SecretArn}:password::') },
    ...slots(MAX_SECRETS).map((n) =>
      ifThen(
        `HasSecret${n}`,
        { Name: ref(`Secret${n}Name`), ValueFrom: ref(`Secret${n}ValueFrom`) },
        noValue,
      ),
    ),
  ];
}

interface TaskSpec {
  role: string;
  cpu: Json;
  memory: Json;
  command?: Json;
  web?: boolean;
  condition?: string;
}

function taskDefinition(spec: TaskSpec): Record<string, unknown> {
  const container: Record<string, unknown> = {
    Name: 'app',
    Image: ifThen('HasImage', ref('ImageUri'), sub('${RepositoryUri}:stackdrop-no-image-yet')),
    Essential: true,
  };
  if (spec.command) container.Command = spec.command;
  if (spec.web) container.PortMappings = [{ ContainerPort: ref('ContainerPort'), Protocol: 'tcp' }];
  // Fargate allows at most 120 s between SIGTERM and SIGKILL: let workers finish their job.
  if (!spec.web) container.StopTimeout = WORKER_STOP_TIMEOUT_SECONDS;
  container.Environment = environment();
  container.Secrets = secrets();
  container.LogConfiguration = {
    LogDriver: 'awslogs',
    Options: {
      'awslogs-group': ref('LogGroupName'),
      'awslogs-region': ref('AWS::Region'),
      // Streams are <prefix>/app/<task id>: one prefix per web, release, scheduler and worker name.
      'awslogs-stream-prefix': spec.role.includes('${') ? sub(spec.role) : spec.role,
    },
  };
  return {
    Type: 'AWS::ECS::TaskDefinition',
    ...(spec.condition ? { Condition: spec.condition } : {}),
    Properties: {
      Family: sub(`stackdrop-\${Project}-\${Environment}-${spec.role}`),
      RequiresCompatibilities: ['FARGATE'],
      NetworkMode: 'awsvpc',
      Cpu: spec.cpu,
      Memory: spec.memory,
      RuntimePlatform: { OperatingSystemFamily: 'LINUX', CpuArchitecture: ref('CpuArchitecture') },
      ExecutionRoleArn: ref('ExecutionRoleArn'),
      TaskRoleArn: ref('TaskRoleArn'),
      ContainerDefinitions: [container],
    },
  };
}

interface ServiceSpec {
  taskDefinition: string;
  name: Json;
  role: string;
  desiredCount: Json;
  condition?: string;
  web?: boolean;
  /** The scheduler never runs twice: the old task stops before the new one starts. */
  singleton?: boolean;
}

function service(spec: ServiceSpec): Record<string, unknown> {
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
    PropagateTags: 'SERVICE',
    EnableECSManagedTags: true,
    Tags: [
      { Key: 'stackdrop:role', Value: spec.role },
      // What the manifest asks for: a deploy scales a service created with 0 tasks (no image yet) up to this.
      {
        Key: 'stackdrop:desired-count',
        Value: typeof spec.desiredCount === 'number' ? String(spec.desiredCount) : spec.desiredCount,
      },
    ],
  };
  if (spec.web) {
    properties.LoadBalancers = [
      { ContainerName: 'app', ContainerPort: ref('ContainerPort'), TargetGroupArn: ref('TargetGroupArn') },
    ];
    properties.HealthCheckGracePeriodSeconds = ref('HealthCheckGracePeriodSeconds');
  }
  return {
    Type: 'AWS::ECS::Service',
    ...(spec.condition ? { Condition: spec.condition } : {}),
    DependsOn: ['ExecutionSecretsPolicy'],
    Properties: properties,
  };
}

function serviceAlarms(
  prefix: string,
  serviceRef: string,
  label: Json,
  condition?: string,
): Record<string, Record<string, unknown>> {
  const alarm = (metric: string, what: string) => ({
    Type: 'AWS::CloudWatch::Alarm',
    ...(condition ? { Condition: condition } : {}),
    Properties: {
      AlarmDescription: { 'Fn::Join': ['', [label, `: average ${what} above 85% for 15 minutes`]] },
      Namespace: 'AWS/ECS',
      MetricName: metric,
      Dimensions: [
        { Name: 'ClusterName', Value: ref('ClusterName') },
        { Name: 'ServiceName', Value: getAtt(serviceRef, 'Name') },
      ],
      Statistic: 'Average',
      Period: 300,
      EvaluationPeriods: 3,
      Threshold: 85,
      ComparisonOperator: 'GreaterThanThreshold',
      ...alarmActions,
    },
  });
  return {
    [`${prefix}CpuAlarm`]: alarm('CPUUtilization', 'CPU'),
    [`${prefix}MemoryAlarm`]: alarm('MemoryUtilization', 'memory'),
  };
}

function resources(): Record<string, unknown> {
  const r: Record<string, unknown> = {
    ExecutionSecretsPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'read-app-secrets',
        // The role's name is the last part of its ARN: role/stackdrop/stages/<name>.
        Roles: [
          {
            'Fn::Select': [
              STAGE_ROLE_PATH.split('/').length - 1,
              { 'Fn::Split': ['/', ref('ExecutionRoleArn')] },
            ],
          },
        ],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'ReadDatabaseAndProjectSecrets',
              Effect: 'Allow',
              // Each action matches only ARNs of its own service. The project's prefix is written
              // with /*, which also covers Secrets Manager's -?????? suffix.
              Action: ['secretsmanager:GetSecretValue', 'ssm:GetParameters'],
              Resource: [
                ref('SecretArn'),
                sub(
                  'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:stackdrop/${Project}/${Environment}/*',
                ),
                sub(
                  'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/stackdrop/${Project}/${Environment}/*',
                ),
              ],
            },
            ifThen(
              'HasExternalSecrets',
              {
                Sid: 'ReadOptedInExternalSecrets',
                Effect: 'Allow',
                Action: ['secretsmanager:GetSecretValue', 'ssm:GetParameters'],
                Resource: ref('ExternalSecretGrants'),
              },
              noValue,
            ),
            // Secrets under a customer-managed key need kms:Decrypt as well; only on the listed
            // keys and only when Secrets Manager or SSM asks on the role's behalf
            // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html,
            // https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-access.html).
            ifThen(
              'HasSecretsKmsKeys',
              {
                Sid: 'DecryptAppSecretsWithCustomerKeys',
                Effect: 'Allow',
                Action: 'kms:Decrypt',
                Resource: ref('SecretsKmsKeyArns'),
                Condition: {
                  StringEquals: {
                    'kms:ViaService': [
                      sub('secretsmanager.${AWS::Region}.amazonaws.com'),
                      sub('ssm.${AWS::Region}.amazonaws.com'),
                    ],
                  },
                },
              },
              noValue,
            ),
          ],
        },
      },
    },
    WebTaskDefinition: taskDefinition({
      role: 'web',
      cpu: ref('WebCpu'),
      memory: ref('WebMemory'),
      web: true,
    }),
    ReleaseTaskDefinition: taskDefinition({
      role: 'release',
      cpu: ref('WebCpu'),
      memory: ref('WebMemory'),
      command: split(ref('ReleaseCommand')),
      condition: 'HasRelease',
    }),
    SchedulerTaskDefinition: taskDefinition({
      role: 'scheduler',
      cpu: ref('SchedulerCpu'),
      memory: ref('SchedulerMemory'),
      command: split(ref('SchedulerCommand')),
      condition: 'HasScheduler',
    }),
  };
  for (const n of slots(MAX_WORKERS)) {
    r[`Worker${n}TaskDefinition`] = taskDefinition({
      role: `worker-\${Worker${n}Name}`,
      cpu: ref(`Worker${n}Cpu`),
      memory: ref(`Worker${n}Memory`),
      command: split(ref(`Worker${n}Command`)),
      condition: `HasWorker${n}`,
    });
  }
  r.WebService = service({
    taskDefinition: 'WebTaskDefinition',
    name: 'web',
    role: 'web',
    desiredCount: ref('WebDesiredCount'),
    web: true,
  });
  for (const n of slots(MAX_WORKERS)) {
    r[`Worker${n}Service`] = service({
      taskDefinition: `Worker${n}TaskDefinition`,
      name: sub(`worker-\${Worker${n}Name}`),
      role: 'worker',
      desiredCount: ref(`Worker${n}DesiredCount`),
      condition: `HasWorker${n}`,
    });
  }
  r.SchedulerService = service({
    taskDefinition: 'SchedulerTaskDefinition',
    name: 'scheduler',
    role: 'scheduler',
    desiredCount: 1,
    condition: 'HasScheduler',
    singleton: true,
  });

  // Autoscaling exists only once an image runs: a minimum above 0 would otherwise start tasks that
  // cannot pull anything. The first push marks ImageDeployed (shared/rollout/first-image.ts).
  r.WebScalableTarget = {
    Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
    Condition: 'WebAutoscalingOn',
    Properties: {
      ServiceNamespace: 'ecs',
      ScalableDimension: 'ecs:service:DesiredCount',
      ResourceId: { 'Fn::Join': ['/', ['service', ref('ClusterName'), getAtt('WebService', 'Name')]] },
      MinCapacity: ref('WebMinCapacity'),
      MaxCapacity: ref('WebMaxCapacity'),
    },
  };
  r.WebCpuScaling = {
    Type: 'AWS::ApplicationAutoScaling::ScalingPolicy',
    Condition: 'WebAutoscalingOn',
    Properties: {
      PolicyName: 'web-cpu',
      PolicyType: 'TargetTrackingScaling',
      ScalingTargetId: ref('WebScalableTarget'),
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: ref('WebCpuTarget'),
        ScaleInCooldown: 300,
        ScaleOutCooldown: 60,
      },
    },
  };
  r.WebRequestScaling = {
    Type: 'AWS::ApplicationAutoScaling::ScalingPolicy',
    Condition: 'WebRequestScalingOn',
    Properties: {
      PolicyName: 'web-requests',
      PolicyType: 'TargetTrackingScaling',
      ScalingTargetId: ref('WebScalableTarget'),
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: {
          PredefinedMetricType: 'ALBRequestCountPerTarget',
          ResourceLabel: { 'Fn::Join': ['/', [loadBalancerFullName, targetGroupFullName]] },
        },
        TargetValue: ref('WebRequestsPerTarget'),
        ScaleInCooldown: 300,
        ScaleOutCooldown: 60,
      },
    },
  };

  const albDimensions = [
    { Name: 'LoadBalancer', Value: loadBalancerFullName },
    { Name: 'TargetGroup', Value: targetGroupFullName },
  ];
  r.Target5xxAlarm = {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: sub(
        'stackdrop ${Project} ${Environment}: more than 10 app 5XX responses in 5 minutes',
      ),
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Dimensions: albDimensions,
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 10,
      ComparisonOperator: 'GreaterThanThreshold',
      ...alarmActions,
    },
  };
  r.LoadBalancer5xxAlarm = {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: sub(
        'stackdrop ${Project} ${Environment}: more than 10 load balancer 5XX responses (502/503/504: no healthy task) in 5 minutes',
      ),
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_ELB_5XX_Count',
      Dimensions: [{ Name: 'LoadBalancer', Value: loadBalancerFullName }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 10,
      ComparisonOperator: 'GreaterThanThreshold',
      ...alarmActions,
    },
  };
  r.ResponseTimeAlarm = {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: sub('stackdrop ${Project} ${Environment}: p95 response time above 2 s for 5 minutes'),
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'TargetResponseTime',
      Dimensions: albDimensions,
      ExtendedStatistic: 'p95',
      Period: 60,
      EvaluationPeriods: 5,
      Threshold: 2,
      ComparisonOperator: 'GreaterThanThreshold',
      ...alarmActions,
    },
  };
  r.UnhealthyHostsAlarm = {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: sub(
        'stackdrop ${Project} ${Environment}: a web task failed health checks for 3 minutes',
      ),
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'UnHealthyHostCount',
      Dimensions: albDimensions,
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 3,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      ...alarmActions,
    },
  };
  Object.assign(r, serviceAlarms('Web', 'WebService', sub('stackdrop ${Project} ${Environment} web')));
  for (const n of slots(MAX_WORKERS)) {
    Object.assign(
      r,
      serviceAlarms(
        `Worker${n}`,
        `Worker${n}Service`,
        sub(`stackdrop \${Project} \${Environment} worker-\${Worker${n}Name}`),
        `HasWorker${n}`,
      ),
    );
  }
  r.QueueAgeAlarm = {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: sub('stackdrop ${Project} ${Environment}: oldest queued job waited over 10 minutes'),
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: ref('QueueName') }],
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 2,
      Threshold: 600,
      ComparisonOperator: 'GreaterThanThreshold',
      ...alarmActions,
    },
  };
  r.DeadLetterAlarm = {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: sub(
        'stackdrop ${Project} ${Environment}: failed jobs are waiting in the dead-letter queue',
      ),
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      // The edge stage names the dead-letter queue <queue name>-dlq.
      Dimensions: [{ Name: 'QueueName', Value: sub('${QueueName}-dlq') }],
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      ...alarmActions,
    },
  };
  return r;
}

function outputs(): Record<string, unknown> {
  return {
    WebServiceName: { Description: 'Web service', Value: getAtt('WebService', 'Name') },
    WorkerServiceNames: {
      Description: 'Worker services, comma-separated (empty when there are none)',
      // Slots fill from 1 upwards, so each later name brings its own leading comma.
      Value: {
        'Fn::Join': [
          '',
          slots(MAX_WORKERS).map((n) =>
            ifThen(
              `HasWorker${n}`,
              n === 1
                ? getAtt(`Worker${n}Service`, 'Name')
                : { 'Fn::Join': ['', [',', getAtt(`Worker${n}Service`, 'Name')]] },
              '',
            ),
          ),
        ],
      },
    },
    SchedulerServiceName: {
      Description: 'Scheduler service (empty when the manifest has no scheduler)',
      Value: ifThen('HasScheduler', getAtt('SchedulerService', 'Name'), ''),
    },
    WebTaskDefinitionArn: { Description: 'Web task definition', Value: ref('WebTaskDefinition') },
    ReleaseTaskDefinitionArn: {
      Description: 'Release task definition (empty when the manifest has no release command)',
      Value: ifThen('HasRelease', ref('ReleaseTaskDefinition'), ''),
    },
    ImageUri: {
      Description: 'Image the stack was last deployed with (empty: none pushed yet)',
      Value: ref('ImageUri'),
    },
  };
}

/** The app stage template as a JSON object. */
export function buildAppTemplate(): CfnTemplate {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'stackdrop app stage: task definitions, the web service behind the load balancer, worker and scheduler services, release task, autoscaling and alarms.',
    Parameters: { ...parameters(), ...opsParameters() },
    Conditions: { ...conditions(), ...opsConditions() },
    Resources: withExecuteCommand({ ...resources(), ...opsResources() }) as CfnTemplate['Resources'],
    Outputs: outputs() as CfnTemplate['Outputs'],
  };
}

const RESOURCE_COMMENTS: Record<string, string> = {
  ExecutionSecretsPolicy:
    "Lets the edge stage's execution role read the database secret and the manifest's secrets, and nothing else.",
  WebTaskDefinition: 'Web: serves HTTP on ContainerPort behind the load balancer.',
  ReleaseTaskDefinition: 'Release: run once per rollout (e.g. migrations) by stackdrop; must exit 0.',
  SchedulerTaskDefinition: "Scheduler: Laravel's schedule:work, one task (see docs/decisions/scheduler.md).",
  Worker1TaskDefinition: `Worker slots 1-${MAX_WORKERS}: one task definition and service per manifest worker.`,
  WebService:
    'Services run in private subnets without public IPs; the circuit breaker rolls back a bad deploy.',
  WebScalableTarget: 'Target tracking on CPU and, when asked, on requests per task.',
  Target5xxAlarm: 'Alarms, sent to AlarmTopicArn when set.',
  ExecPolicy: 'ECS Exec (manifest app.exec): the task role opens Session Manager channels and logs sessions.',
  Dashboard: "The project's CloudWatch dashboard: the series `stackdrop metrics` prints (shared/metrics.ts).",
};

/** templates/app.yaml as text. */
export function renderAppTemplate(): string {
  return stringifyCfnTemplate(buildAppTemplate(), {
    header:
      'GENERATED by scripts/generate-app-template.ts - do not edit by hand.\nRegenerate: npm exec -- node scripts/generate-app-template.ts',
    resourceComments: RESOURCE_COMMENTS,
    flowThreshold: 100,
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(templatePath('app'), renderAppTemplate());
  console.log(`wrote ${templatePath('app')}`);
}
