import { CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBEngineVersionsCommand,
  ModifyDBClusterCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { RDS_SOURCES } from '#shared/aws-rules/rds.ts';
import { errorOf } from '#test/integration/local/helpers.ts';
import { cliError, type FidelityCloud, fidelity, HOOK_TIMEOUT, startFidelityCloud } from './cloud-cli.ts';

const API = 'https://docs.aws.amazon.com/AmazonRDS/latest/APIReference';
const SCALING = `${API}/API_ServerlessV2ScalingConfiguration.html`;

let cloud: FidelityCloud;
let rds: RDSClient;

beforeAll(async () => {
  cloud = await startFidelityCloud();
  rds = new RDSClient(cloud.config);
}, HOOK_TIMEOUT);
afterAll(async () => {
  await cloud.stop();
}, HOOK_TIMEOUT);

/** Runs the manual clock until the stack's operation has finished. */
async function settle(name: string) {
  const engine = cloud.cloud.cloudformation;
  for (let i = 0; i < 100 && engine.requireStack(name).operation; i++) {
    await cloud.cloud.clock.runAll();
    await new Promise((r) => setTimeout(r, 5));
  }
  return engine.settled(name);
}

const cluster = (id: string, extra: Record<string, unknown> = {}) =>
  new CreateDBClusterCommand({
    DBClusterIdentifier: id,
    Engine: 'aurora-mysql',
    MasterUsername: 'app',
    ManageMasterUserPassword: true,
    ...extra,
  });

describe('RDS engine versions and instance classes (create-db-cluster through the AWS CLI)', () => {
  let out: Awaited<ReturnType<FidelityCloud['aws']>>;

  beforeAll(async () => {
    out = await cloud.aws(
      [
        'rds',
        'create-db-cluster',
        '--db-cluster-identifier',
        'bogus',
        '--engine',
        'aurora-mysql',
        '--engine-version',
        '99.99.bogus',
        '--master-username',
        'app',
        '--manage-master-user-password',
      ],
      [
        'rds',
        'create-db-cluster',
        '--db-cluster-identifier',
        'shop',
        '--engine',
        'aurora-mysql',
        '--master-username',
        'app',
        '--manage-master-user-password',
      ],
      ['rds', 'describe-db-engine-versions', '--engine', 'aurora-mysql', '--default-only'],
      ['rds', 'describe-db-engine-versions', '--engine', 'aurora-postgresql', '--engine-version', '17.7'],
      [
        'rds',
        'describe-orderable-db-instance-options',
        '--engine',
        'aurora-mysql',
        '--db-instance-class',
        'db.t3.micro',
      ],
      [
        'rds',
        'describe-orderable-db-instance-options',
        '--engine',
        'aurora-mysql',
        '--db-instance-class',
        'db.t4g.medium',
      ],
      [
        'rds',
        'create-db-instance',
        '--db-instance-identifier',
        'shop-micro',
        '--db-cluster-identifier',
        'shop',
        '--engine',
        'aurora-mysql',
        '--db-instance-class',
        'db.t3.micro',
      ],
      [
        'rds',
        'create-db-instance',
        '--db-instance-identifier',
        'shop-t2',
        '--db-cluster-identifier',
        'shop',
        '--engine',
        'aurora-mysql',
        '--db-instance-class',
        'db.t2.micro',
      ],
      [
        'rds',
        'create-db-instance',
        '--db-instance-identifier',
        'shop-writer',
        '--db-cluster-identifier',
        'shop',
        '--engine',
        'aurora-mysql',
        '--db-instance-class',
        'db.r7g.large',
      ],
      [
        'rds',
        'create-db-instance',
        '--db-instance-identifier',
        'shop-serverless',
        '--db-cluster-identifier',
        'shop',
        '--engine',
        'aurora-mysql',
        '--db-instance-class',
        'db.serverless',
      ],
      [
        'rds',
        'create-db-instance',
        '--db-instance-identifier',
        'alone',
        '--engine',
        'aurora-mysql',
        '--db-instance-class',
        'db.r7g.large',
      ],
    );
  }, HOOK_TIMEOUT);

  fidelity(
    'CreateDBCluster refuses an engine version RDS does not offer: "Cannot find version 99.99.bogus for aurora-mysql"',
    RDS_SOURCES.mysqlVersions,
    () => {
      expect(cliError(out[0]!)).toEqual({
        code: 'InvalidParameterCombination',
        message: 'Cannot find version 99.99.bogus for aurora-mysql',
      });
    },
  );
  fidelity(
    "CreateDBCluster without a version takes the engine's default, the one describe-db-engine-versions --default-only names",
    `${API}/API_CreateDBCluster.html`,
    () => {
      const defaults = out[2]!.json.DBEngineVersions as Array<{ EngineVersion: string }>;
      expect(defaults).toHaveLength(1);
      expect(out[1]!.json.DBCluster.EngineVersion).toBe(defaults[0]!.EngineVersion);
    },
  );
  fidelity(
    'DescribeDBEngineVersions reports Serverless v2 support per version (17.7: 0 to 256 ACUs)',
    `${API}/API_ServerlessV2FeaturesSupport.html`,
    () => {
      expect(out[3]!.json.DBEngineVersions[0]).toMatchObject({
        Engine: 'aurora-postgresql',
        EngineVersion: '17.7',
        DBParameterGroupFamily: 'aurora-postgresql17',
        ServerlessV2FeaturesSupport: { MinCapacity: 0, MaxCapacity: 256 },
      });
    },
  );
  fidelity(
    'DescribeOrderableDBInstanceOptions offers no db.t3.micro for aurora-mysql',
    RDS_SOURCES.instanceClasses,
    () => {
      expect(out[4]!.json.OrderableDBInstanceOptions).toEqual([]);
    },
  );
  fidelity(
    'DescribeOrderableDBInstanceOptions offers db.t4g.medium for the default aurora-mysql version',
    RDS_SOURCES.instanceClasses,
    () => {
      const versions = (out[5]!.json.OrderableDBInstanceOptions as Array<{ EngineVersion: string }>).map(
        (o) => o.EngineVersion,
      );
      expect(versions).toContain(out[1]!.json.DBCluster.EngineVersion);
    },
  );
  fidelity(
    'CreateDBInstance refuses db.t3.micro for Aurora MySQL: "RDS does not support creating a DB instance with the following combination"',
    RDS_SOURCES.instanceClasses,
    () => {
      const { code, message } = cliError(out[6]!);
      expect(code).toBe('InvalidParameterCombination');
      expect(message).toBe(
        `RDS does not support creating a DB instance with the following combination: DBInstanceClass=db.t3.micro, Engine=aurora-mysql, EngineVersion=${out[1]!.json.DBCluster.EngineVersion}, LicenseModel=general-public-license. For supported combinations of instance class and database engine version, see the documentation.`,
      );
    },
  );
  fidelity('CreateDBInstance refuses db.t2.micro for Aurora MySQL 3', RDS_SOURCES.instanceClasses, () => {
    expect(cliError(out[7]!).code).toBe('InvalidParameterCombination');
  });
  fidelity(
    'CreateDBInstance accepts db.r7g.large in an Aurora MySQL cluster',
    RDS_SOURCES.instanceClasses,
    () => {
      expect(out[8]!.json.DBInstance).toMatchObject({
        DBInstanceClass: 'db.r7g.large',
        Engine: 'aurora-mysql',
      });
    },
  );
  fidelity(
    'A db.serverless instance needs the cluster to have a ServerlessV2ScalingConfiguration first',
    'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.requirements.html',
    () => {
      expect(cliError(out[9]!).code).toBe('InvalidParameterCombination');
    },
  );
  fidelity(
    'An Aurora instance needs a cluster: "Standalone DB Instances are not supported for the specified engine"',
    `${API}/API_CreateDBInstance.html`,
    () => {
      expect(cliError(out[10]!)).toEqual({
        code: 'InvalidParameterCombination',
        message: 'Standalone DB Instances are not supported for the specified engine',
      });
    },
  );
});

describe('Aurora Serverless v2 capacity ranges (SDK)', () => {
  fidelity('MaxCapacity above 256 ACUs is refused (InvalidParameterValue)', SCALING, async () => {
    const error = await errorOf(
      rds.send(
        cluster('too-big', { ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 300 } }),
      ),
    );
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toContain('maximum capacity must be at most 256.0');
  });
  fidelity(
    'MaxCapacity 0 is refused: "Serverless v2 maximum capacity 0.0 isn\'t valid. The maximum capacity must be at least 1.0."',
    SCALING,
    async () => {
      const error = await errorOf(
        rds.send(
          cluster('zero-max', { ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 0 } }),
        ),
      );
      expect(error.message).toBe(
        "Serverless v2 maximum capacity 0.0 isn't valid. The maximum capacity must be at least 1.0.",
      );
    },
  );
  fidelity(
    'SecondsUntilAutoPause needs MinCapacity 0: "SecondsUntilAutoPause can only be specified when minimum capacity is 0."',
    SCALING,
    async () => {
      const error = await errorOf(
        rds.send(
          cluster('pause', {
            ServerlessV2ScalingConfiguration: {
              MinCapacity: 0.5,
              MaxCapacity: 4,
              SecondsUntilAutoPause: 600,
            },
          }),
        ),
      );
      expect(error.message).toBe('SecondsUntilAutoPause can only be specified when minimum capacity is 0.');
    },
  );
  fidelity(
    'MinCapacity 0 (auto-pause) is accepted on a version that supports it (aurora-postgresql 17.7)',
    'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html',
    async () => {
      const { DBCluster } = await rds.send(
        cluster('pausing', {
          Engine: 'aurora-postgresql',
          EngineVersion: '17.7',
          ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 600 },
        }),
      );
      expect(DBCluster!.ServerlessV2ScalingConfiguration).toMatchObject({ MinCapacity: 0, MaxCapacity: 4 });
      const created = await rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: 'pausing-1',
          DBClusterIdentifier: 'pausing',
          Engine: 'aurora-postgresql',
          DBInstanceClass: 'db.serverless',
        }),
      );
      expect(created.DBInstance!.DBInstanceClass).toBe('db.serverless');
    },
  );
  fidelity(
    'ModifyDBCluster to a version RDS does not offer is refused and changes nothing',
    `${API}/API_ModifyDBCluster.html`,
    async () => {
      await rds.send(cluster('modify-me'));
      const error = await errorOf(
        rds.send(
          new ModifyDBClusterCommand({
            DBClusterIdentifier: 'modify-me',
            EngineVersion: '8.0.mysql_aurora.9.9.9',
            DeletionProtection: true,
          }),
        ),
      );
      expect(error.name).toBe('InvalidParameterCombination');
      const { DBClusters } = await rds.send(
        new DescribeDBClustersCommand({ DBClusterIdentifier: 'modify-me' }),
      );
      expect(DBClusters![0]).toMatchObject({ DeletionProtection: false });
      expect(DBClusters![0]!.EngineVersion).not.toBe('8.0.mysql_aurora.9.9.9');
    },
  );
  fidelity(
    'DescribeDBEngineVersions pages with Marker (MaxRecords 20)',
    `${API}/API_DescribeDBEngineVersions.html`,
    async () => {
      const first = await rds.send(new DescribeDBEngineVersionsCommand({ MaxRecords: 20 }));
      expect(first.DBEngineVersions).toHaveLength(20);
      const second = await rds.send(
        new DescribeDBEngineVersionsCommand({ MaxRecords: 20, Marker: first.Marker }),
      );
      expect(second.DBEngineVersions!.length).toBeGreaterThan(0);
      expect(second.DBEngineVersions![0]!.EngineVersion).not.toBe(first.DBEngineVersions![0]!.EngineVersion);
    },
  );
});

