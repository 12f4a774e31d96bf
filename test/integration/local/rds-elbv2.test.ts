import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CreateDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSubnetGroupsCommand,
  ModifyDBClusterCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestCloud } from './helpers.ts';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let subnets: string[];
let vpcId: string;
let sg: string;

beforeAll(async () => {
  env = await startTestCloud();
  const { ec2 } = env.cloud;
  vpcId = ec2.createVpc({ CidrBlock: '10.40.0.0/16' }).VpcId;
  subnets = ['a', 'b'].map(
    (az, i) =>
      ec2.createSubnet({ VpcId: vpcId, CidrBlock: `10.40.${i}.0/24`, AvailabilityZone: `eu-west-1${az}` })
        .SubnetId,
  );
  sg = ec2.createSecurityGroup({ VpcId: vpcId, GroupName: 'db', Description: 'db' }).GroupId;
});
afterAll(() => env.stop());

describe('RDS over awsQuery', () => {
  it('describes an Aurora cluster, its writer and reader, and its managed secret', async () => {
    const { rds } = env.cloud;
    rds.createDBSubnetGroup({
      DBSubnetGroupName: 'acme-db',
      DBSubnetGroupDescription: 'acme',
      SubnetIds: subnets,
    });
    const cluster = rds.createDBCluster({
      DBClusterIdentifier: 'acme-production',
      Engine: 'aurora-mysql',
      MasterUsername: 'admin',
      ManageMasterUserPassword: true,
      DBSubnetGroupName: 'acme-db',
      VpcSecurityGroupIds: [sg],
      StorageEncrypted: true,
      DeletionProtection: true,
      readyAfterMs: 180_000,
    });
    rds.createDBInstance({
      DBInstanceIdentifier: 'acme-writer',
      DBClusterIdentifier: 'acme-production',
      DBInstanceClass: 'db.t4g.medium',
      Engine: 'aurora-mysql',
    });
    rds.createDBInstance({
      DBInstanceIdentifier: 'acme-reader',
      DBClusterIdentifier: 'acme-production',
      DBInstanceClass: 'db.t4g.medium',
      Engine: 'aurora-mysql',
    });
    const client = new RDSClient(env.config);

    const creating = await client.send(
      new DescribeDBClustersCommand({ DBClusterIdentifier: 'acme-production' }),
    );
    await env.cloud.clock.advance(180_000);
    const available = await client.send(
      new DescribeDBClustersCommand({ DBClusterIdentifier: 'acme-production' }),
    );
    const instances = await client.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['acme-production'] }] }),
    );
    const groups = await client.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: 'acme-db' }));
    const secret = await new SecretsManagerClient(env.config).send(
      new GetSecretValueCommand({ SecretId: cluster.MasterUserSecret!.SecretArn }),
    );
    const missing = await errorOf(
      client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'nope' })),
    );

    const c = available.DBClusters![0]!;
    expect(creating.DBClusters?.[0]?.Status).toBe('creating');
    expect(c).toMatchObject({
      Status: 'available',
      Engine: 'aurora-mysql',
      Port: 3306,
      StorageEncrypted: true,
      DeletionProtection: true,
    });
    expect(c.Endpoint).toMatch(/^acme-production\.cluster-[a-f0-9]+\.eu-west-1\.rds\.amazonaws\.com$/);
    expect(c.ReaderEndpoint).toMatch(/^acme-production\.cluster-ro-/);
    expect(c.DBClusterMembers?.map((m) => [m.DBInstanceIdentifier, m.IsClusterWriter])).toEqual([
      ['acme-writer', true],
      ['acme-reader', false],
    ]);
    expect(c.VpcSecurityGroups).toEqual([{ VpcSecurityGroupId: sg, Status: 'active' }]);
    expect(c.ClusterCreateTime).toBeInstanceOf(Date);
    expect(instances.DBInstances?.map((i) => i.AvailabilityZone)).toEqual(['eu-west-1a', 'eu-west-1b']);
    expect(groups.DBSubnetGroups?.[0]?.Subnets).toHaveLength(2);
    expect(JSON.parse(secret.SecretString!)).toMatchObject({ username: 'admin' });
    expect(missing.name).toBe('DBInstanceNotFoundFault');
  });

  it('refuses to delete a protected cluster and keeps a final snapshot', async () => {
    const { rds } = env.cloud;
    rds.createDBCluster({
      DBClusterIdentifier: 'keep',
      Engine: 'aurora-postgresql',
      MasterUsername: 'pg',
      DeletionProtection: true,
    });
    const client = new RDSClient(env.config);

    const refused = (() => {
      try {
        rds.deleteDBCluster({ DBClusterIdentifier: 'keep', FinalDBSnapshotIdentifier: 'keep-final' });
        return undefined;
      } catch (error) {
        return (error as { code: string }).code;
      }
    })();
    await client.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'keep', DeletionProtection: false }));
    rds.deleteDBCluster({ DBClusterIdentifier: 'keep', FinalDBSnapshotIdentifier: 'keep-final' });
    await client.send(
      new CreateDBClusterSnapshotCommand({
        DBClusterIdentifier: 'acme-production',
        DBClusterSnapshotIdentifier: 'manual-1',
      }),
    );
    const snapshots = await client.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'manual' }));
    const gone = await errorOf(client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'keep' })));

    expect(refused).toBe('InvalidParameterCombination');
    expect(
      snapshots.DBClusterSnapshots?.map((s) => [
        s.DBClusterSnapshotIdentifier,
        s.DBClusterIdentifier,
        s.Port,
      ]),
    ).toEqual([
      ['keep-final', 'keep', 5432],
      ['manual-1', 'acme-production', 3306],
    ]);
    expect(gone.name).toBe('DBClusterNotFoundFault');
  });
});

