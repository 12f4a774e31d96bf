/**
 * S3 objects and their versions: PutObject with conditional writes (If-Match / If-None-Match),
 * GetObject, DeleteObject with delete markers, the multipart upload lookup, the sequencer and the
 * EventBridge Object Created / Object Deleted events. Split from s3.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AwsError } from '../errors.ts';
import type { S3Model } from './s3.ts';
import type { S3Bucket, S3ObjectVersion } from './s3-records.ts';

/** Splits an S3 URL (any of the forms CloudFormation accepts for TemplateURL) into bucket and key. */
export function parseS3Url(url: string): { bucket: string; key: string; versionId?: string } {
  if (url.startsWith('s3://')) {
    const rest = url.slice(5);
    const i = rest.indexOf('/');
    return { bucket: rest.slice(0, i), key: decodeURIComponent(rest.slice(i + 1)) };
  }
  const u = new URL(url);
  const path = u.pathname.slice(1);
  // A `?versionId=` query pins one version of the object, as S3 object URLs do (a TemplateURL too).
  const versionId = u.searchParams.get('versionId') ?? undefined;
  const hosted = /^(.+)\.s3[.-]/.exec(u.hostname);
  if (hosted)
    return { bucket: hosted[1]!, key: decodeURIComponent(path), ...(versionId ? { versionId } : {}) };
  const i = path.indexOf('/');
  return {
    bucket: path.slice(0, i),
    key: decodeURIComponent(path.slice(i + 1)),
    ...(versionId ? { versionId } : {}),
  };
}

export function etagMatches(condition: string, etag: string): boolean {
  return condition
    .split(',')
    .map((c) => c.trim())
    .some((c) => c === '*' || c.replace(/"/g, '') === etag.replace(/"/g, ''));
}

export function preconditionFailed(condition: string): AwsError {
  return new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
    statusCode: 412,
    fields: { Condition: condition },
  });
}

function noSuchKey(key: string): AwsError {
  return new AwsError('NoSuchKey', 'The specified key does not exist.', {
    statusCode: 404,
    fields: { Key: key },
  });
}

function newVersionId(): string {
  return randomBytes(24).toString('base64url').slice(0, 32);
}

/** Latest version of a key (undefined when absent or a delete marker). */
export function currentObject(this: S3Model, bucket: string, key: string): S3ObjectVersion | undefined {
  const versions = this.bucket(bucket).objects.get(key);
  const latest = versions?.[versions.length - 1];
  return latest && !latest.deleteMarker ? latest : undefined;
}

/** Writes an object, honouring If-Match / If-None-Match; emits *Object Created*. */
export function putObject(
  this: S3Model,
  bucketName: string,
  key: string,
  body: Buffer | string,
  options: {
    contentType?: string;
    metadata?: Record<string, string>;
    ifMatch?: string;
    ifNoneMatch?: string;
    reason?: string;
    requestId?: string;
    /** ETag to record instead of the body's MD5 (multipart uploads). */
    etag?: string;
  } = {},
): S3ObjectVersion {
  const bucket = this.bucket(bucketName);
  const current = this.currentObject(bucketName, key);
  if (options.ifNoneMatch !== undefined) {
    if (options.ifNoneMatch.trim() !== '*') {
      throw new AwsError('NotImplemented', 'If-None-Match only supports *', { statusCode: 501 });
    }
    if (current) throw preconditionFailed('If-None-Match');
  }
  if (options.ifMatch !== undefined) {
    if (!current) throw noSuchKey(key);
    if (!etagMatches(options.ifMatch, current.etag)) throw preconditionFailed('If-Match');
  }
  const data = typeof body === 'string' ? Buffer.from(body) : body;
  const version: S3ObjectVersion = {
    key,
    versionId: bucket.versioning === 'Enabled' ? newVersionId() : 'null',
    body: data,
    etag: options.etag ?? `"${createHash('md5').update(data).digest('hex')}"`,
    lastModified: this.cloud.clock.date(),
    contentType: options.contentType ?? 'binary/octet-stream',
    metadata: { ...options.metadata },
    deleteMarker: false,
    sequencer: this.nextSequencer(),
  };
  this.store(bucket, version);
  if (bucket.eventBridge) {
    this.emitObjectEvent(
      bucketName,
      'Object Created',
      {
        key,
        size: data.length,
        etag: version.etag.replace(/"/g, ''),
        ...(bucket.versioning ? { 'version-id': version.versionId } : {}),
        sequencer: version.sequencer,
      },
      { reason: options.reason ?? 'PutObject', requestId: options.requestId },
    );
  }
  return version;
}

/** Reads an object (latest, or a given version). */
export function getObject(
  this: S3Model,
  bucketName: string,
  key: string,
  versionId?: string,
): S3ObjectVersion {
  const versions = this.bucket(bucketName).objects.get(key);
  if (versionId !== undefined) {
    const v = versions?.find((x) => x.versionId === versionId);
    if (!v) {
      throw new AwsError('NoSuchVersion', 'The specified version does not exist.', {
        statusCode: 404,
        fields: { Key: key, VersionId: versionId },
      });
    }
    if (v.deleteMarker)
      throw new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', {
        statusCode: 405,
      });
    return v;
  }
  const current = this.currentObject(bucketName, key);
  if (!current) throw noSuchKey(key);
  return current;
}

