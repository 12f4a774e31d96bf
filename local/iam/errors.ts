import { randomBytes } from 'node:crypto';
import { AwsError } from '../errors.ts';
import type { Decision, DeniedBy } from './evaluate.ts';

/**
 * AWS's access-denied answers, per protocol (read 2026-12-07):
 * - message: "User: <principal> is not authorized to perform: <action> on resource: <resource>
 *   because no identity-based policy allows the <action> action" (implicit deny) or "… with an
 *   explicit deny in an identity-based policy"; when the principal's permissions boundary alone
 *   denies, "… because no permissions boundary allows the <action> action" or "… with an explicit
 *   deny in a permissions boundary" —
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
 * - awsQuery (CloudFormation, ELBv2, RDS, STS): `AccessDenied`, HTTP 403, `<Type>Sender</Type>` —
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/CommonErrors.html
 * - ec2Query: `UnauthorizedOperation`, HTTP 403, "You are not authorized to perform this
 *   operation." followed by the same sentence and an encoded authorization failure message —
 *   https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html,
 *   https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html
 * - awsJson (ECS, SQS, SSM, Secrets Manager, Step Functions, EventBridge): `AccessDeniedException`,
 *   HTTP 400; SQS's JSON protocol also sends `x-amzn-query-error: AccessDenied;Sender` —
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html
 * - restJson (Lambda, Scheduler): `AccessDeniedException`, HTTP 403 —
 *   https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 * - restXml (S3): `AccessDenied`, HTTP 403, the resource in double quotes —
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html
 */
export function deniedMessage(
  principal: string,
  action: string,
  resource: string,
  decision: Decision,
  options: { quoteResource?: boolean; deniedBy?: DeniedBy } = {},
): string {
  const on = resource === '*' ? '' : ` on resource: ${options.quoteResource ? `"${resource}"` : resource}`;
  const by = options.deniedBy ?? 'identity-based policy';
  const article = by === 'permissions boundary' ? 'a' : 'an';
  const why =
    decision === 'ExplicitlyDenied'
      ? `with an explicit deny in ${article} ${by}`
      : `because no ${by} allows the ${action} action`;
  return `User: ${principal} is not authorized to perform: ${action}${on} ${why}`;
}

export type ProtocolKind = 'awsQuery' | 'ec2Query' | 'awsJson' | 'restJson' | 'restXml';

/** Services whose JSON protocol is compatible with their older awsQuery errors. */
const QUERY_COMPATIBLE = new Set(['sqs']);

/** The AwsError a denied request answers with, in the envelope of its protocol. */
export function accessDenied(
  service: string,
  protocol: ProtocolKind,
  principal: string,
  action: string,
  resource: string,
  decision: Decision,
  deniedBy?: DeniedBy,
): AwsError {
  const message = (quoteResource = false) =>
    deniedMessage(principal, action, resource, decision, {
      quoteResource,
      ...(deniedBy ? { deniedBy } : {}),
    });
  switch (protocol) {
    case 'awsQuery':
      return new AwsError('AccessDenied', message(), {
        statusCode: 403,
        senderFault: true,
      });
    case 'ec2Query': {
      const encoded = randomBytes(48).toString('base64url');
      return new AwsError(
        'UnauthorizedOperation',
        `You are not authorized to perform this operation. ${message()}. Encoded authorization failure message: ${encoded}`,
        { statusCode: 403 },
      );
    }
    case 'restXml':
      return new AwsError('AccessDenied', message(true), { statusCode: 403 });
    case 'restJson':
      return new AwsError('AccessDeniedException', message(), {
        statusCode: 403,
      });
    case 'awsJson':
      return new AwsError('AccessDeniedException', message(), {
        statusCode: 400,
        senderFault: true,
        ...(QUERY_COMPATIBLE.has(service) ? { queryCode: 'AccessDenied' } : {}),
      });
  }
}
