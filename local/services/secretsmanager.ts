import { randomBytes, randomUUID } from 'node:crypto';
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
    const existing = this.secrets.get(input.Name);
    if (existing && !existing.DeletedDate) {
      throw new AwsError(
        'ResourceExistsException',
        `The operation failed because the secret ${input.Name} already exists.`,
      );
    }
    const now = this.#cloud.clock.date();
    const secret: Secret = {
      ARN: this.#cloud.arn(
        'secretsmanager',
        `secret:${input.Name}-${randomBytes(4).toString('base64url').slice(0, 6)}`,
      ),
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

  /** Finds a secret by name, full ARN or partial ARN. */
  secret(id: string): Secret {
    const s =
      this.secrets.get(id) ??
      [...this.secrets.values()].find((x) => x.ARN === id || (id.startsWith('arn:') && x.ARN.startsWith(id)));
    if (!s || s.DeletedDate) throw notFound();
    return s;
  }

  putSecretValue(
    id: string,
    value: { SecretString?: string; SecretBinary?: string; ClientRequestToken?: string },
  ): SecretVersion {
    const s = this.secret(id);
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

  /** Deletes a secret (immediately when forced, else scheduled after the recovery window). */
  deleteSecret(
    id: string,
    options: { ForceDeleteWithoutRecovery?: boolean; RecoveryWindowInDays?: number } = {},
  ): { secret: Secret; deletionDate: Date } {
    const s = this.secret(id);
    const days = options.ForceDeleteWithoutRecovery ? 0 : (options.RecoveryWindowInDays ?? 30);
    const deletionDate = new Date(this.#cloud.clock.now() + days * 86_400_000);
    s.DeletedDate = this.#cloud.clock.date();
    if (days === 0) this.secrets.delete(s.Name);
    else this.#cloud.clock.setTimer(days * 86_400_000, () => this.secrets.delete(s.Name));
    return { secret: s, deletionDate };
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
        DescribeSecret: (input) => this.#describe(this.secret(input.SecretId)),
        ListSecrets: () => ({
          SecretList: [...this.secrets.values()].filter((s) => !s.DeletedDate).map((s) => this.#describe(s)),
        }),
        DeleteSecret: (input) => {
          const r = this.deleteSecret(input.SecretId, input);
          return { ARN: r.secret.ARN, Name: r.secret.Name, DeletionDate: r.deletionDate };
        },
        TagResource: (input) => {
          const s = this.secret(input.SecretId);
          for (const t of (input.Tags ?? []) as Tag[]) {
            s.Tags = [...s.Tags.filter((x) => x.Key !== t.Key), t];
          }
          return {};
        },
      },
    };
  }
}
