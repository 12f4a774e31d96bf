/**
 * The least-privilege identity policy for a person (or CI role) who operates live projects with
 * the day-2 commands: `logs`, `run`, `exec`, `secrets`, `scale`, `metrics`. The CLI makes these
 * calls as that person, so this is what their role needs; docs/cli.md ("Permissions") lists the
 * same actions, and test/e2e/cli-operate-iam.test.ts runs every command as a role holding only this
 * policy with the local cloud's IAM enforcement on, then shows each statement is needed.
 *
 * Resource forms and condition keys: the Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html,
 * read 2026-12-07). `*` only where the action defines no resource type (ecs:DescribeTaskDefinition,
 * secretsmanager:ListSecrets, cloudwatch:GetMetricData, application-autoscaling:DescribeScalableTargets)
 * or, for ecs:ListTasks, where its only resource type is the container instance (Fargate has
 * none), so it is narrowed by the `ecs:cluster` condition instead.
 */

/** An IAM identity policy document (the fields this policy uses). */
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Array<{
    Sid: string;
    Effect: 'Allow';
    Action: string | string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
  }>;
}

export interface OperatorScope {
  partition?: string;
  region: string;
  accountId: string;
  /** The stackdrop bucket (status and scaling records). */
  bucket: string;
  /** The stackdrop stack's name (the CLI finds the bucket from its outputs). */
  stackName: string;
}

/** The day-2 operator policy for every project of one stackdrop deployment (stacks named `stackdrop-*`). */
export function operatorPolicy(scope: OperatorScope): PolicyDocument {
  const p = scope.partition ?? 'aws';
  const at = (service: string, resource: string) =>
    `arn:${p}:${service}:${scope.region}:${scope.accountId}:${resource}`;
  const cluster = at('ecs', 'cluster/stackdrop-*');
  return {
    Version: '2012-10-17',
    Statement: [
      {
        // Every command: the bucket from the stackdrop stack's outputs, then the project's status.
        Sid: 'FindStackdrop',
        Effect: 'Allow',
        Action: 'cloudformation:DescribeStacks',
        Resource: at('cloudformation', `stack/${scope.stackName}/*`),
      },
      {
        Sid: 'ReadProjectStatus',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: `arn:${p}:s3:::${scope.bucket}/status/*`,
      },
      {
        // Without it S3 answers a missing status (an unknown project) with 403, not 404
        // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
        Sid: 'TellMissingProjects',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: `arn:${p}:s3:::${scope.bucket}`,
      },
      {
        Sid: 'ReadAppLogs',
        Effect: 'Allow',
        Action: 'logs:FilterLogEvents',
        Resource: at('logs', 'log-group:/stackdrop/*'),
      },
      {
        // logs --follow on AWS: Live Tail on the group's ARN (found with DescribeLogGroups, which
        // defines no resource type); without them it polls FilterLogEvents.
        Sid: 'LiveTailAppLogs',
        Effect: 'Allow',
        Action: 'logs:StartLiveTail',
        Resource: at('logs', 'log-group:/stackdrop/*'),
      },
      {
        Sid: 'FindLogGroupsForLiveTail',
        Effect: 'Allow',
        Action: 'logs:DescribeLogGroups',
        Resource: at('logs', 'log-group:*'),
      },
      {
        // run, exec, scale: the services as they run now; secrets --roll and scale change them.
        Sid: 'ReadAndRollServices',
        Effect: 'Allow',
        Action: ['ecs:DescribeServices', 'ecs:UpdateService'],
        Resource: at('ecs', 'service/stackdrop-*/*'),
      },
      {
        Sid: 'ReadTaskDefinitions',
        Effect: 'Allow',
        Action: 'ecs:DescribeTaskDefinition',
        Resource: '*',
      },
      {
        // run: a one-off task from a stackdrop task definition, in a stackdrop cluster; the task
        // definition's tags are propagated (ecs:CreateAction RunTask).
        Sid: 'RunOneOffTasks',
        Effect: 'Allow',
        Action: 'ecs:RunTask',
        Resource: at('ecs', 'task-definition/stackdrop-*:*'),
        Condition: { ArnLike: { 'ecs:cluster': cluster } },
      },
      {
        Sid: 'TagOneOffTasks',
        Effect: 'Allow',
        Action: 'ecs:TagResource',
        Resource: at('ecs', 'task/stackdrop-*/*'),
        Condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
      },
      {
        // RunTask hands the task definition's task and execution roles to ECS.
        Sid: 'PassAppRolesToTasks',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: `arn:${p}:iam::${scope.accountId}:role/stackdrop/stages/*`,
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
      {
        Sid: 'WatchTasks',
        Effect: 'Allow',
        Action: 'ecs:DescribeTasks',
        Resource: at('ecs', 'task/stackdrop-*/*'),
      },
      {
        Sid: 'ListServiceTasks',
        Effect: 'Allow',
        Action: 'ecs:ListTasks',
        Resource: '*',
        Condition: { ArnLike: { 'ecs:cluster': cluster } },
      },
      {
        // exec: the session itself (the AWS CLI calls it; stackdrop only prints or runs that command).
        Sid: 'ExecIntoTasks',
        Effect: 'Allow',
        Action: 'ecs:ExecuteCommand',
        Resource: [cluster, at('ecs', 'task/stackdrop-*/*')],
      },
      {
        Sid: 'ManageProjectSecrets',
        Effect: 'Allow',
        Action: [
          'secretsmanager:CreateSecret',
          'secretsmanager:PutSecretValue',
          'secretsmanager:DeleteSecret',
          'secretsmanager:TagResource',
        ],
        Resource: at('secretsmanager', 'secret:stackdrop/*'),
      },
      {
        Sid: 'ListSecrets',
        Effect: 'Allow',
        Action: 'secretsmanager:ListSecrets',
        Resource: '*',
      },
      {
        // secrets set under a project's customer-managed key (security.kmsKey): Secrets Manager
        // uses the key on the caller's behalf; CreateSecret needs both actions
        // (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html).
        Sid: 'EncryptSecretsWithProjectKeys',
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: at('kms', 'key/*'),
        Condition: {
          StringEquals: {
            'kms:ViaService': `secretsmanager.${scope.region}.amazonaws.com`,
            'aws:ResourceTag/stackdrop:managed': 'true',
          },
        },
      },
      {
        Sid: 'ReadWebBounds',
        Effect: 'Allow',
        Action: 'application-autoscaling:DescribeScalableTargets',
        Resource: '*',
      },
      {
        Sid: 'MoveWebBounds',
        Effect: 'Allow',
        Action: 'application-autoscaling:RegisterScalableTarget',
        Resource: at('application-autoscaling', 'scalable-target/*'),
        Condition: {
          StringEquals: {
            'application-autoscaling:service-namespace': 'ecs',
            'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
          },
        },
      },
      {
        Sid: 'RecordScaling',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: `arn:${p}:s3:::${scope.bucket}/scaling/*`,
      },
      {
        Sid: 'ReadMetrics',
        Effect: 'Allow',
        Action: 'cloudwatch:GetMetricData',
        Resource: '*',
      },
      {
        Sid: 'ReadAlarms',
        Effect: 'Allow',
        Action: 'cloudwatch:DescribeAlarms',
        Resource: at('cloudwatch', 'alarm:stackdrop-*'),
      },
    ],
  };
}
