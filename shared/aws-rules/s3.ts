import { BucketLocationConstraint } from '@aws-sdk/client-s3';

/**
 * Amazon S3 bucket rules, copied from AWS's documentation (read 2026-12-07); the valid
 * LocationConstraint values come from the SDK's service model (`BucketLocationConstraint`).
 *
 * Sources:
 * - general purpose bucket naming rules:
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 * - CreateBucket: LocationConstraint, us-east-1 as the default, BucketAlreadyOwnedByYou (and the
 *   us-east-1 exception that answers 200 OK):
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
 * - conditional writes (If-None-Match `*`, If-Match ETag → 412; 409 ConditionalRequestConflict):
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
export const S3_READ_ON = '2026-12-07';

/** LocationConstraint values CreateBucket accepts (us-east-1 is never one: it is the absence). */
export const S3_LOCATION_CONSTRAINTS: ReadonlySet<string> = new Set(Object.values(BucketLocationConstraint));

const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/** Why AWS refuses a general purpose bucket name, or undefined when it accepts it. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'may hold only lowercase letters, digits, dots and hyphens';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must begin and end with a letter or digit';
  if (name.includes('..')) return 'must not hold two adjacent periods';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'must not be formatted as an IP address';
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `must not start with the reserved prefix ${prefix}`;
  const suffix = RESERVED_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix) return `must not end with the reserved suffix ${suffix}`;
  return undefined;
}

/** The region a LocationConstraint names (`EU` is the legacy name of eu-west-1; none is us-east-1). */
export function regionOfLocationConstraint(constraint: string | undefined): string {
  if (!constraint) return 'us-east-1';
  return constraint === 'EU' ? 'eu-west-1' : constraint;
}
