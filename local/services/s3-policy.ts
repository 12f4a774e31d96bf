import { simulate } from '../iam/simulate.ts';

/**
 * Bucket policies of the local S3, judged by @cloud-copilot/iam-simulate (the Service Authorization
 * Reference's evaluator, the same the local cloud's IAM enforcement builds on).
 *
 * Minimal on purpose: this file decides only what the *bucket policy* says. Identity policies are
 * not consulted here (the caller is taken to be allowed by its own policies), so the outcome is
 * "denied" exactly when the bucket policy has an applicable explicit Deny, which AWS honours
 * whatever the identity allows (IAM User Guide, "Policy evaluation logic",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html, read
 * 2026-12-07). Request context supplied:
 * - `aws:PrincipalArn`: the role ARN for a role session (not the session ARN), as AWS documents
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn);
 * - `aws:SecureTransport: true`: the local endpoint is plain HTTP on 127.0.0.1 and stands in for
 *   S3's HTTPS endpoint, which every SDK and the CLI use.
 */

export type BucketPolicy = { Version?: string; Statement: unknown[] };

/** The IAM action an S3 object operation is authorised as (S3 User Guide, "Amazon S3 actions"). */
export function objectAction(operation: string, hasVersionId: boolean): string | undefined {
  switch (operation) {
    case 'PutObject':
    case 'CopyObject':
    case 'CreateMultipartUpload':
    case 'UploadPart':
    case 'CompleteMultipartUpload':
      return 's3:PutObject';
    case 'DeleteObject':
    case 'DeleteObjects':
      return hasVersionId ? 's3:DeleteObjectVersion' : 's3:DeleteObject';
    case 'GetObject':
    case 'HeadObject':
      return hasVersionId ? 's3:GetObjectVersion' : 's3:GetObject';
    default:
      return undefined;
  }
}

/** Whether the bucket policy explicitly denies `action` on `bucket/key` to `principal`. */
export async function bucketPolicyDenies(
  policy: BucketPolicy,
  request: { principal: string; action: string; bucket: string; key: string; accountId: string },
): Promise<boolean> {
  const resource = `arn:aws:s3:::${request.bucket}/${request.key}`;
  const result = await simulate({
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource, accountId: request.accountId },
      contextVariables: {
        'aws:PrincipalArn': request.principal,
        'aws:PrincipalAccount': request.accountId,
        'aws:SecureTransport': 'true',
      },
    },
    identityPolicies: [
      {
        name: 'caller-allowed-by-its-own-policies',
        policy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: request.action, Resource: resource }],
        },
      },
    ],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: policy,
  });
  if (result.resultType === 'error') {
    throw new Error(
      `bucket policy of ${request.bucket} cannot be evaluated: ${JSON.stringify(result.errors)}`,
    );
  }
  return result.overallResult === 'ExplicitlyDenied';
}