/** Reads an object by URL: `s3://b/k`, `https://b.s3[.region].amazonaws.com/k`, `https://s3[.region].amazonaws.com/b/k`, `http://127.0.0.1:port/b/k`. */
export function getObjectByUrl(this: S3Model, url: string): S3ObjectVersion {
  const { bucket, key, versionId } = parseS3Url(url);
  return this.getObject(bucket, key, versionId);
}

/** Deletes an object (a delete marker in versioned buckets); emits *Object Deleted*. */
export function deleteObject(
  this: S3Model,
  bucketName: string,
  key: string,
  versionId?: string,
): { versionId?: string; deleteMarker: boolean } {
  const bucket = this.bucket(bucketName);
  const versions = bucket.objects.get(key) ?? [];
  let result: { versionId?: string; deleteMarker: boolean };
  let deletionType: string;
  if (versionId !== undefined) {
    const i = versions.findIndex((v) => v.versionId === versionId);
    const removed = i >= 0 ? versions.splice(i, 1)[0] : undefined;
    if (versions.length === 0) bucket.objects.delete(key);
    result = { versionId, deleteMarker: removed?.deleteMarker ?? false };
    deletionType = 'Permanently Deleted';
  } else if (bucket.versioning) {
    const marker: S3ObjectVersion = {
      key,
      versionId: bucket.versioning === 'Enabled' ? newVersionId() : 'null',
      body: Buffer.alloc(0),
      etag: '',
      lastModified: this.cloud.clock.date(),
      contentType: '',
      metadata: {},
      deleteMarker: true,
      sequencer: this.nextSequencer(),
    };
    this.store(bucket, marker);
    result = { versionId: marker.versionId, deleteMarker: true };
    deletionType = 'Delete Marker Created';
  } else {
    bucket.objects.delete(key);
    result = { deleteMarker: false };
    deletionType = 'Permanently Deleted';
  }
  if (bucket.eventBridge) {
    this.emitObjectEvent(
      bucketName,
      'Object Deleted',
      {
        key,
        ...(result.versionId ? { 'version-id': result.versionId } : {}),
        sequencer: this.nextSequencer(),
      },
      { reason: 'DeleteObject', deletionType },
    );
  }
  return result;
}

/** An object event on the default bus, shaped as S3's EventBridge notifications. */
export function emitObjectEvent(
  this: S3Model,
  bucketName: string,
  detailType: 'Object Created' | 'Object Deleted',
  object: Record<string, unknown>,
  how: { reason: string; requestId?: string | undefined; deletionType?: string },
): void {
  this.cloud.eventBus.emit({
    source: 'aws.s3',
    detailType,
    resources: [`arn:aws:s3:::${bucketName}`],
    detail: {
      version: '0',
      bucket: { name: bucketName },
      object,
      'request-id': how.requestId ?? randomBytes(8).toString('hex').toUpperCase(),
      requester: this.cloud.accountId,
      'source-ip-address': '127.0.0.1',
      reason: how.reason,
      ...(how.deletionType ? { 'deletion-type': how.deletionType } : {}),
    },
  });
}

export function store(this: S3Model, bucket: S3Bucket, version: S3ObjectVersion): void {
  const versions = bucket.objects.get(version.key) ?? [];
  if (version.versionId === 'null') {
    const i = versions.findIndex((v) => v.versionId === 'null');
    if (i >= 0) versions.splice(i, 1);
  }
  versions.push(version);
  bucket.objects.set(version.key, versions);
}

export function nextSequencer(this: S3Model): string {
  this.sequence += 1n;
  return this.sequence.toString(16).toUpperCase().padStart(16, '0');
}

export function upload(this: S3Model, uploadId: string | null, bucket: string, key: string) {
  const upload = uploadId ? this.uploads.get(uploadId) : undefined;
  if (!upload || upload.bucket !== bucket || upload.key !== key) {
    throw new AwsError(
      'NoSuchUpload',
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      { statusCode: 404, fields: { UploadId: uploadId ?? '' } },
    );
  }
  return upload;
}
