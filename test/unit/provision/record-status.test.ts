import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { events, s3, sqs } from '#shared/aws.ts';
import { logger } from '#shared/logger.ts';
import { parseManifestOrThrow } from '#shared/manifest/index.ts';
import { statusKey } from '#shared/naming.ts';
import { readParsedManifest } from '#shared/parsed-manifest.ts';
import { describeFailure, recordPhase } from '#shared/provision/record.ts';
import { emptyStatus, type StatusDocument } from '#shared/status.ts';
import { FakeS3 } from '#test/helpers/fake-s3.ts';

const s3Mock = mockClient(s3);
const eventsMock = mockClient(events);
const sqsMock = mockClient(sqs);
let bucket: FakeS3;
let handler: typeof import('#functions/record-status/index.ts')['handler'];
const identity = {
  project: 'acme',
  environment: 'production',
  executionId: 'arn:aws:states:eu-west-1:123456789012:execution:stackdrop-provision:run-1',
};
const MANIFEST = parseManifestOrThrow(
  'version: 1\nproject: acme\nenvironment: production\napp: { allowPlainHttp: true }\n',
  'manifests/acme-production.yaml',
);
const doc = () => bucket.json<StatusDocument>(statusKey('acme', 'production'));

beforeAll(async () => {
  process.env.STATE_BUCKET = 'stackdrop-bucket';
  ({ handler } = await import('#functions/record-status/index.ts'));
});

beforeEach(() => {
  s3Mock.reset();
  eventsMock.reset();
  sqsMock.reset();
  bucket = new FakeS3(s3Mock);
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
});

