import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { harness, objectBody, START, stackdropStack, stackMissing, statusDoc } from './helpers.ts';

const cfn = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const sqs = mockClient(SQSClient);

const at = (seconds: number) => new Date(START.getTime() + seconds * 1000).toISOString();

const acme = statusDoc({
  manifest: { key: 'manifests/acme-production.yaml', versionId: 'v-7' },
  phase: 'ready',
  updatedAt: at(-600),
  stacks: {
    network: { status: 'CREATE_COMPLETE', startedAt: at(-3000), finishedAt: at(-2850) },
    database: { status: 'CREATE_COMPLETE', startedAt: at(-2850), finishedAt: at(-1900) },
    edge: { status: 'CREATE_COMPLETE', startedAt: at(-2850), finishedAt: at(-2690) },
    app: { status: 'CREATE_COMPLETE', startedAt: at(-1900), finishedAt: at(-1750) },
  },
  outputs: {
    Url: 'https://shop.example.com',
    WriterEndpoint: 'acme.cluster-x.eu-west-1.rds.amazonaws.com',
    Port: '3306',
  },
  deploys: [
    {
      id: 'd1',
      repository: 'acme-production',
      digest: `sha256:${'1'.repeat(64)}`,
      tag: 'main',
      startedAt: at(-1700),
      finishedAt: at(-1500),
      outcome: 'succeeded',
    },
    {
      id: 'd2',
      repository: 'acme-production',
      digest: `sha256:${'2'.repeat(64)}`,
      tag: 'main',
      startedAt: at(-900),
      finishedAt: at(-600),
      outcome: 'failed',
      reason: 'circuit breaker: tasks exited with code 1',
    },
  ],
  bastions: [
    {
      instanceId: 'i-0aaa1111bbbb2222c',
      access: 'ssm',
      openedBy: 'alice',
      openedAt: at(-300),
      expiresAt: at(3300),
      state: 'open',
    },
    {
      instanceId: 'i-0ccc3333dddd4444e',
      access: 'ssh',
      openedAt: at(-9000),
      expiresAt: at(-5400),
      state: 'expired',
    },
  ],
});

beforeEach(() => {
  cfn.reset();
  s3.reset();
  sqs.reset();
  cfn.on(DescribeStacksCommand, { StackName: 'stackdrop' }).resolves(stackdropStack());
  // No `stackdrop scale` overrides unless a test records some.
  s3.on(GetObjectCommand).rejects(Object.assign(new Error('missing'), { name: 'NoSuchKey' }));
});

