import { randomBytes, randomUUID } from 'node:crypto';
import {
  AURORA_DEFAULT_VERSIONS,
  type AuroraEngineVersion,
  findAuroraEngineVersion,
  isAuroraInstanceClassOffered,
  serverlessScalingProblems,
  unsupportedCombinationMessage,
} from '#shared/aws-rules/rds.ts';
import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';
import { rdsDefinition } from './rds-api.ts';

type Tag = { Key: string; Value: string };

export interface DbSubnetGroup {
  DBSubnetGroupName: string;
  DBSubnetGroupDescription: string;
  VpcId: string;
  SubnetIds: string[];
  DBSubnetGroupArn: string;
  Tags: Tag[];
}

export interface DbCluster {
  DBClusterIdentifier: string;
  DBClusterArn: string;
  DbClusterResourceId: string;
  Engine: string;
  EngineVersion: string;
  EngineMode: string;
  Status: string;
  Endpoint: string;
  ReaderEndpoint: string;
  Port: number;
  MasterUsername: string;
  DatabaseName?: string;
  DBSubnetGroup?: string;
  DBClusterParameterGroup: string;
  VpcSecurityGroupIds: string[];
  BackupRetentionPeriod: number;
  StorageEncrypted: boolean;
  KmsKeyId?: string;
  DeletionProtection: boolean;
  ServerlessV2ScalingConfiguration?: ScalingConfiguration;
  MasterUserSecret?: { SecretArn: string; SecretStatus: string; KmsKeyId?: string };
  ClusterCreateTime: Date;
  HostedZoneId: string;
  Tags: Tag[];
}

export interface DbInstance {
  DBInstanceIdentifier: string;
  DBInstanceArn: string;
  DBClusterIdentifier?: string;
  DBInstanceClass: string;
  Engine: string;
  EngineVersion: string;
  DBInstanceStatus: string;
  AvailabilityZone: string;
  PromotionTier: number;
  PubliclyAccessible: boolean;
  Endpoint: { Address: string; Port: number; HostedZoneId: string };
  InstanceCreateTime: Date;
  DbiResourceId: string;
  Tags: Tag[];
}

export interface DbClusterSnapshot {
  DBClusterSnapshotIdentifier: string;
  DBClusterIdentifier: string;
  DBClusterSnapshotArn: string;
  SnapshotCreateTime: Date;
  ClusterCreateTime: Date;
  Engine: string;
  EngineVersion: string;
  Status: string;
  Port: number;
  VpcId?: string;
  MasterUsername: string;
  SnapshotType: 'manual' | 'automated';
  StorageEncrypted: boolean;
  PercentProgress: number;
  TagList: Tag[];
}

const HOSTED_ZONE = 'Z29XKXDKYMONMX';
type ScalingConfiguration = { MinCapacity?: number; MaxCapacity?: number; SecondsUntilAutoPause?: number };

/**
 * The engine version row from the dated table (shared/aws-rules/rds.ts), or RDS's refusal:
 * InvalidParameterCombination "Cannot find version 99.99.bogus for aurora-mysql" (as AWS answers
 * CreateDBCluster for a version it does not offer).
 */
function engineVersionRow(engine: string, version: string | undefined): AuroraEngineVersion {
  const v = version ?? AURORA_DEFAULT_VERSIONS[engine as keyof typeof AURORA_DEFAULT_VERSIONS];
  const row = v ? findAuroraEngineVersion(engine, v) : undefined;
  if (!row) throw new AwsError('InvalidParameterCombination', `Cannot find version ${v} for ${engine}`);
  return row;
}

/** Serverless v2 capacities the version accepts (API_ServerlessV2ScalingConfiguration). */
function checkScaling(row: AuroraEngineVersion, scaling: ScalingConfiguration | undefined): void {
  const problem = scaling ? serverlessScalingProblems(row, scaling)[0] : undefined;
  if (problem) throw new AwsError('InvalidParameterValue', problem);
}

function suffix(): string {
  return randomBytes(6).toString('hex').slice(0, 12);
}

/**
 * RDS (Aurora): subnet groups, clusters with a managed master secret, instances (first is the
 * writer), cluster snapshots. Model methods for the CloudFormation providers; Describe*,
 * ModifyDBCluster and snapshot calls over the wire.
 */
