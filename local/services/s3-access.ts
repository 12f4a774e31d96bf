/**
 * Bucket policy enforcement on every S3 request (the policy's explicit Deny statements, evaluated
 * by s3-policy.ts) and PutBucketPolicy from other local services. Split from s3.ts.
 */
import { AwsError } from '../errors.ts';
import type { HttpRequest } from '../kernel.ts';
import type { S3Model } from './s3.ts';
import { type BucketPolicy, bucketPolicyDenies, objectAction } from './s3-policy.ts';
import { xmlUnescape } from './s3-records.ts';

/**
 * An explicit Deny of the bucket's policy refuses the object operation with 403 AccessDenied,
 * whoever the caller is (local/services/s3-policy.ts). DeleteObjects is refused as a whole when
 * any of its keys is denied (AWS reports such keys one by one in the result: stricter here).
 */
export async function enforceBucketPolicy(
  this: S3Model,
  operation: string,
  bucketName: string,
  key: string,
  req: HttpRequest,
): Promise<void> {
  const text = this.buckets.get(bucketName)?.config.get('policy');
  if (text === undefined) return;
  const keys =
    operation === 'DeleteObjects'
      ? [...req.body.toString('utf8').matchAll(/<Key>(.*?)<\/Key>/gs)].map((m) => xmlUnescape(m[1]!))
      : [key];
  const action = objectAction(operation, req.query.has('versionId'));
  if (!action) return;
  const principal = this.cloud.principalOf(req);
  for (const k of keys) {
    const denied = await bucketPolicyDenies(JSON.parse(text) as BucketPolicy, {
      principal,
      action,
      bucket: bucketName,
      key: k,
      accountId: this.cloud.accountId,
    });
    if (denied) {
      throw new AwsError(
        'AccessDenied',
        `User: ${principal} is not authorized to perform: ${action} on resource: "arn:aws:s3:::${bucketName}/${k}" with an explicit deny in a resource-based policy`,
        { statusCode: 403 },
      );
    }
  }
}

/** Sets (or with undefined removes) a bucket's policy, as PutBucketPolicy/DeleteBucketPolicy do. */
export function setBucketPolicy(this: S3Model, name: string, policy: BucketPolicy | undefined): void {
  const bucket = this.bucket(name);
  if (policy === undefined) bucket.config.delete('policy');
  else bucket.config.set('policy', JSON.stringify(policy));
}
