import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planStacks, REPO_ROOT } from '#cli/stacks.ts';
import type { CloudFormationEngine } from '#local/cloudformation/engine.ts';
import { installCloudFormation } from '#local/cloudformation/index.ts';
import { type RunningLocalCloud, startLocalCloud } from '#local/kernel.ts';
import { parseManifestOrThrow } from '#shared/manifest/index.ts';
import { updateStatus } from '#shared/status.ts';
import { stageRoleBoundary } from '#test/helpers/stage-boundary.ts';
import { harness, VALID_MANIFEST } from '../../unit/cli/helpers.ts';

/**
 * The CLI against a bare local cloud over HTTP with the real SDK clients: a minimal stackdrop stack
 * (bucket and deploy queue with the outputs the CLI reads), created through the local CloudFormation,
 * with status documents written directly — the CLI's S3 and SQS paths in isolation. Every command
 * against the full offline stackdrop (state machines, functions) is in test/e2e/cli.test.ts.
 */
const STACKDROP = `
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration: { Status: Enabled }
  DeployQueue:
    Type: AWS::SQS::Queue
    Properties: { FifoQueue: true, QueueName: stackdrop-deploys.fifo }
Outputs:
  BucketName: { Value: !Ref Bucket }
  DeployQueueUrl: { Value: !Ref DeployQueue }
`;

let running: RunningLocalCloud;
let engine: CloudFormationEngine;
let config: {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
};
let bucket: string;
let queueUrl: string;

function cli() {
  return harness(
    { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20))), pollIntervalMs: 10 },
    { env: { STACKDROP_ENDPOINT: running.endpoint, AWS_REGION: running.cloud.region } },
  );
}

beforeAll(async () => {
  running = await startLocalCloud({ speed: 'instant' });
  engine = installCloudFormation(running.cloud);
  // The stage roles' boundary is template.yaml's: IAM refuses a role naming a policy not there.
  stageRoleBoundary(running.cloud);
  config = {
    endpoint: running.endpoint,
    region: running.cloud.region,
    credentials: { accessKeyId: 'AKIDLOCALCLOUD', secretAccessKey: 'local-cloud-secret' },
  };
  const cfn = new CloudFormationClient(config);
  await cfn.send(new CreateStackCommand({ StackName: 'stackdrop', TemplateBody: STACKDROP }));
  await engine.settled('stackdrop');
  const outputs = (await cfn.send(new DescribeStacksCommand({ StackName: 'stackdrop' }))).Stacks![0]!
    .Outputs!;
  bucket = outputs.find((o) => o.OutputKey === 'BucketName')!.OutputValue!;
  queueUrl = outputs.find((o) => o.OutputKey === 'DeployQueueUrl')!.OutputValue!;
});

afterAll(async () => {
  await running.stop();
});

