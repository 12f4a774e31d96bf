/**
 * Secrets Manager rules, copied from AWS's documentation (read 2026-12-07).
 *
 * Sources:
 * - names (1–512 characters: letters, digits, `/_+=.@-`; avoid ending in `-` + 6 characters):
 *   https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html
 * - the ARN's random suffix and how a partial ARN is resolved:
 *   https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot.html#ARN_secretnamehyphen
 *   https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
 * - deletion with a recovery window of 7–30 days (default 30):
 *   https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html
 * - IAM policies naming a secret by `<name>-??????`:
 *   https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html
 */
export const SECRETS_MANAGER_READ_ON = '2026-12-07';

export const SECRET_NAME_MAX = 512;
export const RECOVERY_WINDOW_DAYS = { min: 7, max: 30, default: 30 } as const;

/** Whether AWS accepts a secret name (managed secrets such as RDS's `rds!…` may also use `!`). */
export function isValidSecretName(name: string, managed = false): boolean {
  const chars = managed ? /^[A-Za-z0-9/_+=.@!-]+$/ : /^[A-Za-z0-9/_+=.@-]+$/;
  return name.length >= 1 && name.length <= SECRET_NAME_MAX && chars.test(name);
}

/** The `-` + 6 random characters Secrets Manager appends to a secret's name in its ARN. */
export const SECRET_ARN_SUFFIX = /-[A-Za-z0-9]{6}$/;

/** The resource part of a secret ARN (`secret:<name>-abcdef`), or undefined if not a secret ARN. */
export function secretArnResource(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:(.+)$/.exec(arn)?.[1];
}

/**
 * Whether a secret ARN is complete: it ends in the random suffix. AWS treats any ARN ending in
 * `-` + 6 characters as complete, so a partial ARN of a name like `db-prod01` never resolves.
 */
export function isCompleteSecretArn(arn: string): boolean {
  const resource = secretArnResource(arn);
  return resource !== undefined && SECRET_ARN_SUFFIX.test(resource);
}
