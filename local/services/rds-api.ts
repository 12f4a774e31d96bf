import {
  AURORA_DEFAULT_VERSIONS,
  type AuroraEngineVersion,
  auroraEngineVersions,
  auroraInstanceClasses,
} from '#shared/aws-rules/rds.ts';
import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';
import type { RdsModel } from './rds.ts';

/** Marker pagination as RDS does it: MaxRecords 20–100 (default 100). */
function page<T>(items: T[], maxRecords: number | undefined, marker: string | undefined) {
  const size = maxRecords ?? 100;
  if (size < 20 || size > 100)
    throw new AwsError(
      'InvalidParameterValue',
      `Invalid value ${size} for MaxRecords. Must be between 20 and 100`,
    );
  const start = marker ? Number(Buffer.from(marker, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(start) || start < 0) throw new AwsError('InvalidParameterValue', 'Invalid Marker.');
  const next =
    start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
  return { items: items.slice(start, start + size), Marker: next };
}

const ENGINE_DESCRIPTION: Record<string, string> = {
  'aurora-mysql': 'Aurora MySQL',
  'aurora-postgresql': 'Aurora (PostgreSQL)',
};

/** RDS over the wire (awsQuery, 2014-10-31): Describe*, Create/Modify/Delete for clusters and instances, snapshots, tags. */
export function rdsDefinition(model: RdsModel, cloud: LocalCloud): ServiceDefinition {
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
          ? [model.cluster(input.DBClusterIdentifier)]
          : [...model.clusters.values()];
        return {
          DBClusters: byFilters(list, input.Filters, (c) => ({
            'db-cluster-id': c.DBClusterIdentifier,
            engine: c.Engine,
          })).map((c) => model.clusterView(c)),
        };
      },
      DescribeDBInstances: (input) => {
        const list = input.DBInstanceIdentifier
          ? [model.instance(input.DBInstanceIdentifier)]
          : [...model.instances.values()];
        return {
          DBInstances: byFilters(list, input.Filters, (i) => ({
            'db-cluster-id': i.DBClusterIdentifier,
            'db-instance-id': i.DBInstanceIdentifier,
            engine: i.Engine,
          })).map((i) => model.instanceView(i)),
        };
      },
      DescribeDBClusterSnapshots: (input) => {
        const list = input.DBClusterSnapshotIdentifier
          ? [model.snapshot(input.DBClusterSnapshotIdentifier)]
          : [...model.snapshots.values()];
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
              model.subnetGroups.get(String(input.DBSubnetGroupName).toLowerCase()) ??
                (() => {
                  throw new AwsError(
                    'DBSubnetGroupNotFoundFault',
                    `DBSubnetGroup '${input.DBSubnetGroupName}' not found.`,
                    { statusCode: 404 },
                  );
                })(),
            ]
          : [...model.subnetGroups.values()];
        return {
          DBSubnetGroups: list.map((g) => ({
            DBSubnetGroupName: g.DBSubnetGroupName,
            DBSubnetGroupDescription: g.DBSubnetGroupDescription,
            VpcId: g.VpcId,
            SubnetGroupStatus: 'Complete',
            DBSubnetGroupArn: g.DBSubnetGroupArn,
            Subnets: g.SubnetIds.map((id) => ({
              SubnetIdentifier: id,
              SubnetAvailabilityZone: { Name: cloud.ec2.subnets.get(id)?.AvailabilityZone },
              SubnetStatus: 'Active',
            })),
          })),
        };
      },
      // The CLI path (`aws rds create-db-cluster`): the same model methods CloudFormation uses.
      CreateDBCluster: (input) => ({ DBCluster: model.clusterView(model.createDBCluster(input)) }),
      DeleteDBCluster: (input) => ({ DBCluster: model.clusterView(model.deleteDBCluster(input)) }),
      CreateDBInstance: (input) => ({ DBInstance: model.instanceView(model.createDBInstance(input)) }),
      DeleteDBInstance: (input) => {
        const i = model.instance(input.DBInstanceIdentifier);
        const view = model.instanceView(i);
        model.deleteDBInstance(i.DBInstanceIdentifier);
        return { DBInstance: { ...view, DBInstanceStatus: 'deleting' } };
      },
      // From the dated table in shared/aws-rules/rds.ts.
      DescribeDBEngineVersions: (input) => {
        const engines = input.Engine ? [String(input.Engine)] : Object.keys(AURORA_DEFAULT_VERSIONS);
        let rows: AuroraEngineVersion[] = engines.flatMap((e) => auroraEngineVersions(e));
        if (input.EngineVersion) rows = rows.filter((r) => r.version === input.EngineVersion);
        if (input.DBParameterGroupFamily)
          rows = rows.filter((r) => r.family === input.DBParameterGroupFamily);
        if (input.DefaultOnly) rows = rows.filter((r) => AURORA_DEFAULT_VERSIONS[r.engine] === r.version);
        const { items, Marker } = page(rows, input.MaxRecords, input.Marker);
        return {
          DBEngineVersions: items.map((r) => ({
            Engine: r.engine,
            EngineVersion: r.version,
            DBParameterGroupFamily: r.family,
            DBEngineDescription: ENGINE_DESCRIPTION[r.engine],
            DBEngineVersionDescription: `${ENGINE_DESCRIPTION[r.engine]} ${r.version}`,
            Status: 'available',
            SupportedEngineModes: ['provisioned'],
            SupportsReadReplica: true,
            SupportsGlobalDatabases: true,
            SupportsLogExportsToCloudwatchLogs: true,
            ServerlessV2FeaturesSupport: {
              MinCapacity: r.serverless.minCapacity,
              MaxCapacity: r.serverless.maxCapacity,
            },
          })),
          Marker,
        };
      },
      // Every (version, instance class) Aurora offers, from the same table.
      DescribeOrderableDBInstanceOptions: (input) => {
        const engine = String(input.Engine ?? '');
        let rows = auroraEngineVersions(engine).flatMap((r) =>
          auroraInstanceClasses(r.engine).map((cls) => ({ r, cls })),
        );
        if (input.EngineVersion) rows = rows.filter((x) => x.r.version === input.EngineVersion);
        if (input.DBInstanceClass) rows = rows.filter((x) => x.cls === input.DBInstanceClass);
        const { items, Marker } = page(rows, input.MaxRecords, input.Marker);
        const zones = cloud.ec2.availabilityZones().map((z) => ({ Name: z.ZoneName }));
        return {
          OrderableDBInstanceOptions: items.map(({ r, cls }) => ({
            Engine: r.engine,
            EngineVersion: r.version,
            DBInstanceClass: cls,
            LicenseModel: r.engine === 'aurora-postgresql' ? 'postgresql-license' : 'general-public-license',
            AvailabilityZones: zones,
            MultiAZCapable: false,
            ReadReplicaCapable: false,
            Vpc: true,
            SupportsStorageEncryption: true,
            StorageType: 'aurora',
            SupportsIops: false,
            SupportsPerformanceInsights: true,
            SupportedEngineModes: ['provisioned'],
            SupportsClusters: true,
          })),
          Marker,
        };
      },
      ModifyDBCluster: (input) => ({ DBCluster: model.clusterView(model.modifyDBCluster(input)) }),
      CreateDBClusterSnapshot: (input) => ({ DBClusterSnapshot: model.createDBClusterSnapshot(input) }),
      DeleteDBClusterSnapshot: (input) => {
        const s = model.snapshot(input.DBClusterSnapshotIdentifier);
        model.snapshots.delete(s.DBClusterSnapshotIdentifier);
        return { DBClusterSnapshot: { ...s, Status: 'deleted' } };
      },
      ListTagsForResource: (input) => {
        const arn = String(input.ResourceName);
        const owner =
          [...model.clusters.values()].find((c) => c.DBClusterArn === arn)?.Tags ??
          [...model.instances.values()].find((i) => i.DBInstanceArn === arn)?.Tags ??
          [...model.snapshots.values()].find((s) => s.DBClusterSnapshotArn === arn)?.TagList;
        if (!owner)
          throw new AwsError('DBClusterNotFoundFault', `DBCluster ${arn} not found.`, { statusCode: 404 });
        return { TagList: owner };
      },
    },
  };
}