describe('record-status', () => {
  it('marks provisioning started with the manifest version and clears the previous error', async () => {
    // Prepare
    await handler({
      ...identity,
      action: 'failed',
      stage: 'network',
      error: { Error: 'Boom', Cause: 'bad' },
    });

    // Act
    await handler({
      ...identity,
      action: 'started',
      key: 'manifests/acme-production.yaml',
      versionId: 'v9',
      manifest: MANIFEST,
    });

    // Assess
    expect(doc()).toMatchObject({
      phase: 'provisioning',
      manifest: { key: 'manifests/acme-production.yaml', versionId: 'v9' },
      executionArn: identity.executionId,
    });
    expect(doc()?.error).toBeUndefined();
  });

  it('keeps the parsed manifest of the version before the status document names it', async () => {
    // Act
    await handler({
      ...identity,
      action: 'started',
      key: 'manifests/acme-production.yaml',
      versionId: 'v9',
      manifest: MANIFEST,
    });

    // Assess: roll-service and open-bastion read this copy instead of parsing the YAML again.
    const parsedKey = 'parsed/acme-production/v9.json';
    expect(bucket.json(parsedKey)).toEqual({
      key: 'manifests/acme-production.yaml',
      versionId: 'v9',
      manifest: MANIFEST,
    });
    const puts = s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key);
    expect(puts.indexOf(parsedKey)).toBeGreaterThanOrEqual(0);
    expect(puts.indexOf(parsedKey)).toBeLessThan(puts.indexOf(statusKey('acme', 'production')));
    await expect(
      readParsedManifest(s3, 'stackdrop-bucket', 'acme', 'production', {
        key: 'manifests/acme-production.yaml',
        versionId: 'v9',
      }),
    ).resolves.toEqual(MANIFEST);
  });

  it('records ready with every stage output and the short names, and emits Provisioning Succeeded', async () => {
    // Act
    await handler({
      ...identity,
      action: 'succeeded',
      stacks: {
        network: {
          stage: 'network',
          stackName: 'n',
          status: 'CREATE_COMPLETE',
          operation: 'create',
          outputs: { VpcId: 'vpc-1' },
        },
        database: {
          stage: 'database',
          stackName: 'd',
          status: 'CREATE_COMPLETE',
          operation: 'create',
          outputs: { WriterEndpoint: 'db.example' },
        },
        edge: {
          stage: 'edge',
          stackName: 'e',
          status: 'CREATE_COMPLETE',
          operation: 'create',
          outputs: { Url: 'http://alb', LoadBalancerDnsName: 'alb' },
        },
      },
    });

    // Assess
    expect(doc()?.phase).toBe('ready');
    expect(doc()?.outputs).toEqual({
      VpcId: 'vpc-1',
      WriterEndpoint: 'db.example',
      Url: 'http://alb',
      LoadBalancerDnsName: 'alb',
      url: 'http://alb',
      albDnsName: 'alb',
      dbEndpoint: 'db.example',
    });
    expect(eventsMock).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ Source: 'stackdrop', DetailType: 'Provisioning Succeeded' })],
    });
    expect(sqsMock).not.toHaveReceivedCommand(SendMessageCommand);
  });

  it('re-sends the most recently pushed deferred image, not the one deferred last', async () => {
    // Prepare: the older push's message was retried, so it was deferred after the newer one.
    const status = emptyStatus('acme', 'production', new Date('2026-11-26T05:00:00Z'));
    const deferred = { repository: 'acme-production', tag: 'main', outcome: 'deferred' as const };
    status.deploys.push(
      {
        ...deferred,
        id: 'newer',
        digest: 'sha256:bbb',
        pushedAt: '2026-11-26T05:05:00.000Z',
        startedAt: '2026-11-26T05:06:00.000Z',
      },
      {
        ...deferred,
        id: 'older',
        digest: 'sha256:aaa',
        pushedAt: '2026-11-26T05:00:00.000Z',
        startedAt: '2026-11-26T05:20:00.000Z',
      },
    );
    bucket.seed(statusKey('acme', 'production'), JSON.stringify(status));
    const deployQueueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/stackdrop-deploys.fifo';

    // Act
    await recordPhase(
      { ...identity, action: 'succeeded', stacks: {} },
      { s3, events, sqs, logger, bucket: 'stackdrop-bucket', deployQueueUrl },
    );

    // Assess
    const sent = sqsMock
      .commandCalls(SendMessageCommand)
      .map((c) => JSON.parse(c.args[0].input.MessageBody!));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      time: '2026-11-26T05:05:00.000Z',
      detail: { 'image-digest': 'sha256:bbb' },
    });
  });

  it('names the stage, status, first failed resource and reason of a failed stack', async () => {
    // Prepare
    const cause = JSON.stringify({
      stage: 'database',
      stackName: 'stackdrop-acme-production-database',
      status: 'ROLLBACK_COMPLETE',
      failedResource: 'Cluster',
      reason: 'quota exceeded',
    });

    // Act
    await handler({
      ...identity,
      action: 'failed',
      stage: 'database',
      error: { Error: 'StackOperationFailed', Cause: cause },
    });

    // Assess
    expect(doc()).toMatchObject({
      phase: 'failed',
      error: {
        stage: 'database',
        code: 'ROLLBACK_COMPLETE',
        message: 'quota exceeded',
        failedResource: 'Cluster',
      },
    });
    const detail = JSON.parse(
      eventsMock.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!.Detail!,
    );
    expect(detail).toMatchObject({ project: 'acme', error: { failedResource: 'Cluster' } });
  });

  it('records an invalid manifest with every problem, and nothing when the key names no project', async () => {
    // Act
    await handler({
      action: 'invalid',
      executionId: identity.executionId,
      loaded: {
        ok: false,
        project: 'acme',
        environment: 'production',
        key: 'manifests/acme-production.yaml',
        versionId: 'v2',
        problems: [{ file: 'm', line: 4, col: 3, path: 'network.cidr', message: 'bad', hint: 'fix' }],
      },
    });
    const writesBefore = s3Mock.commandCalls(PutObjectCommand).length;
    const nothing = await handler({
      action: 'invalid',
      executionId: identity.executionId,
      loaded: { ok: false, key: 'manifests/x.yaml', versionId: '', problems: [] },
    });

    // Assess
    expect(doc()?.errors).toEqual([
      { path: 'network.cidr', message: 'bad', file: 'm', line: 4, col: 3, hint: 'fix' },
    ]);
    expect(doc()?.error?.code).toBe('ManifestInvalid');
    expect(nothing.recorded).toBe(false);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(writesBefore);
  });

  it('reads a Lambda error cause without its trace', () => {
    const failure = describeFailure('network', {
      Error: 'MissingOutputsError',
      Cause: JSON.stringify({
        errorType: 'MissingOutputsError',
        errorMessage: 'app needs network.VpcId',
        trace: ['at x'],
      }),
    });

    expect(failure).toEqual({
      stage: 'network',
      code: 'MissingOutputsError',
      message: 'app needs network.VpcId',
    });
  });
});
