import { describe, expect, it } from 'vitest';
import { EXIT, explainAwsError, OperationFailedError, UserError } from '#cli/errors.ts';

const awsError = (name: string, message: string, status?: number) =>
  Object.assign(new Error(message), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });

describe('explainAwsError', () => {
  it('tells a person without credentials how to get them, exit 1', () => {
    const error = awsError('CredentialsProviderError', 'Could not load credentials from any providers');
    const explained = explainAwsError(error);
    expect(explained.exitCode).toBe(EXIT.user);
    expect(explained.message).toMatch(/No AWS credentials found: run `aws configure` or `aws sso login/);
  });

  it('says an expired session must be refreshed', () => {
    for (const name of ['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']) {
      const explained = explainAwsError(
        awsError(name, 'The security token included in the request is expired'),
      );
      expect(explained).toEqual({
        exitCode: EXIT.user,
        message: expect.stringMatching(/session has expired/),
      });
    }
  });

  it('explains access denied with the original reason and what to do', () => {
    const explained = explainAwsError(
      awsError('AccessDenied', 'User: arn:aws:iam::1:user/x is not authorized to perform: s3:PutObject', 403),
    );
    expect(explained.exitCode).toBe(EXIT.user);
    expect(explained.message).toContain('Access denied: User: arn:aws:iam::1:user/x is not authorized');
    expect(explained.message).toContain('ask an administrator');
  });

  it('treats throttling that outlasted the retries as a failed operation, exit 2', () => {
    for (const name of [
      'Throttling',
      'ThrottlingException',
      'TooManyRequestsException',
      'RequestLimitExceeded',
    ]) {
      const explained = explainAwsError(awsError(name, 'Rate exceeded'));
      expect(explained).toEqual({
        exitCode: EXIT.failed,
        message: expect.stringMatching(/throttling.*wait a minute/),
      });
    }
  });

  it('reports connection refused, DNS failures and timeouts as unreachable, exit 3', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' });
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    const timeout = awsError('TimeoutError', 'socket hang up');
    expect(explainAwsError(refused, { endpoint: 'http://127.0.0.1:4566' })).toEqual({
      exitCode: EXIT.unreachable,
      message: expect.stringMatching(
        /Cannot reach http:\/\/127\.0\.0\.1:4566 \(ECONNREFUSED\): is the local cloud running/,
      ),
    });
    expect(explainAwsError(dns).exitCode).toBe(EXIT.unreachable);
    expect(explainAwsError(timeout).message).toMatch(/Cannot reach AWS \(ETIMEDOUT\): check your network/);
  });

  it('finds a network error nested in an AggregateError', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED ::1:4566'), { code: 'ECONNREFUSED' });
    const error = new AggregateError([inner], 'all attempts failed');
    expect(explainAwsError(error).exitCode).toBe(EXIT.unreachable);
  });

  it('rejected credentials and a missing region are the person to fix', () => {
    expect(
      explainAwsError(awsError('InvalidClientTokenId', 'The security token is invalid')).message,
    ).toMatch(/AWS rejected your credentials \(InvalidClientTokenId\)/);
    expect(explainAwsError(new Error('Region is missing'))).toEqual({
      exitCode: EXIT.user,
      message: 'No AWS region configured: pass --region <region> or set AWS_REGION.',
    });
  });

  it('keeps our own errors as they are, with their exit codes', () => {
    expect(explainAwsError(new UserError('bad flag'))).toEqual({ exitCode: EXIT.user, message: 'bad flag' });
    expect(explainAwsError(new OperationFailedError('stack failed'))).toEqual({
      exitCode: EXIT.failed,
      message: 'stack failed',
    });
  });

  it('shows any other error on one line with its name, exit 2', () => {
    const explained = explainAwsError(awsError('InternalFailure', 'Something broke\nstack trace here'));
    expect(explained).toEqual({ exitCode: EXIT.failed, message: 'InternalFailure: Something broke' });
  });
});
