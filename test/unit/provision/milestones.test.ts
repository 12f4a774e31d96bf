import { DescribeDBClustersCommand, ModifyDBClusterCommand } from '@aws-sdk/client-rds';
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cfn, rds, s3, sfn } from '#shared/aws.ts';
import { type Manifest, parseManifest } from '#shared/manifest/index.ts';
import { type Stage, stackName, statusKey } from '#shared/naming.ts';
import { type CallbackRecord, callbackKey, type StackResult } from '#shared/provision/stack-driver.ts';
import type { StatusDocument } from '#shared/status.ts';
import { FakeCloudFormation, type StackStatusChangeEnvelope } from '#test/helpers/fake-cloudformation.ts';
import { FakeS3 } from '#test/helpers/fake-s3.ts';
import { ACME_MANIFEST } from '#test/helpers/manifests.ts';
import { stageOutputs } from '#test/helpers/stage-outputs.ts';

// A wait may hand on at its stage's milestone (shared/provision/milestones.ts) while the stack goes
// on creating; the final status then goes to a finish-only wait, never to the spent token.

const s3Mock = mockClient(s3);
const cfnMock = mockClient(cfn);
const sfnMock = mockClient(sfn);
const rdsMock = mockClient(rds);
let bucket: FakeS3;
let cloud: FakeCloudFormation;
let delivered: StackStatusChangeEnvelope[];
let deploy: typeof import('#functions/deploy-stack/index.ts')['handler'];
let callback: typeof import('#functions/stack-callback/index.ts')['handler'];
const manifest = (parseManifest(ACME_MANIFEST, 'acme.yaml') as { manifest: Manifest }).manifest;
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:stackdrop-provision:run-1';
const DATABASE = stackName('acme', 'production', 'database');
const CLUSTER = 'stackdrop-acme-production';

function task(stage: Stage, taskToken: string, extra: Record<string, unknown>) {
  return deploy({
    action: 'deploy',
    mode: 'start',
    stage,
    project: 'acme',
    environment: 'production',
    executionId: EXECUTION,
    taskToken,
    manifest,
    stacks: { network: { outputs: stageOutputs('network') } },
    ...extra,
  } as never);
}

const record = () => bucket.json<CallbackRecord>(callbackKey(DATABASE));
const successes = () =>
  sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => ({
    token: c.args[0].input.taskToken,
    result: JSON.parse(c.args[0].input.output!) as StackResult,
  }));

/** The cluster resource's CREATE_COMPLETE, as CloudFormation lists it and EventBridge sends it. */
function clusterCreated(): Parameters<typeof callback>[0] {
  const stack = cloud.stacks.get(DATABASE)!;
  stack.events.unshift({
    StackId: stack.stackId,
    StackName: DATABASE,
    EventId: 'cluster-complete',
    LogicalResourceId: 'Cluster',
    PhysicalResourceId: CLUSTER,
    ResourceType: 'AWS::RDS::DBCluster',
    ResourceStatus: 'CREATE_COMPLETE',
    Timestamp: new Date(),
  });
  return {
    'detail-type': 'CloudFormation Resource Status Change',
    detail: {
      'stack-id': stack.stackId,
      'logical-resource-id': 'Cluster',
      'status-details': { status: 'CREATE_COMPLETE' },
      'client-request-token': record()?.clientRequestToken,
    },
  } as never;
}

