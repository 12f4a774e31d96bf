import { readFileSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { chooseRollbackTarget, queueLocation } from '#cli/commands/deploys.ts';
import { EcrImageActionEventSchema } from '#shared/rollout/event.ts';
import type { DeployRecord } from '#shared/status.ts';
import { harness, objectBody, START, stackdropStack, statusDoc } from './helpers.ts';

const cfn = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const sqs = mockClient(SQSClient);

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const deploy = (id: string, d: string, outcome: DeployRecord['outcome'], minute: number): DeployRecord => ({
  id,
  repository: 'acme-production',
  digest: d,
  tag: 'main',
  startedAt: new Date(START.getTime() + minute * 60_000).toISOString(),
  finishedAt: new Date(START.getTime() + (minute + 3) * 60_000).toISOString(),
  outcome,
});
const history = statusDoc({
  deploys: [
    deploy('d1', digest('a'), 'succeeded', -300),
    deploy('d2', digest('b'), 'succeeded', -200),
    deploy('d3', digest('c'), 'failed', -100),
    deploy('d4', digest('d'), 'succeeded', -50),
  ],
});
const pushFixture = JSON.parse(
  readFileSync(new URL('../../fixtures/events/aws.ecr/push.json', import.meta.url), 'utf8'),
);

beforeEach(() => {
  cfn.reset();
  s3.reset();
  sqs.reset();
  cfn.on(DescribeStacksCommand, { StackName: 'stackdrop' }).resolves(stackdropStack());
  s3.on(GetObjectCommand, { Key: 'status/acme-production.json' }).resolves(
    objectBody(JSON.stringify(history)),
  );
});

describe('stackdrop deploys', () => {
  it('lists the history newest first', async () => {
    const result = await harness().run('deploys', 'acme', '--limit', '3');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatchInlineSnapshot(`
      "STARTED                   KIND  OUTCOME    DIGEST               TAG   TOOK    REASON
      2026-11-26T05:10:00.000Z  push  succeeded  sha256:dddddddddddd  main  3m 00s
      2026-11-26T04:20:00.000Z  push  failed     sha256:cccccccccccc  main  3m 00s
      2026-11-26T02:40:00.000Z  push  succeeded  sha256:bbbbbbbbbbbb  main  3m 00s
      "
    `);
  });

  it('prints the records as JSON', async () => {
    const body = JSON.parse((await harness().run('deploys', 'acme', '--json')).stdout);
    expect(body.project).toBe('acme');
    expect(body.environment).toBe('production');
    expect(body.deploys.map((d: DeployRecord) => d.id)).toEqual(['d4', 'd3', 'd2', 'd1']);
    expect(body.deploys[0]).toEqual({ ...history.deploys[3], kind: 'push' });
  });
});

describe('stackdrop rollback', () => {
  it('sends the ECR push event of the previous succeeded digest to the deploy queue', async () => {
    // Prepare
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    // Act
    const result = await harness().run('rollback', 'acme', '--json');
    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      project: 'acme',
      environment: 'production',
      repository: 'acme-production',
      digest: digest('b'),
      from: digest('d'),
      messageId: 'm-1',
    });
    const input = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(input.QueueUrl).toBe('https://sqs.eu-west-1.amazonaws.com/123456789012/stackdrop-deploys.fifo');
    expect(input.MessageGroupId).toBe('acme-production');
    expect(input.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
    const event = JSON.parse(input.MessageBody!);
    expect(Object.keys(event).sort()).toEqual(Object.keys(pushFixture).sort());
    expect(Object.keys(event.detail).sort()).toEqual(
      [...Object.keys(pushFixture.detail), 'requester'].sort(),
    );
    expect(EcrImageActionEventSchema.safeParse(event).success).toBe(true);
    expect(event).toMatchObject({
      source: 'aws.ecr',
      'detail-type': 'ECR Image Action',
      account: '123456789012',
      region: 'eu-west-1',
      time: '2026-11-26T06:00:00Z',
      detail: {
        'action-type': 'PUSH',
        result: 'SUCCESS',
        'repository-name': 'acme-production',
        'image-digest': digest('b'),
        'image-tag': 'main',
      },
    });
  });

  it('gives each rollback its own deduplication id', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
    const h = harness();
    await h.run('rollback', 'acme');
    await h.run('rollback', 'acme');
    const [first, second] = sqs
      .commandCalls(SendMessageCommand)
      .map((c) => c.args[0].input.MessageDeduplicationId);
    expect(first).not.toBe(second);
  });

  it('rolls back to a digest given by prefix', async () => {
    sqs.on(SendMessageCommand).resolves({});
    const result = await harness().run('rollback', 'acme', '--to', 'aaaaaaaa');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`rollback of acme/production to ${digest('a')} queued`);
  });

  it('refuses a digest that never succeeded, exit 1, sending nothing', async () => {
    const result = await harness().run('rollback', 'acme', '--to', digest('c'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/No succeeded deploy of sha256:c+ is recorded for acme\/production/);
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
  });
});

