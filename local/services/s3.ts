import type { LocalCloud, ServiceDefinition } from '../kernel.ts';
import { enforceBucketPolicy, setBucketPolicy } from './s3-access.ts';
import {
  bucket,
  createBucket,
  createBucketRequest,
  deleteBucket,
  setEventBridge,
  setVersioning,
} from './s3-buckets.ts';
import { http, route } from './s3-http.ts';
import { deleteObjects, listObjects, listVersions } from './s3-listings.ts';
import {
  currentObject,
  deleteObject,
  emitObjectEvent,
  getObject,
  getObjectByUrl,
  nextSequencer,
  putObject,
  store,
  upload,
} from './s3-objects.ts';
import type { S3Bucket } from './s3-records.ts';

export { parseS3Url } from './s3-objects.ts';
export type { S3Bucket, S3ObjectVersion } from './s3-records.ts';

/**
 * S3 (restXml, path-style): buckets, objects with versions, conditional writes, and
 * EventBridge notifications (*Object Created* / *Object Deleted*).
 */
export class S3Model {
  readonly cloud: LocalCloud;
  readonly buckets = new Map<string, S3Bucket>();
  /** Multipart uploads in progress, by upload id. */
  readonly uploads = new Map<
    string,
    {
      bucket: string;
      key: string;
      contentType?: string;
      metadata: Record<string, string>;
      parts: Map<number, Buffer>;
    }
  >();
  sequence = 0n;

  constructor(cloud: LocalCloud) {
    this.cloud = cloud;
  }

  /** The wire definition registered with the kernel. */
  definition(): ServiceDefinition {
    return { protocol: 'restXml', operations: {}, http: (req, ctx) => this.http(req, ctx) };
  }

  // ---- buckets: ./s3-buckets.ts ----
  createBucket(...args: Parameters<typeof createBucket>): ReturnType<typeof createBucket> {
    return createBucket.call(this, ...args);
  }

  bucket(...args: Parameters<typeof bucket>): ReturnType<typeof bucket> {
    return bucket.call(this, ...args);
  }

  deleteBucket(...args: Parameters<typeof deleteBucket>): ReturnType<typeof deleteBucket> {
    return deleteBucket.call(this, ...args);
  }

  setVersioning(...args: Parameters<typeof setVersioning>): ReturnType<typeof setVersioning> {
    return setVersioning.call(this, ...args);
  }

  setEventBridge(...args: Parameters<typeof setEventBridge>): ReturnType<typeof setEventBridge> {
    return setEventBridge.call(this, ...args);
  }

  createBucketRequest(
    ...args: Parameters<typeof createBucketRequest>
  ): ReturnType<typeof createBucketRequest> {
    return createBucketRequest.call(this, ...args);
  }

  // ---- objects, versions and conditional writes: ./s3-objects.ts ----
  currentObject(...args: Parameters<typeof currentObject>): ReturnType<typeof currentObject> {
    return currentObject.call(this, ...args);
  }

  putObject(...args: Parameters<typeof putObject>): ReturnType<typeof putObject> {
    return putObject.call(this, ...args);
  }

  getObject(...args: Parameters<typeof getObject>): ReturnType<typeof getObject> {
    return getObject.call(this, ...args);
  }

  getObjectByUrl(...args: Parameters<typeof getObjectByUrl>): ReturnType<typeof getObjectByUrl> {
    return getObjectByUrl.call(this, ...args);
  }

  deleteObject(...args: Parameters<typeof deleteObject>): ReturnType<typeof deleteObject> {
    return deleteObject.call(this, ...args);
  }

  emitObjectEvent(...args: Parameters<typeof emitObjectEvent>): ReturnType<typeof emitObjectEvent> {
    return emitObjectEvent.call(this, ...args);
  }

  store(...args: Parameters<typeof store>): ReturnType<typeof store> {
    return store.call(this, ...args);
  }

  nextSequencer(...args: Parameters<typeof nextSequencer>): ReturnType<typeof nextSequencer> {
    return nextSequencer.call(this, ...args);
  }

  upload(...args: Parameters<typeof upload>): ReturnType<typeof upload> {
    return upload.call(this, ...args);
  }

  // ---- bucket policy enforcement: ./s3-access.ts ----
  enforceBucketPolicy(
    ...args: Parameters<typeof enforceBucketPolicy>
  ): ReturnType<typeof enforceBucketPolicy> {
    return enforceBucketPolicy.call(this, ...args);
  }

  setBucketPolicy(...args: Parameters<typeof setBucketPolicy>): ReturnType<typeof setBucketPolicy> {
    return setBucketPolicy.call(this, ...args);
  }

  // ---- HTTP (restXml, path-style): ./s3-http.ts ----
  http(...args: Parameters<typeof http>): ReturnType<typeof http> {
    return http.call(this, ...args);
  }

  route(...args: Parameters<typeof route>): ReturnType<typeof route> {
    return route.call(this, ...args);
  }

  // ---- listings and batch delete: ./s3-listings.ts ----
  listObjects(...args: Parameters<typeof listObjects>): ReturnType<typeof listObjects> {
    return listObjects.call(this, ...args);
  }

  listVersions(...args: Parameters<typeof listVersions>): ReturnType<typeof listVersions> {
    return listVersions.call(this, ...args);
  }

  deleteObjects(...args: Parameters<typeof deleteObjects>): ReturnType<typeof deleteObjects> {
    return deleteObjects.call(this, ...args);
  }
}
