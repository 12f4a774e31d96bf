import { STAGE_ROLE_PATH } from './model.ts';

/**
 * The app template's parameters: only what the manifest does not know. Values from earlier stages
 * (their outputs) stay parameters so the template text depends on the manifest alone: `plan` and
 * `rehearse` show it before those stages exist, and a change set for a manifest edit lists only
 * the resources the edit touches. ImageUri and ImageDeployed stay parameters because the rollout
 * changes them with UsePreviousTemplate (shared/rollout/first-image.ts).
 */
export function appParameters(
  autoscaling: boolean,
  wired: { cache: boolean; assetUrl: boolean } = { cache: false, assetUrl: false },
): Record<string, Record<string, unknown>> {
  const role = `^arn:aws[a-z-]*:iam::\\d{12}:role${STAGE_ROLE_PATH}[A-Za-z0-9+=,.@_-]+$`;
  const parameters: Record<string, Record<string, unknown>> = {
    ImageUri: {
      Type: 'String',
      Description:
        'Image to run, preferably pinned by digest (<repository uri>@sha256:...). Empty before the first push: every service then runs 0 tasks, so the stack never waits for an image that does not exist.',
      AllowedPattern:
        '^$|^[a-z0-9][a-z0-9.-]*(:[0-9]+)?/[a-z0-9._/-]+(@sha256:[a-f0-9]{64}|:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$',
      Default: '',
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
      AllowedPattern: role,
    },
    ExecutionRoleArn: {
      Type: 'String',
      Description:
        "Task execution role (edge stage ExecutionRoleArn output), in stackdrop's /stackdrop/stages/ path; this stage lets it read the secrets.",
      AllowedPattern: role,
    },
    LogGroupName: {
      Type: 'String',
      Description: "Log group of the app's containers (edge stage LogGroupName output).",
      AllowedPattern: '^[A-Za-z0-9_/.#-]{1,512}$',
    },
  };
  // Only web autoscaling reads it; a template without autoscaling leaves it out (an unused
  // parameter is a cfn-lint warning, and the first push then has nothing to turn on).
  if (autoscaling)
    parameters.ImageDeployed = {
      Type: 'String',
      Description:
        'true once an image runs in the services. The first push sets it while ImageUri is still empty (roll-service scales the services itself), so web autoscaling starts without another manifest upload.',
      AllowedValues: ['true', 'false'],
      Default: 'false',
    };
  // Outputs that exist only when the manifest asks for them (render.ts fills them from those stages).
  if (wired.cache) {
    parameters.CacheAddress = {
      Type: 'String',
      Description: 'Serverless cache endpoint (database stage CacheAddress output); Laravel REDIS_HOST.',
      AllowedPattern: '^[a-z0-9.-]{1,255}$',
    };
    parameters.CachePort = {
      Type: 'Number',
      Description: 'Serverless cache port (database stage CachePort output); Laravel REDIS_PORT.',
      MinValue: 1,
      MaxValue: 65535,
    };
  }
  if (wired.assetUrl) {
    parameters.AssetUrl = {
      Type: 'String',
      Description: 'CDN URL of the assets (edge stage AssetUrl output); Laravel ASSET_URL.',
      AllowedPattern: '^https://[^\\s]+$',
      MaxLength: 2048,
    };
  }
  return parameters;
}
