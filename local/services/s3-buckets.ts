/**
 * S3 buckets: naming rules, CreateBucket's LocationConstraint rules as a region endpoint answers
 * them, DeleteBucket's BucketNotEmpty, versioning and EventBridge switches. Split from s3.ts.
 */
import {
  bucketNameProblem,
  regionOfLocationConstraint,
  S3_LOCATION_CONSTRAINTS,
} from '#shared/aws-rules/s3.ts';
import { AwsError } from '../errors.ts';
import type { HttpRequest, HttpResponse } from '../kernel.ts';
import type { S3Model } from './s3.ts';
import type { S3Bucket } from './s3-records.ts';
import { xmlUnescape } from './s3-records.ts';

// ---- model methods ---------------------------------------------------------------------

/** Creates a bucket (BucketAlreadyOwnedByYou if it exists). */
export function createBucket(
  this: S3Model,
  name: string,
  options: {
    versioning?: boolean;
    eventBridge?: boolean;
    tags?: Record<string, string>;
    locationConstraint?: string;
  } = {},
): S3Bucket {
  // General purpose bucket naming rules (shared/aws-rules/s3.ts).
  if (bucketNameProblem(name)) {
    throw new AwsError('InvalidBucketName', 'The specified bucket is not valid.', {
      fields: { BucketName: name },
    });
  }
  if (this.buckets.has(name)) {
    throw new AwsError(
      'BucketAlreadyOwnedByYou',
      'Your previous request to create the named bucket succeeded and you already own it.',
      { statusCode: 409, fields: { BucketName: name } },
    );
  }
  const bucket: S3Bucket = {
    name,
    createdAt: this.cloud.clock.date(),
    versioning: options.versioning ? 'Enabled' : undefined,
    eventBridge: options.eventBridge ?? false,
    objects: new Map(),
    tags: { ...options.tags },
    config: new Map(),
    locationConstraint:
      options.locationConstraint ?? (this.cloud.region === 'us-east-1' ? undefined : this.cloud.region),
  };
  this.buckets.set(name, bucket);
  return bucket;
}

/** The bucket, or NoSuchBucket. */
export function bucket(this: S3Model, name: string): S3Bucket {
  const b = this.buckets.get(name);
  if (!b) {
    throw new AwsError('NoSuchBucket', 'The specified bucket does not exist', {
      statusCode: 404,
      fields: { BucketName: name },
    });
  }
  return b;
}

/** Deletes a bucket; BucketNotEmpty unless `force` (CloudFormation never forces). */
export function deleteBucket(this: S3Model, name: string, options: { force?: boolean } = {}): void {
  const b = this.bucket(name);
  if (!options.force && b.objects.size > 0) {
    throw new AwsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', {
      statusCode: 409,
      fields: { BucketName: name },
    });
  }
  this.buckets.delete(name);
}

export function setVersioning(this: S3Model, name: string, status: 'Enabled' | 'Suspended'): void {
  this.bucket(name).versioning = status;
}

/** Turns EventBridge notifications on or off (NotificationConfiguration.EventBridgeConfiguration). */
export function setEventBridge(this: S3Model, name: string, enabled: boolean): void {
  this.bucket(name).eventBridge = enabled;
}

/**
 * CreateBucket over the wire, as a region-specific endpoint of this cloud's region answers it
 * (API_CreateBucket): outside us-east-1 the LocationConstraint must name this region; in
 * us-east-1 it must be absent (`us-east-1` itself is not a valid constraint), and re-creating a
 * bucket you own there answers 200 OK.
 */
export function createBucketRequest(this: S3Model, bucketName: string, req: HttpRequest): HttpResponse {
  const body = req.body.toString('utf8');
  const match = /<LocationConstraint>([^<]*)<\/LocationConstraint>/.exec(body);
  const constraint = match ? xmlUnescape(match[1]!.trim()) : undefined;
  const region = this.cloud.region;
  if (constraint !== undefined && !S3_LOCATION_CONSTRAINTS.has(constraint)) {
    throw new AwsError('InvalidLocationConstraint', 'The specified location-constraint is not valid', {
      fields: { LocationConstraint: constraint },
    });
  }
  if (regionOfLocationConstraint(constraint || undefined) !== region) {
    throw new AwsError(
      'IllegalLocationConstraintException',
      constraint
        ? `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`
        : 'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.',
    );
  }
  if (region === 'us-east-1' && this.buckets.has(bucketName) && !bucketNameProblem(bucketName)) {
    return { statusCode: 200, headers: { Location: `/${bucketName}` } };
  }
  this.createBucket(bucketName, { locationConstraint: constraint || undefined });
  return { statusCode: 200, headers: { Location: `/${bucketName}` } };
}