describe('stackdrop status <project>', () => {
  it('shows stacks, outputs, last deploys and open bastions', async () => {
    s3.on(GetObjectCommand, { Bucket: 'stackdrop-bucket', Key: 'status/acme-production.json' }).resolves(
      objectBody(JSON.stringify(acme)),
    );
    const result = await harness().run('status', 'acme');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatchInlineSnapshot(`
      "acme/production  ready  updated 2026-11-26T05:50:00.000Z
      manifest  manifests/acme-production.yaml  version v-7

      Stacks
        STAGE     STATUS           TOOK     REASON
        network   CREATE_COMPLETE  2m 30s
        database  CREATE_COMPLETE  15m 50s
        edge      CREATE_COMPLETE  2m 40s
        app       CREATE_COMPLETE  2m 30s

      Outputs
        Url             https://shop.example.com
        WriterEndpoint  acme.cluster-x.eu-west-1.rds.amazonaws.com
        Port            3306

      Last deploys
        STARTED                   KIND  OUTCOME    DIGEST               TAG   TOOK    REASON
        2026-11-26T05:45:00.000Z  push  failed     sha256:222222222222  main  5m 00s  circuit breaker: tasks exited with code 1
        2026-11-26T05:31:40.000Z  push  succeeded  sha256:111111111111  main  3m 20s

      Open bastions
        i-0aaa1111bbbb2222c  ssm  expires 2026-11-26T06:55:00.000Z (in 55m 00s)  opened by alice
      "
    `);
  });

  it('shows a non-empty dead-letter queue as a problem with a hint, and in --json', async () => {
    // Prepare: an upload EventBridge could not deliver sits in the event DLQ.
    const url = 'https://sqs.eu-west-1.amazonaws.com/123456789012/stackdrop-EventDeadLetterQueue-X';
    cfn.on(DescribeStacksCommand).resolves(stackdropStack({ EventDeadLetterQueueUrl: url }));
    sqs
      .on(GetQueueAttributesCommand, { QueueUrl: url })
      .resolves({ Attributes: { ApproximateNumberOfMessages: '1' } });
    s3.on(GetObjectCommand).resolves(objectBody(JSON.stringify(acme)));

    // Act
    const text = await harness().run('status', 'acme');
    const json = JSON.parse((await harness().run('status', 'acme', '--json')).stdout);

    // Assess
    expect(text.stdout).toContain(
      '! event DLQ holds 1 message: events stackdrop could not deliver or process',
    );
    expect(text.stdout).toContain(`hint: read them with \`aws sqs receive-message --queue-url ${url}`);
    expect(json.deadLetters).toEqual([expect.objectContaining({ queue: 'event DLQ', url, messages: 1 })]);
  });

  it('prints a stable JSON view', async () => {
    s3.on(GetObjectCommand).resolves(objectBody(JSON.stringify(acme)));
    const result = await harness().run('status', 'acme', '--json');
    const body = JSON.parse(result.stdout);
    expect(Object.keys(body)).toEqual([
      'project',
      'environment',
      'phase',
      'updatedAt',
      'manifest',
      'stacks',
      'outputs',
      'lastDeploys',
      'openBastions',
      'error',
      'errors',
      'deadLetters',
    ]);
    expect(body.stacks[0]).toEqual({
      stage: 'network',
      status: 'CREATE_COMPLETE',
      startedAt: at(-3000),
      finishedAt: at(-2850),
    });
    expect(body.lastDeploys.map((d: { id: string }) => d.id)).toEqual(['d2', 'd1']);
    expect(body.openBastions.map((b: { instanceId: string }) => b.instanceId)).toEqual([
      'i-0aaa1111bbbb2222c',
    ]);
    expect(body.error).toBeNull();
  });

  it('exits 2 for a failed project and shows the failure', async () => {
    const failed = statusDoc({
      phase: 'failed',
      stacks: {
        database: { status: 'ROLLBACK_COMPLETE', failedResource: 'Cluster', reason: 'quota exceeded' },
      },
      error: { stage: 'database', code: 'StackFailed', message: 'quota exceeded', failedResource: 'Cluster' },
    });
    s3.on(GetObjectCommand).resolves(objectBody(JSON.stringify(failed)));
    const result = await harness().run('status', 'acme');
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('error     database: Cluster: quota exceeded');
    expect(result.stdout).toMatch(/database {2}ROLLBACK_COMPLETE {2}\s+Cluster: quota exceeded/);
  });

  it('explains a project stackdrop has never seen, exit 1', async () => {
    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }),
    );
    const result = await harness().run('status', 'nope', '--environment', 'staging');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/stackdrop has no status for nope\/staging: deploy its manifest first/);
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Key: 'status/nope-staging.json' });
  });

  it('--watch follows a busy project until it settles', async () => {
    const busy = statusDoc({
      phase: 'provisioning',
      updatedAt: at(0),
      stacks: { app: { status: 'UPDATE_IN_PROGRESS', startedAt: at(-30) } },
    });
    const done = statusDoc({
      phase: 'ready',
      updatedAt: at(60),
      stacks: { app: { status: 'UPDATE_COMPLETE', startedAt: at(-30), finishedAt: at(50) } },
    });
    s3.on(GetObjectCommand)
      .resolvesOnce(objectBody(JSON.stringify(busy)))
      .resolvesOnce(objectBody(JSON.stringify(busy)))
      .resolves(objectBody(JSON.stringify(done)));
    cfn.on(DescribeStackEventsCommand, { StackName: 'stackdrop-acme-production-app' }).resolves({
      StackEvents: [
        {
          StackId: 's',
          EventId: '2',
          StackName: 'a',
          LogicalResourceId: 'WebService',
          ResourceType: 'AWS::ECS::Service',
          ResourceStatus: 'UPDATE_IN_PROGRESS',
          Timestamp: new Date(at(1)),
        },
        {
          StackId: 's',
          EventId: '1',
          StackName: 'a',
          LogicalResourceId: 'WorkerDefault',
          ResourceType: 'AWS::ECS::Service',
          ResourceStatus: 'UPDATE_IN_PROGRESS',
          Timestamp: new Date(at(1)),
        },
      ],
    });
    const h = harness();
    const result = await h.run('status', 'acme', '--watch');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^acme\/production {2}provisioning\n {2}app {7}UPDATE_IN_PROGRESS {2}— ECS service ×2\n/,
    );
    expect(result.stdout).toMatch(/app {7}UPDATE_COMPLETE {2}1m 20s/);
    expect(h.clock.now.getTime() - START.getTime()).toBe(5000);
  });

  it('--watch redraws in place with elapsed times on a TTY', async () => {
    const busy = statusDoc({
      phase: 'provisioning',
      updatedAt: at(0),
      stacks: { network: { status: 'CREATE_IN_PROGRESS', startedAt: at(-30) } },
    });
    const done = statusDoc({
      phase: 'ready',
      updatedAt: at(60),
      stacks: { network: { status: 'CREATE_COMPLETE', startedAt: at(-30), finishedAt: at(40) } },
    });
    s3.on(GetObjectCommand)
      .resolvesOnce(objectBody(JSON.stringify(busy)))
      .resolvesOnce(objectBody(JSON.stringify(busy)))
      .resolves(objectBody(JSON.stringify(done)));
    cfn.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    const result = await harness({}, { tty: true, env: { NO_COLOR: '1' } }).run('status', 'acme', '--watch');
    expect(
      result.stdout.startsWith('acme/production  provisioning  0s\n  network   CREATE_IN_PROGRESS  30s\n'),
    ).toBe(true);
    expect(result.stdout).toContain(
      '\u001b[2F\u001b[0Jacme/production  ready  5s\n  network   CREATE_COMPLETE  1m 10s\n',
    );
  });

  it('--watch gives up at --timeout with exit 2, saying stackdrop carries on', async () => {
    const busy = statusDoc({ phase: 'provisioning', updatedAt: at(0) });
    s3.on(GetObjectCommand).resolves(objectBody(JSON.stringify(busy)));
    const h = harness();
    const result = await h.run('status', 'acme', '--watch', '--timeout', '1m');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /Stopped watching after 1m 00s: acme\/production is still provisioning\. stackdrop carries on/,
    );
  });
});

