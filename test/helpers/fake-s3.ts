import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { AwsStub } from 'aws-sdk-client-mock';

/**
 * An in-memory, versioned S3 bucket behind an aws-sdk-client-mock stub: ETags, version ids and
 * the conditional writes (If-Match / If-None-Match → 412) stackdrop's compare-and-swap relies on.
 */

interface Version {
  versionId: string;
  body: string;
  etag: string;
}

function s3Error(name: string, status: number, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

export class FakeS3 {
  readonly objects = new Map<string, Version[]>();
  private counter = 0;
  /** Every mutating request, in order: what an "only the status document was written" test reads. */
  readonly writes: { command: 'PutObject' | 'DeleteObject'; key: string }[] = [];

  // biome-ignore lint/suspicious/noExplicitAny: the stub's generics differ per client version.
  constructor(stub: AwsStub<any, any, any>) {
    stub.on(GetObjectCommand).callsFake((input) => this.get(input.Key, input.VersionId));
    stub.on(HeadObjectCommand).callsFake((input) => {
      const v = this.latest(input.Key);
      if (!v) throw s3Error('NotFound', 404, 'Not Found');
      return { ETag: v.etag, VersionId: v.versionId, ContentLength: v.body.length };
    });
    stub.on(PutObjectCommand).callsFake((input) => this.put(input.Key, String(input.Body), input));
    stub.on(DeleteObjectCommand).callsFake((input) => {
      const v = this.latest(input.Key);
      if (input.IfMatch && v && v.etag !== input.IfMatch)
        throw s3Error(
          'PreconditionFailed',
          412,
          'At least one of the pre-conditions you specified did not hold',
        );
      this.writes.push({ command: 'DeleteObject', key: input.Key });
      this.objects.delete(input.Key);
      return {};
    });
    stub.on(ListObjectsV2Command).callsFake((input) => ({
      Contents: [...this.objects.keys()]
        .filter((k) => k.startsWith(input.Prefix ?? ''))
        .sort()
        .map((Key) => ({ Key })),
      IsTruncated: false,
    }));
  }

  latest(key: string): Version | undefined {
    return this.objects.get(key)?.at(-1);
  }

  /** Text of the current version of an object, parsed as JSON. */
  json<T = unknown>(key: string): T | undefined {
    const v = this.latest(key);
    return v ? (JSON.parse(v.body) as T) : undefined;
  }

  /** Stores an object directly (a test's "Prepare"), returning its new version id. */
  seed(key: string, body: string): string {
    return this.put(key, body, {}).VersionId;
  }

  private get(key: string, versionId?: string) {
    const versions = this.objects.get(key) ?? [];
    const v = versionId ? versions.find((x) => x.versionId === versionId) : versions.at(-1);
    if (!v) throw s3Error('NoSuchKey', 404, 'The specified key does not exist.');
    const body = v.body;
    return {
      Body: { transformToString: async () => body },
      ContentLength: Buffer.byteLength(body),
      ETag: v.etag,
      VersionId: v.versionId,
    };
  }

  private put(key: string, body: string, input: { IfMatch?: string; IfNoneMatch?: string }) {
    const current = this.latest(key);
    if (input.IfNoneMatch === '*' && current) {
      throw s3Error(
        'PreconditionFailed',
        412,
        'At least one of the pre-conditions you specified did not hold',
      );
    }
    if (input.IfMatch && current?.etag !== input.IfMatch) {
      throw s3Error(current ? 'PreconditionFailed' : 'NoSuchKey', current ? 412 : 404, 'Precondition failed');
    }
    this.counter++;
    const version: Version = {
      versionId: `v${this.counter}`,
      body,
      etag: `"${createHash('md5').update(`${body}${this.counter}`).digest('hex')}"`,
    };
    this.objects.set(key, [...(this.objects.get(key) ?? []), version]);
    this.writes.push({ command: 'PutObject', key });
    return { ETag: version.etag, VersionId: version.versionId };
  }
}

export type { S3Client };
