import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '#local/events/bus.ts';
import { errorOf, startTestCloud } from './helpers.ts';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let s3: S3Client;

beforeAll(async () => {
  env = await startTestCloud();
  s3 = new S3Client({ ...env.config, forcePathStyle: true });
});
afterAll(() => env.stop());

describe('S3 over restXml', () => {
  it('creates, lists, heads and deletes buckets', async () => {
    // Prepare
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'bucket-lifecycle',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );

    // Act
    const listed = await s3.send(new ListBucketsCommand({}));
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'bucket-lifecycle' }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'bucket-lifecycle' }));
    const gone = await errorOf(s3.send(new HeadBucketCommand({ Bucket: 'bucket-lifecycle' })));

    // Assess
    expect(listed.Buckets?.map((b) => b.Name)).toContain('bucket-lifecycle');
    expect(head.$metadata.httpStatusCode).toBe(200);
    expect(gone.name).toBe('NotFound');
  });

  it('refuses a second CreateBucket with BucketAlreadyOwnedByYou and deleting a non-empty bucket', async () => {
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'bucket-dup',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'bucket-dup', Key: 'k', Body: 'x' }));

    const dup = await errorOf(
      s3.send(
        new CreateBucketCommand({
          Bucket: 'bucket-dup',
          CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
        }),
      ),
    );
    const notEmpty = await errorOf(s3.send(new DeleteBucketCommand({ Bucket: 'bucket-dup' })));

    expect(dup.name).toBe('BucketAlreadyOwnedByYou');
    expect(notEmpty.name).toBe('BucketNotEmpty');
  });

  it('stores objects with an MD5 ETag, metadata and content type', async () => {
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'bucket-objects',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );

    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'bucket-objects',
        Key: 'dir/hello.txt',
        Body: 'hello',
        ContentType: 'text/plain',
        Metadata: { owner: 'tests' },
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: 'bucket-objects', Key: 'dir/hello.txt' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'bucket-objects', Key: 'dir/hello.txt' }));
    const missing = await errorOf(s3.send(new GetObjectCommand({ Bucket: 'bucket-objects', Key: 'nope' })));
    const ranged = await s3.send(
      new GetObjectCommand({ Bucket: 'bucket-objects', Key: 'dir/hello.txt', Range: 'bytes=1-3' }),
    );
    const suffix = await s3.send(
      new GetObjectCommand({ Bucket: 'bucket-objects', Key: 'dir/hello.txt', Range: 'bytes=-2' }),
    );
    const unsatisfiable = await errorOf(
      s3.send(new GetObjectCommand({ Bucket: 'bucket-objects', Key: 'dir/hello.txt', Range: 'bytes=9-' })),
    );

    expect(put.ETag).toBe('"5d41402abc4b2a76b9719d911017c592"');
    expect(await got.Body?.transformToString()).toBe('hello');
    expect(got.ContentType).toBe('text/plain');
    expect(got.Metadata).toEqual({ owner: 'tests' });
    expect(head.ContentLength).toBe(5);
    expect(await ranged.Body?.transformToString()).toBe('ell');
    expect(ranged.ContentRange).toBe('bytes 1-3/5');
    expect(await suffix.Body?.transformToString()).toBe('lo');
    expect(unsatisfiable.name).toBe('InvalidRange');
    expect(head.ETag).toBe(put.ETag);
    expect(missing.name).toBe('NoSuchKey');
  });

  it('lists objects with prefix, delimiter and continuation tokens', async () => {
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'bucket-list',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    for (const key of ['a/1', 'a/2', 'a/3', 'b/1', 'top']) {
      await s3.send(new PutObjectCommand({ Bucket: 'bucket-list', Key: key, Body: key }));
    }

    const page1 = await s3.send(
      new ListObjectsV2Command({ Bucket: 'bucket-list', Prefix: 'a/', MaxKeys: 2 }),
    );
    const page2 = await s3.send(
      new ListObjectsV2Command({
        Bucket: 'bucket-list',
        Prefix: 'a/',
        MaxKeys: 2,
        ContinuationToken: page1.NextContinuationToken,
      }),
    );
    const folders = await s3.send(new ListObjectsV2Command({ Bucket: 'bucket-list', Delimiter: '/' }));

    expect(page1.Contents?.map((o) => o.Key)).toEqual(['a/1', 'a/2']);
    expect(page1.IsTruncated).toBe(true);
    expect(page2.Contents?.map((o) => o.Key)).toEqual(['a/3']);
    expect(page2.IsTruncated).toBe(false);
    expect(folders.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'b/']);
    expect(folders.Contents?.map((o) => o.Key)).toEqual(['top']);
  });

  it('keeps every version in a versioned bucket and reads any of them', async () => {
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'bucket-versions',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: 'bucket-versions',
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );

    const v1 = await s3.send(new PutObjectCommand({ Bucket: 'bucket-versions', Key: 'doc', Body: 'one' }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket: 'bucket-versions', Key: 'doc', Body: 'two' }));
    const old = await s3.send(
      new GetObjectCommand({ Bucket: 'bucket-versions', Key: 'doc', VersionId: v1.VersionId }),
    );
    const latest = await s3.send(new GetObjectCommand({ Bucket: 'bucket-versions', Key: 'doc' }));
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: 'bucket-versions', Key: 'doc' }));
    const afterDelete = await errorOf(
      s3.send(new GetObjectCommand({ Bucket: 'bucket-versions', Key: 'doc' })),
    );
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: 'bucket-versions' }));
    const status = await s3.send(new GetBucketVersioningCommand({ Bucket: 'bucket-versions' }));

    expect(v1.VersionId).toBeTruthy();
    expect(v2.VersionId).not.toBe(v1.VersionId);
    expect(await old.Body?.transformToString()).toBe('one');
    expect(await latest.Body?.transformToString()).toBe('two');
    expect(latest.VersionId).toBe(v2.VersionId);
    expect(deleted.DeleteMarker).toBe(true);
    expect(afterDelete.name).toBe('NoSuchKey');
    expect(versions.Versions?.map((v) => v.VersionId)).toEqual([v2.VersionId, v1.VersionId]);
    expect(versions.DeleteMarkers?.[0]?.IsLatest).toBe(true);
    expect(status.Status).toBe('Enabled');
  });

  it('honours If-None-Match: * and If-Match with 412 PreconditionFailed', async () => {
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'bucket-cas',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    const first = await s3.send(
      new PutObjectCommand({ Bucket: 'bucket-cas', Key: 'status.json', Body: '{"n":1}', IfNoneMatch: '*' }),
    );

    const createAgain = await errorOf(
      s3.send(
        new PutObjectCommand({ Bucket: 'bucket-cas', Key: 'status.json', Body: '{"n":2}', IfNoneMatch: '*' }),
      ),
    );
    const update = await s3.send(
      new PutObjectCommand({
        Bucket: 'bucket-cas',
        Key: 'status.json',
        Body: '{"n":2}',
        IfMatch: first.ETag,
      }),
    );
    const stale = await errorOf(
      s3.send(
        new PutObjectCommand({
          Bucket: 'bucket-cas',
          Key: 'status.json',
          Body: '{"n":3}',
          IfMatch: first.ETag,
        }),
      ),
    );
    const body = await (
      await s3.send(new GetObjectCommand({ Bucket: 'bucket-cas', Key: 'status.json' }))
    ).Body?.transformToString();

    expect(createAgain.name).toBe('PreconditionFailed');
    expect((createAgain.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(412);
    expect(update.ETag).not.toBe(first.ETag);
    expect(stale.name).toBe('PreconditionFailed');
    expect(body).toBe('{"n":2}');
  });

  it('copies objects and deletes several at once', async () => {
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'bucket-copy',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'bucket-copy', Key: 'src', Body: 'payload' }));

    await s3.send(
      new CopyObjectCommand({ Bucket: 'bucket-copy', Key: 'dst', CopySource: 'bucket-copy/src' }),
    );
    const copied = await s3.send(new GetObjectCommand({ Bucket: 'bucket-copy', Key: 'dst' }));
    const removed = await s3.send(
      new DeleteObjectsCommand({
        Bucket: 'bucket-copy',
        Delete: { Objects: [{ Key: 'src' }, { Key: 'dst' }] },
      }),
    );
    const left = await s3.send(new ListObjectsV2Command({ Bucket: 'bucket-copy' }));

    expect(await copied.Body?.transformToString()).toBe('payload');
    expect(removed.Deleted?.map((d) => d.Key)).toEqual(['src', 'dst']);
    expect(left.KeyCount).toBe(0);
  });

  it('emits Object Created and Object Deleted to EventBridge only when the bucket enables it', async () => {
    const events: BusEvent[] = [];
    const unsubscribe = env.cloud.eventBus.subscribe((e) => events.push(e));
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'bucket-quiet',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'bucket-events',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: 'bucket-events',
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'bucket-events',
        NotificationConfiguration: { EventBridgeConfiguration: {} },
      }),
    );

    await s3.send(new PutObjectCommand({ Bucket: 'bucket-quiet', Key: 'manifests/a.yaml', Body: 'x' }));
    const put = await s3.send(
      new PutObjectCommand({ Bucket: 'bucket-events', Key: 'manifests/acme-production.yaml', Body: 'abc' }),
    );
    await s3.send(
      new DeleteObjectCommand({ Bucket: 'bucket-events', Key: 'manifests/acme-production.yaml' }),
    );
    unsubscribe();

    expect(events.map((e) => e['detail-type'])).toEqual(['Object Created', 'Object Deleted']);
    const created = events[0]!;
    expect(created.source).toBe('aws.s3');
    expect(created.resources).toEqual(['arn:aws:s3:::bucket-events']);
    expect(created.detail).toMatchObject({
      bucket: { name: 'bucket-events' },
      object: {
        key: 'manifests/acme-production.yaml',
        size: 3,
        etag: '900150983cd24fb0d6963f7d28e17f72',
        'version-id': put.VersionId,
      },
      reason: 'PutObject',
      requester: '000000000000',
    });
    expect(events[1]!.detail).toMatchObject({ 'deletion-type': 'Delete Marker Created' });
  });

  it('assembles multipart uploads with the multipart ETag and refuses undersized parts', async () => {
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'bucket-multipart',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    const big = Buffer.alloc(5 * 1024 * 1024, 'a');
    const tail = Buffer.from('tail');
    const upload = async (parts: Buffer[]) => {
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({
          Bucket: 'bucket-multipart',
          Key: 'blob',
          ContentType: 'application/zip',
        }),
      );
      const etags = [];
      for (const [i, body] of parts.entries()) {
        const out = await s3.send(
          new UploadPartCommand({
            Bucket: 'bucket-multipart',
            Key: 'blob',
            UploadId,
            PartNumber: i + 1,
            Body: body,
          }),
        );
        etags.push({ PartNumber: i + 1, ETag: out.ETag });
      }
      return s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'bucket-multipart',
          Key: 'blob',
          UploadId,
          MultipartUpload: { Parts: etags },
        }),
      );
    };
    const md5 = (b: Buffer) => createHash('md5').update(b).digest();

    const done = await upload([big, tail]);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'bucket-multipart', Key: 'blob' }));
    const tooSmall = await errorOf(upload([tail, tail]));
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: 'bucket-multipart', Key: 'gone' }),
    );
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'bucket-multipart', Key: 'gone', UploadId }));
    const aborted = await errorOf(
      s3.send(
        new UploadPartCommand({
          Bucket: 'bucket-multipart',
          Key: 'gone',
          UploadId,
          PartNumber: 1,
          Body: tail,
        }),
      ),
    );

    const expected = `"${createHash('md5')
      .update(Buffer.concat([md5(big), md5(tail)]))
      .digest('hex')}-2"`;
    expect(done.ETag).toBe(expected);
    expect(head).toMatchObject({
      ETag: expected,
      ContentLength: big.length + tail.length,
      ContentType: 'application/zip',
    });
    expect(tooSmall.name).toBe('EntityTooSmall');
    expect(aborted.name).toBe('NoSuchUpload');
  });
});

