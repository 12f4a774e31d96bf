import { GetObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { s3 as client } from '#shared/aws.ts';
import { ConcurrentWriteError, putJsonIf, updateJson } from '#shared/provision/json-store.ts';

const s3Mock = mockClient(client);
const BUCKET = 'stackdrop-bucket';
const KEY = 'callbacks/acme-production.json';

const s3Error = (name: string, httpStatusCode: number) =>
  new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode }, message: name });

beforeEach(() => {
  s3Mock.reset();
});

describe('putJsonIf', () => {
  it('reports a conditional write on an object deleted meanwhile (404 NoSuchKey) as a concurrent write', async () => {
    // Prepare
    s3Mock.on(PutObjectCommand).rejects(s3Error('NoSuchKey', 404));

    // Act
    const write = putJsonIf(client, BUCKET, KEY, { n: 2 }, '"etag-1"');

    // Assess
    await expect(write).rejects.toBeInstanceOf(ConcurrentWriteError);
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { Key: KEY, IfMatch: '"etag-1"' });
  });

  it('reports a lost If-Match write (412) as a concurrent write', async () => {
    // Prepare
    s3Mock.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));

    // Act
    const write = putJsonIf(client, BUCKET, KEY, { n: 2 }, '"etag-1"');

    // Assess
    await expect(write).rejects.toBeInstanceOf(ConcurrentWriteError);
  });

  it('lets a 404 on a create-only write (no ETag) escape unchanged', async () => {
    // Prepare
    s3Mock.on(PutObjectCommand).rejects(s3Error('NoSuchBucket', 404));

    // Act
    const write = putJsonIf(client, BUCKET, KEY, { n: 1 }, undefined);

    // Assess
    await expect(write).rejects.toMatchObject({ name: 'NoSuchBucket' });
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, { IfNoneMatch: '*' });
  });
});

describe('updateJson', () => {
  it('re-reads and creates the object when it was deleted between the read and the write', async () => {
    // Prepare
    s3Mock
      .on(GetObjectCommand)
      .resolvesOnce({
        ETag: '"etag-1"',
        Body: { transformToString: async () => '{"n":1}' } as never,
      })
      .rejectsOnce(s3Error('NoSuchKey', 404));
    s3Mock.on(PutObjectCommand).rejectsOnce(s3Error('NoSuchKey', 404)).resolves({ ETag: '"etag-2"' });

    // Act
    const result = await updateJson<{ n: number }, number>(client, BUCKET, KEY, (current) => {
      const n = (current?.n ?? 0) + 1;
      return { next: { n }, result: n };
    });

    // Assess
    expect(result).toBe(1);
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 2);
    expect(s3Mock).toHaveReceivedNthCommandWith(PutObjectCommand, 2, { IfNoneMatch: '*' });
  });
});
