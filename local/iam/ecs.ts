import type { LocalCloud } from '../kernel.ts';
import type { AuthorizationCheck } from './evaluate.ts';
import { secretKeyChecks, ssmParameterArn } from './requests.ts';

interface TaskDefinitionLike {
  executionRoleArn?: string;
  containerDefinitions: Array<Record<string, unknown>>;
}

function secretOf(cloud: LocalCloud, arn: string) {
  try {
    return cloud.secretsManager.find(arn);
  } catch {
    return undefined;
  }
}

/**
 * A secret whose KMS key cannot decrypt now (disabled, pending deletion): the agent's
 * GetSecretValue fails with DecryptionFailure, whatever the role may do.
 */
function keyDenial(cloud: LocalCloud, td: TaskDefinitionLike): string | undefined {
  for (const c of td.containerDefinitions) {
    for (const s of (c.secrets ?? []) as Array<{ valueFrom?: string }>) {
      const from = s.valueFrom ?? '';
      if (!from.startsWith('arn:aws:secretsmanager:')) continue;
      const secret = secretOf(cloud, from.split(':').slice(0, 7).join(':'));
      const problem = secret ? cloud.secretsManager.keyProblem(secret.KmsKeyId) : undefined;
      if (problem)
        return `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): DecryptionFailure: Secrets Manager can't decrypt the protected secret text using the provided KMS key. ${problem.message}`;
    }
  }
  return undefined;
}

/**
 * At task start the ECS agent reads each container's `secrets` with the task execution role:
 * secretsmanager:GetSecretValue on the secret (a `valueFrom` with a JSON key or version suffix
 * names the secret by its first seven ARN fields) and ssm:GetParameters on a parameter.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html (read 2026-12-07)
 */
export function secretChecks(cloud: LocalCloud, td: TaskDefinitionLike): AuthorizationCheck[] {
  const checks: AuthorizationCheck[] = [];
  for (const c of td.containerDefinitions) {
    for (const s of (c.secrets ?? []) as Array<{ valueFrom?: string }>) {
      const from = s.valueFrom ?? '';
      // A secret of another account is also authorized by its resource and key policies, which
      // the local cloud does not model: such reads are not evaluated (docs/local-cloud.md).
      if (from.startsWith('arn:') && from.split(':')[4] !== cloud.accountId) continue;
      if (from.startsWith('arn:aws:secretsmanager:')) {
        const secretArn = from.split(':').slice(0, 7).join(':');
        checks.push({ action: 'secretsmanager:GetSecretValue', resource: secretArn, context: {} });
        // A secret under a customer-managed key also needs kms:Decrypt (issue 12 item 7).
        const secret = secretOf(cloud, secretArn);
        if (secret) checks.push(...secretKeyChecks(cloud, secret.KmsKeyId, secret.ARN, 'kms:Decrypt'));
      } else if (from) {
        checks.push({ action: 'ssm:GetParameters', resource: ssmParameterArn(cloud, from), context: {} });
      }
    }
  }
  return checks;
}

/**
 * Why a task cannot start because its execution role may not read its secrets, in the words of
 * ECS's ResourceInitializationError, or undefined when it may. Only roles the local cloud knows
 * (template.yaml, stacks) are evaluated: a task definition naming a role no template defines is
 * taken as the account admin's test fixture.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/resource-initialization-error.html (read 2026-12-07)
 */
export async function taskStartDenial(
  cloud: LocalCloud,
  td: TaskDefinitionLike,
  taskId: string,
): Promise<string | undefined> {
  const role = td.executionRoleArn;
  if (!cloud.iam.enforce || !role || !cloud.iam.roles.get(role)) return keyDenial(cloud, td);
  const checks = secretChecks(cloud, td);
  if (checks.length === 0) return undefined;
  const session = cloud.iam.sessionFor(role, taskId);
  try {
    await cloud.iam.authorizeInternal(session, checks, 'ecs');
    return keyDenial(cloud, td);
  } catch (error) {
    const store = checks.find((c) => (error as Error).message.includes(c.action))?.action.startsWith('ssm')
      ? 'ssm'
      : 'asm';
    return `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from ${store}: service call has been retried 1 time(s): AccessDeniedException: ${(error as Error).message}`;
  }
}
