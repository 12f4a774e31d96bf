import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import {
  cryptographicStateError,
  type KeyState,
  KMS_SOURCES,
  PENDING_WINDOW_DAYS,
  ROTATION_PERIOD_DAYS,
} from '#shared/aws-rules/kms.ts';
import { AwsError } from '../errors.ts';
import type { LocalCloud, RequestContext, ServiceDefinition } from '../kernel.ts';

/**
 * AWS KMS: symmetric encryption keys with key policies, aliases, rotation, the key states that
 * decide what each operation may do, and the cryptographic operations consumers need (Encrypt,
 * Decrypt, GenerateDataKey). Rules and their sources: shared/aws-rules/kms.ts. Read 2026-12-07:
 * - CreateKey / DescribeKey / KeyMetadata: https://docs.aws.amazon.com/kms/latest/APIReference/API_KeyMetadata.html
 * - key states: https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html
 * - an unknown key is NotFoundException; an alias that names nothing too:
 *   https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html
 * - Decrypt with a ciphertext of another key (KeyId given): IncorrectKeyException; with another
 *   encryption context: InvalidCiphertextException:
 *   https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html
 * - AWS managed keys (`alias/aws/<service>`) are made on first use and cannot be deleted, disabled
 *   or have their policy changed: https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key
 * The ciphertext is this cloud's own format (AES-256-GCM under per-key material, the encryption
 * context as additional data); only KMS reads it, as on AWS.
 */

type Tag = { TagKey: string; TagValue: string };

export interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: unknown;
}

export interface KmsKey {
  KeyId: string;
  Arn: string;
  Description: string;
  CreationDate: Date;
  KeyState: KeyState;
  KeyManager: 'CUSTOMER' | 'AWS';
  Policy: string;
  DeletionDate?: Date;
  PendingDeletionWindowInDays?: number;
  rotation?: { periodDays: number };
  tags: Tag[];
  material: Buffer;
  deletionTimer?: { cancel(): void };
}

/** Why a consumer may not use a key: the KMS error it met. */
export interface KeyProblem {
  code: 'NotFoundException' | 'DisabledException' | 'KMSInvalidStateException';
  message: string;
}

const MAGIC = Buffer.from('LKMS1');
/** The empty answer of operations that return nothing. */
const none = (_done: unknown): Record<string, never> => ({});

/** A blob as the protocol layer hands it over (base64 text on awsJson) or as a model caller gives it. */
function bytes(value: Uint8Array | string | undefined): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  return typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.from(value);
}

function notFound(ref: string): AwsError {
  return new AwsError('NotFoundException', `Key '${ref}' does not exist`);
}

function actionsOf(s: PolicyStatement): string[] {
  return s.Action === undefined ? [] : Array.isArray(s.Action) ? s.Action : [s.Action];
}

function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(action);
}

function principalsOf(s: PolicyStatement, kind: 'AWS' | 'Service'): string[] {
  if (s.Principal === '*') return kind === 'AWS' ? ['*'] : [];
  const p = (s.Principal ?? {}) as Record<string, string | string[]>;
  const v = p[kind];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The default key policy: the account root may do everything, so IAM policies can grant use. */
export function defaultKeyPolicy(accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  });
}

