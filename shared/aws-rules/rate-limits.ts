/**
 * AWS account limits on request rates and concurrency that many projects provisioning at once
 * approach (issue 17, item 5). ONE place: bench/scale.bench.ts measures stackdrop against them and
 * docs/local-cloud.md lists them. Values for eu-west-1, the local cloud's Region.
 *
 * Read 2026-12-07 from:
 * - Step Functions service quotas: https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 *   (StartExecution, StateTransition and the "other quotas" API buckets; US East (N. Virginia),
 *   US West (Oregon) and Europe (Ireland) have the larger buckets listed here)
 * - Lambda concurrent executions: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 * - S3 request rates: https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html
 * - CloudFormation: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
 */

export const RATE_LIMITS_READ_ON = '2026-12-07';

const SFN = 'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html';

/** A token bucket: `bucket` requests at once, refilled at `refillPerSecond`. */
export interface TokenBucketLimit {
  kind: 'token-bucket';
  name: string;
  bucket: number;
  refillPerSecond: number;
  /** The error a throttled caller receives. */
  error: string;
  source: string;
}

/** A ceiling on how many exist or run at once. */
export interface CeilingLimit {
  kind: 'ceiling';
  name: string;
  value: number;
  quotaCode?: string;
  error: string;
  source: string;
}

export const RATE_LIMITS = {
  sfnStartExecution: {
    kind: 'token-bucket',
    name: 'Step Functions StartExecution (Standard)',
    bucket: 1300,
    refillPerSecond: 300,
    error: 'ThrottlingException',
    source: SFN,
  },
  sfnStateTransition: {
    kind: 'token-bucket',
    name: 'Step Functions StateTransition (Standard)',
    bucket: 5000,
    refillPerSecond: 1500,
    error: 'ThrottlingException (ExecutionThrottled metric)',
    source: SFN,
  },
  sfnDescribeExecution: {
    kind: 'token-bucket',
    name: 'Step Functions DescribeExecution',
    bucket: 300,
    refillPerSecond: 15,
    error: 'ThrottlingException',
    source: SFN,
  },
  sfnSendTaskSuccess: {
    kind: 'token-bucket',
    name: 'Step Functions SendTaskSuccess',
    bucket: 3000,
    refillPerSecond: 500,
    error: 'ThrottlingException',
    source: SFN,
  },
  sfnOpenExecutions: {
    kind: 'ceiling',
    name: 'Step Functions open executions (Standard)',
    value: 1_000_000,
    error: 'ExecutionLimitExceeded',
    source: SFN,
  },
  lambdaConcurrency: {
    kind: 'ceiling',
    name: 'Lambda concurrent executions',
    value: 1000,
    quotaCode: 'L-B99A9384',
    error: 'TooManyRequestsException (429)',
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
  },
  s3PrefixWrites: {
    kind: 'token-bucket',
    name: 'S3 PUT/COPY/POST/DELETE per partitioned prefix',
    bucket: 3500,
    refillPerSecond: 3500,
    error: '503 SlowDown',
    source: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html',
  },
  s3PrefixReads: {
    kind: 'token-bucket',
    name: 'S3 GET/HEAD per partitioned prefix',
    bucket: 5500,
    refillPerSecond: 5500,
    error: '503 SlowDown',
    source: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html',
  },
  // The current page lists 2,000; the last copy in awsdocs/aws-cloudformation-user-guide (archived
  // 2023-12) still said 200. At 200, stackdrop's four stacks per project stop the 50th project.
  cfnStacks: {
    kind: 'ceiling',
    name: 'CloudFormation stacks per account and Region',
    value: 2000,
    quotaCode: 'L-0485CB21',
    error: 'LimitExceededException',
    source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html',
  },
} as const satisfies Record<string, TokenBucketLimit | CeilingLimit>;

/**
 * How many of the requests at `times` (ms, any order) a token bucket would refuse, the bucket full
 * at the first request. The local cloud's instant clock bunches requests tighter than AWS would
 * (a Lambda invocation takes no virtual time), so the count is an upper bound.
 */
export function throttledByBucket(
  times: readonly number[],
  limit: { bucket: number; refillPerSecond: number },
): number {
  const sorted = [...times].sort((a, b) => a - b);
  let tokens = limit.bucket;
  let last = sorted[0] ?? 0;
  let refused = 0;
  for (const t of sorted) {
    tokens = Math.min(limit.bucket, tokens + ((t - last) / 1000) * limit.refillPerSecond);
    last = t;
    if (tokens >= 1) tokens -= 1;
    else refused++;
  }
  return refused;
}

/** The most requests at `times` (ms) inside any one-second window. */
export function peakPerSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= 1000) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}

/** The most spans ([start, end], ms) open at one time. */
export function peakOverlap(spans: ReadonlyArray<readonly [number, number]>): number {
  const edges = spans.flatMap(([a, b]) => [
    [a, 1],
    [b, -1],
  ]);
  // Ends before starts at the same instant: a stack that finished is not running beside its successor.
  edges.sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!);
  let open = 0;
  let peak = 0;
  for (const [, d] of edges) {
    open += d!;
    peak = Math.max(peak, open);
  }
  return peak;
}
