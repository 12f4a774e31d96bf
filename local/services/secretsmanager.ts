import { randomInt, randomUUID } from 'node:crypto';
import {
  isCompleteSecretArn,
  isValidSecretName,
  RECOVERY_WINDOW_DAYS,
  SECRET_NAME_MAX,
} from '#shared/aws-rules/secretsmanager.ts';
import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';

type Tag = { Key: string; Value: string };

export interface SecretVersion {
  VersionId: string;
  SecretString?: string;
  SecretBinary?: string;
  CreatedDate: Date;
  stages: string[];
}

export interface Secret {
  ARN: string;
  Name: string;
  Description?: string;
  KmsKeyId?: string;
  Tags: Tag[];
  CreatedDate: Date;
  LastChangedDate: Date;
  DeletedDate?: Date;
  OwningService?: string;
  versions: SecretVersion[];
}

const notFound = () =>
  new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
// API_GetSecretValue / API_DeleteSecret: a secret in its recovery window refuses every use.
const markedForDeletion = (_operation: string) =>
  new AwsError(
    'InvalidRequestException',
    "You can't perform this operation on the secret because it was marked for deletion.",
  );
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The 6 random alphanumerics AWS appends (`-` + suffix) to a secret's name in its ARN. */
function arnSuffix(): string {
  let out = '';
  for (let i = 0; i < 6; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

/**
 * ListSecrets filters (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Filter.html,
 * read 2026-12-07): `name`, `tag-key`, `tag-value` are case-sensitive prefix matches, `description`
 * a case-insensitive one; a value starting with `!` negates; the values of one key are any-of and
 * the keys all-of. (`all`, `primary-region` and `owning-service` are not modelled: they match nothing.)
 */
function matchesFilters(s: Secret, filters: Array<{ Key?: string; Values?: string[] }> | undefined): boolean {
  return (filters ?? []).every((f) => {
    const fields: string[] =
      f.Key === 'name'
        ? [s.Name]
        : f.Key === 'tag-key'
          ? s.Tags.map((t) => t.Key)
          : f.Key === 'tag-value'
            ? s.Tags.map((t) => t.Value)
            : f.Key === 'description'
              ? [s.Description ?? '']
              : [];
    const ci = f.Key === 'description';
    return (f.Values ?? []).some((raw) => {
      const negate = raw.startsWith('!');
      const v = negate ? raw.slice(1) : raw;
      const hit = fields.some((x) => (ci ? x.toLowerCase().startsWith(v.toLowerCase()) : x.startsWith(v)));
      return negate ? !hit : hit;
    });
  });
}

/** Secrets Manager: secrets with versions and stages (the managed DB secret included). */
export class SecretsManagerModel {
  readonly #cloud: LocalCloud;
  readonly secrets = new Map<string, Secret>();

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
  }

  createSecret(input: {
    Name: string;
    SecretString?: string;
    SecretBinary?: string;
    Description?: string;
    KmsKeyId?: string;
    Tags?: Tag[];
    ClientRequestToken?: string;
    OwningService?: string;
  }): Secret {
    if (!input.Name)
      throw new AwsError('InvalidParameterException', 'You must provide a name for the secret.');
    // Names: 1–512 of letters, digits and /_+=.@- (API_CreateSecret); RDS's managed `rds!` too.
    if (input.Name.length > SECRET_NAME_MAX) {
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value at 'name' failed to satisfy constraint: Member must have length less than or equal to ${SECRET_NAME_MAX}`,
      );
    }
    if (!isValidSecretName(input.Name, input.OwningService !== undefined)) {
      throw new AwsError(
        'ValidationException',
        'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
      );
    }
    const problem = this.keyProblem(input.KmsKeyId);
    if (problem && (input.SecretString !== undefined || input.SecretBinary !== undefined))
      throw new AwsError(
        'EncryptionFailure',
        `Secrets Manager can't encrypt the protected secret text using the provided KMS key. ${problem.message}`,
      );
    const existing = this.secrets.get(input.Name);
    if (existing?.DeletedDate) {
      throw new AwsError(
        'InvalidRequestException',
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
      );
    }
    if (existing) {
      throw new AwsError(
        'ResourceExistsException',
        `The operation failed because the secret ${input.Name} already exists.`,
      );
    }
    const now = this.#cloud.clock.date();
    const secret: Secret = {
      ARN: this.#cloud.arn('secretsmanager', `secret:${input.Name}-${arnSuffix()}`),
      Name: input.Name,
      Description: input.Description,
      KmsKeyId: input.KmsKeyId,
      Tags: input.Tags ?? [],
      CreatedDate: now,
      LastChangedDate: now,
      OwningService: input.OwningService,
      versions: [],
    };
    if (input.SecretString !== undefined || input.SecretBinary !== undefined) {
      secret.versions.push({
        VersionId: input.ClientRequestToken ?? randomUUID(),
        SecretString: input.SecretString,
        SecretBinary: input.SecretBinary,
        CreatedDate: now,
        stages: ['AWSCURRENT'],
      });
    }
    this.secrets.set(input.Name, secret);
    return secret;
  }

  /**
   * Finds a secret by name, complete ARN or partial ARN (the ARN without its `-xxxxxx` suffix),
   * as AWS resolves them: an ARN ending in `-` + 6 characters is taken as complete, a partial
   * ARN must match exactly one secret, and a name never includes the suffix. Secrets scheduled
   * for deletion are found (DescribeSecret shows them); `secret()` refuses them.
   */
  find(id: string): Secret {
    const all = [...this.secrets.values()];
    let s: Secret | undefined;
    if (!id.startsWith('arn:')) s = this.secrets.get(id);
    else if (isCompleteSecretArn(id)) s = all.find((x) => x.ARN === id);
    else {
      const matches = all.filter((x) => x.ARN.length === id.length + 7 && x.ARN.startsWith(`${id}-`));
      s = matches.length === 1 ? matches[0] : undefined;
    }
    if (!s) throw notFound();
    return s;
  }

  /** A secret that is not scheduled for deletion (InvalidRequestException when it is). */
  secret(id: string, operation = 'GetSecretValue'): Secret {
    const s = this.find(id);
    if (s.DeletedDate) throw markedForDeletion(operation);
    return s;
  }

  putSecretValue(
    id: string,
    value: { SecretString?: string; SecretBinary?: string; ClientRequestToken?: string },
  ): SecretVersion {
    const s = this.secret(id, 'PutSecretValue');
    for (const v of s.versions) {
      if (v.stages.includes('AWSPREVIOUS')) v.stages = v.stages.filter((x) => x !== 'AWSPREVIOUS');
      if (v.stages.includes('AWSCURRENT'))
        v.stages = [...v.stages.filter((x) => x !== 'AWSCURRENT'), 'AWSPREVIOUS'];
    }
    const version: SecretVersion = {
      VersionId: value.ClientRequestToken ?? randomUUID(),
      SecretString: value.SecretString,
      SecretBinary: value.SecretBinary,
      CreatedDate: this.#cloud.clock.date(),
      stages: ['AWSCURRENT'],
    };
    s.versions.push(version);
    s.LastChangedDate = version.CreatedDate;
    return version;
  }

  getSecretValue(
    id: string,
    options: { VersionId?: string; VersionStage?: string } = {},
  ): SecretVersion & { secret: Secret } {
    const s = this.secret(id);
    const problem = this.keyProblem(s.KmsKeyId);
    if (problem)
      throw new AwsError(
        'DecryptionFailure',
        `Secrets Manager can't decrypt the protected secret text using the provided KMS key. ${problem.message}`,
      );
    const v = options.VersionId
      ? s.versions.find((x) => x.VersionId === options.VersionId)
      : s.versions.find((x) => x.stages.includes(options.VersionStage ?? 'AWSCURRENT'));
    if (!v) {
      throw new AwsError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
      );
    }
    return { ...v, secret: s };
  }

  /**
   * Why the secret's KMS key cannot encrypt or decrypt now (a customer key disabled, pending
   * deletion or gone), or undefined. Secrets Manager uses the key on every read and write:
   * EncryptionFailure / DecryptionFailure
   * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html, read 2026-12-07).
   */
  keyProblem(kmsKeyId: string | undefined): { code: string; message: string } | undefined {
    if (!kmsKeyId || kmsKeyId === 'alias/aws/secretsmanager') return undefined;
    return this.#cloud.kms.problem(kmsKeyId);
  }

  /** Deletes a secret (immediately when forced, else scheduled after the recovery window). */
  deleteSecret(
    id: string,
    options: { ForceDeleteWithoutRecovery?: boolean; RecoveryWindowInDays?: number } = {},
  ): { secret: Secret; deletionDate: Date } {
    const s = this.find(id);
    if (options.ForceDeleteWithoutRecovery && options.RecoveryWindowInDays !== undefined) {
      throw new AwsError(
        'InvalidParameterException',
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
      );
    }
    const window = options.RecoveryWindowInDays;
    if (window !== undefined && (window < RECOVERY_WINDOW_DAYS.min || window > RECOVERY_WINDOW_DAYS.max)) {
      throw new AwsError(
        'InvalidParameterException',
        `The RecoveryWindowInDays value must be between ${RECOVERY_WINDOW_DAYS.min} and ${RECOVERY_WINDOW_DAYS.max} days (inclusive).`,
      );
    }
    if (s.DeletedDate && !options.ForceDeleteWithoutRecovery) throw markedForDeletion('DeleteSecret');
    const days = options.ForceDeleteWithoutRecovery ? 0 : (window ?? RECOVERY_WINDOW_DAYS.default);
    const deletionDate = new Date(this.#cloud.clock.now() + days * 86_400_000);
    s.DeletedDate = this.#cloud.clock.date();
    if (days === 0) this.secrets.delete(s.Name);
    else
      this.#cloud.clock.setBackgroundTimer(days * 86_400_000, () => {
        if (this.secrets.get(s.Name) === s && s.DeletedDate) this.secrets.delete(s.Name);
      });
    return { secret: s, deletionDate };
  }

  /** RestoreSecret: cancels a scheduled deletion. */
  restoreSecret(id: string): Secret {
    const s = this.find(id);
    s.DeletedDate = undefined;
    return s;
  }

  #describe(s: Secret) {
    return {
      ARN: s.ARN,
      Name: s.Name,
      Description: s.Description,
      KmsKeyId: s.KmsKeyId,
      RotationEnabled: false,
      LastChangedDate: s.LastChangedDate,
      CreatedDate: s.CreatedDate,
      DeletedDate: s.DeletedDate,
      OwningService: s.OwningService,
      Tags: s.Tags,
      VersionIdsToStages: Object.fromEntries(
        s.versions.filter((v) => v.stages.length).map((v) => [v.VersionId, v.stages]),
      ),
    };
  }

  /** The wire definition registered with the kernel. */
  definition(): ServiceDefinition {
    return {
      protocol: 'awsJson1_1',
      targetPrefix: 'secretsmanager',
      operations: {
        CreateSecret: (input) => {
          const s = this.createSecret(input);
          return { ARN: s.ARN, Name: s.Name, VersionId: s.versions[0]?.VersionId };
        },
        GetSecretValue: (input) => {
          const v = this.getSecretValue(input.SecretId, input);
          return {
            ARN: v.secret.ARN,
            Name: v.secret.Name,
            VersionId: v.VersionId,
            SecretString: v.SecretString,
            SecretBinary: v.SecretBinary,
            VersionStages: v.stages,
            CreatedDate: v.CreatedDate,
          };
        },
        PutSecretValue: (input) => {
          const v = this.putSecretValue(input.SecretId, input);
          const s = this.secret(input.SecretId);
          return { ARN: s.ARN, Name: s.Name, VersionId: v.VersionId, VersionStages: v.stages };
        },
        DescribeSecret: (input) => this.#describe(this.find(input.SecretId)),
        ListSecrets: (input) => ({
          SecretList: [...this.secrets.values()]
            .filter(
              (s) => (!s.DeletedDate || input.IncludePlannedDeletion) && matchesFilters(s, input.Filters),
            )
            // SecretListEntry names the version map SecretVersionsToStages (DescribeSecret: VersionIdsToStages).
            .map((s) => {
              const { VersionIdsToStages, ...rest } = this.#describe(s);
              return { ...rest, SecretVersionsToStages: VersionIdsToStages };
            }),
        }),
        RestoreSecret: (input) => {
          const s = this.restoreSecret(input.SecretId);
          return { ARN: s.ARN, Name: s.Name };
        },
        DeleteSecret: (input) => {
          const r = this.deleteSecret(input.SecretId, input);
          return { ARN: r.secret.ARN, Name: r.secret.Name, DeletionDate: r.deletionDate };
        },
        TagResource: (input) => {
          const s = this.secret(input.SecretId, 'TagResource');
          for (const t of (input.Tags ?? []) as Tag[]) {
            s.Tags = [...s.Tags.filter((x) => x.Key !== t.Key), t];
          }
          return {};
        },
      },
    };
  }
}