export class KmsModel {
  readonly keys = new Map<string, KmsKey>();
  /** alias name (`alias/x`) → key id. */
  readonly aliases = new Map<string, string>();
  readonly #cloud: LocalCloud;

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
  }

  #statements(key: KmsKey): PolicyStatement[] {
    try {
      const doc = JSON.parse(key.Policy) as { Statement?: PolicyStatement | PolicyStatement[] };
      return doc.Statement === undefined
        ? []
        : Array.isArray(doc.Statement)
          ? doc.Statement
          : [doc.Statement];
    } catch {
      return [];
    }
  }

  /**
   * Whether the key policy lets an IAM principal of this account be authorized for the action:
   * directly, or through the account root statement that delegates to IAM policies
   * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html). Conditions
   * on such statements are not evaluated (stackdrop's key policy has none on them).
   */
  keyPolicyAllows(key: KmsKey, principalArn: string, action: string): boolean {
    const root = `arn:aws:iam::${this.#cloud.accountId}:root`;
    return this.#statements(key).some(
      (s) =>
        s.Effect === 'Allow' &&
        actionsOf(s).some((a) => actionMatches(a, action)) &&
        principalsOf(s, 'AWS').some(
          (p) => p === '*' || p === root || p === this.#cloud.accountId || p === principalArn,
        ),
    );
  }

  /** Whether the key policy allows a service principal (e.g. `logs.eu-west-1.amazonaws.com`) an action. */
  keyPolicyAllowsService(key: KmsKey, service: string, action: string): boolean {
    return this.#statements(key).some(
      (s) =>
        s.Effect === 'Allow' &&
        actionsOf(s).some((a) => actionMatches(a, action)) &&
        principalsOf(s, 'Service').includes(service),
    );
  }

  /** The key a KeyId names: key id, key ARN, alias name or alias ARN. Throws NotFoundException. */
  resolve(ref: unknown): KmsKey {
    const id = String(ref ?? '');
    if (!id) throw new AwsError('ValidationException', 'KeyId is required.');
    let keyId = id;
    const arn = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/.exec(id);
    if (arn) {
      if (arn[1] !== this.#cloud.region || arn[2] !== this.#cloud.accountId) throw notFound(id);
      keyId = arn[3] === 'key' ? arn[4]! : `alias/${arn[4]}`;
    }
    if (keyId.startsWith('alias/')) {
      if (keyId.startsWith('alias/aws/') && !this.aliases.has(keyId)) return this.#awsManagedKey(keyId);
      const target = this.aliases.get(keyId);
      if (!target)
        throw new AwsError('NotFoundException', `Alias ${this.#cloud.arn('kms', keyId)} is not found.`);
      keyId = target;
    }
    const key = this.keys.get(keyId);
    if (!key) throw notFound(id);
    return key;
  }

  /** An AWS managed key, made on first use as AWS does. */
  #awsManagedKey(alias: string): KmsKey {
    const key = this.#newKey({
      Description: `Default key that protects my ${alias.slice('alias/aws/'.length)} data when no other key is defined`,
      KeyManager: 'AWS',
      Policy: defaultKeyPolicy(this.#cloud.accountId),
    });
    this.aliases.set(alias, key.KeyId);
    return key;
  }

  #newKey(input: {
    Description?: string;
    KeyManager: 'AWS' | 'CUSTOMER';
    Policy: string;
    Tags?: Tag[];
  }): KmsKey {
    const KeyId = randomUUID();
    const key: KmsKey = {
      KeyId,
      Arn: this.#cloud.arn('kms', `key/${KeyId}`),
      Description: input.Description ?? '',
      CreationDate: this.#cloud.clock.date(),
      KeyState: 'Enabled',
      KeyManager: input.KeyManager,
      Policy: input.Policy,
      tags: input.Tags ?? [],
      material: randomBytes(32),
      ...(input.KeyManager === 'AWS' ? { rotation: { periodDays: ROTATION_PERIOD_DAYS.default } } : {}),
    };
    this.keys.set(KeyId, key);
    return key;
  }

  /**
   * The lockout safety check: the policy must let the principal creating the key (or changing its
   * policy) change it again, unless BypassPolicyLockoutSafetyCheck is set.
   */
  #checkLockout(policy: string, principalArn: string | undefined, bypass: unknown): void {
    try {
      JSON.parse(policy);
    } catch {
      throw new AwsError('MalformedPolicyDocumentException', 'The key policy is not valid JSON.');
    }
    if (bypass === true) return;
    const probe = { Policy: policy } as KmsKey;
    const principal = principalArn ?? `arn:aws:iam::${this.#cloud.accountId}:root`;
    if (!this.keyPolicyAllows(probe, principal, 'kms:PutKeyPolicy')) {
      throw new AwsError(
        'MalformedPolicyDocumentException',
        'The new key policy will not allow you to update the key policy in the future.',
      );
    }
  }

  /** CreateKey (symmetric encryption keys only). `principalArn` is the caller, for the lockout check. */
  createKey(input: {
    Policy?: string;
    Description?: string;
    KeyUsage?: string;
    KeySpec?: string;
    Tags?: Tag[];
    BypassPolicyLockoutSafetyCheck?: boolean;
    MultiRegion?: boolean;
    principalArn?: string;
  }): KmsKey {
    if (
      (input.KeySpec ?? 'SYMMETRIC_DEFAULT') !== 'SYMMETRIC_DEFAULT' ||
      (input.KeyUsage ?? 'ENCRYPT_DECRYPT') !== 'ENCRYPT_DECRYPT'
    )
      throw new AwsError(
        'UnsupportedOperationException',
        'The local cloud models symmetric encryption keys (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT) only.',
      );
    if (input.Description !== undefined && input.Description.length > 8192)
      throw new AwsError('ValidationException', 'Description must have length less than or equal to 8192');
    const policy = input.Policy ?? defaultKeyPolicy(this.#cloud.accountId);
    if (input.Policy !== undefined)
      this.#checkLockout(policy, input.principalArn, input.BypassPolicyLockoutSafetyCheck);
    return this.#newKey({
      Description: input.Description,
      KeyManager: 'CUSTOMER',
      Policy: policy,
      Tags: input.Tags,
    });
  }

  #customer(ref: unknown, operation: string): KmsKey {
    const key = this.resolve(ref);
    if (key.KeyManager === 'AWS')
      throw new AwsError(
        'UnsupportedOperationException',
        `${key.Arn} is an AWS managed key: ${operation} is not allowed on it.`,
      );
    return key;
  }

  #notPendingDeletion(key: KmsKey): void {
    if (key.KeyState === 'PendingDeletion')
      throw new AwsError('KMSInvalidStateException', `${key.Arn} is pending deletion.`);
  }

  putKeyPolicy(input: {
    KeyId: string;
    Policy: string;
    PolicyName?: string;
    BypassPolicyLockoutSafetyCheck?: boolean;
    principalArn?: string;
  }): void {
    const key = this.#customer(input.KeyId, 'PutKeyPolicy');
    if ((input.PolicyName ?? 'default') !== 'default')
      throw new AwsError('NotFoundException', 'No such policy exists');
    this.#checkLockout(input.Policy, input.principalArn, input.BypassPolicyLockoutSafetyCheck);
    key.Policy = input.Policy;
  }

  enableKey(input: { KeyId: string }): void {
    const key = this.#customer(input.KeyId, 'EnableKey');
    this.#notPendingDeletion(key);
    key.KeyState = 'Enabled';
  }

  disableKey(input: { KeyId: string }): void {
    const key = this.#customer(input.KeyId, 'DisableKey');
    this.#notPendingDeletion(key);
    key.KeyState = 'Disabled';
  }

  enableKeyRotation(input: { KeyId: string; RotationPeriodInDays?: number }): void {
    const key = this.#customer(input.KeyId, 'EnableKeyRotation');
    this.#notPendingDeletion(key);
    if (key.KeyState === 'Disabled') throw new AwsError('DisabledException', `${key.Arn} is disabled.`);
    const days = input.RotationPeriodInDays ?? ROTATION_PERIOD_DAYS.default;
    if (!Number.isInteger(days) || days < ROTATION_PERIOD_DAYS.min || days > ROTATION_PERIOD_DAYS.max)
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${days}' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value between ${ROTATION_PERIOD_DAYS.min} and ${ROTATION_PERIOD_DAYS.max}`,
      );
    key.rotation = { periodDays: days };
  }

  disableKeyRotation(input: { KeyId: string }): void {
    const key = this.#customer(input.KeyId, 'DisableKeyRotation');
    this.#notPendingDeletion(key);
    if (key.KeyState === 'Disabled') throw new AwsError('DisabledException', `${key.Arn} is disabled.`);
    key.rotation = undefined;
  }

  /** ScheduleKeyDeletion: PendingDeletion for 7–30 days (default 30), then the key is gone. */
  scheduleKeyDeletion(input: { KeyId: string; PendingWindowInDays?: number }): KmsKey {
    const key = this.#customer(input.KeyId, 'ScheduleKeyDeletion');
    this.#notPendingDeletion(key);
    const days = input.PendingWindowInDays ?? PENDING_WINDOW_DAYS.default;
    if (!Number.isInteger(days) || days < PENDING_WINDOW_DAYS.min || days > PENDING_WINDOW_DAYS.max)
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between ${PENDING_WINDOW_DAYS.min} and ${PENDING_WINDOW_DAYS.max}`,
      );
    key.KeyState = 'PendingDeletion';
    key.PendingDeletionWindowInDays = days;
    key.DeletionDate = new Date(this.#cloud.clock.now() + days * 86_400_000);
    key.deletionTimer = this.#cloud.clock.setBackgroundTimer(days * 86_400_000, () => {
      if (this.keys.get(key.KeyId) !== key || key.KeyState !== 'PendingDeletion') return;
      this.keys.delete(key.KeyId);
      for (const [alias, target] of this.aliases) if (target === key.KeyId) this.aliases.delete(alias);
    });
    return key;
  }

  /** CancelKeyDeletion: the key comes back Disabled, as AWS leaves it. */
  cancelKeyDeletion(input: { KeyId: string }): KmsKey {
    const key = this.#customer(input.KeyId, 'CancelKeyDeletion');
    if (key.KeyState !== 'PendingDeletion')
      throw new AwsError('KMSInvalidStateException', `${key.Arn} is not pending deletion.`);
    key.deletionTimer?.cancel();
    key.KeyState = 'Disabled';
    key.DeletionDate = undefined;
    key.PendingDeletionWindowInDays = undefined;
    return key;
  }

  createAlias(input: { AliasName: string; TargetKeyId: string }): void {
    const name = input.AliasName ?? '';
    if (!/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(name))
      throw new AwsError('ValidationException', `Alias must match pattern: ^alias/[a-zA-Z0-9/_-]+$`);
    if (name.startsWith('alias/aws/'))
      throw new AwsError(
        'NotAuthorizedException',
        'The alias prefix alias/aws/ is reserved for AWS managed keys.',
      );
    if (this.aliases.has(name))
      throw new AwsError(
        'AlreadyExistsException',
        `An alias with the name ${this.#cloud.arn('kms', name)} already exists`,
      );
    const key = this.#customer(input.TargetKeyId, 'CreateAlias');
    this.#notPendingDeletion(key);
    this.aliases.set(name, key.KeyId);
  }

  deleteAlias(input: { AliasName: string }): void {
    if (!this.aliases.delete(input.AliasName))
      throw new AwsError(
        'NotFoundException',
        `Alias ${this.#cloud.arn('kms', input.AliasName)} is not found.`,
      );
  }

  tagResource(input: { KeyId: string; Tags: Tag[] }): void {
    const key = this.#customer(input.KeyId, 'TagResource');
    this.#notPendingDeletion(key);
    for (const t of input.Tags ?? []) key.tags = [...key.tags.filter((x) => x.TagKey !== t.TagKey), t];
  }

  untagResource(input: { KeyId: string; TagKeys: string[] }): void {
    const key = this.#customer(input.KeyId, 'UntagResource');
    key.tags = key.tags.filter((t) => !(input.TagKeys ?? []).includes(t.TagKey));
  }

  /**
   * DescribeKey. `viaService` names the AWS service calling on its caller's behalf (e.g. `rds`),
   * which IAM sees as kms:ViaService; CloudFormation providers call it so the stack's role is
   * authorized for what the consumer service does with the key.
   */
  describeKey(input: { KeyId: string; viaService?: string }) {
    return this.metadata(this.resolve(input.KeyId));
  }

  /**
   * CreateGrant: services that keep using a key (RDS, ECR) make a grant for themselves as their
   * caller; the key must be usable (key-state table). Grants are not otherwise modelled.
   */
  createGrant(input: {
    KeyId: string;
    GranteePrincipal: string;
    Operations?: string[];
    viaService?: string;
  }): {
    GrantId: string;
  } {
    this.#usable(input.KeyId);
    return { GrantId: randomBytes(32).toString('hex') };
  }

  /** Why a consumer cannot use a key now, or undefined when it can (key-state table). */
  problem(ref: string): KeyProblem | undefined {
    let key: KmsKey;
    try {
      key = this.resolve(ref);
    } catch (error) {
      return { code: 'NotFoundException', message: (error as Error).message };
    }
    return cryptographicStateError(key.KeyState, key.Arn);
  }

  #usable(ref: unknown): KmsKey {
    const key = this.resolve(ref);
    const error = cryptographicStateError(key.KeyState, key.Arn);
    if (error) throw new AwsError(error.code, error.message);
    return key;
  }

  static #aad(context: Record<string, string> | undefined): Buffer {
    const entries = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Buffer.from(JSON.stringify(entries));
  }

  encrypt(input: {
    KeyId: string;
    Plaintext: Uint8Array | string;
    EncryptionContext?: Record<string, string>;
  }): { CiphertextBlob: Buffer; KeyId: string } {
    const key = this.#usable(input.KeyId);
    const plaintext = bytes(input.Plaintext);
    if (plaintext.length < 1 || plaintext.length > 4096)
      throw new AwsError('ValidationException', 'Plaintext must be between 1 and 4096 bytes.');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.material, iv);
    cipher.setAAD(KmsModel.#aad(input.EncryptionContext));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const id = Buffer.from(key.KeyId.padEnd(36));
    return { CiphertextBlob: Buffer.concat([MAGIC, id, iv, cipher.getAuthTag(), body]), KeyId: key.Arn };
  }

  decrypt(input: {
    viaService?: string;
    CiphertextBlob: Uint8Array | string;
    KeyId?: string;
    EncryptionContext?: Record<string, string>;
  }): { Plaintext: Buffer; KeyId: string } {
    const blob = bytes(input.CiphertextBlob);
    if (blob.length < MAGIC.length + 36 + 28 || !blob.subarray(0, MAGIC.length).equals(MAGIC))
      throw new AwsError('InvalidCiphertextException', '');
    const keyId = blob
      .subarray(MAGIC.length, MAGIC.length + 36)
      .toString()
      .trim();
    const key = this.keys.get(keyId);
    if (!key) throw new AwsError('InvalidCiphertextException', '');
    if (input.KeyId !== undefined && this.resolve(input.KeyId).KeyId !== key.KeyId)
      throw new AwsError(
        'IncorrectKeyException',
        'The key ID in the request does not identify a KMS key that can perform this operation.',
      );
    this.#usable(key.KeyId);
    const at = MAGIC.length + 36;
    const decipher = createDecipheriv('aes-256-gcm', key.material, blob.subarray(at, at + 12));
    decipher.setAuthTag(blob.subarray(at + 12, at + 28));
    decipher.setAAD(KmsModel.#aad(input.EncryptionContext));
    try {
      return {
        Plaintext: Buffer.concat([decipher.update(blob.subarray(at + 28)), decipher.final()]),
        KeyId: key.Arn,
      };
    } catch {
      throw new AwsError('InvalidCiphertextException', '');
    }
  }

  generateDataKey(input: {
    KeyId: string;
    KeySpec?: string;
    NumberOfBytes?: number;
    EncryptionContext?: Record<string, string>;
    viaService?: string;
  }): { Plaintext: Buffer; CiphertextBlob: Buffer; KeyId: string } {
    if (input.KeySpec !== undefined && input.NumberOfBytes !== undefined)
      throw new AwsError('ValidationException', 'Please specify either number of bytes or key spec.');
    const size =
      input.NumberOfBytes ??
      (input.KeySpec === 'AES_128'
        ? 16
        : input.KeySpec === 'AES_256' || input.KeySpec === undefined
          ? 32
          : 0);
    if (input.KeySpec === undefined && input.NumberOfBytes === undefined)
      throw new AwsError('ValidationException', 'Please specify either number of bytes or key spec.');
    if (!Number.isInteger(size) || size < 1 || size > 1024)
      throw new AwsError(
        'ValidationException',
        'NumberOfBytes must be between 1 and 1024 (or KeySpec AES_128 / AES_256).',
      );
    const plaintext = randomBytes(size);
    const { CiphertextBlob, KeyId } = this.encrypt({
      KeyId: input.KeyId,
      Plaintext: plaintext,
      EncryptionContext: input.EncryptionContext,
    });
    return { Plaintext: plaintext, CiphertextBlob, KeyId };
  }

  /** KeyMetadata as DescribeKey returns it. */
  metadata(key: KmsKey) {
    return {
      AWSAccountId: this.#cloud.accountId,
      KeyId: key.KeyId,
      Arn: key.Arn,
      CreationDate: key.CreationDate,
      Enabled: key.KeyState === 'Enabled',
      Description: key.Description,
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: key.KeyState,
      ...(key.DeletionDate
        ? { DeletionDate: key.DeletionDate, PendingDeletionWindowInDays: key.PendingDeletionWindowInDays }
        : {}),
      Origin: 'AWS_KMS',
      KeyManager: key.KeyManager,
      CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      MultiRegion: false,
    };
  }

  /** The wire definition registered with the kernel under `kms` (awsJson 1.1, TrentService). */
  definition(): ServiceDefinition {
    // The caller, for the lockout safety check: a role session, else the account's administrator.
    const principal = (ctx: RequestContext): string | undefined => ctx.cloud.iam.sessionOf(ctx.http)?.roleArn;
    return {
      protocol: 'awsJson1_1',
      targetPrefix: 'TrentService',
      operations: {
        CreateKey: (input, ctx) => ({
          KeyMetadata: this.metadata(this.createKey({ ...input, principalArn: principal(ctx) })),
        }),
        DescribeKey: (input) => ({ KeyMetadata: this.metadata(this.resolve(input.KeyId)) }),
        ListKeys: () => ({
          Keys: [...this.keys.values()].map((k) => ({ KeyId: k.KeyId, KeyArn: k.Arn })),
          Truncated: false,
        }),
        GetKeyPolicy: (input) => ({ Policy: this.resolve(input.KeyId).Policy, PolicyName: 'default' }),
        PutKeyPolicy: (input, ctx) => {
          this.putKeyPolicy({ ...input, principalArn: principal(ctx) });
          return {};
        },
        EnableKey: (input) => none(this.enableKey(input)),
        DisableKey: (input) => none(this.disableKey(input)),
        EnableKeyRotation: (input) => none(this.enableKeyRotation(input)),
        DisableKeyRotation: (input) => none(this.disableKeyRotation(input)),
        GetKeyRotationStatus: (input) => {
          const key = this.resolve(input.KeyId);
          return {
            KeyId: key.Arn,
            KeyRotationEnabled: key.rotation !== undefined,
            ...(key.rotation ? { RotationPeriodInDays: key.rotation.periodDays } : {}),
          };
        },
        ScheduleKeyDeletion: (input) => {
          const key = this.scheduleKeyDeletion(input);
          return {
            KeyId: key.Arn,
            DeletionDate: key.DeletionDate,
            KeyState: key.KeyState,
            PendingWindowInDays: key.PendingDeletionWindowInDays,
          };
        },
        CancelKeyDeletion: (input) => ({ KeyId: this.cancelKeyDeletion(input).Arn }),
        CreateAlias: (input) => none(this.createAlias(input)),
        DeleteAlias: (input) => none(this.deleteAlias(input)),
        ListAliases: (input) => ({
          Aliases: [...this.aliases]
            .filter(([, id]) => !input.KeyId || id === this.resolve(input.KeyId).KeyId)
            .map(([name, id]) => ({
              AliasName: name,
              AliasArn: this.#cloud.arn('kms', name),
              TargetKeyId: id,
            })),
          Truncated: false,
        }),
        TagResource: (input) => none(this.tagResource(input)),
        UntagResource: (input) => none(this.untagResource(input)),
        ListResourceTags: (input) => ({ Tags: this.resolve(input.KeyId).tags, Truncated: false }),
        Encrypt: (input) => ({ ...this.encrypt(input), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }),
        Decrypt: (input) => ({ ...this.decrypt(input), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }),
        GenerateDataKey: (input) => this.generateDataKey(input),
      },
    };
  }
}

/** Where the key-state rules come from (for messages that point a user at AWS's page). */
export const KMS_KEY_STATES_SOURCE = KMS_SOURCES.keyStates;
