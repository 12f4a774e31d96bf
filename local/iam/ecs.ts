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

/** An image in an ECR private registry of this account: `<account>.dkr.ecr.<region>.amazonaws.com/<repo>[:tag|@digest]`. */
function ecrRepositoryArn(cloud: LocalCloud, image: unknown): string | undefined {
  const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^@:]+)/.exec(String(image ?? ''));
  if (!m || m[1] !== cloud.accountId) return undefined;
  return `arn:aws:ecr:${m[2]}:${m[1]}:repository/${m[3]}`;
}

/**
 * Pulling an image from this account's ECR private registry: the agent gets a registry token
 * (ecr:GetAuthorizationToken, no resource type) with the execution role, then reads the image with
 * ecr:BatchCheckLayerAvailability, ecr:GetDownloadUrlForLayer and ecr:BatchGetImage on the
 * repository. Images of another registry (Docker Hub, another account) are not evaluated.
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/ECR_on_ECS.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html (read 2026-12-07)
 */
export function pullChecks(
  cloud: LocalCloud,
  td: TaskDefinitionLike,
): { auth: AuthorizationCheck[]; pull: AuthorizationCheck[] } {
  const repositories = new Set<string>();
  for (const c of td.containerDefinitions) {
    const arn = ecrRepositoryArn(cloud, c.image);
    if (arn) repositories.add(arn);
  }
  if (repositories.size === 0) return { auth: [], pull: [] };
  const pull = [...repositories].flatMap((resource) =>
    ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'].map((action) => ({
      action,
      resource,
      context: {},
    })),
  );
  return { auth: [{ action: 'ecr:GetAuthorizationToken', resource: '*', context: {} }], pull };
}

/**
 * The awslogs driver writes with the execution role: logs:CreateLogStream and logs:PutLogEvents on
 * the stream `<awslogs-stream-prefix>/<container name>/<task id>` of `awslogs-group` (in
 * `awslogs-region`, else the task's Region). Both actions' resource type is `log-stream`
 * (Service Authorization Reference). Groups of another account are not evaluated.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html (read 2026-12-07)
 */
export function logChecks(cloud: LocalCloud, td: TaskDefinitionLike, taskId: string): AuthorizationCheck[] {
  const checks: AuthorizationCheck[] = [];
  for (const c of td.containerDefinitions) {
    const config = c.logConfiguration as { logDriver?: string; options?: Record<string, string> } | undefined;
    if (config?.logDriver !== 'awslogs' || !config.options?.['awslogs-group']) continue;
    const options = config.options;
    const region = options['awslogs-region'] ?? cloud.region;
    const prefix = options['awslogs-stream-prefix'];
    const stream = prefix ? `${prefix}/${String(c.name)}/${taskId}` : taskId;
    const resource = `arn:aws:logs:${region}:${cloud.accountId}:log-group:${options['awslogs-group']}:log-stream:${stream}`;
    checks.push(
      { action: 'logs:CreateLogStream', resource, context: {} },
      { action: 'logs:PutLogEvents', resource, context: {} },
    );
  }
  return checks;
}

/**
 * Why a task cannot start because its execution role may not do what the agent does with it, in
 * ECS's words, or undefined when it may: read its secrets and the registry token
 * (ResourceInitializationError "unable to pull secrets or registry auth"), set up its awslogs
 * streams (ResourceInitializationError "failed to validate logger args"), pull its image
 * (CannotPullContainerError). Every evaluation of the role includes its permissions boundary.
 * Only roles the local cloud knows (template.yaml, stacks, the IAM API) are evaluated: a task
 * definition naming a role no template defines is taken as the account admin's test fixture.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/resource-initialization-error.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_cannot_pull_image.html (read 2026-12-07)
 */
export async function taskStartDenial(
  cloud: LocalCloud,
  td: TaskDefinitionLike,
  taskId: string,
): Promise<string | undefined> {
  const role = td.executionRoleArn;
  if (!cloud.iam.enforce || !role || !cloud.iam.roles.get(role)) return keyDenial(cloud, td);
  const session = cloud.iam.sessionFor(role, taskId);
  const denied = async (checks: AuthorizationCheck[]) => {
    if (checks.length === 0) return undefined;
    try {
      await cloud.iam.authorizeInternal(session, checks, 'ecs');
      return undefined;
    } catch (error) {
      return { message: (error as Error).message, action: (error as { action?: string }).action ?? '' };
    }
  };
  const { auth, pull } = pullChecks(cloud, td);
  const secrets = await denied(secretChecks(cloud, td));
  if (secrets) {
    const store = secrets.action.startsWith('ssm') ? 'ssm' : 'asm';
    return `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from ${store}: service call has been retried 1 time(s): AccessDeniedException: ${secrets.message}`;
  }
  const registry = await denied(auth);
  if (registry)
    return `ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): AccessDeniedException: ${registry.message}`;
  const keyProblem = keyDenial(cloud, td);
  if (keyProblem) return keyProblem;
  const logs = await denied(logChecks(cloud, td, taskId));
  if (logs)
    return `ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: AccessDeniedException: ${logs.message} : exit status 1`;
  const image = await denied(pull);
  if (image)
    return `CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref: pulling from host failed with status code 403 Forbidden: AccessDeniedException: ${image.message}`;
  return undefined;
}
