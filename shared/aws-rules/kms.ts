/**
 * AWS KMS rules, copied from AWS's documentation (read 2026-12-07). The manifest rules, the
 * templates' key policy and the local cloud's KMS model all read this one place.
 *
 * Sources:
 * - key states and how each affects an operation (a disabled key: DisabledException; a key pending
 *   deletion: KMSInvalidStateException): https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html
 * - ScheduleKeyDeletion waiting period 7–30 days, default 30:
 *   https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html
 * - the default key policy (the account root statement that lets IAM policies grant use of the
 *   key, kept so the key never becomes unmanageable):
 *   https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 * - the lockout safety check (CreateKey/PutKeyPolicy refuse a policy that does not let the caller
 *   change it again): https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html
 * - automatic rotation period 90–2560 days, default 365:
 *   https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html
 * - CloudWatch Logs needs the key policy to allow `logs.<region>.amazonaws.com`, scoped by
 *   `kms:EncryptionContext:aws:logs:arn`, and a key ARN (not an alias):
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 * - IAM policies name a KMS key by its key ARN; an alias ARN in `Resource` never matches a use of
 *   the key: https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html
 */
export const KMS_RULES_READ_ON = '2026-12-07';

export const KMS_SOURCES = {
  keyStates: 'https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html',
  scheduleDeletion: 'https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html',
  defaultKeyPolicy: 'https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html',
  createKey: 'https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html',
  logs: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html',
  iamPolicies: 'https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html',
} as const;

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

export const PENDING_WINDOW_DAYS = { min: 7, max: 30, default: 30 } as const;
export const ROTATION_PERIOD_DAYS = { min: 90, max: 2560, default: 365 } as const;

/** A KMS key ARN: a key id (UUID) or a multi-Region key id (mrk-…). */
export const KMS_KEY_ARN =
  /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

/** An alias ARN (`arn:aws:kms:<region>:<account>:alias/<name>`). */
export const KMS_ALIAS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:alias\/[A-Za-z0-9/_-]+$/;

/**
 * The error a cryptographic operation (Encrypt, Decrypt, GenerateDataKey, ReEncrypt) meets on a
 * key in a state that refuses it, in KMS's words; undefined when the key may be used.
 */
export function cryptographicStateError(
  state: KeyState,
  keyArn: string,
): { code: 'DisabledException' | 'KMSInvalidStateException'; message: string } | undefined {
  if (state === 'Disabled') return { code: 'DisabledException', message: `${keyArn} is disabled.` };
  if (state === 'PendingDeletion')
    return { code: 'KMSInvalidStateException', message: `${keyArn} is pending deletion.` };
  return undefined;
}

/** Services whose log groups the stackdrop key encrypts, as the key policy names them. */
export function logsServicePrincipal(region: string): string {
  return `logs.${region}.amazonaws.com`;
}