describe('ELBv2 over awsQuery', () => {
  it('describes load balancers, target groups, listeners and tags', async () => {
    const { elbv2 } = env.cloud;
    const lb = elbv2.createLoadBalancer({
      Name: 'acme-production',
      Subnets: subnets,
      SecurityGroups: [sg],
      Tags: [{ Key: 'stackdrop:project', Value: 'acme' }],
      readyAfterMs: 150_000,
    });
    const tg = elbv2.createTargetGroup({
      Name: 'acme-web',
      Protocol: 'HTTP',
      Port: 80,
      VpcId: vpcId,
      TargetType: 'ip',
      HealthCheckPath: '/up',
    });
    elbv2.createListener({
      LoadBalancerArn: lb.LoadBalancerArn,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }],
    });
    const client = new ElasticLoadBalancingV2Client(env.config);

    const provisioning = await client.send(new DescribeLoadBalancersCommand({ Names: ['acme-production'] }));
    await env.cloud.clock.advance(150_000);
    const active = await client.send(
      new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb.LoadBalancerArn] }),
    );
    const groups = await client.send(
      new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn }),
    );
    const listeners = await client.send(
      new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }),
    );
    const tags = await client.send(new DescribeTagsCommand({ ResourceArns: [lb.LoadBalancerArn] }));
    const missing = await errorOf(client.send(new DescribeLoadBalancersCommand({ Names: ['nope'] })));
    const oneSubnet = (() => {
      try {
        elbv2.createLoadBalancer({ Name: 'single', Subnets: [subnets[0]!] });
      } catch (error) {
        return (error as { code: string }).code;
      }
    })();

    expect(provisioning.LoadBalancers?.[0]?.State?.Code).toBe('provisioning');
    expect(active.LoadBalancers?.[0]).toMatchObject({
      State: { Code: 'active' },
      Scheme: 'internet-facing',
      VpcId: vpcId,
      Type: 'application',
    });
    expect(active.LoadBalancers?.[0]?.DNSName).toMatch(
      /^acme-production-\d+\.eu-west-1\.elb\.amazonaws\.com$/,
    );
    expect(active.LoadBalancers?.[0]?.AvailabilityZones?.map((z) => z.ZoneName)).toEqual([
      'eu-west-1a',
      'eu-west-1b',
    ]);
    expect(groups.TargetGroups?.[0]).toMatchObject({
      TargetGroupName: 'acme-web',
      HealthCheckPath: '/up',
      LoadBalancerArns: [lb.LoadBalancerArn],
    });
    expect(listeners.Listeners?.[0]?.DefaultActions).toEqual([
      { Type: 'forward', TargetGroupArn: tg.TargetGroupArn },
    ]);
    expect(tags.TagDescriptions?.[0]?.Tags).toEqual([{ Key: 'stackdrop:project', Value: 'acme' }]);
    expect(missing.name).toBe('LoadBalancerNotFoundException');
    expect(oneSubnet).toBe('ValidationError');
  });
});
