import type { S3Client } from '@aws-sdk/client-s3';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import { ConcurrentWriteError, getJson, putJsonIf } from '#shared/provision/json-store.ts';
import { isNotFound } from '#shared/s3-errors.ts';

/**
 * `stackdrop scale` overrides by service (web, worker:<name>), kept until the next provisioning.
 * They live in an operator-written object of their own, `scaling/<project>-<environment>.json`,
 * not in the status document: only stackdrop's roles may write `status/` (bucket policy,
 * docs/security.md), and an operator scaling a service is not one of them.
 */
export const ScalingOverridesSchema = z.record(
  z.string(),
  z.object({
    desiredCount: z.optional(z.number()),
    min: z.optional(z.number()),
    max: z.optional(z.number()),
    at: z.string(),
    by: z.optional(z.string()),
  }),
);
export type ScalingOverrides = z.infer<typeof ScalingOverridesSchema>;

/** Key of a project's scale overrides. */
export function scalingKey(project: string, environment: string): string {
  return `scaling/${project}-${environment}.json`;
}

/** The overrides recorded for a project (empty when none), with the ETag to write against. */
async function readOverrides(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ value: ScalingOverrides; etag?: string }> {
  const stored = await getJson<unknown>(s3, bucket, key);
  if (!stored) return { value: {} };
  const parsed = ScalingOverridesSchema.safeParse(stored.value);
  return { value: parsed.success ? parsed.data : {}, etag: stored.etag };
}

/** The project's scale overrides, or undefined when none are recorded. */
export async function readScaling(
  s3: S3Client,
  bucket: string,
  project: string,
  environment: string,
): Promise<ScalingOverrides | undefined> {
  const { value } = await readOverrides(s3, bucket, scalingKey(project, environment));
  return Object.keys(value).length ? value : undefined;
}

/** Applies `mutate` to the overrides with a conditional write, re-read and retried on a conflict. */
export async function recordScaling(
  s3: S3Client,
  bucket: string,
  project: string,
  environment: string,
  mutate: (overrides: ScalingOverrides) => ScalingOverrides,
  maxAttempts = 10,
): Promise<ScalingOverrides> {
  const key = scalingKey(project, environment);
  for (let attempt = 1; ; attempt++) {
    const current = await readOverrides(s3, bucket, key);
    const next = mutate(structuredClone(current.value));
    try {
      await putJsonIf(s3, bucket, key, next, current.etag);
      return next;
    } catch (error) {
      if (!(error instanceof ConcurrentWriteError) || attempt >= maxAttempts) throw error;
    }
  }
}

/**
 * Hands the overrides back to the manifest (the next provisioning is the reference again):
 * deletes the record and returns the services it named.
 */
export async function takeScaling(
  s3: S3Client,
  bucket: string,
  project: string,
  environment: string,
): Promise<string[]> {
  const key = scalingKey(project, environment);
  const { value, etag } = await readOverrides(s3, bucket, key);
  if (!etag) return [];
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return Object.keys(value);
}
