import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { snapshotLocation } from '#cli/commands/destroy.ts';
import { harness, objectBody, START, stackdropStack, statusDoc } from './helpers.ts';

const cfn = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const sfn = mockClient(SFNClient);

const executionArn =
  'arn:aws:states:eu-west-1:123456789012:execution:teardown:destroy-acme-production-20261126-060000000';
const at = (seconds: number) => new Date(START.getTime() + seconds * 1000).toISOString();

beforeEach(() => {
  cfn.reset();
  s3.reset();
  sfn.reset();
  cfn.on(DescribeStacksCommand, { StackName: 'stackdrop' }).resolves(stackdropStack());
  sfn.on(StartExecutionCommand).resolves({ executionArn, startDate: START });
});

describe('stackdrop destroy', () => {
  it('refuses without the matching --confirm, exit 1, with zero AWS calls', async () => {
    for (const args of [
      ['destroy', 'acme'],
      ['destroy', 'acme', '--confirm', 'acme2'],
    ]) {
      const result = await harness().run(...args);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/Repeat the project name to confirm: --confirm acme/);
    }
    expect(cfn.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('refuses an unknown project, exit 1, and writes nothing', async () => {
    // Prepare: no status document and no stack for the project.
    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error('The specified key does not exist.'), {
        name: 'NoSuchKey',
        $metadata: { httpStatusCode: 404 },
      }),
    );
    cfn
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id x does not exist'), { name: 'ValidationError' }));
    cfn.on(DescribeStacksCommand, { StackName: 'stackdrop' }).resolves(stackdropStack());
    // Act
    const result = await harness().run('destroy', 'nosuch', '--confirm', 'nosuch');
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No project nosuch/production in this stackdrop: nothing to destroy.');
    expect(result.stdout).not.toContain('snapshot');
    expect(sfn.calls()).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('starts the teardown state machine with the confirmation and says where the snapshot goes', async () => {
    s3.on(GetObjectCommand).resolves(
      objectBody(JSON.stringify(statusDoc({ phase: 'ready', updatedAt: at(-60) }))),
    );
    const result = await harness().run('destroy', 'acme', '--confirm', 'acme');
    expect(result.code).toBe(0);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:teardown',
      name: 'destroy-acme-production-20261126-060000000',
      input: JSON.stringify({ project: 'acme', environment: 'production', confirm: 'acme' }),
    });
    expect(result.stdout).toContain(`teardown of acme/production started (${executionArn})`);
    expect(result.stdout).toContain(
      "the database's final snapshot is kept (DeletionPolicy: Snapshot); find it among stackdrop's with: aws rds describe-db-cluster-snapshots --snapshot-type manual --query \"DBClusterSnapshots[?starts_with(DBClusterIdentifier, 'stackdrop-')]\"\n",
    );
  });

  it('--watch follows until destroyed and names the kept snapshot', async () => {
    const destroying = statusDoc({
      phase: 'destroying',
      updatedAt: at(1),
      stacks: { app: { status: 'DELETE_IN_PROGRESS' } },
      outputs: { ClusterIdentifier: 'stackdrop-acme-production' },
    });
    const destroyed = statusDoc({
      phase: 'destroyed',
      updatedAt: at(900),
      outputs: {
        ClusterIdentifier: 'stackdrop-acme-production',
        FinalSnapshotIdentifier: 'stackdrop-acme-production-final-20261126',
      },
    });
    // The first read is the document before the teardown (its outputs name the cluster).
    s3.on(GetObjectCommand)
      .resolvesOnce(objectBody(JSON.stringify(statusDoc({ phase: 'ready', updatedAt: at(-60) }))))
      .resolvesOnce(objectBody(JSON.stringify(destroying)))
      .resolves(objectBody(JSON.stringify(destroyed)));
    cfn.on(DescribeStackEventsCommand, { StackName: 'stackdrop-acme-production-app' }).resolves({
      StackEvents: [
        {
          StackId: 's',
          EventId: '1',
          StackName: 'a',
          LogicalResourceId: 'WebService',
          ResourceType: 'AWS::ECS::Service',
          ResourceStatus: 'DELETE_IN_PROGRESS',
          Timestamp: START,
        },
      ],
    });
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'RUNNING', executionArn, stateMachineArn: 'x', startDate: START })
      .resolves({ status: 'SUCCEEDED', executionArn, stateMachineArn: 'x', startDate: START });
    const result = await harness().run(
      '--region',
      'eu-west-1',
      'destroy',
      'acme',
      '--confirm',
      'acme',
      '--watch',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'acme/production  destroying\n  app       DELETE_IN_PROGRESS  — ECS service\n',
    );
    expect(result.stdout).toContain(
      '✓ acme/production destroyed\nfinal database snapshot: stackdrop-acme-production-final-20261126 (aws rds describe-db-cluster-snapshots --db-cluster-snapshot-identifier stackdrop-acme-production-final-20261126 --region eu-west-1)\n',
    );
  });

  it('--watch reports a failed teardown with its reason, exit 2', async () => {
    // No status document, but the project's network stack exists: the teardown still runs.
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('missing'), { name: 'NoSuchKey' }));
    cfn.on(DescribeStacksCommand, { StackName: 'stackdrop-acme-production-network' }).resolves({
      Stacks: [
        {
          StackName: 'stackdrop-acme-production-network',
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: START,
        },
      ],
    });
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      executionArn,
      stateMachineArn: 'x',
      startDate: START,
      error: 'ConfirmationMismatch',
      cause: 'confirm does not match the project',
    });
    const result = await harness().run('destroy', 'acme', '--confirm', 'acme', '--watch', '--json');
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      teardown: { project: 'acme', environment: 'production', executionArn, startedAt: START.toISOString() },
      phase: 'failed',
      reason: 'teardown execution FAILED: ConfirmationMismatch: confirm does not match the project',
    });
  });

  it('--watch ignores an older failed status from before the teardown', async () => {
    const oldFailure = statusDoc({ phase: 'failed', updatedAt: at(-3600) });
    const destroyed = statusDoc({
      phase: 'destroyed',
      updatedAt: at(600),
      outputs: { ClusterIdentifier: 'stackdrop-acme-production' },
    });
    s3.on(GetObjectCommand)
      .resolvesOnce(objectBody(JSON.stringify(oldFailure)))
      .resolvesOnce(objectBody(JSON.stringify(oldFailure)))
      .resolves(objectBody(JSON.stringify(destroyed)));
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'RUNNING', executionArn, stateMachineArn: 'x', startDate: START })
      .resolves({ status: 'SUCCEEDED', executionArn, stateMachineArn: 'x', startDate: START });
    const result = await harness().run('destroy', 'acme', '--confirm', 'acme', '--watch');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('acme/production: waiting for stackdrop to start…');
    expect(result.stdout).toContain(
      'aws rds describe-db-cluster-snapshots --db-cluster-identifier stackdrop-acme-production',
    );
  });
});

describe('snapshotLocation', () => {
  it('names the cluster from the outputs, or finds it by the prefix CloudFormation names it with', () => {
    expect(snapshotLocation(undefined)).toMatch(
      /--snapshot-type manual --query "DBClusterSnapshots\[\?starts_with\(DBClusterIdentifier, 'stackdrop-'\)\]"$/,
    );
    expect(snapshotLocation(statusDoc({ outputs: { ClusterIdentifier: 'custom-id' } }), 'eu-west-1')).toMatch(
      /--db-cluster-identifier custom-id --snapshot-type manual --region eu-west-1$/,
    );
  });
});
