/**
 * The metrics of a live project, in one place: the app stack's CloudWatch dashboard
 * (scripts/generate-app-template.ts) and `stackdrop metrics` both read this list, so what the
 * terminal shows is what the dashboard shows. Dimensions are strings: real values for the CLI,
 * `${...}` substitutions for the template.
 *
 * Metric names and dimensions: AWS/ApplicationELB
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html,
 * AWS/ECS https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html,
 * AWS/SQS https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html,
 * AWS/RDS (Aurora) https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html
 * (read 2026-12-07).
 */

export interface MetricDimensions {
  /** `app/<name>/<id>` (the part of the load balancer ARN after `loadbalancer/`). */
  loadBalancer: string;
  /** `targetgroup/<name>/<id>` (the last part of the target group ARN). */
  targetGroup: string;
  cluster: string;
  /** ECS services: label → service name (web, worker:<name>, scheduler). */
  services: Array<{ label: string; name: string }>;
  queue: string;
  deadLetterQueue: string;
  dbCluster: string;
}

export interface ProjectMetric {
  /** Lower-case id, unique (GetMetricData Id). */
  id: string;
  label: string;
  /** Dashboard widget it belongs to. */
  panel: string;
  namespace: string;
  metricName: string;
  dimensions: Array<{ Name: string; Value: string }>;
  stat: string;
  unit: string;
}

/** Every series of a project, grouped by panel, in dashboard order. */
export function projectMetrics(d: MetricDimensions): ProjectMetric[] {
  const elb = [
    { Name: 'LoadBalancer', Value: d.loadBalancer },
    { Name: 'TargetGroup', Value: d.targetGroup },
  ];
  const m = (
    id: string,
    label: string,
    panel: string,
    namespace: string,
    metricName: string,
    dimensions: ProjectMetric['dimensions'],
    stat: string,
    unit: string,
  ): ProjectMetric => ({ id, label, panel, namespace, metricName, dimensions, stat, unit });
  const service = (s: { label: string; name: string }, i: number) => [
    m(
      `cpu${i}`,
      `${s.label} CPU`,
      'CPU per service',
      'AWS/ECS',
      'CPUUtilization',
      [
        { Name: 'ClusterName', Value: d.cluster },
        { Name: 'ServiceName', Value: s.name },
      ],
      'Average',
      '%',
    ),
    m(
      `mem${i}`,
      `${s.label} memory`,
      'Memory per service',
      'AWS/ECS',
      'MemoryUtilization',
      [
        { Name: 'ClusterName', Value: d.cluster },
        { Name: 'ServiceName', Value: s.name },
      ],
      'Average',
      '%',
    ),
  ];
  return [
    m('requests', 'requests', 'Requests', 'AWS/ApplicationELB', 'RequestCount', elb, 'Sum', 'count'),
    m('errors4xx', '4xx', 'Errors', 'AWS/ApplicationELB', 'HTTPCode_Target_4XX_Count', elb, 'Sum', 'count'),
    m('errors5xx', '5xx', 'Errors', 'AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', elb, 'Sum', 'count'),
    m('p50', 'latency p50', 'Latency', 'AWS/ApplicationELB', 'TargetResponseTime', elb, 'p50', 's'),
    m('p95', 'latency p95', 'Latency', 'AWS/ApplicationELB', 'TargetResponseTime', elb, 'p95', 's'),
    m('p99', 'latency p99', 'Latency', 'AWS/ApplicationELB', 'TargetResponseTime', elb, 'p99', 's'),
    m(
      'healthy',
      'healthy hosts',
      'Healthy hosts',
      'AWS/ApplicationELB',
      'HealthyHostCount',
      elb,
      'Minimum',
      'count',
    ),
    ...d.services.flatMap(service),
    m(
      'queueDepth',
      'queue depth',
      'Queue',
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      [{ Name: 'QueueName', Value: d.queue }],
      'Maximum',
      'count',
    ),
    m(
      'queueAge',
      'oldest message age',
      'Queue',
      'AWS/SQS',
      'ApproximateAgeOfOldestMessage',
      [{ Name: 'QueueName', Value: d.queue }],
      'Maximum',
      's',
    ),
    m(
      'dbCpu',
      'Aurora CPU',
      'Database',
      'AWS/RDS',
      'CPUUtilization',
      [{ Name: 'DBClusterIdentifier', Value: d.dbCluster }],
      'Average',
      '%',
    ),
    m(
      'dbConnections',
      'Aurora connections',
      'Database',
      'AWS/RDS',
      'DatabaseConnections',
      [{ Name: 'DBClusterIdentifier', Value: d.dbCluster }],
      'Average',
      'count',
    ),
    m(
      'dlqDepth',
      'DLQ depth',
      'Dead-letter queue',
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      [{ Name: 'QueueName', Value: d.deadLetterQueue }],
      'Maximum',
      'count',
    ),
  ];
}

/** The manifest's worker name from its ECS service name (`worker-<name>`). */
function workerName(service: string): string {
  return service.startsWith('worker-') ? service.slice('worker-'.length) : service.replace(/^.*-worker-/, '');
}

/** The dimensions of a project from its status document's outputs (missing ones stay empty). */
export function dimensionsFromOutputs(outputs: Record<string, string>): MetricDimensions {
  const workers = (outputs.WorkerServiceNames ?? '').split(',').filter(Boolean);
  return {
    loadBalancer: (outputs.LoadBalancerArn ?? '').split(':loadbalancer/')[1] ?? '',
    targetGroup: (outputs.TargetGroupArn ?? '').split(':').pop() ?? '',
    cluster: outputs.ClusterName ?? '',
    services: [
      ...(outputs.WebServiceName ? [{ label: 'web', name: outputs.WebServiceName }] : []),
      // Worker names may hold hyphens (`worker-emails-high` is worker emails-high), as the dashboard labels them.
      ...workers.map((name) => ({ label: `worker ${workerName(name)}`, name })),
      ...(outputs.SchedulerServiceName ? [{ label: 'scheduler', name: outputs.SchedulerServiceName }] : []),
    ],
    queue: outputs.QueueName ?? '',
    deadLetterQueue: (outputs.DeadLetterQueueUrl ?? '').split('/').pop() ?? '',
    dbCluster: outputs.ClusterIdentifier ?? '',
  };
}
