/**
 * Where a project's secrets live, and how IAM names them. One place for the validator
 * (rules.ts), the renderer (render.ts) and the docs (docs/security.md, "Secrets").
 *
 * - Secrets Manager ARNs end in `-` plus six random characters that AWS appends to the name;
 *   an IAM policy names a secret as `<name>-??????` to match it without knowing them
 *   (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples.html,
 *   read 2026-12-07).
 * - An SSM parameter `/a/b` has the ARN `arn:…:parameter/a/b` (the leading slash is not doubled).
 */

const SECRETS_MANAGER = /^arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/;
const SSM = /^arn:(aws[a-z-]*):ssm:([a-z0-9-]+):(\d{12}):parameter\/(.+)$/;
/** The random suffix Secrets Manager appends to a secret's name in its ARN. */
const RANDOM_SUFFIX = /-[A-Za-z0-9]{6}$/;

/** `stackdrop/<project>/<environment>/`: the Secrets Manager name prefix of a project's secrets. */
export function secretNamePrefix(project: string, environment: string): string {
  return `stackdrop/${project}/${environment}/`;
}

/** `/stackdrop/<project>/<environment>/`: the SSM parameter name prefix of a project's secrets. */
export function parameterNamePrefix(project: string, environment: string): string {
  return `/${secretNamePrefix(project, environment)}`;
}

/** Which service a reference names, and the secret or parameter name inside it. */
export function parseSecretReference(
  arn: string,
): { service: 'secretsmanager' | 'ssm'; name: string } | undefined {
  const sm = SECRETS_MANAGER.exec(arn);
  if (sm) return { service: 'secretsmanager', name: sm[4]! };
  const ssm = SSM.exec(arn);
  if (ssm) return { service: 'ssm', name: `/${ssm[4]!}` };
  return undefined;
}

/** Whether a reference sits under the project's own prefix (the execution role reads only these). */
export function isProjectSecret(arn: string, project: string, environment: string): boolean {
  const ref = parseSecretReference(arn);
  if (!ref) return false;
  const prefix =
    ref.service === 'secretsmanager'
      ? secretNamePrefix(project, environment)
      : parameterNamePrefix(project, environment);
  return ref.name.startsWith(prefix) && ref.name.length > prefix.length;
}

/** Whether a Secrets Manager ARN lacks the 6-character suffix (a partial ARN). */
export function lacksSecretSuffix(arn: string): boolean {
  return parseSecretReference(arn)?.service === 'secretsmanager' && !RANDOM_SUFFIX.test(arn);
}

/**
 * The IAM resource that grants reading a reference: a Secrets Manager ARN without its suffix
 * becomes `<arn>-??????` (IAM compares against the secret's full ARN, so the bare name would never
 * match and the task would stop with ResourceInitializationError); anything else is used as is.
 */
export function secretGrant(arn: string): string {
  return lacksSecretSuffix(arn) ? `${arn}-??????` : arn;
}

/** The command a user runs to create a secret under the project's prefix (shown by validate and the docs). */
export function createSecretCommand(project: string, environment: string, name: string): string {
  return `aws secretsmanager create-secret --name ${secretNamePrefix(project, environment)}${name} --secret-string '…'`;
}