describe('S3 bucket policies and pinned object URLs', () => {
  it('refuses a write an explicit Deny of the bucket policy names, by principal, over HTTP', async () => {
    // Prepare: only the role "writer" may write under state/.
    await s3.send(new CreateBucketCommand({ Bucket: 'bucket-policy' }));
    const writer = `arn:aws:iam::${env.cloud.accountId}:role/writer`;
    // The writer signs with a session of its role (STS AssumeRole), as on AWS.
    env.cloud.iam.roles.put({
      arn: writer,
      name: 'writer',
      source: 'test',
      policies: [
        {
          name: 'write-state',
          document: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::bucket-policy/*' },
            ],
          },
        },
      ],
    });
    const session = await new STSClient(env.config).send(
      new AssumeRoleCommand({ RoleArn: writer, RoleSessionName: 'writer' }),
    );
    env.cloud.s3.setBucketPolicy('bucket-policy', {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:PutObject',
          Resource: 'arn:aws:s3:::bucket-policy/state/*',
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': writer } },
        },
      ],
    });
    const asWriter = new S3Client({
      ...env.config,
      forcePathStyle: true,
      credentials: {
        accessKeyId: session.Credentials!.AccessKeyId!,
        secretAccessKey: session.Credentials!.SecretAccessKey!,
        sessionToken: session.Credentials!.SessionToken!,
      },
    });
    const put = (client: S3Client, Key: string) =>
      client.send(new PutObjectCommand({ Bucket: 'bucket-policy', Key, Body: 'x' }));

    // Act & Assess
    const denied = await errorOf(put(s3, 'state/a.json'));
    expect(denied).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(denied.message).toMatch(/explicit deny in a resource-based policy/);
    await expect(put(asWriter, 'state/a.json')).resolves.toBeDefined();
    await expect(put(s3, 'other/a.json')).resolves.toBeDefined();
  });

  it('reads the version a URL pins with ?versionId=, not the current one', async () => {
    // Prepare
    await s3.send(new CreateBucketCommand({ Bucket: 'bucket-pinned' }));
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: 'bucket-pinned',
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    const first = await s3.send(
      new PutObjectCommand({ Bucket: 'bucket-pinned', Key: 't.yaml', Body: 'one' }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'bucket-pinned', Key: 't.yaml', Body: 'two' }));
    const url = `https://bucket-pinned.s3.${env.cloud.region}.amazonaws.com/t.yaml`;

    // Act
    const pinned = env.cloud.s3.getObjectByUrl(`${url}?versionId=${encodeURIComponent(first.VersionId!)}`);
    const current = env.cloud.s3.getObjectByUrl(url);

    // Assess
    expect(pinned.body.toString()).toBe('one');
    expect(current.body.toString()).toBe('two');
    expect(() => env.cloud.s3.getObjectByUrl(`${url}?versionId=nope`)).toThrow(
      /specified version does not exist/,
    );
  });
});
