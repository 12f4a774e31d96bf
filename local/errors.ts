/**
 * An error a service model throws to answer a request with an AWS error. The protocol layer
 * renders it in the service's own error envelope, so SDK v3 errors carry `name === code`.
 */
export class AwsError extends Error {
  override name = 'AwsError';
  readonly code: string;
  readonly statusCode: number;
  readonly senderFault: boolean;
  /** Code the awsQuery-compatible JSON services (SQS) also send in `x-amzn-query-error`. */
  readonly queryCode: string | undefined;
  /** Extra members of the error structure (e.g. S3's `BucketName`). */
  readonly fields: Record<string, string>;

  constructor(
    code: string,
    message: string,
    options: {
      statusCode?: number;
      senderFault?: boolean;
      queryCode?: string;
      fields?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.code = code;
    this.statusCode = options.statusCode ?? 400;
    this.senderFault = options.senderFault ?? this.statusCode < 500;
    this.queryCode = options.queryCode;
    this.fields = options.fields ?? {};
  }
}

/** Shorthand for the ubiquitous 400 ValidationError / ValidationException. */
export function validationError(message: string, code = 'ValidationError'): AwsError {
  return new AwsError(code, message);
}
