import { createHash, randomBytes } from 'node:crypto';
import {
  bucketNameProblem,
  regionOfLocationConstraint,
  S3_LOCATION_CONSTRAINTS,
} from '#shared/aws-rules/s3.ts';
import { AwsError } from '../errors.ts';
import type { HttpRequest, HttpResponse, LocalCloud, RequestContext, ServiceDefinition } from '../kernel.ts';
import { xmlEscape, xmlIllegalCharacter } from '../protocols/query.ts';
import { type BucketPolicy, bucketPolicyDenies, objectAction } from './s3-policy.ts';

const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export interface S3ObjectVersion {
  key: string;
  versionId: string;
  body: Buffer;
  etag: string;
  lastModified: Date;
  contentType: string;
  metadata: Record<string, string>;
  deleteMarker: boolean;
  sequencer: string;
}

export interface S3Bucket {
  name: string;
  createdAt: Date;
  versioning: 'Enabled' | 'Suspended' | undefined;
  eventBridge: boolean;
  /** Versions per key, oldest first. */
  objects: Map<string, S3ObjectVersion[]>;
  tags: Record<string, string>;
  /** Bucket configuration stored as sent (encryption, policy, public access block, ...). */
  config: Map<string, string>;
  /** LocationConstraint as created (undefined: us-east-1); GetBucketLocation answers it. */
  locationConstraint?: string;
}

/** Stored bucket sub-resources that round-trip as sent. */
const STORED_CONFIG: Record<string, string> = {
  encryption: 'ServerSideEncryptionConfigurationNotFoundError',
  policy: 'NoSuchBucketPolicy',
  publicAccessBlock: 'NoSuchPublicAccessBlockConfiguration',
  lifecycle: 'NoSuchLifecycleConfiguration',
  ownershipControls: 'OwnershipControlsNotFoundError',
  cors: 'NoSuchCORSConfiguration',
};

/**
 * S3 (restXml, path-style): buckets, objects with versions, conditional writes, and
 * EventBridge notifications (*Object Created* / *Object Deleted*).
 */
