import { type ProjectMetric, projectMetrics } from '#shared/metrics.ts';
import { MAX_WORKERS } from '#shared/render.ts';

/**
 * The day-2 parts of templates/app.yaml (issue 16), kept apart from generate-app-template.ts so
 * other changes to the generator merge cleanly: ECS Exec (`app.exec`), its IAM, and the project's
 * CloudWatch dashboard built from shared/metrics.ts (the list `stackdrop metrics` reads).
 */

type Json = unknown;
const ref = (name: string): Json => ({ Ref: name });
const ifThen = (condition: string, yes: Json, no: Json): Json => ({ 'Fn::If': [condition, yes, no] });

/** `EnableExec` (from the manifest's app.exec). */
export function opsParameters(): Record<string, Record<string, unknown>> {
  return {
    EnableExec: {
      Type: 'String',
      Default: 'false',
      AllowedValues: ['true', 'false'],
      Description:
        'true lets `stackdrop exec` open a shell in running tasks through ECS Exec (manifest app.exec); false in production unless you need it.',
    },
  };
}

export function opsConditions(): Record<string, Json> {
  return { ExecOn: { 'Fn::Equals': [ref('EnableExec'), 'true'] } };
}

/** Every ECS service gets `EnableExecuteCommand` from the manifest's app.exec. */
export function withExecuteCommand(resources: Record<string, unknown>): Record<string, unknown> {
  for (const resource of Object.values(resources)) {
    const r = resource as { Type?: string; Properties?: Record<string, unknown> };
    if (r.Type === 'AWS::ECS::Service' && r.Properties)
      r.Properties.EnableExecuteCommand = ifThen('ExecOn', true, false);
  }
  return resources;
}

const SUB_VARIABLES = {
  LoadBalancerFullName: { 'Fn::Select': [1, { 'Fn::Split': ['loadbalancer/', ref('LoadBalancerArn')] }] },
  TargetGroupFullName: { 'Fn::Select': [5, { 'Fn::Split': [':', ref('TargetGroupArn')] }] },
  // The Aurora cluster id is the first label of its writer endpoint (<id>.cluster-<hash>.<region>.rds.amazonaws.com).
  DbClusterId: { 'Fn::Select': [0, { 'Fn::Split': ['.', ref('WriterEndpoint')] }] },
};
const subText = (text: string): Json => ({ 'Fn::Sub': [text, SUB_VARIABLES] });

function metricEntry(m: ProjectMetric): Json[] {
  return [
    m.namespace,
    m.metricName,
    ...m.dimensions.flatMap((d) => [d.Name, d.Value]),
    { label: m.label, stat: m.stat },
  ];
}

const MARK = (panel: string) => `@@services:${panel}@@`;

/**
 * The dashboard body: one widget per panel of shared/metrics.ts. Worker and scheduler series exist
 * only when their slot is used, so their entries are joined in with Fn::If.
 */
function dashboardBody(): Json {
  const metrics = projectMetrics({
    loadBalancer: '${LoadBalancerFullName}',
    targetGroup: '${TargetGroupFullName}',
    cluster: '${ClusterName}',
    services: [{ label: 'web', name: '${WebService.Name}' }],
    queue: '${QueueName}',
    deadLetterQueue: '${QueueName}-dlq',
    dbCluster: '${DbClusterId}',
  });
  const panels = [...new Set(metrics.map((m) => m.panel))];
  const widgets = panels.map((panel, i) => {
    const entries: Json[] = metrics.filter((m) => m.panel === panel).map(metricEntry);
    if (panel === 'CPU per service' || panel === 'Memory per service') entries.push(MARK(panel));
    return {
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
        metrics: entries,
      },
    };
  });
  const text = JSON.stringify({ widgets });
  const parts: Json[] = [];
  let rest = text;
  for (const panel of ['CPU per service', 'Memory per service']) {
    const marker = `,"${MARK(panel)}"`;
    const at = rest.indexOf(marker);
    parts.push(subText(rest.slice(0, at)));
    const metricName = panel.startsWith('CPU') ? 'CPUUtilization' : 'MemoryUtilization';
    const entry = (service: string, label: string) =>
      `,${JSON.stringify(['AWS/ECS', metricName, 'ClusterName', '${ClusterName}', 'ServiceName', service, { label, stat: 'Average' }])}`;
    for (let n = 1; n <= MAX_WORKERS; n++)
      parts.push(
        ifThen(
          `HasWorker${n}`,
          subText(entry(`\${Worker${n}Service.Name}`, `worker \${Worker${n}Name}`)),
          '',
        ),
      );
    parts.push(ifThen('HasScheduler', subText(entry('${SchedulerService.Name}', 'scheduler')), ''));
    rest = rest.slice(at + marker.length);
  }
  parts.push(subText(rest));
  return { 'Fn::Join': ['', parts] };
}

/** ECS Exec's IAM for the task role, and the dashboard. */
export function opsResources(): Record<string, unknown> {
  return {
    ExecPolicy: {
      Type: 'AWS::IAM::Policy',
      Condition: 'ExecOn',
      Properties: {
        PolicyName: 'ecs-exec',
        // The name follows the /stackdrop/stages/ path in the ARN (role/stackdrop/stages/<name>).
        Roles: [{ 'Fn::Select': [3, { 'Fn::Split': ['/', ref('TaskRoleArn')] }] }],
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
              Resource: {
                'Fn::Sub':
                  'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${LogGroupName}:*',
              },
            },
            {
              // The agent checks the group exists; DescribeLogGroups is authorized on the account's groups.
              Sid: 'FindExecLogGroup',
              Effect: 'Allow',
              Action: 'logs:DescribeLogGroups',
              Resource: {
                'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*',
              },
            },
          ],
        },
      },
    },
    Dashboard: {
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: {
        DashboardName: { 'Fn::Sub': 'stackdrop-${Project}-${Environment}' },
        DashboardBody: dashboardBody(),
      },
    },
  };
}
