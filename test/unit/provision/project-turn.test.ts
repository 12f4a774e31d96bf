import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { s3, sfn } from '#shared/aws.ts';
import type { TurnRecord } from '#shared/provision/turn.ts';
import { FakeS3 } from '#test/helpers/fake-s3.ts';

const s3Mock = mockClient(s3);
const sfnMock = mockClient(sfn);
let bucket: FakeS3;
let handler: typeof import('#functions/project-turn/index.ts')['handler'];
const KEY = 'manifests/acme-production.yaml';
const execution = (n: number) =>
  `arn:aws:states:eu-west-1:123456789012:execution:stackdrop-provision:run-${n}`;
const take = (n: number, versionId: string) =>
  handler({
    action: 'take',
    project: 'acme',
    environment: 'production',
    key: KEY,
    versionId,
    executionId: execution(n),
    taskToken: `token-${n}`,
  });
const release = (n: number) =>
  handler({ action: 'release', project: 'acme', environment: 'production', executionId: execution(n) });
const turn = () => bucket.json<TurnRecord>('turns/acme-production.json');
const answers = () =>
  sfnMock
    .commandCalls(SendTaskSuccessCommand)
    .map((c) => [c.args[0].input.taskToken, JSON.parse(c.args[0].input.output!).decision]);

beforeAll(async () => {
  process.env.STATE_BUCKET = 'stackdrop-bucket';
  ({ handler } = await import('#functions/project-turn/index.ts'));
});

beforeEach(() => {
  s3Mock.reset();
  sfnMock.reset();
  bucket = new FakeS3(s3Mock);
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
});

describe('project-turn', () => {
  it('grants a free turn at once through the task token', async () => {
    // Prepare
    const v1 = bucket.seed(KEY, 'v1');

    // Act
    const result = await take(1, v1);

    // Assess
    expect(result).toEqual({ decision: 'granted' });
    expect(answers()).toEqual([['token-1', 'granted']]);
    expect(turn()?.holder).toMatchObject({ executionId: execution(1), versionId: v1 });
  });

  it('parks a newer version behind the running one and wakes it on release', async () => {
    // Prepare
    await take(1, bucket.seed(KEY, 'v1'));
    const v2 = bucket.seed(KEY, 'v2');

    // Act
    const queued = await take(2, v2);
    const answeredBeforeRelease = answers().length;
    await release(1);

    // Assess
    expect(queued).toEqual({ decision: 'queued' });
    expect(answeredBeforeRelease).toBe(1);
    expect(answers().at(-1)).toEqual(['token-2', 'granted']);
    expect(turn()?.holder).toMatchObject({ executionId: execution(2), versionId: v2 });
    expect(turn()?.waiting).toBeUndefined();
  });

  it('ends a duplicate event of the version being provisioned', async () => {
    // Prepare
    const v1 = bucket.seed(KEY, 'v1');
    await take(1, v1);

    // Act
    const duplicate = await take(2, v1);

    // Assess
    expect(duplicate).toEqual({ decision: 'duplicate' });
    expect(answers().at(-1)).toEqual(['token-2', 'duplicate']);
    expect(turn()?.holder?.executionId).toBe(execution(1));
  });

  it('ends a duplicate event that arrives after its version was provisioned', async () => {
    // Prepare
    const v1 = bucket.seed(KEY, 'v1');
    await take(1, v1);
    await release(1);

    // Act
    const late = await take(2, v1);

    // Assess
    expect(late).toEqual({ decision: 'duplicate' });
    expect(turn()?.holder).toBeUndefined();
  });

  it('supersedes an older version when a newer one is already in the bucket', async () => {
    // Prepare
    const v1 = bucket.seed(KEY, 'v1');
    bucket.seed(KEY, 'v2');

    // Act
    const result = await take(1, v1);

    // Assess
    expect(result).toEqual({ decision: 'superseded' });
    expect(answers()).toEqual([['token-1', 'superseded']]);
    expect(turn()).toBeUndefined();
  });

  it('lets a newer waiting version displace an older one still waiting', async () => {
    // Prepare
    await take(1, bucket.seed(KEY, 'v1'));
    await take(2, bucket.seed(KEY, 'v2'));

    // Act
    const v3 = bucket.seed(KEY, 'v3');
    await take(3, v3);

    // Assess
    expect(answers()).toContainEqual(['token-2', 'superseded']);
    expect(turn()?.waiting).toMatchObject({ executionId: execution(3), versionId: v3, taskToken: 'token-3' });
  });

  it('takes over from a holder whose execution is no longer running', async () => {
    // Prepare
    await take(1, bucket.seed(KEY, 'v1'));
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'ABORTED' });

    // Act
    const result = await take(2, bucket.seed(KEY, 'v2'));

    // Assess
    expect(result).toEqual({ decision: 'granted' });
    expect(turn()?.holder?.executionId).toBe(execution(2));
  });

  it('provisions every upload of an unversioned bucket, whose events carry an empty version id', async () => {
    // Prepare: load-manifest passes '' when the event names no version.
    await take(1, '');
    await release(1);

    // Act
    const next = await take(2, '');

    // Assess
    expect(next).toEqual({ decision: 'granted' });
    expect(answers().at(-1)).toEqual(['token-2', 'granted']);
  });

  it('provisions every upload of a versioning-suspended bucket (version id "null")', async () => {
    // Prepare
    bucket.seed(KEY, 'v1');
    s3Mock.on(HeadObjectCommand).resolves({ VersionId: 'null' });
    await take(1, 'null');
    await release(1);

    // Act
    const next = await take(2, 'null');

    // Assess
    expect(next).toEqual({ decision: 'granted' });
  });

  it('releases nothing for an execution that does not hold the turn', async () => {
    // Prepare
    await take(1, bucket.seed(KEY, 'v1'));

    // Act
    const result = await release(7);

    // Assess
    expect(result).toEqual({ released: false });
    expect(turn()?.holder?.executionId).toBe(execution(1));
  });
});
