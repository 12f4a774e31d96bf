/**
 * S3 over HTTP (restXml, path-style): which operation a request is, S3's error body, and the route
 * from each operation to the model (multipart uploads included). Split from s3.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AwsError } from '../errors.ts';
import type { HttpRequest, HttpResponse, RequestContext } from '../kernel.ts';
import { xmlEscape } from '../protocols/query.ts';
import type { S3Model } from './s3.ts';
import { etagMatches, preconditionFailed } from './s3-objects.ts';
import { S3_NS, STORED_CONFIG, xml, xmlUnescape } from './s3-records.ts';

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

// ---- HTTP ------------------------------------------------------------------------------
export async function http(this: S3Model, req: HttpRequest, ctx: RequestContext): Promise<HttpResponse> {
  const path = req.path;
  const slash = path.indexOf('/', 1);
  const bucket = decodeURIComponent(slash < 0 ? path.slice(1) : path.slice(1, slash));
  const key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
  const q = req.query;
  ctx.operation = operationName(req.method, bucket, key, q, req.headers);
  try {
    if (this.cloud.faults.takeThrottle('s3', ctx.operation)) {
      throw new AwsError('SlowDown', 'Please reduce your request rate.', { statusCode: 503 });
    }
    await this.enforceBucketPolicy(ctx.operation, bucket, key, req);
    return this.route(ctx.operation, bucket, key, req, ctx);
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

export function route(
  this: S3Model,
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
        `<ListAllMyBucketsResult xmlns="${S3_NS}"><Owner><ID>${this.cloud.accountId}</ID><DisplayName>local</DisplayName></Owner><Buckets>${[
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
      return this.createBucketRequest(bucketName, req);
    case 'HeadBucket':
      this.bucket(bucketName);
      return { statusCode: 200, headers: { 'x-amz-bucket-region': this.cloud.region } };
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
      return this.listObjects(bucketName, q, operation === 'ListObjectsV2');
    case 'ListObjectVersions':
      return this.listVersions(bucketName, q);
    case 'DeleteObjects':
      return this.deleteObjects(bucketName, req.body.toString('utf8'));
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
      const upload = this.upload(q.get('uploadId'), bucketName, key);
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
      const upload = this.upload(uploadId, bucketName, key);
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
      this.upload(q.get('uploadId'), bucketName, key);
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
