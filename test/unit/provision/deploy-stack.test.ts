import {
  ContinueUpdateRollbackCommand,
  CreateStackCommand,
  DescribeStackResourceCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { ModifyDBClusterCommand } from '@aws-sdk/client-rds';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cfn, rds, s3, sfn } from '#shared/aws.ts';
import { type Manifest, parseManifest } from '#shared/manifest/index.ts';
import { type Stage, stackName, statusKey } from '#shared/naming.ts';
import {
  type CallbackRecord,
  callbackKey,
  MAX_CHECK_ROUNDS,
  MAX_ROLLBACK_CONTINUATIONS,
} from '#shared/provision/stack-driver.ts';
import type { StatusDocument } from '#shared/status.ts';
import { FakeCloudFormation } from '#test/helpers/fake-cloudformation.ts';
import { FakeS3 } from '#test/helpers/fake-s3.ts';
import { ACME_MANIFEST } from '#test/helpers/manifests.ts';
import { stageOutputs } from '#test/helpers/stage-outputs.ts';

const s3Mock = mockClient(s3);
const cfnMock = mockClient(cfn);
const sfnMock = mockClient(sfn);
const rdsMock = mockClient(rds);
let bucket: FakeS3;
let cloud: FakeCloudFormation;
let handler: typeof import('#functions/deploy-stack/index.ts')['handler'];
const manifest = (parseManifest(ACME_MANIFEST, 'acme.yaml') as { manifest: Manifest }).manifest;
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:stackdrop-provision:run-1';
const NETWORK = stackName('acme', 'production', 'network');

function deploy(stage: Stage, overrides: Record<string, unknown> = {}) {
  const previous = {
    network: { outputs: stageOutputs('network') },
    database: { outputs: stageOutputs('database') },
    edge: { outputs: stageOutputs('edge') },
  };
  return handler({
    action: 'deploy',
    mode: 'start',
    stage,
    project: 'acme',
    environment: 'production',
    executionId: EXECUTION,
    taskToken: 'token-1',
    manifest,
    stacks: stage === 'network' ? {} : previous,
    ...overrides,
  } as never);
}
const record = (stage: Stage = 'network') =>
  bucket.json<CallbackRecord>(callbackKey(stackName('acme', 'production', stage)));
const settle = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  process.env.STATE_BUCKET = 'stackdrop-bucket';
  process.env.CFN_ROLE_ARN = 'arn:aws:iam::123456789012:role/stackdrop-cfn';
  ({ handler } = await import('#functions/deploy-stack/index.ts'));
});

beforeEach(() => {
  s3Mock.reset();
  cfnMock.reset();
  sfnMock.reset();
  rdsMock.reset();
  rdsMock.on(ModifyDBClusterCommand).resolves({});
  bucket = new FakeS3(s3Mock);
  cloud = new FakeCloudFormation(cfnMock, {
    scale: 1 / 60,
    durationSeconds: () => 60,
    outputs: stageOutputs,
    onEvent: () => {},
  });
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  sfnMock.on(SendTaskFailureCommand).resolves({});
});
afterEach(() => cloud.reset());

