import { generatedName, randomSuffix } from './generic.ts';
import type { ProviderRequest, ResourceProvider, ResourceTag } from './types.ts';

const bool = (v: unknown): boolean | undefined => (v === undefined ? undefined : v === true || v === 'true');
const num = (v: unknown): number | undefined => (v === undefined ? undefined : Number(v));
const str = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));

function rdsTags(request: ProviderRequest): ResourceTag[] {
  const own = (request.properties.Tags as ResourceTag[] | undefined) ?? [];
  return [...request.tags, ...own].map((t) => ({ Key: t.Key, Value: String(t.Value) }));
}

function identifier(request: ProviderRequest, property: string): string {
  const given = request.properties[property];
  return typeof given === 'string'
    ? given.toLowerCase()
    : generatedName(request.stackName, request.logicalId, { max: 63, lowercase: true });
}

const subnetGroup: ResourceProvider = {
  create(request) {
    const group = request.cloud.rds.createDBSubnetGroup({
      DBSubnetGroupName: identifier(request, 'DBSubnetGroupName'),
      DBSubnetGroupDescription: String(request.properties.DBSubnetGroupDescription ?? ''),
      SubnetIds: (request.properties.SubnetIds as string[] | undefined) ?? [],
      Tags: rdsTags(request),
    });
    return { physicalId: group.DBSubnetGroupName, attributes: {} };
  },
  update(request) {
    const group = request.cloud.rds.subnetGroups.get(request.physicalId);
    if (group) {
      group.SubnetIds = (request.properties.SubnetIds as string[] | undefined) ?? group.SubnetIds;
      group.DBSubnetGroupDescription = String(request.properties.DBSubnetGroupDescription ?? '');
      group.Tags = rdsTags(request);
    }
    return { physicalId: request.physicalId, attributes: {} };
  },
  delete(request) {
    request.cloud.rds.deleteDBSubnetGroup(request.physicalId);
  },
};

const clusterParameterGroup: ResourceProvider = {
  create(request) {
    const group = request.cloud.rds.createDBClusterParameterGroup({
      DBClusterParameterGroupName: identifier(request, 'DBClusterParameterGroupName'),
      DBParameterGroupFamily: String(request.properties.Family ?? ''),
      Description: String(request.properties.Description ?? ''),
      Parameters: Object.fromEntries(
        Object.entries((request.properties.Parameters ?? {}) as Record<string, unknown>).map(([k, v]) => [
          k,
          String(v),
        ]),
      ),
    });
    return { physicalId: group.DBClusterParameterGroupName, attributes: {} };
  },
  update(request) {
    const group = request.cloud.rds.clusterParameterGroups.get(request.physicalId);
    if (group) {
      group.Parameters = Object.fromEntries(
        Object.entries((request.properties.Parameters ?? {}) as Record<string, unknown>).map(([k, v]) => [
          k,
          String(v),
        ]),
      );
    }
    return { physicalId: request.physicalId, attributes: {} };
  },
  delete(request) {
    request.cloud.rds.clusterParameterGroups.delete(request.physicalId);
  },
};

function clusterAttributes(request: ProviderRequest, id: string): Record<string, unknown> {
  const c = request.cloud.rds.cluster(id);
  return {
    DBClusterArn: c.DBClusterArn,
    DBClusterResourceId: c.DbClusterResourceId,
    Endpoint: { Address: c.Endpoint, Port: String(c.Port) },
    'Endpoint.Address': c.Endpoint,
    'Endpoint.Port': String(c.Port),
    ReadEndpoint: { Address: c.ReaderEndpoint },
    'ReadEndpoint.Address': c.ReaderEndpoint,
    'MasterUserSecret.SecretArn': c.MasterUserSecret?.SecretArn ?? '',
    StorageEncryptionType: c.StorageEncrypted ? 'sse-kms' : 'none',
    StorageThroughput: 0,
  };
}

