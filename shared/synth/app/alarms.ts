import { loadBalancerFullName, type Resource, type Resources, ref, sub, targetGroupFullName } from './cfn.ts';
import type { AppModel } from './model.ts';
import { workerIds } from './tasks.ts';

/** CloudWatch alarms of the app stage: the load balancer, each service, the queue. */

interface AlarmSpec {
  description: string;
  namespace: string;
  metric: string;
  dimensions: unknown[];
  statistic?: string;
  extendedStatistic?: string;
  period: number;
  evaluationPeriods: number;
  threshold: number;
}

function alarm(model: AppModel, spec: AlarmSpec): Resource {
  // Every alarm notifies the manifest's SNS topic, if any (alarm and recovery).
  const topic = model.alarmTopicArn ? [model.alarmTopicArn] : undefined;
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: spec.description,
      Namespace: spec.namespace,
      MetricName: spec.metric,
      Dimensions: spec.dimensions,
      ...(spec.extendedStatistic
        ? { ExtendedStatistic: spec.extendedStatistic }
        : { Statistic: spec.statistic }),
      Period: spec.period,
      EvaluationPeriods: spec.evaluationPeriods,
      Threshold: spec.threshold,
      ComparisonOperator: 'GreaterThanThreshold',
      ...(topic ? { AlarmActions: topic, OKActions: topic } : {}),
      TreatMissingData: 'notBreaching',
    },
  };
}

/**
 * Alarms name a service by its literal name (the template sets ServiceName; the cluster is the
 * project's own), not by GetAtt: CloudFormation cannot evaluate a GetAtt of a service it is about to
 * modify, so every alarm reading one would show in a change set as a dynamic Modify whenever the
 * service's task definition changes.
 */
function serviceAlarms(model: AppModel, prefix: string, serviceName: string, label: string): Resources {
  const usage = (metric: string, what: string) =>
    alarm(model, {
      description: `${label}: average ${what} above 85% for 15 minutes`,
      namespace: 'AWS/ECS',
      metric,
      dimensions: [
        { Name: 'ClusterName', Value: ref('ClusterName') },
        { Name: 'ServiceName', Value: serviceName },
      ],
      statistic: 'Average',
      period: 300,
      evaluationPeriods: 3,
      threshold: 85,
    });
  return {
    [`${prefix}CpuAlarm`]: usage('CPUUtilization', 'CPU'),
    [`${prefix}MemoryAlarm`]: usage('MemoryUtilization', 'memory'),
  };
}

export function alarmResources(model: AppModel): Resources {
  const name = `stackdrop ${model.project} ${model.environment}`;
  const albDimensions = [
    { Name: 'LoadBalancer', Value: loadBalancerFullName },
    { Name: 'TargetGroup', Value: targetGroupFullName },
  ];
  const r: Resources = {
    Target5xxAlarm: alarm(model, {
      description: `${name}: more than 10 app 5XX responses in 5 minutes`,
      namespace: 'AWS/ApplicationELB',
      metric: 'HTTPCode_Target_5XX_Count',
      dimensions: albDimensions,
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 1,
      threshold: 10,
    }),
    LoadBalancer5xxAlarm: alarm(model, {
      description: `${name}: more than 10 load balancer 5XX responses (502/503/504: no healthy task) in 5 minutes`,
      namespace: 'AWS/ApplicationELB',
      metric: 'HTTPCode_ELB_5XX_Count',
      dimensions: [{ Name: 'LoadBalancer', Value: loadBalancerFullName }],
      statistic: 'Sum',
      period: 300,
      evaluationPeriods: 1,
      threshold: 10,
    }),
    ResponseTimeAlarm: alarm(model, {
      description: `${name}: p95 response time above 2 s for 5 minutes`,
      namespace: 'AWS/ApplicationELB',
      metric: 'TargetResponseTime',
      dimensions: albDimensions,
      extendedStatistic: 'p95',
      period: 60,
      evaluationPeriods: 5,
      threshold: 2,
    }),
    UnhealthyHostsAlarm: alarm(model, {
      description: `${name}: a web task failed health checks for 3 minutes`,
      namespace: 'AWS/ApplicationELB',
      metric: 'UnHealthyHostCount',
      dimensions: albDimensions,
      statistic: 'Maximum',
      period: 60,
      evaluationPeriods: 3,
      threshold: 0,
    }),
    ...serviceAlarms(model, 'Web', 'web', `${name} web`),
  };
  for (const w of model.workers) {
    const ids = workerIds(w.logicalId);
    Object.assign(r, serviceAlarms(model, ids.alarms, `worker-${w.name}`, `${name} worker-${w.name}`));
  }
  r.QueueAgeAlarm = alarm(model, {
    description: `${name}: oldest queued job waited over 10 minutes`,
    namespace: 'AWS/SQS',
    metric: 'ApproximateAgeOfOldestMessage',
    dimensions: [{ Name: 'QueueName', Value: ref('QueueName') }],
    statistic: 'Maximum',
    period: 300,
    evaluationPeriods: 2,
    threshold: 600,
  });
  r.DeadLetterAlarm = alarm(model, {
    description: `${name}: failed jobs are waiting in the dead-letter queue`,
    namespace: 'AWS/SQS',
    metric: 'ApproximateNumberOfMessagesVisible',
    // The edge stage names the dead-letter queue <queue name>-dlq.
    dimensions: [{ Name: 'QueueName', Value: sub('${QueueName}-dlq') }],
    statistic: 'Maximum',
    period: 300,
    evaluationPeriods: 1,
    threshold: 0,
  });
  return r;
}