describe('stackdrop against the local cloud', () => {
  it('deploys a manifest into the bucket named by the stack outputs', async () => {
    const h = cli();
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), VALID_MANIFEST);
    const result = await h.run('deploy', 'acme.yaml', '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const { upload } = JSON.parse(result.stdout);
    expect(upload).toMatchObject({
      bucket,
      key: 'manifests/acme-production.yaml',
      versionId: expect.any(String),
    });
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const stored = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: upload.key, VersionId: upload.versionId }),
    );
    expect(await stored.Body!.transformToString()).toBe(VALID_MANIFEST);
  });

  it('reads status documents written by the shared status store', async () => {
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const ref = { bucket, project: 'acme', environment: 'production' };
    await updateStatus(
      ref,
      (doc) => ({
        ...doc,
        phase: 'ready',
        outputs: { Url: 'http://acme.example' },
        deploys: [
          {
            id: 'd1',
            repository: 'acme-production',
            digest: `sha256:${'a'.repeat(64)}`,
            tag: 'main',
            startedAt: '2026-11-26T05:00:00.000Z',
            outcome: 'succeeded',
          },
          {
            id: 'd2',
            repository: 'acme-production',
            digest: `sha256:${'b'.repeat(64)}`,
            tag: 'main',
            startedAt: '2026-11-26T05:30:00.000Z',
            outcome: 'succeeded',
          },
        ],
      }),
      { s3 },
    );
    const h = cli();
    const one = JSON.parse((await h.run('status', 'acme', '--json')).stdout);
    expect(one).toMatchObject({ project: 'acme', phase: 'ready', outputs: { Url: 'http://acme.example' } });
    expect(one.lastDeploys.map((d: { id: string }) => d.id)).toEqual(['d2', 'd1']);
    const all = JSON.parse((await h.run('status', '--json')).stdout);
    expect(all.projects).toEqual([
      { project: 'acme', environment: 'production', phase: 'ready', updatedAt: one.updatedAt },
    ]);
  });

  it('sends a rollback to the FIFO deploy queue as a push event', async () => {
    const result = await cli().run('rollback', 'acme', '--json');
    expect(result.code).toBe(0);
    const sqs = new SQSClient(config);
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageSystemAttributeNames: ['MessageGroupId'] }),
    );
    const message = received.Messages![0]!;
    expect(message.Attributes?.MessageGroupId).toBe('acme-production');
    expect(JSON.parse(message.Body!)).toMatchObject({
      source: 'aws.ecr',
      'detail-type': 'ECR Image Action',
      detail: {
        'image-digest': `sha256:${'a'.repeat(64)}`,
        'repository-name': 'acme-production',
        'action-type': 'PUSH',
      },
    });
  });

  it('plans a new project with real change sets and leaves no stack behind', async () => {
    const h = cli();
    writeFileSync(join(h.deps.cwd, 'acme.yaml'), VALID_MANIFEST);
    const result = await h.run('plan', 'acme.yaml', '--live', '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const { live } = JSON.parse(result.stdout);
    expect(live.stacks.map((s: { stage: string; mode: string }) => [s.stage, s.mode])).toEqual([
      ['network', 'create'],
      ['database', 'pending'],
      ['edge', 'pending'],
      ['app', 'pending'],
    ]);
    expect(live.stacks[0].adds).toBeGreaterThan(10);
    expect(live.stacks[0].changes).toContainEqual(
      expect.objectContaining({ type: 'AWS::EC2::NatGateway', label: 'NAT gateway', action: 'Add' }),
    );
    const cfn = new CloudFormationClient(config);
    await expect(
      cfn.send(new DescribeStacksCommand({ StackName: 'stackdrop-acme-production-network' })),
    ).rejects.toThrow(/does not exist/);
  });

  it('refuses a deploy that would replace the live Aurora cluster', async () => {
    // Prepare: network and database stacks created from the real templates with the rendered parameters.
    const cfn = new CloudFormationClient(config);
    const manifest = parseManifestOrThrow(VALID_MANIFEST, 'acme.yaml');
    const outputs: Record<string, Record<string, string>> = {};
    for (const stage of ['network', 'database'] as const) {
      const stack = planStacks(manifest, { outputs }).find((s) => s.stage === stage)!;
      await cfn.send(
        new CreateStackCommand({
          StackName: stack.stackName,
          TemplateBody: readFileSync(join(REPO_ROOT, stack.templateFile), 'utf8'),
          Parameters: Object.entries(stack.parameters).map(([ParameterKey, ParameterValue]) => ({
            ParameterKey,
            ParameterValue,
          })),
          Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
        }),
      );
      const done = await engine.settled(stack.stackName);
      expect(done.status).toBe('CREATE_COMPLETE');
      const described = await cfn.send(new DescribeStacksCommand({ StackName: stack.stackName }));
      outputs[stage] = Object.fromEntries(
        (described.Stacks![0]!.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]),
      );
    }
    const h = cli();
    writeFileSync(
      join(h.deps.cwd, 'acme.yaml'),
      VALID_MANIFEST.replace('engine: aurora-mysql', 'engine: aurora-postgresql'),
    );
    // Act
    const refused = await h.run('deploy', 'acme.yaml');
    const planned = await h.run('plan', 'acme.yaml', '--live', '--json');
    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Refusing to deploy: this manifest REPLACES the Aurora cluster/);
    expect(JSON.parse(planned.stdout).live.databaseReplacement).toBe(true);
  });

  it('explains a stackdrop stack that is not there, exit 1', async () => {
    const result = await cli().run('--stack', 'nope', 'status');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/stackdrop is not deployed here \(no stack "nope"/);
  });
});