export class S3Model {
  readonly #cloud: LocalCloud;
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
  #sequence = 0n;

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
  }

  /** The wire definition registered with the kernel. */
  definition(): ServiceDefinition {
    return { protocol: 'restXml', operations: {}, http: (req, ctx) => this.#http(req, ctx) };
  }

  // ---- model methods ---------------------------------------------------------------------

  /** Creates a bucket (BucketAlreadyOwnedByYou if it exists). */
  createBucket(
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
      createdAt: this.#cloud.clock.date(),
      versioning: options.versioning ? 'Enabled' : undefined,
      eventBridge: options.eventBridge ?? false,
      objects: new Map(),
      tags: { ...options.tags },
      config: new Map(),
      locationConstraint:
        options.locationConstraint ?? (this.#cloud.region === 'us-east-1' ? undefined : this.#cloud.region),
    };
    this.buckets.set(name, bucket);
    return bucket;
  }

  /** The bucket, or NoSuchBucket. */
  bucket(name: string): S3Bucket {
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
  deleteBucket(name: string, options: { force?: boolean } = {}): void {
    const b = this.bucket(name);
    if (!options.force && b.objects.size > 0) {
      throw new AwsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', {
        statusCode: 409,
        fields: { BucketName: name },
      });
    }
    this.buckets.delete(name);
  }

  setVersioning(name: string, status: 'Enabled' | 'Suspended'): void {
    this.bucket(name).versioning = status;
  }

  /** Turns EventBridge notifications on or off (NotificationConfiguration.EventBridgeConfiguration). */
  setEventBridge(name: string, enabled: boolean): void {
    this.bucket(name).eventBridge = enabled;
  }

  /** Latest version of a key (undefined when absent or a delete marker). */
  currentObject(bucket: string, key: string): S3ObjectVersion | undefined {
    const versions = this.bucket(bucket).objects.get(key);
    const latest = versions?.[versions.length - 1];
    return latest && !latest.deleteMarker ? latest : undefined;
  }

  /** Writes an object, honouring If-Match / If-None-Match; emits *Object Created*. */
  putObject(
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
      lastModified: this.#cloud.clock.date(),
      contentType: options.contentType ?? 'binary/octet-stream',
      metadata: { ...options.metadata },
      deleteMarker: false,
      sequencer: this.#nextSequencer(),
    };
    this.#store(bucket, version);
    if (bucket.eventBridge) {
      this.#emitObjectEvent(
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
  getObject(bucketName: string, key: string, versionId?: string): S3ObjectVersion {
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
  getObjectByUrl(url: string): S3ObjectVersion {
    const { bucket, key, versionId } = parseS3Url(url);
    return this.getObject(bucket, key, versionId);
  }

  /** Deletes an object (a delete marker in versioned buckets); emits *Object Deleted*. */
  deleteObject(
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
        lastModified: this.#cloud.clock.date(),
        contentType: '',
        metadata: {},
        deleteMarker: true,
        sequencer: this.#nextSequencer(),
      };
      this.#store(bucket, marker);
      result = { versionId: marker.versionId, deleteMarker: true };
      deletionType = 'Delete Marker Created';
    } else {
      bucket.objects.delete(key);
      result = { deleteMarker: false };
      deletionType = 'Permanently Deleted';
    }
    if (bucket.eventBridge) {
      this.#emitObjectEvent(
        bucketName,
        'Object Deleted',
        {
          key,
          ...(result.versionId ? { 'version-id': result.versionId } : {}),
          sequencer: this.#nextSequencer(),
        },
        { reason: 'DeleteObject', deletionType },
      );
    }
    return result;
  }

  /** An object event on the default bus, shaped as S3's EventBridge notifications. */
  #emitObjectEvent(
    bucketName: string,
    detailType: 'Object Created' | 'Object Deleted',
    object: Record<string, unknown>,
    how: { reason: string; requestId?: string | undefined; deletionType?: string },
  ): void {
    this.#cloud.eventBus.emit({
      source: 'aws.s3',
      detailType,
      resources: [`arn:aws:s3:::${bucketName}`],
      detail: {
        version: '0',
        bucket: { name: bucketName },
        object,
        'request-id': how.requestId ?? randomBytes(8).toString('hex').toUpperCase(),
        requester: this.#cloud.accountId,
        'source-ip-address': '127.0.0.1',
        reason: how.reason,
        ...(how.deletionType ? { 'deletion-type': how.deletionType } : {}),
      },
    });
  }

  #store(bucket: S3Bucket, version: S3ObjectVersion): void {
    const versions = bucket.objects.get(version.key) ?? [];
    if (version.versionId === 'null') {
      const i = versions.findIndex((v) => v.versionId === 'null');
      if (i >= 0) versions.splice(i, 1);
    }
    versions.push(version);
    bucket.objects.set(version.key, versions);
  }

  #nextSequencer(): string {
    this.#sequence += 1n;
    return this.#sequence.toString(16).toUpperCase().padStart(16, '0');
  }

  // ---- HTTP ------------------------------------------------------------------------------

  async #http(req: HttpRequest, ctx: RequestContext): Promise<HttpResponse> {
    const path = req.path;
    const slash = path.indexOf('/', 1);
    const bucket = decodeURIComponent(slash < 0 ? path.slice(1) : path.slice(1, slash));
    const key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
    const q = req.query;
    ctx.operation = operationName(req.method, bucket, key, q, req.headers);
    try {
      if (this.#cloud.faults.takeThrottle('s3', ctx.operation)) {
        throw new AwsError('SlowDown', 'Please reduce your request rate.', { statusCode: 503 });
      }
      await this.#enforceBucketPolicy(ctx.operation, bucket, key, req);
      return this.#route(ctx.operation, bucket, key, req, ctx);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      const headers = { 'Content-Type': 'application/xml', 'x-amz-request-id': ctx.requestId };
      if (req.method === 'HEAD') return { statusCode: error.statusCode, headers };
      const fields = Object.entries(error.fields)
        .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
        .join('');
      return {
        statusCode: error.statusCode,
        headers,
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message>${fields}<RequestId>${ctx.requestId}</RequestId></Error>`,
      };
    }
  }

  /**
   * CreateBucket over the wire, as a region-specific endpoint of this cloud's region answers it
   * (API_CreateBucket): outside us-east-1 the LocationConstraint must name this region; in
   * us-east-1 it must be absent (`us-east-1` itself is not a valid constraint), and re-creating a
   * bucket you own there answers 200 OK.
   */
  #createBucketRequest(bucketName: string, req: HttpRequest): HttpResponse {
    const body = req.body.toString('utf8');
    const match = /<LocationConstraint>([^<]*)<\/LocationConstraint>/.exec(body);
    const constraint = match ? xmlUnescape(match[1]!.trim()) : undefined;
    const region = this.#cloud.region;
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

  /**
   * An explicit Deny of the bucket's policy refuses the object operation with 403 AccessDenied,
   * whoever the caller is (local/services/s3-policy.ts). DeleteObjects is refused as a whole when
   * any of its keys is denied (AWS reports such keys one by one in the result: stricter here).
   */
  async #enforceBucketPolicy(
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
    const principal = this.#cloud.principalOf(req);
    for (const k of keys) {
      const denied = await bucketPolicyDenies(JSON.parse(text) as BucketPolicy, {
        principal,
        action,
        bucket: bucketName,
        key: k,
        accountId: this.#cloud.accountId,
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
  setBucketPolicy(name: string, policy: BucketPolicy | undefined): void {
    const bucket = this.bucket(name);
    if (policy === undefined) bucket.config.delete('policy');
    else bucket.config.set('policy', JSON.stringify(policy));
  }

  #route(
    operation: string,
    bucketName: string,
    key: string,
    req: HttpRequest,
    ctx: RequestContext,
  ): HttpResponse {
    const q = req.query;
    const h = req.headers;
    const header = (name: string) => {
      const v = h[name];
      return Array.isArray(v) ? v[0] : v;
    };
    switch (operation) {
      case 'ListBuckets':
        return xml(
          `<ListAllMyBucketsResult xmlns="${S3_NS}"><Owner><ID>${this.#cloud.accountId}</ID><DisplayName>local</DisplayName></Owner><Buckets>${[
            ...this.buckets.values(),
          ]
            .sort((a, b) => a.name.localeCompare(b.name))
            .map(
              (b) =>
                `<Bucket><Name>${b.name}</Name><CreationDate>${b.createdAt.toISOString()}</CreationDate></Bucket>`,
            )
            .join('')}</Buckets></ListAllMyBucketsResult>`,
        );
      case 'CreateBucket':
        return this.#createBucketRequest(bucketName, req);
      case 'HeadBucket':
        this.bucket(bucketName);
        return { statusCode: 200, headers: { 'x-amz-bucket-region': this.#cloud.region } };
      case 'DeleteBucket':
        this.deleteBucket(bucketName);
        return { statusCode: 204 };
      case 'GetBucketLocation': {
        // us-east-1 buckets answer an empty LocationConstraint (API_GetBucketLocation).
        const location = this.bucket(bucketName).locationConstraint ?? '';
        return xml(`<LocationConstraint xmlns="${S3_NS}">${location}</LocationConstraint>`);
      }
      case 'PutBucketVersioning': {
        const status = /<Status>(Enabled|Suspended)<\/Status>/.exec(req.body.toString('utf8'))?.[1];
        if (!status) throw new AwsError('MalformedXML', 'The XML you provided was not well-formed.');
        this.setVersioning(bucketName, status as 'Enabled' | 'Suspended');
        return { statusCode: 200 };
      }
      case 'GetBucketVersioning': {
        const b = this.bucket(bucketName);
        return xml(
          `<VersioningConfiguration xmlns="${S3_NS}">${b.versioning ? `<Status>${b.versioning}</Status>` : ''}</VersioningConfiguration>`,
        );
      }
      case 'PutBucketNotificationConfiguration':
        this.setEventBridge(bucketName, /<EventBridgeConfiguration\s*\/?>/.test(req.body.toString('utf8')));
        return { statusCode: 200 };
      case 'GetBucketNotificationConfiguration': {
        const b = this.bucket(bucketName);
        return xml(
          `<NotificationConfiguration xmlns="${S3_NS}">${b.eventBridge ? '<EventBridgeConfiguration></EventBridgeConfiguration>' : ''}</NotificationConfiguration>`,
        );
      }
      case 'PutBucketTagging': {
        const b = this.bucket(bucketName);
        b.tags = Object.fromEntries(
          [...req.body.toString('utf8').matchAll(/<Tag><Key>(.*?)<\/Key><Value>(.*?)<\/Value><\/Tag>/gs)].map(
            (m) => [xmlUnescape(m[1]!), xmlUnescape(m[2]!)],
          ),
        );
        return { statusCode: 204 };
      }
      case 'GetBucketTagging': {
        const b = this.bucket(bucketName);
        if (Object.keys(b.tags).length === 0) {
          throw new AwsError('NoSuchTagSet', 'The TagSet does not exist', {
            statusCode: 404,
            fields: { BucketName: bucketName },
          });
        }
        return xml(
          `<Tagging xmlns="${S3_NS}"><TagSet>${Object.entries(b.tags)
            .map(([k, v]) => `<Tag><Key>${xmlEscape(k)}</Key><Value>${xmlEscape(v)}</Value></Tag>`)
            .join('')}</TagSet></Tagging>`,
        );
      }
      case 'DeleteBucketTagging':
        this.bucket(bucketName).tags = {};
        return { statusCode: 204 };
      case 'ListObjectsV2':
      case 'ListObjects':
        return this.#listObjects(bucketName, q, operation === 'ListObjectsV2');
      case 'ListObjectVersions':
        return this.#listVersions(bucketName, q);
      case 'DeleteObjects':
        return this.#deleteObjects(bucketName, req.body.toString('utf8'));
      case 'PutObject':
      case 'CopyObject': {
        const metadata: Record<string, string> = {};
        for (const [k, v] of Object.entries(h))
          if (k.startsWith('x-amz-meta-')) metadata[k.slice(11)] = String(v);
        let body = req.body;
        let contentType = header('content-type');
        if (operation === 'CopyObject') {
          const source = decodeURIComponent(String(header('x-amz-copy-source')).split('?')[0]!).replace(
            /^\//,
            '',
          );
          const [srcBucket = '', ...rest] = source.split('/');
          const versionMatch = /versionId=([^&]+)/.exec(String(header('x-amz-copy-source')));
          const src = this.getObject(srcBucket, rest.join('/'), versionMatch?.[1]);
          body = src.body;
          contentType ??= src.contentType;
        }
        const v = this.putObject(bucketName, key, body, {
          contentType,
          metadata,
          ifMatch: header('if-match'),
          ifNoneMatch: header('if-none-match'),
          reason: operation,
          requestId: ctx.requestId,
        });
        const headers: Record<string, string> = { 'x-amz-server-side-encryption': 'AES256' };
        if (this.bucket(bucketName).versioning) headers['x-amz-version-id'] = v.versionId;
        if (operation === 'CopyObject') {
          return xml(
            `<CopyObjectResult xmlns="${S3_NS}"><LastModified>${v.lastModified.toISOString()}</LastModified><ETag>${xmlEscape(v.etag)}</ETag></CopyObjectResult>`,
            headers,
          );
        }
        return { statusCode: 200, headers: { ...headers, ETag: v.etag } };
      }
      case 'GetObject':
      case 'HeadObject': {
        const v = this.getObject(bucketName, key, q.get('versionId') ?? undefined);
        const ifMatch = header('if-match');
        const ifNoneMatch = header('if-none-match');
        if (ifMatch !== undefined && !etagMatches(ifMatch, v.etag)) throw preconditionFailed('If-Match');
        const headers: Record<string, string> = {
          'Content-Type': v.contentType,
          'Content-Length': String(v.body.length),
          ETag: v.etag,
          'Last-Modified': v.lastModified.toUTCString(),
          'x-amz-server-side-encryption': 'AES256',
          'Accept-Ranges': 'bytes',
        };
        if (this.bucket(bucketName).versioning) headers['x-amz-version-id'] = v.versionId;
        for (const [k, val] of Object.entries(v.metadata)) headers[`x-amz-meta-${k}`] = val;
        if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, v.etag)) {
          return { statusCode: 304, headers: { ETag: v.etag } };
        }
        const range = /^bytes=(\d*)-(\d*)$/.exec(header('range') ?? '');
        if (range && (range[1] || range[2])) {
          const size = v.body.length;
          const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
          const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
          if (start >= size || start > end) {
            throw new AwsError('InvalidRange', 'The requested range is not satisfiable', {
              statusCode: 416,
              fields: { RangeRequested: String(header('range')), ActualObjectSize: String(size) },
            });
          }
          const part = v.body.subarray(start, end + 1);
          headers['Content-Length'] = String(part.length);
          headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
          return { statusCode: 206, headers, body: operation === 'GetObject' ? part : undefined };
        }
        return { statusCode: 200, headers, body: operation === 'GetObject' ? v.body : undefined };
      }
      case 'CreateMultipartUpload': {
        this.bucket(bucketName);
        const uploadId = randomBytes(24).toString('base64url');
        const metadata: Record<string, string> = {};
        for (const [k, v] of Object.entries(h))
          if (k.startsWith('x-amz-meta-')) metadata[k.slice(11)] = String(v);
        this.uploads.set(uploadId, {
          bucket: bucketName,
          key,
          contentType: header('content-type'),
          metadata,
          parts: new Map(),
        });
        return xml(
          `<InitiateMultipartUploadResult xmlns="${S3_NS}"><Bucket>${bucketName}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
        );
      }
      case 'UploadPart': {
        const upload = this.#upload(q.get('uploadId'), bucketName, key);
        const n = Number(q.get('partNumber'));
        if (!Number.isInteger(n) || n < 1 || n > 10_000) {
          throw new AwsError(
            'InvalidArgument',
            'Part number must be an integer between 1 and 10000, inclusive',
          );
        }
        upload.parts.set(n, req.body);
        return {
          statusCode: 200,
          headers: { ETag: `"${createHash('md5').update(req.body).digest('hex')}"` },
        };
      }
      case 'CompleteMultipartUpload': {
        const uploadId = q.get('uploadId');
        const upload = this.#upload(uploadId, bucketName, key);
        const listed = [...req.body.toString('utf8').matchAll(/<Part>(.*?)<\/Part>/gs)].map((m) => ({
          n: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1]!)?.[1]),
          etag: /<ETag>(.*?)<\/ETag>/s.exec(m[1]!)?.[1]?.replace(/&quot;|"/g, '') ?? '',
        }));
        if (listed.length === 0)
          throw new AwsError('MalformedXML', 'The XML you provided was not well-formed.');
        const chunks: Buffer[] = [];
        const digests: Buffer[] = [];
        listed.forEach((p, i) => {
          const part = upload.parts.get(p.n);
          const md5 = part ? createHash('md5').update(part).digest() : undefined;
          if (!part || md5!.toString('hex') !== p.etag) {
            throw new AwsError('InvalidPart', 'One or more of the specified parts could not be found.');
          }
          if (i > 0 && listed[i - 1]!.n >= p.n)
            throw new AwsError('InvalidPartOrder', 'The list of parts was not in ascending order.');
          if (i < listed.length - 1 && part.length < 5 * 1024 * 1024) {
            throw new AwsError(
              'EntityTooSmall',
              'Your proposed upload is smaller than the minimum allowed object size.',
            );
          }
          chunks.push(part);
          digests.push(md5!);
        });
        const etag = `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${listed.length}"`;
        const v = this.putObject(bucketName, key, Buffer.concat(chunks), {
          contentType: upload.contentType,
          metadata: upload.metadata,
          ifMatch: header('if-match'),
          ifNoneMatch: header('if-none-match'),
          reason: 'CompleteMultipartUpload',
          requestId: ctx.requestId,
          etag,
        });
        this.uploads.delete(uploadId!);
        const headers: Record<string, string> = { 'x-amz-server-side-encryption': 'AES256' };
        if (this.bucket(bucketName).versioning) headers['x-amz-version-id'] = v.versionId;
        return xml(
          `<CompleteMultipartUploadResult xmlns="${S3_NS}"><Location>/${bucketName}/${xmlEscape(key)}</Location><Bucket>${bucketName}</Bucket><Key>${xmlEscape(key)}</Key><ETag>${xmlEscape(etag)}</ETag></CompleteMultipartUploadResult>`,
          headers,
        );
      }
      case 'AbortMultipartUpload':
        this.#upload(q.get('uploadId'), bucketName, key);
        this.uploads.delete(q.get('uploadId')!);
        return { statusCode: 204 };
      case 'DeleteObject': {
        this.bucket(bucketName);
        const r = this.deleteObject(bucketName, key, q.get('versionId') ?? undefined);
        const headers: Record<string, string> = {};
        if (r.versionId) headers['x-amz-version-id'] = r.versionId;
        if (r.deleteMarker) headers['x-amz-delete-marker'] = 'true';
        return { statusCode: 204, headers };
      }
      default: {
        const sub = Object.keys(STORED_CONFIG).find((s) => q.has(s));
        if (sub && ['PUT', 'GET', 'DELETE'].includes(req.method)) {
          const b = this.bucket(bucketName);
          if (req.method === 'PUT') {
            b.config.set(sub, req.body.toString('utf8'));
            return { statusCode: 200 };
          }
          if (req.method === 'DELETE') {
            b.config.delete(sub);
            return { statusCode: 204 };
          }
          const stored = b.config.get(sub);
          if (stored === undefined) {
            throw new AwsError(STORED_CONFIG[sub]!, `The ${sub} configuration does not exist`, {
              statusCode: 404,
            });
          }
          return sub === 'policy'
            ? { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: stored }
            : xml(stored.replace(/^<\?xml[^>]*>\s*/, ''));
        }
        throw new AwsError('NotImplemented', `The local cloud does not implement S3 ${operation}.`, {
          statusCode: 501,
        });
      }
    }
  }

  #upload(uploadId: string | null, bucket: string, key: string) {
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

  #listObjects(bucketName: string, q: URLSearchParams, v2: boolean): HttpResponse {
    const bucket = this.bucket(bucketName);
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const maxKeys = Math.min(Number(q.get('max-keys') ?? 1000), 1000);
    const after = v2
      ? q.get('continuation-token')
        ? Buffer.from(q.get('continuation-token')!, 'base64url').toString('utf8')
        : (q.get('start-after') ?? '')
      : (q.get('marker') ?? '');
    const keys = [...bucket.objects.keys()]
      .filter((k) => k.startsWith(prefix) && k > after && this.currentObject(bucketName, k))
      .sort();
    const contents: S3ObjectVersion[] = [];
    const prefixes = new Set<string>();
    let truncated = false;
    let last = '';
    for (const k of keys) {
      if (contents.length + prefixes.size >= maxKeys) {
        truncated = true;
        break;
      }
      if (delimiter) {
        const i = k.indexOf(delimiter, prefix.length);
        if (i >= 0) {
          const p = k.slice(0, i + delimiter.length);
          if (!prefixes.has(p)) prefixes.add(p);
          last = k;
          continue;
        }
      }
      contents.push(this.currentObject(bucketName, k)!);
      last = k;
    }
    const text = listingText(q, [prefix, delimiter, after, ...keys]);
    const items = contents
      .map(
        (o) =>
          `<Contents><Key>${text(o.key)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xmlEscape(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      )
      .join('');
    const common = [...prefixes]
      .map((p) => `<CommonPrefixes><Prefix>${text(p)}</Prefix></CommonPrefixes>`)
      .join('');
    const paging = v2
      ? `<KeyCount>${contents.length + prefixes.size}</KeyCount>${truncated ? `<NextContinuationToken>${Buffer.from(last).toString('base64url')}</NextContinuationToken>` : ''}${q.get('continuation-token') ? `<ContinuationToken>${xmlEscape(q.get('continuation-token')!)}</ContinuationToken>` : ''}`
      : `<Marker>${text(after)}</Marker>${truncated ? `<NextMarker>${text(last)}</NextMarker>` : ''}`;
    return xml(
      `<ListBucketResult xmlns="${S3_NS}"><Name>${bucketName}</Name><Prefix>${text(prefix)}</Prefix>${delimiter ? `<Delimiter>${text(delimiter)}</Delimiter>` : ''}${encodingType(q)}<MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${paging}${items}${common}</ListBucketResult>`,
    );
  }

  #listVersions(bucketName: string, q: URLSearchParams): HttpResponse {
    const bucket = this.bucket(bucketName);
    const prefix = q.get('prefix') ?? '';
    const entries: string[] = [];
    const keys = [...bucket.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    const text = listingText(q, [prefix, ...keys]);
    for (const key of keys) {
      const versions = bucket.objects.get(key)!;
      for (let i = versions.length - 1; i >= 0; i--) {
        const v = versions[i]!;
        const latest = i === versions.length - 1;
        entries.push(
          v.deleteMarker
            ? `<DeleteMarker><Key>${text(key)}</Key><VersionId>${v.versionId}</VersionId><IsLatest>${latest}</IsLatest><LastModified>${v.lastModified.toISOString()}</LastModified></DeleteMarker>`
            : `<Version><Key>${text(key)}</Key><VersionId>${v.versionId}</VersionId><IsLatest>${latest}</IsLatest><LastModified>${v.lastModified.toISOString()}</LastModified><ETag>${xmlEscape(v.etag)}</ETag><Size>${v.body.length}</Size><StorageClass>STANDARD</StorageClass></Version>`,
        );
      }
    }
    return xml(
      `<ListVersionsResult xmlns="${S3_NS}"><Name>${bucketName}</Name><Prefix>${text(prefix)}</Prefix>${encodingType(q)}<KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${entries.join('')}</ListVersionsResult>`,
    );
  }

  #deleteObjects(bucketName: string, body: string): HttpResponse {
    this.bucket(bucketName);
    const out: string[] = [];
    for (const m of body.matchAll(/<Object>(.*?)<\/Object>/gs)) {
      const key = xmlUnescape(/<Key>(.*?)<\/Key>/s.exec(m[1]!)?.[1] ?? '');
      const versionId = /<VersionId>(.*?)<\/VersionId>/s.exec(m[1]!)?.[1];
      const r = this.deleteObject(bucketName, key, versionId);
      out.push(
        `<Deleted><Key>${xmlEscape(key)}</Key>${versionId ? `<VersionId>${versionId}</VersionId>` : ''}${r.deleteMarker ? `<DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>${r.versionId}</DeleteMarkerVersionId>` : ''}</Deleted>`,
      );
    }
    return xml(`<DeleteResult xmlns="${S3_NS}">${out.join('')}</DeleteResult>`);
  }
}

/**
 * How a listing writes keys: URL-encoded with `encoding-type=url` (as S3 does; the AWS CLI always
 * asks for it), else XML-escaped. A key XML 1.0 cannot carry is refused without `encoding-type=url`,
 * where S3 would send a character reference strict XML parsers reject.
 */
function listingText(q: URLSearchParams, values: string[]): (text: string) => string {
  if (q.get('encoding-type') === 'url') {
    return (text) => encodeURIComponent(text).replace(/%2F/g, '/').replace(/%20/g, '+');
  }
  for (const value of values) {
    const bad = xmlIllegalCharacter(value);
    if (bad !== undefined) {
      throw new AwsError(
        'InvalidArgument',
        `A key in this listing contains ${bad}, which XML 1.0 cannot carry; list with encoding-type=url.`,
        { fields: { ArgumentName: 'encoding-type', ArgumentValue: '' } },
      );
    }
  }
  return xmlEscape;
}

function encodingType(q: URLSearchParams): string {
  return q.get('encoding-type') === 'url' ? '<EncodingType>url</EncodingType>' : '';
}

function operationName(
  method: string,
  bucket: string,
  key: string,
  q: URLSearchParams,
  headers: HttpRequest['headers'],
): string {
  if (!bucket) return method === 'GET' ? 'ListBuckets' : 'Unknown';
  if (!key) {
    const sub: Record<string, string> = {
      versioning: 'BucketVersioning',
      notification: 'BucketNotificationConfiguration',
      tagging: 'BucketTagging',
    };
    for (const [param, name] of Object.entries(sub)) {
      if (q.has(param)) return `${method === 'PUT' ? 'Put' : method === 'DELETE' ? 'Delete' : 'Get'}${name}`;
    }
    if (method === 'GET' && q.has('location')) return 'GetBucketLocation';
    if (method === 'GET' && q.has('versions')) return 'ListObjectVersions';
    if (method === 'POST' && q.has('delete')) return 'DeleteObjects';
    if (Object.keys(STORED_CONFIG).some((s) => q.has(s))) return `${method} ?${[...q.keys()][0]}`;
    if (method === 'GET') return q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    if (method === 'PUT') return 'CreateBucket';
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'DELETE') return 'DeleteBucket';
    return 'Unknown';
  }
  if (method === 'POST' && q.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'PUT' && q.has('uploadId')) return 'UploadPart';
  if (method === 'POST' && q.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'DELETE' && q.has('uploadId')) return 'AbortMultipartUpload';
  if (method === 'PUT') return headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
  if (method === 'GET') return 'GetObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'DELETE') return 'DeleteObject';
  return 'Unknown';
}

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

function xml(body: string, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/xml', ...headers },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
  };
}

function xmlUnescape(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function etagMatches(condition: string, etag: string): boolean {
  return condition
    .split(',')
    .map((c) => c.trim())
    .some((c) => c === '*' || c.replace(/"/g, '') === etag.replace(/"/g, ''));
}

function preconditionFailed(condition: string): AwsError {
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
