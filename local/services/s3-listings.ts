/**
 * S3 listings (ListObjectsV2, ListObjectVersions) with their encoding-type rules, and
 * DeleteObjects. Split from s3.ts.
 */
import { AwsError } from '../errors.ts';
import type { HttpResponse } from '../kernel.ts';
import { xmlEscape, xmlIllegalCharacter } from '../protocols/query.ts';
import type { S3Model } from './s3.ts';
import type { S3ObjectVersion } from './s3-records.ts';
import { S3_NS, xml, xmlUnescape } from './s3-records.ts';

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

export function listObjects(
  this: S3Model,
  bucketName: string,
  q: URLSearchParams,
  v2: boolean,
): HttpResponse {
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

export function listVersions(this: S3Model, bucketName: string, q: URLSearchParams): HttpResponse {
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

export function deleteObjects(this: S3Model, bucketName: string, body: string): HttpResponse {
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
