import {
  ContinueUpdateRollbackCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cfn, s3, sfn } from '#shared/aws.ts';
import { stackName, statusKey } from '#shared/naming.ts';
import { type CallbackRecord, callbackKey } from '#shared/provision/stack-driver.ts';
import type { StatusDocument } from '#shared/status.ts';
import { FakeCloudFormation, type StackStatusChangeEnvelope } from '#test/helpers/fake-cloudformation.ts';
import { FakeS3 } from '#test/helpers/fake-s3.ts';
import { loadEvent } from '#test/helpers/fixtures.ts';
import { stageOutputs } from '#test/helpers/stage-outputs.ts';

const s3Mock = mockClient(s3);
const cfnMock = mockClient(cfn);
const sfnMock = mockClient(sfn);
let bucket: FakeS3;
let cloud: FakeCloudFormation;
let delivered: StackStatusChangeEnvelope[];
let handler: typeof import('#functions/stack-callback/index.ts')['handler'];
const NETWORK = stackName('acme', 'production', 'network');
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:stackdrop-provision:run-1';

function storeRecord(overrides: Partial<CallbackRecord>): void {
  const record: CallbackRecord = {
    stackName: NETWORK,
    stage: 'network',
    project: 'acme',
    environment: 'production',
    executionId: EXECUTION,
    taskToken: 'token-1',
    phase: 'applying',
    operation: 'create',
    clientRequestToken: 'crt-1',
    issued: true,
    rounds: 0,
    request: { action: 'deploy', templateBody: 'Resources: {}', parameters: [], tags: [] },
    startedAt: '2026-11-26T06:00:00.000Z',
    ...overrides,
  };
  bucket.seed(callbackKey(NETWORK), JSON.stringify(record));
}

/** The CloudFormation commands sent, by name. */
function cfnCommands(): string[] {
  return cfnMock.calls().map((call) => (call.args[0] as object).constructor.name);
}

async function nextEvent(): Promise<StackStatusChangeEnvelope> {
  while (delivered.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
  return delivered.shift()!;
}

beforeAll(async () => {
  process.env.STATE_BUCKET = 'stackdrop-bucket';
  process.env.CFN_ROLE_ARN = 'arn:aws:iam::123456789012:role/stackdrop-cfn';
  ({ handler } = await import('#functions/stack-callback/index.ts'));
});

beforeEach(() => {
  s3Mock.reset();
  cfnMock.reset();
  sfnMock.reset();
  bucket = new FakeS3(s3Mock);
  delivered = [];
  cloud = new FakeCloudFormation(cfnMock, {
    scale: 1 / 60,
    durationSeconds: () => 60,
    outputs: stageOutputs,
    onEvent: (event) => delivered.push(event),
  });
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  sfnMock.on(SendTaskFailureCommand).resolves({});
  sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: EXECUTION, status: 'RUNNING' });
});
afterEach(() => cloud.reset());

