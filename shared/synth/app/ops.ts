import { type ProjectMetric, projectMetrics } from '../../metrics.ts';
import { type Json, type Resources, ref, sub } from './cfn.ts';
import { type AppModel, STAGE_ROLE_PATH } from './model.ts';

/**
 * IAM and day-2 resources of the app stage: the execution role's secrets policy, ECS Exec's
 * policy (`app.exec`), and the project's CloudWatch dashboard built from shared/metrics.ts (the
 * list `stackdrop metrics` reads).
 */

/** The role's name is the last part of its ARN: role/stackdrop/stages/<name>. */
const roleName = (arnParameter: string): Json => ({
  'Fn::Select': [STAGE_ROLE_PATH.split('/').length - 1, { 'Fn::Split': ['/', ref(arnParameter)] }],
});

function executionSecretsPolicy(model: AppModel): Resources {
  const { project, environment } = model;
  const statements: Json[] = [
    {
      Sid: 'ReadDatabaseAndProjectSecrets',
      Effect: 'Allow',
      // Each action matches only ARNs of its own service. The project's prefix is written with /*,
      // which also covers Secrets Manager's -?????? suffix.
      Action: ['secretsmanager:GetSecretValue', 'ssm:GetParameters'],
      Resource: [
        ref('SecretArn'),
        sub(
          `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:stackdrop/${project}/${environment}/*`,
        ),
        sub(
          `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/stackdrop/${project}/${environment}/*`,
        ),
      ],
    },
  ];
  if (model.externalSecretGrants.length > 0) {
    // Only with app.externalSecrets: true, and then exactly the referenced ARNs.
    statements.push({
      Sid: 'ReadOptedInExternalSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue', 'ssm:GetParameters'],
      Resource: model.externalSecretGrants,
    });
  }
  if (model.secretsKmsKeyArns.length > 0) {
    // Secrets under a customer-managed key need kms:Decrypt as well; only on the listed keys and
    // only when Secrets Manager or SSM asks on the role's behalf
    // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html,
    // https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-access.html).
    statements.push({
      Sid: 'DecryptAppSecretsWithCustomerKeys',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: model.secretsKmsKeyArns,
      Condition: {
        StringEquals: {
          'kms:ViaService': [
            sub('secretsmanager.${AWS::Region}.amazonaws.com'),
            sub('ssm.${AWS::Region}.amazonaws.com'),
          ],
        },
      },
    });
  }
  return {
    ExecutionSecretsPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'read-app-secrets',
        Roles: [roleName('ExecutionRoleArn')],
        PolicyDocument: { Version: '2012-10-17', Statement: statements },
      },
    },
  };
}

function execPolicy(): Resources {
  return {
    ExecPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'ecs-exec',
        Roles: [roleName('TaskRoleArn')],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              // ECS Exec's channel to Session Manager; ssmmessages has no resource types, so `*` is required.
              // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html (read 2026-12-07)
              Sid: 'EcsExecChannels',
              Effect: 'Allow',
              Action: [
                'ssmmessages:CreateControlChannel',
                'ssmmessages:CreateDataChannel',
                'ssmmessages:OpenControlChannel',
                'ssmmessages:OpenDataChannel',
              ],
              Resource: '*',
            },
            {
              // Session logging to the app's log group (the edge cluster's executeCommandConfiguration).
              Sid: 'LogExecSessions',
              Effect: 'Allow',
              Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
              Resource: sub(
                'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${LogGroupName}:*',
              ),
            },
            {
              // The agent checks the group exists; DescribeLogGroups is authorized on the account's groups.
              Sid: 'FindExecLogGroup',
              Effect: 'Allow',
              Action: 'logs:DescribeLogGroups',
              Resource: sub('arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*'),
            },
          ],
        },
      },
    },
  };
}

const SUB_VARIABLES = {
  LoadBalancerFullName: { 'Fn::Select': [1, { 'Fn::Split': ['loadbalancer/', ref('LoadBalancerArn')] }] },
  TargetGroupFullName: { 'Fn::Select': [5, { 'Fn::Split': [':', ref('TargetGroupArn')] }] },
  // The Aurora cluster id is the first label of its writer endpoint (<id>.cluster-<hash>.<region>.rds.amazonaws.com).
  DbClusterId: { 'Fn::Select': [0, { 'Fn::Split': ['.', ref('WriterEndpoint')] }] },
};

function metricEntry(m: ProjectMetric): Json[] {
  return [
    m.namespace,
    m.metricName,
    ...m.dimensions.flatMap((d) => [d.Name, d.Value]),
    { label: m.label, stat: m.stat },
  ];
}

/** The dashboard body: one widget per panel of shared/metrics.ts, a series per service. */
function dashboardBody(model: AppModel): Json {
  const metrics = projectMetrics({
    loadBalancer: '${LoadBalancerFullName}',
    targetGroup: '${TargetGroupFullName}',
    cluster: '${ClusterName}',
    // Literal service names, as the alarms use (alarms.ts): no dynamic change on a service update.
    services: [
      { label: 'web', name: 'web' },
      ...model.workers.map((w) => ({ label: `worker ${w.name}`, name: `worker-${w.name}` })),
      ...(model.scheduler ? [{ label: 'scheduler', name: 'scheduler' }] : []),
    ],
    queue: '${QueueName}',
    deadLetterQueue: '${QueueName}-dlq',
    dbCluster: '${DbClusterId}',
  });
  const panels = [...new Set(metrics.map((m) => m.panel))];
  const widgets = panels.map((panel, i) => ({
    type: 'metric',
    x: (i % 2) * 12,
    y: Math.floor(i / 2) * 6,
    width: 12,
    height: 6,
    properties: {
      title: panel,
      region: '${AWS::Region}',
      view: 'timeSeries',
      period: 60,
      metrics: metrics.filter((m) => m.panel === panel).map(metricEntry),
    },
  }));
  // Only stackdrop's own names and ${...} references are in the text: no manifest value that
  // Fn::Sub could misread.
  return { 'Fn::Sub': [JSON.stringify({ widgets }), SUB_VARIABLES] };
}

export function opsResources(model: AppModel): Resources {
  return {
    ...executionSecretsPolicy(model),
    ...(model.exec ? execPolicy() : {}),
    Dashboard: {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: {
        DashboardName: `stackdrop-${model.project}-${model.environment}`,
        DashboardBody: dashboardBody(model),
      },
    },
  };
}
