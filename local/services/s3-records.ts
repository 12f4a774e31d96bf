/**
 * The shapes the local S3 keeps (buckets, object versions, stored bucket configuration) and the
 * restXml helpers every S3 job writes responses with. Its own module so the job modules (buckets,
 * objects, listings, HTTP routing) read them without importing the model class.
 */
import type { HttpResponse } from '../kernel.ts';

export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

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
export const STORED_CONFIG: Record<string, string> = {
  encryption: 'ServerSideEncryptionConfigurationNotFoundError',
  policy: 'NoSuchBucketPolicy',
  publicAccessBlock: 'NoSuchPublicAccessBlockConfiguration',
  lifecycle: 'NoSuchLifecycleConfiguration',
  ownershipControls: 'OwnershipControlsNotFoundError',
  cors: 'NoSuchCORSConfiguration',
};

export function xml(body: string, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/xml', ...headers },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
  };
}

export function xmlUnescape(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