describe('Ctrl-C on --watch', () => {
  it('exits 130 saying provisioning continues and how to resume watching', async () => {
    // Prepare: Ctrl-C arrives during the third poll's wait.
    const busy = statusDoc({ phase: 'provisioning', updatedAt: at(0) });
    s3.on(GetObjectCommand).resolves(objectBody(JSON.stringify(busy)));
    const controller = new AbortController();
    const watching: boolean[] = [];
    let sleeps = 0;
    const h = harness({
      interrupt: { signal: controller.signal, watching: (on) => watching.push(on) },
      sleep: async () => {
        if (++sleeps === 3) controller.abort();
      },
    });
    // Act
    const result = await h.run('status', 'acme', '--environment', 'staging', '--watch');
    // Assess
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(
      'Stopped watching (Ctrl-C). Nothing was cancelled: stackdrop keeps working on acme/staging in AWS. Resume watching with `stackdrop status acme --environment staging --watch`.',
    );
    expect(watching).toEqual([true, false]);
  });
});

describe('stackdrop status (all projects)', () => {
  it('lists every project from all pages of status/, newest first', async () => {
    s3.on(ListObjectsV2Command, { Prefix: 'status/', ContinuationToken: undefined }).resolves({
      Contents: [{ Key: 'status/acme-production.json' }, { Key: 'status/my-shop-staging.json' }],
      IsTruncated: true,
      NextContinuationToken: 'p2',
    });
    s3.on(ListObjectsV2Command, { Prefix: 'status/', ContinuationToken: 'p2' }).resolves({
      Contents: [{ Key: 'status/blog-production.json' }, { Key: 'status/readme.txt' }],
    });
    s3.on(GetObjectCommand, { Key: 'status/acme-production.json' }).resolves(
      objectBody(JSON.stringify(statusDoc({ updatedAt: at(-60) }))),
    );
    s3.on(GetObjectCommand, { Key: 'status/my-shop-staging.json' }).resolves(
      objectBody(
        JSON.stringify(
          statusDoc({
            project: 'my-shop',
            environment: 'staging',
            phase: 'provisioning',
            updatedAt: at(-10),
          }),
        ),
      ),
    );
    s3.on(GetObjectCommand, { Key: 'status/blog-production.json' }).resolves(
      objectBody(JSON.stringify(statusDoc({ project: 'blog', phase: 'failed', updatedAt: at(-900) }))),
    );
    const h = harness();
    const result = await h.run('status');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatchInlineSnapshot(`
      "PROJECT  ENVIRONMENT  PHASE         UPDATED
      my-shop  staging      provisioning  2026-11-26T05:59:50.000Z
      acme     production   ready         2026-11-26T05:59:00.000Z
      blog     production   failed        2026-11-26T05:45:00.000Z
      "
    `);
    const json = JSON.parse((await h.run('status', '--json')).stdout);
    expect(json).toEqual({
      projects: [
        { project: 'my-shop', environment: 'staging', phase: 'provisioning', updatedAt: at(-10) },
        { project: 'acme', environment: 'production', phase: 'ready', updatedAt: at(-60) },
        { project: 'blog', environment: 'production', phase: 'failed', updatedAt: at(-900) },
      ],
      deadLetters: [],
    });
  });

  it('says how to start when there are no projects', async () => {
    s3.on(ListObjectsV2Command).resolves({});
    const result = await harness().run('status');
    expect(result.stdout).toBe('No projects yet: deploy a manifest with `stackdrop deploy <manifest>`.\n');
  });

  it('explains a missing stackdrop stack, exit 1, and a throttled API, exit 2', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'other' }).rejects(stackMissing('other'));
    const missing = await harness().run('--stack', 'other', 'status');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no stack "other"/);
    s3.on(ListObjectsV2Command).rejects(Object.assign(new Error('Rate exceeded'), { name: 'SlowDown' }));
    const throttled = await harness().run('status');
    expect(throttled.code).toBe(2);
    expect(throttled.stderr).toMatch(/AWS is throttling requests \(SlowDown\)/);
  });
});