export class RdsModel {
  readonly #cloud: LocalCloud;
  readonly subnetGroups = new Map<string, DbSubnetGroup>();
  readonly clusterParameterGroups = new Map<
    string,
    {
      DBClusterParameterGroupName: string;
      DBParameterGroupFamily: string;
      Description: string;
      Parameters: Record<string, string>;
    }
  >();
  readonly clusters = new Map<string, DbCluster>();
  readonly instances = new Map<string, DbInstance>();
  readonly snapshots = new Map<string, DbClusterSnapshot>();
  readonly #clusterSuffix = suffix();

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
  }

  createDBSubnetGroup(input: {
    DBSubnetGroupName: string;
    DBSubnetGroupDescription: string;
    SubnetIds: string[];
    Tags?: Tag[];
  }): DbSubnetGroup {
    const name = input.DBSubnetGroupName.toLowerCase();
    if (this.subnetGroups.has(name)) {
      throw new AwsError('DBSubnetGroupAlreadyExists', `DB subnet group '${name}' already exists.`);
    }
    const subnets = input.SubnetIds.map((id) => this.#cloud.ec2.subnet(id));
    const vpcs = new Set(subnets.map((s) => s.VpcId));
    if (vpcs.size > 1) throw new AwsError('InvalidSubnet', 'Subnets must all be in the same VPC.');
    if (new Set(subnets.map((s) => s.AvailabilityZone)).size < 2) {
      throw new AwsError(
        'DBSubnetGroupDoesNotCoverEnoughAZs',
        "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: " +
          [...new Set(subnets.map((s) => s.AvailabilityZone))].join(', ') +
          '. Add subnets to cover at least 2 AZs.',
      );
    }
    const group: DbSubnetGroup = {
      DBSubnetGroupName: name,
      DBSubnetGroupDescription: input.DBSubnetGroupDescription,
      VpcId: [...vpcs][0]!,
      SubnetIds: input.SubnetIds,
      DBSubnetGroupArn: this.#cloud.arn('rds', `subgrp:${name}`),
      Tags: input.Tags ?? [],
    };
    this.subnetGroups.set(name, group);
    return group;
  }

  deleteDBSubnetGroup(name: string): void {
    const key = name.toLowerCase();
    if (!this.subnetGroups.has(key))
      throw new AwsError('DBSubnetGroupNotFoundFault', `DBSubnetGroup '${name}' not found.`, {
        statusCode: 404,
      });
    if ([...this.clusters.values()].some((c) => c.DBSubnetGroup === key)) {
      throw new AwsError(
        'InvalidDBSubnetGroupStateFault',
        `Cannot delete the subnet group '${name}' because at least one database instance: is still using it.`,
      );
    }
    this.subnetGroups.delete(key);
  }

  createDBClusterParameterGroup(input: {
    DBClusterParameterGroupName: string;
    DBParameterGroupFamily: string;
    Description: string;
    Parameters?: Record<string, string>;
  }) {
    const group = {
      ...input,
      DBClusterParameterGroupName: input.DBClusterParameterGroupName.toLowerCase(),
      Parameters: input.Parameters ?? {},
    };
    this.clusterParameterGroups.set(group.DBClusterParameterGroupName, group);
    return group;
  }

  /**
   * Creates an Aurora cluster, `creating` until `readyAfterMs` (default 0: available at once,
   * for callers that account for the duration themselves). ManageMasterUserPassword creates the
   * managed secret (`rds!cluster-<id>`) in Secrets Manager.
   */
  createDBCluster(input: {
    DBClusterIdentifier: string;
    Engine: string;
    EngineVersion?: string;
    MasterUsername?: string;
    MasterUserPassword?: string;
    ManageMasterUserPassword?: boolean;
    MasterUserSecretKmsKeyId?: string;
    DatabaseName?: string;
    DBSubnetGroupName?: string;
    DBClusterParameterGroupName?: string;
    VpcSecurityGroupIds?: string[];
    BackupRetentionPeriod?: number;
    StorageEncrypted?: boolean;
    KmsKeyId?: string;
    DeletionProtection?: boolean;
    Port?: number;
    ServerlessV2ScalingConfiguration?: ScalingConfiguration;
    SnapshotIdentifier?: string;
    Tags?: Tag[];
    readyAfterMs?: number;
  }): DbCluster {
    const id = input.DBClusterIdentifier.toLowerCase();
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(id) || id.endsWith('-') || id.includes('--')) {
      throw new AwsError(
        'InvalidParameterValue',
        'The parameter DBClusterIdentifier is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.',
      );
    }
    if (this.clusters.has(id)) throw new AwsError('DBClusterAlreadyExistsFault', 'DB Cluster already exists');
    if (!['aurora-mysql', 'aurora-postgresql'].includes(input.Engine)) {
      throw new AwsError('InvalidParameterValue', `Invalid DB engine: ${input.Engine}`);
    }
    const row = engineVersionRow(input.Engine, input.EngineVersion);
    checkScaling(row, input.ServerlessV2ScalingConfiguration);
    // "DB clusters" (L-952B80B8, 40 per Region): https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/CHAP_Limits.html
    this.#cloud.quotas.enforce(
      'dbClusters',
      this.clusters.size,
      (limit) =>
        new AwsError(
          'DBClusterQuotaExceededFault',
          `Cannot create more than ${limit} DB clusters in this Region.`,
          {
            statusCode: 403,
          },
        ),
    );
    if (input.ManageMasterUserPassword && input.MasterUserPassword) {
      throw new AwsError(
        'InvalidParameterCombination',
        "You can't specify MasterUserPassword and ManageMasterUserPassword at the same time.",
      );
    }
    const snapshot = input.SnapshotIdentifier ? this.snapshot(input.SnapshotIdentifier) : undefined;
    if (!snapshot && !input.MasterUsername)
      throw new AwsError(
        'InvalidParameterValue',
        'The parameter MasterUsername must be provided and must not be blank.',
      );
    if (input.DBSubnetGroupName && !this.subnetGroups.has(input.DBSubnetGroupName.toLowerCase())) {
      throw new AwsError(
        'DBSubnetGroupNotFoundFault',
        `DBSubnetGroup '${input.DBSubnetGroupName}' not found.`,
        { statusCode: 404 },
      );
    }
    for (const sg of input.VpcSecurityGroupIds ?? []) this.#cloud.ec2.securityGroup(sg);
    const port = input.Port ?? (input.Engine === 'aurora-postgresql' ? 5432 : 3306);
    const host = `${this.#cloud.region}.rds.amazonaws.com`;
    // A customer key that is missing, disabled or pending deletion: KMSKeyNotAccessibleFault
    // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html, read 2026-12-07).
    for (const keyRef of [
      input.StorageEncrypted ? input.KmsKeyId : undefined,
      input.MasterUserSecretKmsKeyId,
    ]) {
      const problem = keyRef ? this.#cloud.kms.problem(keyRef) : undefined;
      if (problem)
        throw new AwsError(
          'KMSKeyNotAccessibleFault',
          `The specified KMS key ${keyRef} is not accessible: ${problem.message}`,
        );
    }
    const cluster: DbCluster = {
      DBClusterIdentifier: id,
      DBClusterArn: this.#cloud.arn('rds', `cluster:${id}`),
      DbClusterResourceId: `cluster-${randomBytes(13).toString('hex').toUpperCase().slice(0, 26)}`,
      Engine: input.Engine,
      EngineVersion: row.version,
      EngineMode: 'provisioned',
      Status: 'creating',
      Endpoint: `${id}.cluster-${this.#clusterSuffix}.${host}`,
      ReaderEndpoint: `${id}.cluster-ro-${this.#clusterSuffix}.${host}`,
      Port: port,
      MasterUsername: input.MasterUsername ?? snapshot!.MasterUsername,
      DatabaseName: input.DatabaseName,
      DBSubnetGroup: input.DBSubnetGroupName?.toLowerCase(),
      DBClusterParameterGroup: input.DBClusterParameterGroupName?.toLowerCase() ?? `default.${row.family}`,
      VpcSecurityGroupIds: input.VpcSecurityGroupIds ?? [],
      BackupRetentionPeriod: input.BackupRetentionPeriod ?? 1,
      StorageEncrypted: input.StorageEncrypted ?? false,
      KmsKeyId: input.StorageEncrypted
        ? (input.KmsKeyId ?? this.#cloud.arn('kms', `key/${randomUUID()}`))
        : undefined,
      DeletionProtection: input.DeletionProtection ?? false,
      ServerlessV2ScalingConfiguration: input.ServerlessV2ScalingConfiguration,
      ClusterCreateTime: this.#cloud.clock.date(),
      HostedZoneId: HOSTED_ZONE,
      Tags: input.Tags ?? [],
    };
    if (input.ManageMasterUserPassword) {
      const secret = this.#cloud.secretsManager.createSecret({
        Name: `rds!${cluster.DbClusterResourceId}`,
        SecretString: JSON.stringify({
          username: cluster.MasterUsername,
          password: randomBytes(24).toString('base64url'),
        }),
        Description: `Secret associated with primary RDS DB cluster: ${cluster.DBClusterArn}`,
        KmsKeyId: input.MasterUserSecretKmsKeyId,
        OwningService: 'rds',
        Tags: [{ Key: 'aws:rds:primaryDBClusterArn', Value: cluster.DBClusterArn }],
      });
      cluster.MasterUserSecret = {
        SecretArn: secret.ARN,
        SecretStatus: 'active',
        KmsKeyId: input.MasterUserSecretKmsKeyId,
      };
    }
    this.clusters.set(id, cluster);
    this.#becomeAvailable(input.readyAfterMs ?? 0, () => {
      if (cluster.Status === 'creating') cluster.Status = 'available';
    });
    return cluster;
  }

  cluster(id: string): DbCluster {
    const c = this.clusters.get(id.toLowerCase());
    if (!c) throw new AwsError('DBClusterNotFoundFault', `DBCluster ${id} not found.`, { statusCode: 404 });
    return c;
  }

  modifyDBCluster(input: {
    DBClusterIdentifier: string;
    DeletionProtection?: boolean;
    BackupRetentionPeriod?: number;
    VpcSecurityGroupIds?: string[];
    EngineVersion?: string;
    ServerlessV2ScalingConfiguration?: ScalingConfiguration;
    Port?: number;
  }): DbCluster {
    const c = this.cluster(input.DBClusterIdentifier);
    // Checked before anything changes: a refused modify touches nothing.
    const row = engineVersionRow(c.Engine, input.EngineVersion ?? c.EngineVersion);
    checkScaling(row, input.ServerlessV2ScalingConfiguration);
    if (input.DeletionProtection !== undefined) c.DeletionProtection = input.DeletionProtection;
    if (input.BackupRetentionPeriod !== undefined) c.BackupRetentionPeriod = input.BackupRetentionPeriod;
    if (input.VpcSecurityGroupIds) c.VpcSecurityGroupIds = input.VpcSecurityGroupIds;
    if (input.EngineVersion) c.EngineVersion = input.EngineVersion;
    if (input.ServerlessV2ScalingConfiguration)
      c.ServerlessV2ScalingConfiguration = input.ServerlessV2ScalingConfiguration;
    if (input.Port) c.Port = input.Port;
    return c;
  }

  /** Deletes a cluster (instances must be gone; final snapshot unless SkipFinalSnapshot). */
  deleteDBCluster(input: {
    DBClusterIdentifier: string;
    SkipFinalSnapshot?: boolean;
    FinalDBSnapshotIdentifier?: string;
  }): DbCluster {
    const c = this.cluster(input.DBClusterIdentifier);
    if (c.DeletionProtection) {
      throw new AwsError(
        'InvalidParameterCombination',
        'Cannot delete protected Cluster, please disable deletion protection and try again.',
      );
    }
    if ([...this.instances.values()].some((i) => i.DBClusterIdentifier === c.DBClusterIdentifier)) {
      throw new AwsError(
        'InvalidDBClusterStateFault',
        'Cluster cannot be deleted, it still contains DB instances in non-deleting state.',
      );
    }
    if (!input.SkipFinalSnapshot) {
      if (!input.FinalDBSnapshotIdentifier) {
        throw new AwsError(
          'InvalidParameterCombination',
          'FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.',
        );
      }
      this.createDBClusterSnapshot({
        DBClusterSnapshotIdentifier: input.FinalDBSnapshotIdentifier,
        DBClusterIdentifier: c.DBClusterIdentifier,
      });
    }
    c.Status = 'deleting';
    this.clusters.delete(c.DBClusterIdentifier);
    if (c.MasterUserSecret) {
      try {
        this.#cloud.secretsManager.deleteSecret(c.MasterUserSecret.SecretArn, {
          ForceDeleteWithoutRecovery: true,
        });
      } catch {
        // Already gone.
      }
    }
    return c;
  }

  createDBInstance(input: {
    DBInstanceIdentifier: string;
    DBClusterIdentifier?: string;
    DBInstanceClass: string;
    Engine: string;
    AvailabilityZone?: string;
    PromotionTier?: number;
    PubliclyAccessible?: boolean;
    Tags?: Tag[];
    readyAfterMs?: number;
  }): DbInstance {
    const id = input.DBInstanceIdentifier.toLowerCase();
    if (this.instances.has(id)) throw new AwsError('DBInstanceAlreadyExists', 'DB instance already exists');
    const cluster = input.DBClusterIdentifier ? this.cluster(input.DBClusterIdentifier) : undefined;
    if (cluster && cluster.Engine !== input.Engine) {
      throw new AwsError(
        'InvalidParameterCombination',
        `The engine name requested for your DB instance (${input.Engine}) doesn't match the engine name of your DB cluster (${cluster.Engine}).`,
      );
    }
    if (!cluster && input.Engine.startsWith('aurora')) {
      throw new AwsError(
        'InvalidParameterCombination',
        'Standalone DB Instances are not supported for the specified engine',
      );
    }
    // Instance classes Aurora offers per engine version (Concepts.DBInstanceClass.SupportAurora).
    const version = cluster?.EngineVersion ?? '';
    if (!isAuroraInstanceClassOffered(input.Engine, version, input.DBInstanceClass)) {
      throw new AwsError(
        'InvalidParameterCombination',
        unsupportedCombinationMessage(input.Engine, version, input.DBInstanceClass),
      );
    }
    // "An Aurora cluster must have a ServerlessV2ScalingConfiguration attribute before you can add
    // any DB instances that use the db.serverless DB instance class." (aurora-serverless-v2.requirements)
    if (input.DBInstanceClass === 'db.serverless' && !cluster?.ServerlessV2ScalingConfiguration) {
      throw new AwsError(
        'InvalidParameterCombination',
        `The DB cluster ${cluster?.DBClusterIdentifier} doesn't have a ServerlessV2ScalingConfiguration. Set the capacity range before adding db.serverless DB instances.`,
      );
    }
    // "DB instances" (L-7B6409FD, 40 per Region).
    this.#cloud.quotas.enforce(
      'dbInstances',
      this.instances.size,
      (limit) =>
        new AwsError(
          'InstanceQuotaExceeded',
          `Cannot create more than ${limit} DB instances in this Region.`,
        ),
    );
    const zones = this.#cloud.ec2.availabilityZones().map((z) => z.ZoneName);
    const taken = [...this.instances.values()]
      .filter((i) => i.DBClusterIdentifier === cluster?.DBClusterIdentifier)
      .map((i) => i.AvailabilityZone);
    const az = input.AvailabilityZone ?? zones.find((z) => !taken.includes(z)) ?? zones[0]!;
    const instance: DbInstance = {
      DBInstanceIdentifier: id,
      DBInstanceArn: this.#cloud.arn('rds', `db:${id}`),
      DBClusterIdentifier: cluster?.DBClusterIdentifier,
      DBInstanceClass: input.DBInstanceClass,
      Engine: input.Engine,
      EngineVersion: version,
      DBInstanceStatus: 'creating',
      AvailabilityZone: az,
      PromotionTier: input.PromotionTier ?? 1,
      PubliclyAccessible: input.PubliclyAccessible ?? false,
      Endpoint: {
        Address: `${id}.${this.#clusterSuffix}.${this.#cloud.region}.rds.amazonaws.com`,
        Port: cluster?.Port ?? 3306,
        HostedZoneId: HOSTED_ZONE,
      },
      InstanceCreateTime: this.#cloud.clock.date(),
      DbiResourceId: `db-${randomBytes(13).toString('hex').toUpperCase().slice(0, 26)}`,
      Tags: input.Tags ?? [],
    };
    this.instances.set(id, instance);
    this.#becomeAvailable(input.readyAfterMs ?? 0, () => {
      if (instance.DBInstanceStatus === 'creating') instance.DBInstanceStatus = 'available';
    });
    return instance;
  }

  instance(id: string): DbInstance {
    const i = this.instances.get(id.toLowerCase());
    if (!i) throw new AwsError('DBInstanceNotFound', `DBInstance ${id} not found.`, { statusCode: 404 });
    return i;
  }

  deleteDBInstance(id: string): DbInstance {
    const i = this.instance(id);
    this.instances.delete(i.DBInstanceIdentifier);
    return i;
  }

  createDBClusterSnapshot(input: {
    DBClusterSnapshotIdentifier: string;
    DBClusterIdentifier: string;
    Tags?: Tag[];
  }): DbClusterSnapshot {
    const c = this.cluster(input.DBClusterIdentifier);
    const id = input.DBClusterSnapshotIdentifier.toLowerCase();
    if (this.snapshots.has(id))
      throw new AwsError(
        'DBClusterSnapshotAlreadyExistsFault',
        `Cannot create the cluster snapshot because one with the identifier ${id} already exists.`,
      );
    const snap: DbClusterSnapshot = {
      DBClusterSnapshotIdentifier: id,
      DBClusterIdentifier: c.DBClusterIdentifier,
      DBClusterSnapshotArn: this.#cloud.arn('rds', `cluster-snapshot:${id}`),
      SnapshotCreateTime: this.#cloud.clock.date(),
      ClusterCreateTime: c.ClusterCreateTime,
      Engine: c.Engine,
      EngineVersion: c.EngineVersion,
      Status: 'available',
      Port: c.Port,
      VpcId: c.DBSubnetGroup ? this.subnetGroups.get(c.DBSubnetGroup)?.VpcId : undefined,
      MasterUsername: c.MasterUsername,
      SnapshotType: 'manual',
      StorageEncrypted: c.StorageEncrypted,
      PercentProgress: 100,
      TagList: input.Tags ?? [],
    };
    this.snapshots.set(id, snap);
    return snap;
  }

  snapshot(id: string): DbClusterSnapshot {
    const s =
      this.snapshots.get(id.toLowerCase()) ??
      [...this.snapshots.values()].find((x) => x.DBClusterSnapshotArn === id);
    if (!s)
      throw new AwsError('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot not found: ${id}`, {
        statusCode: 404,
      });
    return s;
  }

  #becomeAvailable(ms: number, fn: () => void): void {
    if (ms <= 0) fn();
    else this.#cloud.clock.setTimer(ms, fn);
  }

  clusterView(c: DbCluster) {
    const members = [...this.instances.values()].filter(
      (i) => i.DBClusterIdentifier === c.DBClusterIdentifier,
    );
    const writer = members[0];
    const group = c.DBSubnetGroup ? this.subnetGroups.get(c.DBSubnetGroup) : undefined;
    return {
      ...c,
      VpcSecurityGroupIds: undefined,
      Tags: undefined,
      TagList: c.Tags,
      MultiAZ: members.length > 1,
      AvailabilityZones: group
        ? [
            ...new Set(
              group.SubnetIds.map((id) => this.#cloud.ec2.subnets.get(id)?.AvailabilityZone).filter(Boolean),
            ),
          ]
        : [],
      VpcSecurityGroups: c.VpcSecurityGroupIds.map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
      DBClusterMembers: members.map((i) => ({
        DBInstanceIdentifier: i.DBInstanceIdentifier,
        IsClusterWriter: i === writer,
        DBClusterParameterGroupStatus: 'in-sync',
        PromotionTier: i.PromotionTier,
      })),
      ServerlessV2ScalingConfiguration: c.ServerlessV2ScalingConfiguration,
    };
  }

  instanceView(i: DbInstance) {
    const c = i.DBClusterIdentifier ? this.clusters.get(i.DBClusterIdentifier) : undefined;
    const group = c?.DBSubnetGroup ? this.subnetGroups.get(c.DBSubnetGroup) : undefined;
    return {
      ...i,
      Tags: undefined,
      TagList: i.Tags,
      MultiAZ: false,
      StorageEncrypted: c?.StorageEncrypted ?? false,
      DbInstancePort: 0,
      VpcSecurityGroups: (c?.VpcSecurityGroupIds ?? []).map((id) => ({
        VpcSecurityGroupId: id,
        Status: 'active',
      })),
      DBSubnetGroup: group
        ? {
            DBSubnetGroupName: group.DBSubnetGroupName,
            DBSubnetGroupDescription: group.DBSubnetGroupDescription,
            VpcId: group.VpcId,
            SubnetGroupStatus: 'Complete',
            Subnets: group.SubnetIds.map((id) => ({
              SubnetIdentifier: id,
              SubnetAvailabilityZone: { Name: this.#cloud.ec2.subnets.get(id)?.AvailabilityZone },
              SubnetStatus: 'Active',
            })),
          }
        : undefined,
    };
  }

  /** The wire definition registered with the kernel (rds-api.ts). */
  definition(): ServiceDefinition {
    return rdsDefinition(this, this.#cloud);
  }
}