describe('stack-callback', () => {
  it('completes the waiting task with the outputs when its stack is created', async () => {
    // Prepare
    storeRecord({});
    await cfn.send(new CreateStackCommand({ StackName: NETWORK, ClientRequestToken: 'crt-1' }));
    const event = await nextEvent();

    // Act
    const result = await handler(event);

    // Assess
    expect(result).toEqual({ handled: true, outcome: 'succeeded' });
    const output = JSON.parse(sfnMock.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.output!);
    expect(output).toMatchObject({
      stage: 'network',
      status: 'CREATE_COMPLETE',
      operation: 'create',
      outputs: { VpcId: 'vpc-0a1b2c3d' },
    });
    expect(bucket.json(callbackKey(NETWORK))).toBeUndefined();
    expect(bucket.json<StatusDocument>(statusKey('acme', 'production'))?.stacks.network).toMatchObject({
      status: 'CREATE_COMPLETE',
      finishedAt: expect.any(String),
    });
  });

  it('fails the waiting task naming the first failed resource and its reason', async () => {
    // Prepare
    storeRecord({});
    cloud.failNext.set(NETWORK, {
      logicalId: 'NatGatewayA',
      type: 'AWS::EC2::NatGateway',
      reason: 'Elastic IP limit exceeded',
    });
    await cfn.send(new CreateStackCommand({ StackName: NETWORK, ClientRequestToken: 'crt-1' }));
    const event = await nextEvent();

    // Act
    await handler(event);

    // Assess
    const call = sfnMock.commandCalls(SendTaskFailureCommand)[0]!.args[0].input;
    expect(call.error).toBe('StackOperationFailed');
    expect(JSON.parse(call.cause!)).toEqual({
      stage: 'network',
      stackName: NETWORK,
      status: 'ROLLBACK_COMPLETE',
      failedResource: 'NatGatewayA',
      resourceType: 'AWS::EC2::NatGateway',
      reason: 'Elastic IP limit exceeded',
    });
    expect(bucket.json<StatusDocument>(statusKey('acme', 'production'))?.stacks.network).toMatchObject({
      status: 'ROLLBACK_COMPLETE',
      failedResource: 'NatGatewayA',
      reason: 'Elastic IP limit exceeded',
    });
  });

  it('creates the stack again once the delete of a ROLLBACK_COMPLETE stack completes, and keeps waiting', async () => {
    // Prepare
    cloud.seed(NETWORK, 'ROLLBACK_COMPLETE');
    const stackId = cloud.find(NETWORK)!.stackId;
    storeRecord({ phase: 'deleting-before-recreate', operation: 'delete', stackId });
    await cfn.send(new DeleteStackCommand({ StackName: stackId }));
    const event = await nextEvent();

    // Act
    const result = await handler(event);

    // Assess
    expect(result).toEqual({ handled: true, outcome: 'waiting' });
    expect(cfnMock).toHaveReceivedCommandWith(CreateStackCommand, {
      StackName: NETWORK,
      TemplateBody: 'Resources: {}',
    });
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
    expect(bucket.json<CallbackRecord>(callbackKey(NETWORK))).toMatchObject({
      phase: 'applying',
      operation: 'create',
      issued: true,
    });
  });

  it('updates the stack once a continued rollback reached UPDATE_ROLLBACK_COMPLETE', async () => {
    // Prepare
    cloud.seed(NETWORK, 'UPDATE_ROLLBACK_FAILED');
    const stackId = cloud.find(NETWORK)!.stackId;
    storeRecord({
      phase: 'waiting-for-other-operation',
      issued: false,
      stackId,
      rollbackContinuations: 1,
      request: { action: 'deploy', templateBody: 'Resources: { Changed: {} }', parameters: [], tags: [] },
    });
    await cfn.send(new ContinueUpdateRollbackCommand({ StackName: stackId }));
    const event = await nextEvent();

    // Act
    const result = await handler(event);

    // Assess
    expect(event.detail['status-details'].status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(result).toEqual({ handled: true, outcome: 'waiting' });
    expect(cfnMock).toHaveReceivedCommandWith(UpdateStackCommand, { StackName: stackId });
    expect(bucket.json<CallbackRecord>(callbackKey(NETWORK))).toMatchObject({
      phase: 'applying',
      operation: 'update',
      rollbackContinuations: 1,
    });
  });

  it('continues a rollback that failed again while attempts remain', async () => {
    // Prepare
    cloud.seed(NETWORK, 'UPDATE_ROLLBACK_FAILED');
    cloud.rollbackStaysFailed = 1;
    const stackId = cloud.find(NETWORK)!.stackId;
    storeRecord({ phase: 'waiting-for-other-operation', issued: false, stackId, rollbackContinuations: 1 });
    await cfn.send(new ContinueUpdateRollbackCommand({ StackName: stackId }));
    const event = await nextEvent();

    // Act
    const result = await handler(event);

    // Assess
    expect(event.detail['status-details'].status).toBe('UPDATE_ROLLBACK_FAILED');
    expect(result).toEqual({ handled: true, outcome: 'waiting' });
    expect(cfnMock).toHaveReceivedCommandTimes(ContinueUpdateRollbackCommand, 2);
    expect(bucket.json<CallbackRecord>(callbackKey(NETWORK))).toMatchObject({ rollbackContinuations: 2 });
  });

  it('ignores the final event of another operation than the one the task waits for', async () => {
    // Prepare
    storeRecord({ clientRequestToken: 'crt-mine' });
    const event = loadEvent('aws.cloudformation/stack-status-change');
    event.detail['client-request-token'] = 'crt-someone-else';

    // Act
    const result = await handler(event);

    // Assess
    expect(result).toEqual({ handled: true, outcome: 'waiting' });
    expect(cfnMock).not.toHaveReceivedCommand(DescribeStacksCommand);
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
    expect(sfnMock).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });

  it('ignores stacks stackdrop did not create and stacks no task waits for', async () => {
    // Prepare
    const foreign = loadEvent('aws.cloudformation/stack-status-change');
    foreign.detail['stack-id'] = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/other-stack/1234';
    const unwatched = loadEvent('aws.cloudformation/stack-status-change');

    // Act
    const results = [await handler(foreign), await handler(unwatched)];

    // Assess
    expect(results).toEqual([{ handled: false }, { handled: false, outcome: 'none' }]);
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
    expect(sfnMock).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });

  it('keeps the record for the fallback check when the task already timed out', async () => {
    // Prepare
    storeRecord({});
    sfnMock
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' }));
    await cfn.send(new CreateStackCommand({ StackName: NETWORK, ClientRequestToken: 'crt-1' }));
    const event = await nextEvent();

    // Act
    await handler(event);

    // Assess
    expect(bucket.json(callbackKey(NETWORK))).toMatchObject({ taskToken: 'token-1' });
  });

  it('recovers a lost final event on the schedule by describing the waiting stacks', async () => {
    // Prepare
    storeRecord({});
    cloud.dropEvent = () => true;
    await cfn.send(new CreateStackCommand({ StackName: NETWORK, ClientRequestToken: 'crt-1' }));
    while (cloud.find(NETWORK)?.status !== 'CREATE_COMPLETE') await new Promise((r) => setTimeout(r, 2));

    // Act
    const result = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' });

    // Assess
    expect(result).toMatchObject({ outcome: 'swept', checked: 1, completed: 1 });
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'token-1' });
    expect(bucket.json(callbackKey(NETWORK))).toBeUndefined();
  });

  it('hands the turn to a waiter whose holder execution has ended, on the schedule', async () => {
    // Prepare: the holder's execution died without releasing; a newer version waits behind it.
    const dead = 'arn:aws:states:eu-west-1:123456789012:execution:stackdrop-provision:dead';
    const waiter = 'arn:aws:states:eu-west-1:123456789012:execution:stackdrop-provision:next';
    bucket.seed(
      'turns/acme-production.json',
      JSON.stringify({
        holder: { executionId: dead, key: 'manifests/acme-production.yaml', versionId: 'v1', since: 'x' },
        waiting: {
          executionId: waiter,
          key: 'manifests/acme-production.yaml',
          versionId: 'v2',
          since: 'y',
          taskToken: 'token-waiter',
        },
      }),
    );
    sfnMock
      .on(DescribeExecutionCommand, { executionArn: dead })
      .resolves({ executionArn: dead, status: 'FAILED' });

    // Act
    const result = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' });

    // Assess
    expect(result).toMatchObject({ outcome: 'swept', turnsHandedOn: 1 });
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: 'token-waiter',
      output: JSON.stringify({ decision: 'granted' }),
    });
    expect(
      bucket.json<{ holder?: { executionId: string } }>('turns/acme-production.json')?.holder,
    ).toMatchObject({ executionId: waiter });
  });

  it('leaves a turn alone while its holder still runs', async () => {
    // Prepare
    bucket.seed(
      'turns/acme-production.json',
      JSON.stringify({
        holder: { executionId: EXECUTION, key: 'k', versionId: 'v1', since: 'x' },
        waiting: { executionId: 'other', key: 'k', versionId: 'v2', since: 'y', taskToken: 'token-waiter' },
      }),
    );

    // Act
    const result = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' });

    // Assess
    expect(result).toMatchObject({ outcome: 'swept', turnsHandedOn: 0 });
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  describe('when the execution that waits for the stack has ended', () => {
    it.each([
      ['stopped', 'ABORTED'],
      ['failed (a sibling branch cancelled the wait)', 'FAILED'],
      ['timed out', 'TIMED_OUT'],
    ])('drops the record on the sweep, changing no stack, when the execution %s', async (_, status) => {
      // Prepare
      cloud.seed(NETWORK, 'UPDATE_COMPLETE', { terminationProtection: true });
      storeRecord({
        phase: 'waiting-for-other-operation',
        operation: undefined,
        clientRequestToken: undefined,
        issued: false,
        request: { action: 'delete', liftTerminationProtection: true },
      });
      sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: EXECUTION, status: status as 'ABORTED' });

      // Act
      const result = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' });

      // Assess
      expect(result).toMatchObject({ outcome: 'swept', checked: 1, completed: 0 });
      expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: EXECUTION });
      expect(bucket.json(callbackKey(NETWORK))).toBeUndefined();
      expect(cfnCommands()).toEqual(['DescribeStacksCommand']);
      expect(cloud.find(NETWORK)).toMatchObject({ status: 'UPDATE_COMPLETE', terminationProtection: true });
      expect(bucket.json(statusKey('acme', 'production'))).toBeUndefined();
      expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
      expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
    });

    it('drops the record on the stack event instead of recreating the stack or completing a dead token', async () => {
      // Prepare
      cloud.seed(NETWORK, 'ROLLBACK_COMPLETE');
      const stackId = cloud.find(NETWORK)!.stackId;
      storeRecord({ phase: 'deleting-before-recreate', operation: 'delete', stackId });
      sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: EXECUTION, status: 'ABORTED' });
      await cfn.send(new DeleteStackCommand({ StackName: stackId }));
      const event = await nextEvent();
      cfnMock.resetHistory();

      // Act
      const result = await handler(event);

      // Assess
      expect(result).toEqual({ handled: false, outcome: 'none' });
      expect(bucket.json(callbackKey(NETWORK))).toBeUndefined();
      expect(cfnCommands()).toEqual(['DescribeStacksCommand']);
      expect(bucket.json(statusKey('acme', 'production'))).toBeUndefined();
      expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
      expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
    });

    it('treats an execution Step Functions no longer knows as ended', async () => {
      // Prepare
      storeRecord({});
      sfnMock
        .on(DescribeExecutionCommand)
        .rejects(Object.assign(new Error('Execution does not exist'), { name: 'ExecutionDoesNotExist' }));
      const event = loadEvent('aws.cloudformation/stack-status-change');
      event.detail['client-request-token'] = 'crt-1';

      // Act
      const result = await handler(event);

      // Assess
      expect(result).toEqual({ handled: false, outcome: 'none' });
      expect(bucket.json(callbackKey(NETWORK))).toBeUndefined();
      expect(cfnCommands()).toEqual(['DescribeStacksCommand']);
      expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
    });

    it('leaves a record alone that a newer writer replaced meanwhile', async () => {
      // Prepare
      storeRecord({});
      const newer = { ...bucket.json<CallbackRecord>(callbackKey(NETWORK))!, taskToken: 'token-2' };
      sfnMock.on(DescribeExecutionCommand).callsFake(async () => {
        bucket.seed(callbackKey(NETWORK), JSON.stringify(newer));
        return { executionArn: EXECUTION, status: 'ABORTED' };
      });

      // Act
      await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' });

      // Assess
      expect(bucket.json(callbackKey(NETWORK))).toMatchObject({ taskToken: 'token-2' });
      expect(cfnCommands()).toEqual(['DescribeStacksCommand']);
    });
  });

  it('still moves the record of a running execution on: the delete it waited for is issued', async () => {
    // Prepare
    cloud.seed(NETWORK, 'UPDATE_COMPLETE', { terminationProtection: true });
    storeRecord({
      phase: 'waiting-for-other-operation',
      operation: undefined,
      clientRequestToken: undefined,
      issued: false,
      request: { action: 'delete', liftTerminationProtection: true },
    });

    // Act
    const result = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' });

    // Assess
    expect(result).toMatchObject({ outcome: 'swept', checked: 1, completed: 0 });
    expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: EXECUTION });
    expect(cfnMock).toHaveReceivedCommandWith(DeleteStackCommand, {
      StackName: cloud.find(NETWORK)!.stackId,
    });
    expect(bucket.json<CallbackRecord>(callbackKey(NETWORK))).toMatchObject({
      phase: 'applying',
      operation: 'delete',
      issued: true,
    });
  });
});