describe('DeletionProtection blocks delete, over the wire and through CloudFormation', () => {
  let out: Awaited<ReturnType<FidelityCloud['aws']>>;

  beforeAll(async () => {
    await rds.send(cluster('kept', { DeletionProtection: true }));
    out = await cloud.aws(
      ['rds', 'delete-db-cluster', '--db-cluster-identifier', 'kept', '--skip-final-snapshot'],
      ['rds', 'describe-db-clusters', '--db-cluster-identifier', 'kept'],
      ['rds', 'modify-db-cluster', '--db-cluster-identifier', 'kept', '--no-deletion-protection'],
      ['rds', 'delete-db-cluster', '--db-cluster-identifier', 'kept'],
      ['rds', 'delete-db-cluster', '--db-cluster-identifier', 'kept', '--skip-final-snapshot'],
    );
  }, HOOK_TIMEOUT);

  fidelity(
    'DeleteDBCluster of a protected cluster: "Cannot delete protected Cluster, please disable deletion protection and try again."',
    RDS_SOURCES.deletionProtection,
    () => {
      expect(cliError(out[0]!)).toEqual({
        code: 'InvalidParameterCombination',
        message: 'Cannot delete protected Cluster, please disable deletion protection and try again.',
      });
      expect(out[1]!.json.DBClusters[0].DeletionProtection).toBe(true);
    },
  );
  fidelity(
    'DeleteDBCluster needs FinalDBSnapshotIdentifier unless SkipFinalSnapshot is given',
    `${API}/API_DeleteDBCluster.html`,
    () => {
      expect(out[2]!.rc).toBe(0);
      expect(cliError(out[3]!).code).toBe('InvalidParameterCombination');
    },
  );
  fidelity('Once protection is off, DeleteDBCluster succeeds', RDS_SOURCES.deletionProtection, () => {
    expect(out[4]!.json.DBCluster.DBClusterIdentifier).toBe('kept');
    expect(cloud.cloud.rds.clusters.has('kept')).toBe(false);
  });

  fidelity(
    "CloudFormation cannot delete a protected cluster either: the stack ends DELETE_FAILED with RDS's reason, the cluster kept",
    RDS_SOURCES.deletionProtection,
    async () => {
      const ec2 = new EC2Client(cloud.config);
      const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.70.0.0/16' }));
      const subnet = async (cidr: string, az: string) =>
        (
          await ec2.send(
            new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: cidr, AvailabilityZone: az }),
          )
        ).Subnet!.SubnetId!;
      const a = await subnet('10.70.1.0/24', 'eu-west-1a');
      const b = await subnet('10.70.2.0/24', 'eu-west-1b');
      const engine = cloud.cloud.cloudformation;
      engine.createStack({
        StackName: 'protected-db',
        TemplateBody: JSON.stringify({
          Resources: {
            Subnets: {
              Type: 'AWS::RDS::DBSubnetGroup',
              Properties: { DBSubnetGroupDescription: 'db', SubnetIds: [a, b] },
            },
            Cluster: {
              Type: 'AWS::RDS::DBCluster',
              DeletionPolicy: 'Delete',
              Properties: {
                Engine: 'aurora-postgresql',
                EngineVersion: '17.7',
                MasterUsername: 'app',
                ManageMasterUserPassword: true,
                DBSubnetGroupName: { Ref: 'Subnets' },
                DeletionProtection: true,
              },
            },
          },
        }),
      });
      expect((await settle('protected-db')).status).toBe('CREATE_COMPLETE');
      const [deleted] = await cloud.aws(['cloudformation', 'delete-stack', '--stack-name', 'protected-db']);
      expect(deleted!.rc).toBe(0);
      const stack = await settle('protected-db');
      expect(stack.status).toBe('DELETE_FAILED');
      const [events] = await cloud.aws([
        'cloudformation',
        'describe-stack-events',
        '--stack-name',
        'protected-db',
      ]);
      const failed = (
        events!.json.StackEvents as Array<{
          LogicalResourceId: string;
          ResourceStatus: string;
          ResourceStatusReason?: string;
        }>
      ).find((e) => e.LogicalResourceId === 'Cluster' && e.ResourceStatus === 'DELETE_FAILED');
      expect(failed?.ResourceStatusReason).toContain(
        'Cannot delete protected Cluster, please disable deletion protection and try again.',
      );
      expect([...cloud.cloud.rds.clusters.values()].some((c) => c.DeletionProtection)).toBe(true);
    },
  );
});
