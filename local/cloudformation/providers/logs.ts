import type { Alarm } from '../../services/cloudwatch.ts';
import { genericAttributes, genericPhysicalId } from './generic.ts';
import type { ProviderRequest, ResourceProvider } from './types.ts';

/** Tags as CloudWatch Logs keeps them (a map), from the stack's and the resource's own tags. */
function tagMap(request: ProviderRequest): Record<string, string> {
  const own = (request.properties.Tags as Array<{ Key: string; Value: unknown }> | undefined) ?? [];
  return Object.fromEntries([...request.tags, ...own].map((t) => [t.Key, String(t.Value)]));
}

/**
 * AWS::Logs::LogGroup backed by the CloudWatch Logs model, so containers have somewhere to write
 * (Ref = the name; GetAtt Arn ends in `:*`, as AWS returns it).
 */
const logGroup: ResourceProvider = {
  create(request) {
    const name = genericPhysicalId(request);
    const { logs } = request.cloud;
    const kmsKeyId = request.properties.KmsKeyId as string | undefined;
    logs.createLogGroup({ logGroupName: name, tags: tagMap(request), ...(kmsKeyId ? { kmsKeyId } : {}) });
    const days = request.properties.RetentionInDays;
    if (days !== undefined) logs.putRetentionPolicy(name, Number(days));
    return { physicalId: name, attributes: genericAttributes(request, name) };
  },
  update(request) {
    const { logs } = request.cloud;
    const days = request.properties.RetentionInDays;
    if (days !== undefined) logs.putRetentionPolicy(request.physicalId, Number(days));
    else logs.deleteRetentionPolicy(request.physicalId);
    Object.assign(logs.group(request.physicalId).tags, tagMap(request));
    return { physicalId: request.physicalId, attributes: genericAttributes(request, request.physicalId) };
  },
  delete(request) {
    if (request.cloud.logs.groups.has(request.physicalId))
      request.cloud.logs.deleteLogGroup(request.physicalId);
  },
};

/** An alarm's properties as PutMetricAlarm takes them (numbers may arrive as strings from parameters). */
function alarmInput(request: ProviderRequest, name: string): Omit<Alarm, 'AlarmArn'> {
  const p = request.properties;
  return {
    ...(p as object),
    AlarmName: name,
    Namespace: String(p.Namespace ?? ''),
    MetricName: String(p.MetricName ?? ''),
    Dimensions: (p.Dimensions as Alarm['Dimensions'] | undefined) ?? [],
    Period: Number(p.Period ?? 60),
    EvaluationPeriods: Number(p.EvaluationPeriods ?? 1),
    Threshold: Number(p.Threshold ?? 0),
    ComparisonOperator: String(p.ComparisonOperator ?? 'GreaterThanThreshold'),
  };
}

/** AWS::CloudWatch::Alarm kept by the CloudWatch model, so DescribeAlarms reports its state. */
const alarm: ResourceProvider = {
  create(request) {
    const name = genericPhysicalId(request);
    request.cloud.cloudwatch.putMetricAlarm(alarmInput(request, name));
    return { physicalId: name, attributes: genericAttributes(request, name) };
  },
  update(request) {
    request.cloud.cloudwatch.putMetricAlarm(alarmInput(request, request.physicalId));
    return { physicalId: request.physicalId, attributes: genericAttributes(request, request.physicalId) };
  },
  delete(request) {
    request.cloud.cloudwatch.alarms.delete(request.physicalId);
  },
};

export const logsProviders: Record<string, ResourceProvider> = {
  'AWS::Logs::LogGroup': logGroup,
  'AWS::CloudWatch::Alarm': alarm,
};