const cluster: ResourceProvider = {
  create(request) {
    const p = request.properties;
    const scaling = p.ServerlessV2ScalingConfiguration as
      | { MinCapacity?: unknown; MaxCapacity?: unknown }
      | undefined;
    const secret = p.MasterUserSecret as { KmsKeyId?: string } | undefined;
    const c = request.cloud.rds.createDBCluster({
      DBClusterIdentifier: identifier(request, 'DBClusterIdentifier'),
      Engine: String(p.Engine ?? ''),
      EngineVersion: str(p.EngineVersion),
      MasterUsername: str(p.MasterUsername),
      MasterUserPassword: str(p.MasterUserPassword),
      ManageMasterUserPassword: bool(p.ManageMasterUserPassword),
      MasterUserSecretKmsKeyId: secret?.KmsKeyId,
      DatabaseName: str(p.DatabaseName),
      DBSubnetGroupName: str(p.DBSubnetGroupName),
      DBClusterParameterGroupName: str(p.DBClusterParameterGroupName),
      VpcSecurityGroupIds: p.VpcSecurityGroupIds as string[] | undefined,
      BackupRetentionPeriod: num(p.BackupRetentionPeriod),
      StorageEncrypted: bool(p.StorageEncrypted),
      KmsKeyId: str(p.KmsKeyId),
      DeletionProtection: bool(p.DeletionProtection),
      Port: num(p.Port),
      ServerlessV2ScalingConfiguration: scaling
        ? { MinCapacity: num(scaling.MinCapacity), MaxCapacity: num(scaling.MaxCapacity) }
        : undefined,
      SnapshotIdentifier: str(p.SnapshotIdentifier),
      Tags: rdsTags(request),
      readyAfterMs: request.cloud.durations.resource(request.type, 'create'),
    });
    // What RDS does with a customer key as its caller: describe it and make a grant for storage
    // encryption; encrypt the managed master secret through Secrets Manager
    // (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.Keys.html,
    // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html, read 2026-12-07).
    const { kms } = request.cloud;
    const storageKey = c.StorageEncrypted ? str(p.KmsKeyId) : undefined;
    if (storageKey) {
      kms.describeKey({ KeyId: storageKey, viaService: 'rds' });
      kms.createGrant({ KeyId: storageKey, GranteePrincipal: 'rds.amazonaws.com', viaService: 'rds' });
    }
    if (secret?.KmsKeyId && c.MasterUserSecret) {
      const context = { SecretARN: c.MasterUserSecret.SecretArn };
      const dataKey = kms.generateDataKey({
        KeyId: secret.KmsKeyId,
        KeySpec: 'AES_256',
        EncryptionContext: context,
        viaService: 'secretsmanager',
      });
      kms.decrypt({
        KeyId: secret.KmsKeyId,
        CiphertextBlob: dataKey.CiphertextBlob,
        EncryptionContext: context,
        viaService: 'secretsmanager',
      });
    }
    return {
      physicalId: c.DBClusterIdentifier,
      attributes: clusterAttributes(request, c.DBClusterIdentifier),
    };
  },
  update(request) {
    const p = request.properties;
    const scaling = p.ServerlessV2ScalingConfiguration as
      | { MinCapacity?: unknown; MaxCapacity?: unknown }
      | undefined;
    const c = request.cloud.rds.modifyDBCluster({
      DBClusterIdentifier: request.physicalId,
      DeletionProtection: bool(p.DeletionProtection) ?? false,
      BackupRetentionPeriod: num(p.BackupRetentionPeriod) ?? 1,
      VpcSecurityGroupIds: p.VpcSecurityGroupIds as string[] | undefined,
      EngineVersion: str(p.EngineVersion),
      ServerlessV2ScalingConfiguration: scaling
        ? { MinCapacity: num(scaling.MinCapacity), MaxCapacity: num(scaling.MaxCapacity) }
        : undefined,
      Port: num(p.Port),
    });
    c.Tags = rdsTags(request);
    return {
      physicalId: c.DBClusterIdentifier,
      attributes: clusterAttributes(request, c.DBClusterIdentifier),
    };
  },
  delete(request, { snapshot }) {
    const c = request.cloud.rds.clusters.get(request.physicalId);
    if (!c) return;
    request.cloud.rds.deleteDBCluster({
      DBClusterIdentifier: c.DBClusterIdentifier,
      SkipFinalSnapshot: !snapshot,
      FinalDBSnapshotIdentifier: snapshot
        ? `${request.stackName}-snapshot-${request.logicalId}-${randomSuffix(12)}`
            .toLowerCase()
            .replace(/--+/g, '-')
            .slice(0, 255)
        : undefined,
    });
  },
};

function instanceAttributes(request: ProviderRequest, id: string): Record<string, unknown> {
  const i = request.cloud.rds.instance(id);
  return {
    DBInstanceArn: i.DBInstanceArn,
    DbiResourceId: i.DbiResourceId,
    Endpoint: {
      Address: i.Endpoint.Address,
      Port: String(i.Endpoint.Port),
      HostedZoneId: i.Endpoint.HostedZoneId,
    },
    'Endpoint.Address': i.Endpoint.Address,
    'Endpoint.Port': String(i.Endpoint.Port),
    'Endpoint.HostedZoneId': i.Endpoint.HostedZoneId,
  };
}

const instance: ResourceProvider = {
  create(request) {
    const p = request.properties;
    const i = request.cloud.rds.createDBInstance({
      DBInstanceIdentifier: identifier(request, 'DBInstanceIdentifier'),
      DBClusterIdentifier: str(p.DBClusterIdentifier),
      DBInstanceClass: String(p.DBInstanceClass ?? ''),
      Engine: String(p.Engine ?? ''),
      AvailabilityZone: str(p.AvailabilityZone),
      PromotionTier: num(p.PromotionTier),
      PubliclyAccessible: bool(p.PubliclyAccessible),
      Tags: rdsTags(request),
      readyAfterMs: request.cloud.durations.resource(request.type, 'create'),
    });
    return {
      physicalId: i.DBInstanceIdentifier,
      attributes: instanceAttributes(request, i.DBInstanceIdentifier),
    };
  },
  update(request) {
    const i = request.cloud.rds.instance(request.physicalId);
    i.DBInstanceClass = String(request.properties.DBInstanceClass ?? i.DBInstanceClass);
    i.PromotionTier = num(request.properties.PromotionTier) ?? i.PromotionTier;
    i.Tags = rdsTags(request);
    return {
      physicalId: i.DBInstanceIdentifier,
      attributes: instanceAttributes(request, i.DBInstanceIdentifier),
    };
  },
  delete(request) {
    if (request.cloud.rds.instances.has(request.physicalId))
      request.cloud.rds.deleteDBInstance(request.physicalId);
  },
};

/** Providers backed by the RDS model. */
export const rdsProviders: Record<string, ResourceProvider> = {
  'AWS::RDS::DBSubnetGroup': subnetGroup,
  'AWS::RDS::DBClusterParameterGroup': clusterParameterGroup,
  'AWS::RDS::DBCluster': cluster,
  'AWS::RDS::DBInstance': instance,
};