describe('deploy-stack', () => {
  it('stores the task token before it calls CreateStack, with the service role and a request token', async () => {
    // Prepare
    const storedAtCall: (CallbackRecord | undefined)[] = [];
    cloud.beforeCall = () => storedAtCall.push(record());

    // Act
    const result = await deploy('network');

    // Assess
    expect(result).toEqual({ outcome: 'waiting' });
    expect(storedAtCall[0]).toMatchObject({
      taskToken: 'token-1',
      phase: 'applying',
      operation: 'create',
      issued: false,
    });
    expect(cfnMock).toHaveReceivedCommandWith(CreateStackCommand, {
      StackName: NETWORK,
      RoleARN: 'arn:aws:iam::123456789012:role/stackdrop-cfn',
      ClientRequestToken: storedAtCall[0]?.clientRequestToken,
      Tags: expect.arrayContaining([{ Key: 'stackdrop:managed', Value: 'true' }]),
    });
    expect(record()).toMatchObject({ issued: true, stackId: expect.stringContaining(NETWORK) });
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('completes the task at once with the outputs when the update changes nothing', async () => {
    // Prepare
    await deploy('network');
    await settle();

    // Act
    const result = await deploy('network', { taskToken: 'token-2', executionId: `${EXECUTION}-again` });

    // Assess
    expect(result).toEqual({ outcome: 'succeeded' });
    expect(cfnMock).toHaveReceivedCommand(UpdateStackCommand);
    const output = JSON.parse(sfnMock.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.output!);
    expect(output).toMatchObject({ stage: 'network', operation: 'none', outputs: { VpcId: 'vpc-0a1b2c3d' } });
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'token-2' });
    expect(record()).toBeUndefined();
  });

  it('deletes a stack left in ROLLBACK_COMPLETE and waits to create it again', async () => {
    // Prepare
    cloud.seed(NETWORK, 'ROLLBACK_COMPLETE');

    // Act
    await deploy('network');

    // Assess
    expect(cloud.calls).toEqual([`DeleteStack ${NETWORK}`]);
    expect(record()).toMatchObject({ phase: 'deleting-before-recreate', issued: true });
  });

  it('only waits when another operation on the stack is in progress', async () => {
    // Prepare
    cloud.seed(NETWORK, 'UPDATE_IN_PROGRESS');

    // Act
    await deploy('network');

    // Assess
    expect(cloud.calls).toEqual([]);
    expect(record()).toMatchObject({ phase: 'waiting-for-other-operation', taskToken: 'token-1' });
  });

  it('tries ContinueUpdateRollback on a stack left in UPDATE_ROLLBACK_FAILED, and records it in the status', async () => {
    // Prepare
    cloud.seed(NETWORK, 'UPDATE_ROLLBACK_FAILED');

    // Act
    const result = await deploy('network');

    // Assess
    expect(result).toEqual({ outcome: 'waiting' });
    expect(cloud.calls).toEqual([`ContinueUpdateRollback ${NETWORK}`]);
    expect(cfnMock).toHaveReceivedCommandWith(ContinueUpdateRollbackCommand, {
      StackName: cloud.find(NETWORK)!.stackId,
      RoleARN: 'arn:aws:iam::123456789012:role/stackdrop-cfn',
    });
    expect(record()).toMatchObject({ phase: 'waiting-for-other-operation', rollbackContinuations: 1 });
    const doc = bucket.json<StatusDocument>(statusKey('acme', 'production'));
    expect(doc?.stacks.network).toMatchObject({
      status: 'UPDATE_ROLLBACK_IN_PROGRESS',
      rollbackContinuations: 1,
    });
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
  });

  it('gives up on UPDATE_ROLLBACK_FAILED after the bounded ContinueUpdateRollback attempts, naming the manual step', async () => {
    // Prepare: this execution already continued the rollback twice; it failed again.
    cloud.seed(NETWORK, 'UPDATE_ROLLBACK_FAILED');
    bucket.seed(
      callbackKey(NETWORK),
      JSON.stringify({
        stackName: NETWORK,
        stage: 'network',
        project: 'acme',
        environment: 'production',
        executionId: EXECUTION,
        taskToken: 'token-0',
        phase: 'waiting-for-other-operation',
        issued: false,
        rounds: 0,
        rollbackContinuations: MAX_ROLLBACK_CONTINUATIONS,
        request: { action: 'deploy' },
        startedAt: '2026-11-26T06:00:00.000Z',
      }),
    );

    // Act
    await deploy('network');

    // Assess
    expect(cloud.calls).toEqual([]);
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      taskToken: 'token-1',
      error: 'StackOperationFailed',
      cause: expect.stringMatching(/needs manual intervention.*ContinueUpdateRollback.*ResourcesToSkip/),
    });
  });

  it('re-arms the wait with the new token in check mode, and gives up after the bounded rounds', async () => {
    // Prepare
    cloud.seed(NETWORK, 'UPDATE_IN_PROGRESS');
    await deploy('network');

    // Act
    for (let round = 1; round <= MAX_CHECK_ROUNDS; round++) {
      await deploy('network', { mode: 'check', taskToken: `token-check-${round}` });
    }
    const exhausted = deploy('network', { mode: 'check', taskToken: 'token-last' });

    // Assess
    await expect(exhausted).rejects.toMatchObject({ name: 'StackWaitExhausted' });
    expect(record()).toMatchObject({
      rounds: MAX_CHECK_ROUNDS,
      taskToken: `token-check-${MAX_CHECK_ROUNDS}`,
    });
  });

  it('protects the database stack and refuses a cluster replacement by stack policy', async () => {
    // Act
    await deploy('database');

    // Assess
    const input = cfnMock.commandCalls(CreateStackCommand)[0]!.args[0].input;
    expect(input.EnableTerminationProtection).toBe(true);
    expect(JSON.parse(input.StackPolicyBody!).Statement[1]).toMatchObject({
      Effect: 'Deny',
      Action: ['Update:Replace', 'Update:Delete'],
      Condition: { StringEquals: { ResourceType: ['AWS::RDS::DBCluster'] } },
    });
  });

  it('sends a small synthesised app template inline, as TemplateBody', async () => {
    // Act
    await deploy('app');

    // Assess
    const input = cfnMock.commandCalls(CreateStackCommand)[0]!.args[0].input;
    expect(input.TemplateURL).toBeUndefined();
    expect(JSON.parse(input.TemplateBody!).Resources).toHaveProperty('WebService');
    expect(
      s3Mock.commandCalls(PutObjectCommand).filter((c) => c.args[0].input.Key!.startsWith('templates/')),
    ).toEqual([]);
  });

  it('hands CloudFormation a template over the TemplateBody limit by URL from the bucket', async () => {
    // Prepare: 40 variables of 1 KB make the synthesised template larger than 51,200 bytes.
    const environment = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`SETTING_${i}`, 'v'.repeat(1000)]),
    );
    const large = { ...manifest, app: { ...manifest.app, environment } };

    // Act
    await deploy('app', { manifest: large });

    // Assess
    const upload = s3Mock
      .commandCalls(PutObjectCommand)
      .find((c) => c.args[0].input.Key!.startsWith('templates/'));
    expect(upload?.args[0].input.Key).toMatch(/^templates\/[0-9a-f]{32}\/app\.json$/);
    expect(cfnMock).toHaveReceivedCommandWith(CreateStackCommand, {
      StackName: stackName('acme', 'production', 'app'),
      // Pinned to the version the upload created (v1 in this mock).
      TemplateURL: `https://stackdrop-bucket.s3.eu-west-1.amazonaws.com/${upload?.args[0].input.Key}?versionId=v1`,
    });
  });

  it('refuses a teardown of protected stacks without the confirmation and allows it with', async () => {
    // Prepare
    await deploy('database');
    const request = {
      action: 'check-teardown',
      project: 'acme',
      environment: 'production',
      executionId: EXECUTION,
    } as const;

    // Act
    const refused = handler({ ...request, request: { project: 'acme', environment: 'production' } });
    const allowed = await handler({
      ...request,
      request: { project: 'acme', environment: 'production', confirm: 'acme' },
    });

    // Assess
    await expect(refused).rejects.toMatchObject({ name: 'ConfirmationRequiredError' });
    expect(allowed).toEqual({
      protectedStacks: [stackName('acme', 'production', 'database')],
      confirmed: true,
    });
  });

  it('lifts the Aurora cluster deletion protection before deleting a confirmed database stack', async () => {
    // Prepare
    const database = stackName('acme', 'production', 'database');
    cloud.seed(database, 'CREATE_COMPLETE', { terminationProtection: true });
    const teardown = {
      action: 'delete',
      mode: 'start',
      request: { project: 'acme', environment: 'production' },
    };

    // Act
    const refused = await deploy('database', teardown);
    const confirmed = await deploy('database', {
      ...teardown,
      taskToken: 'token-2',
      request: { project: 'acme', environment: 'production', confirm: 'acme' },
    });

    // Assess
    expect(refused).toEqual({ outcome: 'failed' });
    expect(confirmed).toEqual({ outcome: 'waiting' });
    expect(rdsMock).toHaveReceivedCommandTimes(ModifyDBClusterCommand, 1);
    expect(rdsMock).toHaveReceivedCommandWith(ModifyDBClusterCommand, {
      DBClusterIdentifier: stageOutputs('database').ClusterIdentifier,
      DeletionProtection: false,
      ApplyImmediately: true,
    });
    expect(cloud.calls.at(-1)).toBe(`DeleteStack ${database}`);
  });

  it('finds the cluster of a database stack whose create failed (no outputs) through its Cluster resource', async () => {
    // Prepare: the rollback could not delete the protected cluster; the stack has no outputs.
    const database = stackName('acme', 'production', 'database');
    cloud.seed(database, 'ROLLBACK_COMPLETE', { terminationProtection: true });
    cfnMock.on(DescribeStackResourceCommand).resolves({
      StackResourceDetail: {
        LogicalResourceId: 'Cluster',
        PhysicalResourceId: 'stackdrop-acme-prod-cluster-abc123',
        ResourceType: 'AWS::RDS::DBCluster',
        ResourceStatus: 'DELETE_FAILED',
        LastUpdatedTimestamp: new Date(),
      },
    });

    // Act
    const result = await deploy('database', {
      action: 'delete',
      request: { project: 'acme', environment: 'production', confirm: 'acme' },
    });

    // Assess
    expect(result).toEqual({ outcome: 'waiting' });
    expect(cfnMock).toHaveReceivedCommandWith(DescribeStackResourceCommand, { LogicalResourceId: 'Cluster' });
    expect(rdsMock).toHaveReceivedCommandWith(ModifyDBClusterCommand, {
      DBClusterIdentifier: 'stackdrop-acme-prod-cluster-abc123',
      DeletionProtection: false,
    });
    expect(cloud.calls.at(-1)).toBe(`DeleteStack ${database}`);
  });

  it('never touches the cluster protection when deleting any other stack', async () => {
    // Prepare
    cloud.seed(NETWORK, 'CREATE_COMPLETE');

    // Act
    await deploy('network', {
      action: 'delete',
      request: { project: 'acme', environment: 'production', confirm: 'acme' },
    });

    // Assess
    expect(rdsMock).not.toHaveReceivedCommand(ModifyDBClusterCommand);
    expect(cloud.calls.at(-1)).toBe(`DeleteStack ${NETWORK}`);
  });

  it('decides afresh when an earlier attempt stopped before confirming its CloudFormation call', async () => {
    // Prepare
    cloud.seed(NETWORK, 'CREATE_COMPLETE');
    await deploy('network');
    await settle();
    const stale = record()!;
    bucket.seed(callbackKey(NETWORK), JSON.stringify({ ...stale, phase: 'applying', issued: false }));
    cloud.calls.length = 0;

    // Act
    await deploy('network', { mode: 'check', taskToken: 'token-2' });

    // Assess
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'token-2' });
    expect(cloud.calls).toEqual([`UpdateStack ${NETWORK}`]);
  });
});