describe('stackdrop status shows each output once, and the image running', () => {
  it('hides the compatibility aliases and shows the newest succeeded image as ImageUri', async () => {
    // Prepare: the document carries url/albDnsName/dbEndpoint copies, and the stack's ImageUri is
    // still empty although a deploy succeeded since.
    const image = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme-production@sha256:${'1'.repeat(64)}`;
    const doc = {
      ...acme,
      outputs: {
        Url: 'https://shop.example.com',
        url: 'https://shop.example.com',
        LoadBalancerDnsName: 'alb-1.eu-west-1.elb.amazonaws.com',
        albDnsName: 'alb-1.eu-west-1.elb.amazonaws.com',
        WriterEndpoint: 'acme.cluster-x.eu-west-1.rds.amazonaws.com',
        dbEndpoint: 'acme.cluster-x.eu-west-1.rds.amazonaws.com',
        ImageUri: '',
      },
      deploys: acme.deploys.map((d) => (d.outcome === 'succeeded' ? { ...d, imageUri: image } : d)),
    };
    s3.on(GetObjectCommand, { Bucket: 'stackdrop-bucket', Key: 'status/acme-production.json' }).resolves(
      objectBody(JSON.stringify(doc)),
    );
    // Act
    const text = await harness().run('status', 'acme');
    const json = await harness().run('status', 'acme', '--json');
    // Assess
    expect(text.stdout.match(/shop\.example\.com/g)).toHaveLength(1);
    expect(text.stdout).not.toMatch(/\b(url|albDnsName|dbEndpoint)\b/);
    expect(text.stdout).toContain(`ImageUri             ${image}`);
    expect(JSON.parse(json.stdout).outputs.ImageUri).toBe(image);
  });
});
