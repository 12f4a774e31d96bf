/**
 * DescribeStackEvents records: one per stack and resource status change, in the order
 * CloudFormation emits them. Split from engine.ts; every lifecycle module writes through these two.
 */
import { randomUUID } from 'node:crypto';
import type { CloudFormationEngine } from './engine.ts';
import type { ResourceRecord, StackRecord } from './engine-records.ts';

// ---- events ----------------------------------------------------------------------------
export function stackEvent(
  this: CloudFormationEngine,
  stack: StackRecord,
  status: string,
  reason?: string,
  detailedStatus?: string,
): void {
  const now = this.cloud.clock.date();
  stack.status = status;
  stack.statusReason = reason;
  const token = stack.operation?.token;
  stack.events.push({
    EventId: randomUUID(),
    StackId: stack.stackId,
    StackName: stack.stackName,
    LogicalResourceId: stack.stackName,
    PhysicalResourceId: stack.stackId,
    ResourceType: 'AWS::CloudFormation::Stack',
    Timestamp: now,
    ResourceStatus: status,
    ...(reason !== undefined ? { ResourceStatusReason: reason } : {}),
    ...(token !== undefined ? { ClientRequestToken: token } : {}),
    ...(detailedStatus !== undefined ? { DetailedStatus: detailedStatus } : {}),
  });
  this.cloud.eventBus.emit({
    source: 'aws.cloudformation',
    detailType: 'CloudFormation Stack Status Change',
    resources: [stack.stackId],
    detail: {
      'stack-id': stack.stackId,
      'status-details': { status, 'status-reason': reason ?? '' },
      'client-request-token': token ?? '',
    },
  });
}

export function resourceEvent(
  this: CloudFormationEngine,
  stack: StackRecord,
  resource: ResourceRecord,
  status: string,
  reason?: string,
): void {
  const now = this.cloud.clock.date();
  resource.status = status;
  resource.statusReason = reason;
  resource.timestamp = now;
  const token = stack.operation?.token;
  stack.events.push({
    EventId: `${resource.logicalId}-${status}-${now.toISOString()}-${randomUUID().slice(0, 8)}`,
    StackId: stack.stackId,
    StackName: stack.stackName,
    LogicalResourceId: resource.logicalId,
    ...(resource.physicalId !== undefined
      ? { PhysicalResourceId: resource.physicalId }
      : { PhysicalResourceId: '' }),
    ResourceType: resource.type,
    Timestamp: now,
    ResourceStatus: status,
    ...(reason !== undefined ? { ResourceStatusReason: reason } : {}),
    ResourceProperties: JSON.stringify(resource.properties),
    ...(token !== undefined ? { ClientRequestToken: token } : {}),
  });
  this.cloud.eventBus.emit({
    source: 'aws.cloudformation',
    detailType: 'CloudFormation Resource Status Change',
    resources: [stack.stackId],
    detail: {
      'stack-id': stack.stackId,
      'logical-resource-id': resource.logicalId,
      'physical-resource-id': resource.physicalId ?? '',
      'resource-type': resource.type,
      'status-details': { status, 'status-reason': reason ?? '' },
      'client-request-token': token ?? '',
    },
  });
}
