import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCloudFormation } from '#local/cloudformation/index.ts';
import { AwsError } from '#local/errors.ts';
import { errorOf, startTestCloud } from './helpers.ts';

let env: Awaited<ReturnType<typeof startTestCloud>>;

beforeAll(async () => {
  env = await startTestCloud();
});
afterAll(() => env.stop());

async function admin(method: string, path: string, body?: unknown) {
  const res = await fetch(`${env.endpoint}${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('service registry', () => {
  it('serves CloudFormation from the start, with one engine per cloud', async () => {
    // Prepare
    const cfn = new CloudFormationClient(env.config);

    // Act
    const before = await cfn.send(new DescribeStacksCommand({}));
    env.cloud.cloudformation.createStack({
      StackName: 'served',
      TemplateBody: 'Resources:\n  Queue: { Type: AWS::SQS::Queue }\n',
    });
    const after = await cfn.send(new DescribeStacksCommand({ StackName: 'served' }));

    // Assess
    expect(before.Stacks).toEqual([]);
    expect(after.Stacks?.[0]?.StackStatus).toBe('CREATE_IN_PROGRESS');
    expect(installCloudFormation(env.cloud)).toBe(env.cloud.cloudformation);
    cfn.destroy();
  });

  it('serves a registered awsQuery service in the shape the SDK parses, errors included', async () => {
    env.cloud.registerService('cloudformation', {
      protocol: 'awsQuery',
      version: '2010-05-15',
      xmlNamespace: 'http://cloudformation.amazonaws.com/doc/2010-05-15/',
      operations: {
        DescribeStacks: (input: { StackName?: string }) => {
          if (input.StackName === 'missing')
            throw new AwsError('ValidationError', 'Stack with id missing does not exist');
          return {
            Stacks: [
              {
                StackName: input.StackName,
                StackId: 'arn:aws:cloudformation:eu-west-1:000000000000:stack/s/1',
                StackStatus: 'CREATE_COMPLETE',
                CreationTime: new Date('2026-11-26T06:00:00Z'),
                EnableTerminationProtection: true,
                Outputs: [{ OutputKey: 'VpcId', OutputValue: 'vpc-1' }],
                Tags: [],
              },
            ],
          };
        },
      },
    });
    const cfn = new CloudFormationClient(env.config);

    const out = await cfn.send(new DescribeStacksCommand({ StackName: 'stackdrop-acme-production-network' }));
    const error = await errorOf(cfn.send(new DescribeStacksCommand({ StackName: 'missing' })));

    expect(out.Stacks?.[0]).toMatchObject({
      StackName: 'stackdrop-acme-production-network',
      StackStatus: 'CREATE_COMPLETE',
      EnableTerminationProtection: true,
      Outputs: [{ OutputKey: 'VpcId', OutputValue: 'vpc-1' }],
      Tags: [],
    });
    expect(out.Stacks?.[0]?.CreationTime).toEqual(new Date('2026-11-26T06:00:00Z'));
    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe('Stack with id missing does not exist');
  });

  it('serves a registered awsJson service by X-Amz-Target', async () => {
    env.cloud.registerService('states', {
      protocol: 'awsJson1_0',
      targetPrefix: 'AWSStepFunctions',
      operations: {
        DescribeExecution: (input: { executionArn: string }) => {
          if (input.executionArn === 'nope')
            throw new AwsError('ExecutionDoesNotExist', 'Execution does not exist');
          return {
            executionArn: input.executionArn,
            stateMachineArn: 'sm',
            status: 'RUNNING',
            startDate: new Date(1_000_000),
          };
        },
      },
    });
    const sfn = new SFNClient(env.config);

    const out = await sfn.send(new DescribeExecutionCommand({ executionArn: 'arn:exec' }));
    const error = await errorOf(sfn.send(new DescribeExecutionCommand({ executionArn: 'nope' })));

    expect(out).toMatchObject({
      executionArn: 'arn:exec',
      status: 'RUNNING',
      startDate: new Date(1_000_000),
    });
    expect(error.name).toBe('ExecutionDoesNotExist');
  });

  it("answers an operation the service does not implement with the protocol's error", async () => {
    const ecr = new ECRClient(env.config);
    const { ListImageReferrersCommand } = await import('@aws-sdk/client-ecr');

    const error = await errorOf(
      ecr.send(
        new ListImageReferrersCommand({ repositoryName: 'x', subjectId: { imageDigest: 'sha256:1' } }),
      ),
    );

    expect(error.name).toBe('UnknownOperationException');
  });

  it('routes unsigned query requests by Version and Action', async () => {
    const post = (body: string) =>
      fetch(env.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });

    const sts = await (await post('Action=GetCallerIdentity&Version=2011-06-15')).text();
    const ec2 = await (await post('Action=DescribeAvailabilityZones&Version=2016-11-15')).text();

    expect(sts).toContain('<Account>000000000000</Account>');
    expect(ec2).toContain('<zoneName>eu-west-1a</zoneName>');
  });

  it('treats unsigned path-style requests as S3', async () => {
    env.cloud.s3.createBucket('unsigned-bucket');

    const res = await fetch(`${env.endpoint}/unsigned-bucket/hello.txt`, { method: 'PUT', body: 'hi' });
    const got = await fetch(`${env.endpoint}/unsigned-bucket/hello.txt`);

    expect(res.status).toBe(200);
    expect(await got.text()).toBe('hi');
  });
});

describe('faults and admin API', () => {
  it("throttles operations with each protocol's throttling error", async () => {
    for (const [service, operation] of [
      ['s3', 'ListBuckets'],
      ['sqs', 'ListQueues'],
      ['ec2', 'DescribeVpcs'],
      ['rds', 'DescribeDBClusters'],
    ] as const) {
      env.cloud.faults.throttle({ service, operation, times: 1 });
    }

    const names = [
      (await errorOf(new S3Client({ ...env.config, forcePathStyle: true }).send(new ListBucketsCommand({}))))
        .name,
      (await errorOf(new SQSClient(env.config).send(new ListQueuesCommand({})))).name,
      (await errorOf(new EC2Client(env.config).send(new DescribeVpcsCommand({})))).name,
      (await errorOf(new RDSClient(env.config).send(new DescribeDBClustersCommand({})))).name,
    ];
    const after = await new EC2Client(env.config).send(new DescribeVpcsCommand({}));

    expect(names).toEqual(['SlowDown', 'ThrottlingException', 'RequestLimitExceeded', 'Throttling']);
    expect(after.Vpcs).toEqual([]);
  });

  it('lets the SDK retry through a throttle', async () => {
    env.cloud.faults.throttle({ service: 'sqs', times: 1 });

    const out = await new SQSClient({ ...env.config, maxAttempts: 2 }).send(new ListQueuesCommand({}));

    expect(out.$metadata.attempts).toBe(2);
  });

  it('advances the clock, adds faults and pushes images over HTTP', async () => {
    env.cloud.ecr.createRepository({ repositoryName: 'admin-repo' });
    const before = env.cloud.clock.now();

    const health = await admin('GET', '/_local/health');
    const advanced = await admin('POST', '/_local/clock/advance', { minutes: 10 });
    const fault = await admin('POST', '/_local/faults', { kind: 'throttle', service: 'ec2', times: null });
    const listed = await admin('GET', '/_local/faults');
    const throttled = await errorOf(new EC2Client(env.config).send(new DescribeVpcsCommand({})));
    await admin('DELETE', '/_local/faults');
    const pushed = await admin('POST', '/_local/ecr/push', {
      repositoryName: 'admin-repo',
      imageTag: 'main',
    });
    const log = await admin('GET', '/_local/events');
    const badKind = await admin('POST', '/_local/faults', { kind: 'nope' });

    expect(health.body).toMatchObject({ region: 'eu-west-1', accountId: '000000000000' });
    expect(advanced.body.now).toBe(before + 600_000);
    expect(fault.body.id).toEqual(expect.any(Number));
    expect(listed.body.faults).toHaveLength(1);
    expect(throttled.name).toBe('RequestLimitExceeded');
    expect(env.cloud.faults.list()).toHaveLength(0);
    expect(pushed.body.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((log.body.events as Array<{ 'detail-type': string }>).at(-1)?.['detail-type']).toBe(
      'ECR Image Action',
    );
    expect(badKind.status).toBe(400);
  });
});
