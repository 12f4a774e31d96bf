import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';

/**
 * STS: GetCallerIdentity (the role session that signed the request, else the local admin user)
 * and AssumeRole, which issues `ASIA…` credentials bound to a role the local cloud knows, so a
 * user or test can act as that role and have each call evaluated against its policies.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (read 2026-12-07)
 */
export function stsService(cloud: LocalCloud): ServiceDefinition {
  return {
    protocol: 'awsQuery',
    version: '2011-06-15',
    xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
    operations: {
      GetCallerIdentity: (_input, ctx) => {
        const session = cloud.iam.sessionOf(ctx.http);
        if (session) {
          return {
            UserId: `AROA${session.accessKeyId.slice(4, 20)}:${session.sessionName}`,
            Account: cloud.accountId,
            Arn: session.assumedRoleArn,
          };
        }
        return {
          UserId: 'AIDALOCALCLOUDUSER0000',
          Account: cloud.accountId,
          Arn: `arn:aws:iam::${cloud.accountId}:user/local`,
        };
      },
      AssumeRole: (input: { RoleArn: string; RoleSessionName: string; DurationSeconds?: number }) => {
        // RoleSessionName: 2-64 characters of [\w+=,.@-] (API_AssumeRole.html).
        if (!/^[\w+=,.@-]{2,64}$/.test(input.RoleSessionName ?? '')) {
          throw new AwsError(
            'ValidationError',
            `1 validation error detected: Value '${input.RoleSessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
          );
        }
        const duration = input.DurationSeconds ?? 3600;
        if (duration < 900 || duration > 43_200) {
          throw new AwsError(
            'ValidationError',
            `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
          );
        }
        if (!cloud.iam.roles.get(input.RoleArn)) {
          throw new AwsError(
            'AccessDenied',
            `User: arn:aws:iam::${cloud.accountId}:user/local is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`,
            { statusCode: 403 },
          );
        }
        const session = cloud.iam.sessions.issue(
          input.RoleArn,
          input.RoleSessionName,
          new Date(cloud.clock.now() + duration * 1000),
        );
        return {
          Credentials: {
            AccessKeyId: session.accessKeyId,
            SecretAccessKey: session.secretAccessKey,
            SessionToken: session.sessionToken,
            Expiration: session.expiration,
          },
          AssumedRoleUser: {
            AssumedRoleId: `AROA${session.accessKeyId.slice(4, 20)}:${input.RoleSessionName}`,
            Arn: session.assumedRoleArn,
          },
          PackedPolicySize: 0,
        };
      },
    },
  };
}