describe('chooseRollbackTarget', () => {
  it('refuses when only one digest ever succeeded', () => {
    const doc = statusDoc({
      deploys: [deploy('d1', digest('a'), 'succeeded', 0), deploy('d2', digest('a'), 'succeeded', 10)],
    });
    expect(() => chooseRollbackTarget(doc)).toThrow(/no earlier one to roll back to/);
  });

  it('refuses when nothing succeeded yet', () => {
    expect(() =>
      chooseRollbackTarget(statusDoc({ deploys: [deploy('d1', digest('a'), 'failed', 0)] })),
    ).toThrow(/has no succeeded deploy recorded/);
  });

  it('refuses the digest running now and an ambiguous prefix', () => {
    expect(() => chooseRollbackTarget(history, digest('d'))).toThrow(/is already the deployed digest/);
    const doc = statusDoc({
      deploys: [
        deploy('d1', `sha256:ab${'1'.repeat(62)}`, 'succeeded', 0),
        deploy('d2', `sha256:ab${'2'.repeat(62)}`, 'succeeded', 5),
        deploy('d3', digest('f'), 'succeeded', 9),
      ],
    });
    expect(() => chooseRollbackTarget(doc, 'ab')).toThrow(/matches 2 recorded digests/);
  });
});

describe('queueLocation', () => {
  it('reads the account and region from AWS and local queue URLs', () => {
    expect(queueLocation('https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo')).toEqual({
      account: '123456789012',
      region: 'eu-west-1',
    });
    expect(queueLocation('http://127.0.0.1:4566/000000000000/q.fifo', 'us-east-1')).toEqual({
      account: '000000000000',
      region: 'us-east-1',
    });
  });
});

describe('stackdrop deploys tells rollbacks from pushes', () => {
  it('marks a deploy sent by stackdrop rollback as a rollback, in text and JSON', async () => {
    // Prepare
    const rolledBack = {
      ...deploy('stackdrop-rollback-0a1b2c', digest('b'), 'succeeded', -10),
      pushedBy: 'stackdrop rollback by alice',
    };
    s3.on(GetObjectCommand, { Key: 'status/acme-production.json' }).resolves(
      objectBody(JSON.stringify({ ...history, deploys: [...history.deploys, rolledBack] })),
    );
    // Act
    const text = await harness().run('deploys', 'acme', '--limit', '2');
    const json = await harness().run('deploys', 'acme', '--limit', '2', '--json');
    // Assess
    const rows = text.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^STARTED +KIND +OUTCOME/);
    expect(rows[1]).toMatch(/ rollback +succeeded +sha256:bbbbbbbbbbbb/);
    expect(rows[2]).toMatch(/ push +succeeded +sha256:dddddddddddd/);
    expect(JSON.parse(json.stdout).deploys.map((d: { kind: string }) => d.kind)).toEqual([
      'rollback',
      'push',
    ]);
  });
});
