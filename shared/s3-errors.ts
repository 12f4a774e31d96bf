// How S3 answers a missing object and a lost conditional write, for every read-modify-write of a
// JSON document in the state bucket (status documents, provisioning records).

type S3Failure = { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;

/** S3's "no such object" (404), by name or status code. */
export function isNotFound(error: unknown): boolean {
  const e = error as S3Failure;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/** S3's answer to a lost conditional write (412, or 409 for concurrent conditional requests). */
export function isConflict(error: unknown): boolean {
  const e = error as S3Failure;
  const code = e?.$metadata?.httpStatusCode;
  return (
    code === 412 ||
    code === 409 ||
    e?.name === 'PreconditionFailed' ||
    e?.name === 'ConditionalRequestConflict'
  );
}