async function finalEvent(): Promise<StackStatusChangeEnvelope> {
  while (delivered.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
  return delivered.shift()!;
}

beforeAll(async () => {
  process.env.STATE_BUCKET = 'stackdrop-bucket';
  process.env.CFN_ROLE_ARN = 'arn:aws:iam::123456789012:role/stackdrop-cfn';
  ({ handler: deploy } = await import('#functions/deploy-stack/index.ts'));
  ({ handler: callback } = await import('#functions/stack-callback/index.ts'));
});

beforeEach(() => {
  for (const mock of [s3Mock, cfnMock, sfnMock, rdsMock]) mock.reset();
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
  rdsMock.on(ModifyDBClusterCommand).resolves({});
  rdsMock.on(DescribeDBClustersCommand).resolves({
    DBClusters: [
      {
        DBClusterIdentifier: CLUSTER,
        Endpoint: `${CLUSTER}.cluster-abc.eu-west-1.rds.amazonaws.com`,
        ReaderEndpoint: `${CLUSTER}.cluster-ro-abc.eu-west-1.rds.amazonaws.com`,
        Port: 3306,
        Engine: 'aurora-mysql',
        MasterUserSecret: { SecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1' },
      },
    ],
  });
});
afterEach(() => cloud.reset());

describe('milestones', () => {
  it("hands the cluster's endpoint on while the database stack creates, and its final status to the finish-only wait", async () => {
    // Prepare: the database create is under way, its task waiting for the cluster milestone.
    await task('database', 'token-milestone', { until: 'milestone' });
    expect(record()?.milestone).toBe('cluster');

    // Act: the cluster is created (the instances are not).
    await callback(clusterCreated());

    // Assess: the waiting task has the endpoint; the stack is still creating; the record stays.
    expect(successes()).toHaveLength(1);
    const [handed] = successes();
    expect(handed!.token).toBe('token-milestone');
    expect(handed!.result).toMatchObject({
      stage: 'database',
      status: 'CREATE_IN_PROGRESS',
      milestone: 'cluster',
      outputs: {
        ClusterIdentifier: CLUSTER,
        WriterEndpoint: `${CLUSTER}.cluster-abc.eu-west-1.rds.amazonaws.com`,
        Port: '3306',
        SecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1',
        Engine: 'aurora-mysql',
        DatabaseName: manifest.database.databaseName,
      },
    });
    expect(record()).toMatchObject({ taskToken: '', phase: 'applying' });
    expect(record()?.milestone).toBeUndefined();

    // Act: the stack completes before anyone waits for its final status, then the finish-only wait comes.
    await callback((await finalEvent()) as never);
    expect(successes()).toHaveLength(1);
    expect(record()).toBeDefined();
    await task('database', 'token-final', { finishOnly: true, stacks: undefined, manifest: undefined });

    // Assess: the final status goes to the finish-only wait, with every output; nothing was started twice.
    expect(successes()).toHaveLength(2);
    expect(successes()[1]).toMatchObject({
      token: 'token-final',
      result: { status: 'CREATE_COMPLETE', outputs: stageOutputs('database') },
    });
    expect(successes()[1]!.result.milestone).toBeUndefined();
    expect(record()).toBeUndefined();
    expect(cloud.calls.filter((c) => c.startsWith('CreateStack'))).toHaveLength(1);
    expect(cloud.calls.filter((c) => c.startsWith('UpdateStack'))).toHaveLength(0);
  });

  it('never hands an update on early: its outputs may change, so the milestone wait takes the final status', async () => {
    // Prepare: the stack exists; a changed manifest updates it.
    await task('database', 'token-create', {});
    await callback((await finalEvent()) as never);
    sfnMock.resetHistory();
    const changed = structuredClone(manifest);
    changed.database.backupRetentionDays = manifest.database.backupRetentionDays + 1;
    await task('database', 'token-update', { until: 'milestone', manifest: changed });

    // Act: a cluster event arrives while the update runs.
    await callback(clusterCreated());

    // Assess: nothing handed on until the update's final status.
    expect(successes()).toHaveLength(0);
    await callback((await finalEvent()) as never);
    expect(successes()).toHaveLength(1);
    expect(successes()[0]).toMatchObject({ token: 'token-update', result: { status: 'UPDATE_COMPLETE' } });
    expect(successes()[0]!.result.milestone).toBeUndefined();
  });

  it("keeps the stage's recorded start and finish when the finish-only wait finds the stack already final", async () => {
    // Prepare: no milestone was handed on (a cache, or the cluster unreadable): the first wait took
    // the final status and recorded the stage's times.
    await task('database', 'token-milestone', { until: 'milestone' });
    await callback((await finalEvent()) as never);
    const recorded = bucket.json<StatusDocument>(statusKey('acme', 'production'))!.stacks.database!;
    expect(recorded.finishedAt).toBeDefined();
    // Later than the recorded finish, so a time taken now would show.
    await new Promise((resolve) => setTimeout(resolve, 20));

    // Act: the finish-only wait comes; nothing of this operation is left to adopt.
    await task('database', 'token-final', { finishOnly: true, stacks: undefined, manifest: undefined });

    // Assess: it gets the final status; the stage still shows when it really started and finished.
    expect(successes().at(-1)).toMatchObject({ token: 'token-final', result: { status: 'CREATE_COMPLETE' } });
    const after = bucket.json<StatusDocument>(statusKey('acme', 'production'))!.stacks.database!;
    expect(after).toMatchObject({
      status: 'CREATE_COMPLETE',
      startedAt: recorded.startedAt,
      finishedAt: recorded.finishedAt,
    });
  });

  it('waits for the final status when the cluster cannot be read, rather than failing', async () => {
    // Prepare
    rdsMock
      .on(DescribeDBClustersCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    await task('database', 'token-milestone', { until: 'milestone' });

    // Act
    const result = await callback(clusterCreated());

    // Assess
    expect(result).toMatchObject({ handled: true, outcome: 'waiting' });
    expect(successes()).toHaveLength(0);
    expect(sfnMock.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
    await callback((await finalEvent()) as never);
    expect(successes()[0]).toMatchObject({ token: 'token-milestone', result: { status: 'CREATE_COMPLETE' } });
  });
});
