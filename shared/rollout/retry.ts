import { StatusConflictError } from '../status.ts';

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'LimitExceededException',
]);

const TRANSIENT = new Set([
  'ServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  $fault?: string;
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
}

/** Whether an AWS error is a throttle (ECS answers bursts of control-plane calls with these). */
export function isThrottling(error: unknown): boolean {
  const e = error as SdkErrorShape | undefined;
  return Boolean(
    e && (THROTTLING.has(e.name ?? '') || e.$retryable?.throttling || e.$metadata?.httpStatusCode === 429),
  );
}

/** Whether retrying later can succeed: throttles, server faults, timeouts, status write races. */
export function isTransient(error: unknown): boolean {
  if (error instanceof StatusConflictError || error instanceof RolloutStillRunningError) return true;
  const e = error as SdkErrorShape | undefined;
  if (!e) return false;
  if (isThrottling(e)) return true;
  if (TRANSIENT.has(e.name ?? '') || e.$fault === 'server') return true;
  return ['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNREFUSED'].includes(e.code ?? '');
}

/** The rollout is still progressing when this invocation must stop; the message is retried to resume it. */
export class RolloutStillRunningError extends Error {
  override name = 'RolloutStillRunningError';
}

export interface RetryOptions {
  sleep: (ms: number) => Promise<void>;
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Calls `fn`, retrying throttles and server faults with full-jitter exponential backoff. The SDK
 * already retries a few times quickly; ECS throttles during bursts last longer than that.
 */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? 6;
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !isTransient(error) || error instanceof StatusConflictError) throw error;
      await options.sleep(Math.random() * Math.min(max, base * 2 ** (attempt - 1)));
    }
  }
}

/** A short, loggable description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
