import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isConflict, isNotFound } from '#shared/s3-errors.ts';

/**
 * Small JSON documents in the stackdrop bucket (callback records, project turns), written with
 * S3 conditional writes so two writers never overwrite each other unseen.
 */

export interface Stored<T> {
  value: T;
  etag: string;
}

/** Thrown when a conditional write lost against another writer; the caller re-reads and retries. */
export class ConcurrentWriteError extends Error {
  override name = 'ConcurrentWriteError';
}

/** Reads a JSON object with its ETag, or undefined when absent. */
export async function getJson<T>(s3: S3Client, bucket: string, key: string): Promise<Stored<T> | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = await out.Body!.transformToString();
    return { value: JSON.parse(text) as T, etag: out.ETag! };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Writes a JSON object only if it is still at `etag` (or still absent when `etag` is undefined);
 * throws ConcurrentWriteError when another writer got there first (including a writer that deleted
 * it: S3 can answer an If-Match write on a deleted object with 404 instead of 412).
 */
export async function putJsonIf(
  s3: S3Client,
  bucket: string,
  key: string,
  value: unknown,
  etag: string | undefined,
): Promise<string> {
  try {
    const out = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: `${JSON.stringify(value)}\n`,
        ContentType: 'application/json',
        ...(etag ? { IfMatch: etag } : { IfNoneMatch: '*' }),
      }),
    );
    return out.ETag ?? '';
  } catch (error) {
    // S3 may answer an If-Match write on an object deleted meanwhile with 404 NoSuchKey: the
    // writer lost all the same, so the caller re-reads (and finds it absent) like on a 412.
    if (isConflict(error) || (etag && isNotFound(error)))
      throw new ConcurrentWriteError(`${key} was changed by another writer`);
    throw error;
  }
}

/**
 * Read-modify-write with compare-and-swap, retried on conflict. `mutate` returns the new value,
 * or `undefined` to leave the object as it is; it must be pure because it may run several times.
 */
export async function updateJson<T, R>(
  s3: S3Client,
  bucket: string,
  key: string,
  mutate: (current: T | undefined) => { next: T | undefined; result: R },
  maxAttempts = 8,
): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    const current = await getJson<T>(s3, bucket, key);
    const { next, result } = mutate(current ? structuredClone(current.value) : undefined);
    if (next === undefined) return result;
    try {
      await putJsonIf(s3, bucket, key, next, current?.etag);
      return result;
    } catch (error) {
      if (!(error instanceof ConcurrentWriteError) || attempt >= maxAttempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}

/**
 * Deletes an object (absent is fine). With `etag`, only if nobody rewrote it meanwhile: a newer
 * writer's object is left alone.
 */
export async function deleteJson(s3: S3Client, bucket: string, key: string, etag?: string): Promise<void> {
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, ...(etag ? { IfMatch: etag } : {}) }));
  } catch (error) {
    if (isConflict(error) || isNotFound(error)) return;
    throw error;
  }
}
