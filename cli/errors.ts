/**
 * Exit codes and the errors the command maps onto them. Every failure a person can see goes
 * through `explainAwsError` or one of these classes, so it is one line saying what to do.
 */

export const EXIT = {
  ok: 0,
  /** Bad input, missing credentials, access denied: the person can fix it. */
  user: 1,
  /** The operation ran and failed (a stack failed, a deploy failed, AWS kept throttling). */
  failed: 2,
  /** The endpoint could not be reached (connection refused, DNS, timeout). */
  unreachable: 3,
  /** Ctrl-C (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the person can fix; exits 1. */
export class UserError extends Error {
  override name = 'UserError';
  readonly exitCode: ExitCode = EXIT.user;
}

/** An operation that ran and failed; exits 2. */
export class OperationFailedError extends Error {
  override name = 'OperationFailedError';
  readonly exitCode: ExitCode = EXIT.failed;
}

/** The person pressed Ctrl-C while watching; exits 130. The work in AWS carries on. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  readonly exitCode: ExitCode = EXIT.interrupted;
}

/** The endpoint could not be reached; exits 3. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
  readonly exitCode: ExitCode = EXIT.unreachable;
}

export interface Explanation {
  message: string;
  exitCode: ExitCode;
}

interface ErrorLike {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  errors?: unknown[];
  cause?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Network error code of an error or of anything it wraps (the SDK nests AggregateErrors). */
function networkCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 4) return undefined;
  const e = error as ErrorLike;
  if (e.code && UNREACHABLE_CODES.has(e.code)) return e.code;
  if (e.name === 'TimeoutError' || e.name === 'RequestTimeout') return 'ETIMEDOUT';
  for (const inner of e.errors ?? []) {
    const code = networkCode(inner, depth + 1);
    if (code) return code;
  }
  return networkCode(e.cause, depth + 1);
}

const CREDENTIALS_MISSING = /could not load credentials|credentialsprovidererror|no credentials/i;
const EXPIRED = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'TokenRefreshRequired',
  'ExpiredTokenError',
]);
const INVALID_CREDENTIALS = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'AuthFailure',
  'InvalidSignatureException',
]);
const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
  'Forbidden',
]);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'RequestThrottled',
  'RequestThrottledException',
]);

/** What the SDK says when a response is not in the AWS protocol it expected (HTML, other JSON, garbage). */
const UNPARSEABLE =
  /XML parse error|Deserialization error|Unexpected token .* in JSON|is not valid JSON|Expected .* in JSON|char '.*' is not expected/i;

/**
 * An answer from something that is not AWS (a web server, a proxy's error page): the body did not
 * parse, or an HTTP error came back with neither an AWS error code nor the request id every AWS
 * response carries (x-amzn-RequestId / x-amz-request-id).
 */
function notAwsAnswer(e: ErrorLike, name: string, message: string): boolean {
  if (UNPARSEABLE.test(message) || name === 'SyntaxError') return true;
  const metadata = e.$metadata as { httpStatusCode?: number; requestId?: string } | undefined;
  return (
    metadata?.httpStatusCode !== undefined &&
    !metadata.requestId &&
    (message === 'Unknown' || name === 'Unknown' || name === 'UnknownError')
  );
}

/** The one line for an endpoint that answers, but not as AWS does. */
export function notAwsEndpointMessage(endpoint: string | undefined): string {
  const where = endpoint ?? 'the AWS endpoint';
  return `Endpoint unreachable: ${where} answered, but not as an AWS endpoint does (no AWS request id, or a body that is not AWS's protocol). Is another server on that port? Start the local cloud (npm start) or check --endpoint-url / STACKDROP_ENDPOINT.`;
}

/**
 * Turns any error (AWS SDK, network, our own) into one line saying what happened and what to do,
 * with the exit code it deserves. `endpoint` is the custom endpoint in use, if any.
 */
export function explainAwsError(error: unknown, context: { endpoint?: string } = {}): Explanation {
  if (
    error instanceof UserError ||
    error instanceof OperationFailedError ||
    error instanceof UnreachableError ||
    error instanceof InterruptedError
  ) {
    return { message: error.message, exitCode: error.exitCode };
  }
  const e = (error && typeof error === 'object' ? error : { message: String(error) }) as ErrorLike;
  const name = e.name ?? e.Code ?? e.code ?? 'Error';
  const message = (e.message ?? '').split('\n')[0] ?? '';

  const code = networkCode(error);
  if (code) {
    const where = context.endpoint ?? 'AWS';
    const hint = context.endpoint
      ? 'is the local cloud running? Start it, or check --local / STACKDROP_ENDPOINT.'
      : 'check your network connection, proxy settings and --region.';
    return { message: `Cannot reach ${where} (${code}): ${hint}`, exitCode: EXIT.unreachable };
  }
  if (notAwsAnswer(e, name, message)) {
    return { message: notAwsEndpointMessage(context.endpoint), exitCode: EXIT.unreachable };
  }
  if (name === 'CredentialsProviderError' || CREDENTIALS_MISSING.test(message)) {
    return {
      message:
        'No AWS credentials found: run `aws configure` or `aws sso login --profile <name>`, then pass --profile <name> or set AWS_PROFILE.',
      exitCode: EXIT.user,
    };
  }
  if (/region is missing/i.test(message)) {
    return {
      message: 'No AWS region configured: pass --region <region> or set AWS_REGION.',
      exitCode: EXIT.user,
    };
  }
  if (EXPIRED.has(name) || /security token included in the request is expired/i.test(message)) {
    return {
      message:
        'Your AWS session has expired: refresh it (`aws sso login --profile <name>` or new temporary credentials) and run the command again.',
      exitCode: EXIT.user,
    };
  }
  if (INVALID_CREDENTIALS.has(name)) {
    return {
      message: `AWS rejected your credentials (${name}): check AWS_PROFILE / --profile and that the access key is still active.`,
      exitCode: EXIT.user,
    };
  }
  if (ACCESS_DENIED.has(name) || e.$metadata?.httpStatusCode === 403) {
    return {
      message: `Access denied: ${message || name}. Use a role allowed to operate stackdrop (see docs/cli.md, "Permissions") or ask an administrator to grant it.`,
      exitCode: EXIT.user,
    };
  }
  if (THROTTLED.has(name)) {
    return {
      message: `AWS is throttling requests (${name}) even after retries: wait a minute and run the command again.`,
      exitCode: EXIT.failed,
    };
  }
  return { message: message ? `${name}: ${message}` : name, exitCode: EXIT.failed };
}
