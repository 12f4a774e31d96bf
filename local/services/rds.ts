import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';

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
  ServerlessV2ScalingConfiguration?: { MinCapacity?: number; MaxCapacity?: number };
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
const defaultVersions: Record<string, string> = {
  'aurora-mysql': '8.0.mysql_aurora.3.08.0',
  'aurora-postgresql': '16.6',
};

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
    ServerlessV2ScalingConfiguration?: { MinCapacity?: number; MaxCapacity?: number };
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
    const cluster: DbCluster = {
      DBClusterIdentifier: id,
      DBClusterArn: this.#cloud.arn('rds', `cluster:${id}`),
      DbClusterResourceId: `cluster-${randomBytes(13).toString('hex').toUpperCase().slice(0, 26)}`,
      Engine: input.Engine,
      EngineVersion: input.EngineVersion ?? defaultVersions[input.Engine]!,
      EngineMode: 'provisioned',
      Status: 'creating',
      Endpoint: `${id}.cluster-${this.#clusterSuffix}.${host}`,
      ReaderEndpoint: `${id}.cluster-ro-${this.#clusterSuffix}.${host}`,
      Port: port,
      MasterUsername: input.MasterUsername ?? snapshot!.MasterUsername,
      DatabaseName: input.DatabaseName,
      DBSubnetGroup: input.DBSubnetGroupName?.toLowerCase(),
      DBClusterParameterGroup:
        input.DBClusterParameterGroupName?.toLowerCase() ??
        `default.${input.Engine}${input.Engine === 'aurora-mysql' ? '8.0' : '16'}`,
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
    ServerlessV2ScalingConfiguration?: { MinCapacity?: number; MaxCapacity?: number };
    Port?: number;
  }): DbCluster {
    const c = this.cluster(input.DBClusterIdentifier);
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
      EngineVersion: cluster?.EngineVersion ?? defaultVersions[input.Engine] ?? '',
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

  #clusterView(c: DbCluster) {
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

  #instanceView(i: DbInstance) {
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

  /** The wire definition registered with the kernel. */
  definition(): ServiceDefinition {
    const byFilters = <T>(
      items: T[],
      filters: Array<{ Name: string; Values: string[] }> | undefined,
      fields: (t: T) => Record<string, string | undefined>,
    ) =>
      items.filter((t) =>
        (filters ?? []).every((f) => {
          const v = fields(t)[f.Name];
          if (!(f.Name in fields(t)))
            throw new AwsError('InvalidParameterValue', `Unrecognized filter name: ${f.Name}`);
          return v !== undefined && f.Values.includes(v);
        }),
      );
    return {
      protocol: 'awsQuery',
      version: '2014-10-31',
      xmlNamespace: 'http://rds.amazonaws.com/doc/2014-10-31/',
      operations: {
        DescribeDBClusters: (input) => {
          const list = input.DBClusterIdentifier
            ? [this.cluster(input.DBClusterIdentifier)]
            : [...this.clusters.values()];
          return {
            DBClusters: byFilters(list, input.Filters, (c) => ({
              'db-cluster-id': c.DBClusterIdentifier,
              engine: c.Engine,
            })).map((c) => this.#clusterView(c)),
          };
        },
        DescribeDBInstances: (input) => {
          const list = input.DBInstanceIdentifier
            ? [this.instance(input.DBInstanceIdentifier)]
            : [...this.instances.values()];
          return {
            DBInstances: byFilters(list, input.Filters, (i) => ({
              'db-cluster-id': i.DBClusterIdentifier,
              'db-instance-id': i.DBInstanceIdentifier,
              engine: i.Engine,
            })).map((i) => this.#instanceView(i)),
          };
        },
        DescribeDBClusterSnapshots: (input) => {
          const list = input.DBClusterSnapshotIdentifier
            ? [this.snapshot(input.DBClusterSnapshotIdentifier)]
            : [...this.snapshots.values()];
          return {
            DBClusterSnapshots: list.filter(
              (s) =>
                (!input.DBClusterIdentifier ||
                  s.DBClusterIdentifier === input.DBClusterIdentifier.toLowerCase()) &&
                (!input.SnapshotType || s.SnapshotType === input.SnapshotType),
            ),
          };
        },
        DescribeDBSubnetGroups: (input) => {
          const list = input.DBSubnetGroupName
            ? [
                this.subnetGroups.get(String(input.DBSubnetGroupName).toLowerCase()) ??
                  (() => {
                    throw new AwsError(
                      'DBSubnetGroupNotFoundFault',
                      `DBSubnetGroup '${input.DBSubnetGroupName}' not found.`,
                      { statusCode: 404 },
                    );
                  })(),
              ]
            : [...this.subnetGroups.values()];
          return {
            DBSubnetGroups: list.map((g) => ({
              DBSubnetGroupName: g.DBSubnetGroupName,
              DBSubnetGroupDescription: g.DBSubnetGroupDescription,
              VpcId: g.VpcId,
              SubnetGroupStatus: 'Complete',
              DBSubnetGroupArn: g.DBSubnetGroupArn,
              Subnets: g.SubnetIds.map((id) => ({
                SubnetIdentifier: id,
                SubnetAvailabilityZone: { Name: this.#cloud.ec2.subnets.get(id)?.AvailabilityZone },
                SubnetStatus: 'Active',
              })),
            })),
          };
        },
        ModifyDBCluster: (input) => ({ DBCluster: this.#clusterView(this.modifyDBCluster(input)) }),
        CreateDBClusterSnapshot: (input) => ({ DBClusterSnapshot: this.createDBClusterSnapshot(input) }),
        DeleteDBClusterSnapshot: (input) => {
          const s = this.snapshot(input.DBClusterSnapshotIdentifier);
          this.snapshots.delete(s.DBClusterSnapshotIdentifier);
          return { DBClusterSnapshot: { ...s, Status: 'deleted' } };
        },
        ListTagsForResource: (input) => {
          const arn = String(input.ResourceName);
          const owner =
            [...this.clusters.values()].find((c) => c.DBClusterArn === arn)?.Tags ??
            [...this.instances.values()].find((i) => i.DBInstanceArn === arn)?.Tags ??
            [...this.snapshots.values()].find((s) => s.DBClusterSnapshotArn === arn)?.TagList;
          if (!owner)
            throw new AwsError('DBClusterNotFoundFault', `DBCluster ${arn} not found.`, { statusCode: 404 });
          return { TagList: owner };
        },
      },
    };
  }
}
