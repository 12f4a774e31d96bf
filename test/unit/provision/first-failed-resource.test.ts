import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { firstFailedResource } from '#shared/provision/cfn.ts';

const cfn = new CloudFormationClient({ region: 'eu-west-1' });
const cfnMock = mockClient(cfn);
const STACK = 'stackdrop-acme-production-app';
const STACK_ID = `arn:aws:cloudformation:eu-west-1:123456789012:stack/${STACK}/1`;

function stackEvent(status: string, reason?: string, detailed?: string): StackEvent {
  return {
    StackId: STACK_ID,
    StackName: STACK,
    EventId: `${status}-${Math.random()}`,
    LogicalResourceId: STACK,
    ResourceType: 'AWS::CloudFormation::Stack',
    ResourceStatus: status as StackEvent['ResourceStatus'],
    ...(reason ? { ResourceStatusReason: reason } : {}),
    ...(detailed ? { DetailedStatus: detailed as StackEvent['DetailedStatus'] } : {}),
    Timestamp: new Date('2026-12-07T10:00:00Z'),
  };
}

beforeEach(() => cfnMock.reset());

describe('firstFailedResource after pre-deployment validation', () => {
  it('names the resource and the reason from the stack event with DetailedStatus VALIDATION_FAILED', async () => {
    const reason =
      'Properties validation failed for resource WebTaskDefinition with message: [#/Cpu: 3 is not a valid enum value]';
    // Newest first, as DescribeStackEvents returns them.
    cfnMock.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        stackEvent('ROLLBACK_COMPLETE'),
        stackEvent('ROLLBACK_IN_PROGRESS', reason, 'VALIDATION_FAILED'),
        stackEvent('CREATE_IN_PROGRESS', 'User Initiated'),
      ],
    });
    expect(await firstFailedResource(cfn, STACK_ID, STACK)).toEqual({
      logicalId: 'WebTaskDefinition',
      reason,
    });
  });

  it('falls back to the stack itself when the reason names no resource', async () => {
    cfnMock.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        stackEvent('ROLLBACK_COMPLETE'),
        stackEvent('ROLLBACK_IN_PROGRESS', 'Template format error', 'VALIDATION_FAILED'),
        stackEvent('CREATE_IN_PROGRESS', 'User Initiated'),
      ],
    });
    expect(await firstFailedResource(cfn, STACK_ID, STACK)).toEqual({
      logicalId: STACK,
      type: 'AWS::CloudFormation::Stack',
      reason: 'Template format error',
    });
  });

  it('reports nothing when the operation did not fail validation and no resource failed', async () => {
    cfnMock.on(DescribeStackEventsCommand).resolves({
      StackEvents: [stackEvent('CREATE_COMPLETE'), stackEvent('CREATE_IN_PROGRESS', 'User Initiated')],
    });
    expect(await firstFailedResource(cfn, STACK_ID, STACK)).toBeUndefined();
  });
});
