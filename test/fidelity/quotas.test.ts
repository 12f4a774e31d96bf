import {
  AllocateAddressCommand,
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DeleteNatGatewayCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { CreateDBClusterCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { errorOf } from '#test/integration/local/helpers.ts';
import { cliError, type FidelityCloud, fidelity, HOOK_TIMEOUT, startFidelityCloud } from './cloud-cli.ts';

const VPC_QUOTAS = 'https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html';
const SQ_API = 'https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference';

describe('default quotas, as a new account has them', () => {
  let cloud: FidelityCloud;
  let ec2: EC2Client;

  beforeAll(async () => {
    cloud = await startFidelityCloud();
    ec2 = new EC2Client(cloud.config);
  }, HOOK_TIMEOUT);
  afterAll(async () => {
    await cloud.stop();
  }, HOOK_TIMEOUT);

  fidelity(
    'The sixth VPC in a Region is refused: VpcLimitExceeded (VPCs per Region, 5)',
    VPC_QUOTAS,
    async () => {
      for (let i = 0; i < 5; i++) await ec2.send(new CreateVpcCommand({ CidrBlock: `10.${i}.0.0/16` }));
      const [sixth] = await cloud.aws(['ec2', 'create-vpc', '--cidr-block', '10.99.0.0/16']);
      expect(cliError(sixth!)).toEqual({
        code: 'VpcLimitExceeded',
        message: 'The maximum number of VPCs has been reached.',
      });
    },
  );

  fidelity(
    'The sixth Elastic IP is refused: AddressLimitExceeded (EC2-VPC Elastic IPs, 5)',
    VPC_QUOTAS,
    async () => {
      for (let i = 0; i < 5; i++) await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
      const [sixth] = await cloud.aws(['ec2', 'allocate-address', '--domain', 'vpc']);
      expect(cliError(sixth!)).toEqual({
        code: 'AddressLimitExceeded',
        message: 'The maximum number of addresses has been reached.',
      });
    },
  );

  fidelity(
    'The sixth internet gateway is refused: InternetGatewayLimitExceeded (Internet gateways per Region, 5)',
    VPC_QUOTAS,
    async () => {
      for (let i = 0; i < 5; i++) await ec2.send(new CreateInternetGatewayCommand({}));
      const error = await errorOf(ec2.send(new CreateInternetGatewayCommand({})));
      expect(error.name).toBe('InternetGatewayLimitExceeded');
    },
  );

  fidelity(
    'NAT gateways count per Availability Zone: a sixth in one AZ is refused (NatGatewayLimitExceeded), another AZ still has room, and a deleted one frees its place',
    VPC_QUOTAS,
    async () => {
      const model = cloud.cloud.ec2;
      const vpc = [...model.vpcs.values()][0]!;
      const a = model.createSubnet({
        VpcId: vpc.VpcId,
        CidrBlock: '10.0.1.0/24',
        AvailabilityZone: 'eu-west-1a',
      });
      const b = model.createSubnet({
        VpcId: vpc.VpcId,
        CidrBlock: '10.0.2.0/24',
        AvailabilityZone: 'eu-west-1b',
      });
      const made = [];
      for (let i = 0; i < 5; i++)
        made.push(model.createNatGateway({ SubnetId: a.SubnetId, readyAfterMs: 0 }));
      const [sixth, other] = await cloud.aws(
        ['ec2', 'create-nat-gateway', '--subnet-id', a.SubnetId, '--connectivity-type', 'private'],
        ['ec2', 'create-nat-gateway', '--subnet-id', b.SubnetId, '--connectivity-type', 'private'],
      );
      expect(cliError(sixth!).code).toBe('NatGatewayLimitExceeded');
      expect(other!.rc).toBe(0);
      await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: made[0]!.NatGatewayId }));
      expect(model.createNatGateway({ SubnetId: a.SubnetId, readyAfterMs: 0 }).State).toBe('available');
    },
  );

  fidelity(
    'Rules per security group (60) count inbound and outbound separately: the 61st inbound rule is refused with RulesPerSecurityGroupLimitExceeded',
    VPC_QUOTAS,
    async () => {
      const vpc = [...cloud.cloud.ec2.vpcs.values()][1]!;
      const { GroupId } = await ec2.send(
        new CreateSecurityGroupCommand({ VpcId: vpc.VpcId, GroupName: 'many', Description: 'many rules' }),
      );
      const ranges = (n: number, third: number) =>
        Array.from({ length: n }, (_, i) => ({ CidrIp: `192.168.${third}.${i}/32` }));
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: ranges(60, 1) }],
        }),
      );
      // Egress has its own 60: the default allow-all rule plus 59 more fit.
      await ec2.send(
        new AuthorizeSecurityGroupEgressCommand({
          GroupId,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: ranges(59, 2) }],
        }),
      );
      const [ingress61] = await cloud.aws([
        'ec2',
        'authorize-security-group-ingress',
        '--group-id',
        GroupId!,
        '--protocol',
        'tcp',
        '--port',
        '22',
        '--cidr',
        '192.168.3.1/32',
      ]);
      expect(cliError(ingress61!)).toEqual({
        code: 'RulesPerSecurityGroupLimitExceeded',
        message: 'The maximum number of rules per security group has been reached.',
      });
    },
  );

  fidelity(
    'A network interface takes at most 5 security groups (Security groups per network interface)',
    VPC_QUOTAS,
    async () => {
      const vpc = [...cloud.cloud.ec2.vpcs.values()][2]!;
      const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.2.0.0/24' }));
      const groups: string[] = [];
      for (let i = 0; i < 6; i++)
        groups.push(
          (
            await ec2.send(
              new CreateSecurityGroupCommand({ VpcId: vpc.VpcId, GroupName: `g${i}`, Description: `g${i}` }),
            )
          ).GroupId!,
        );
      const error = await errorOf(
        ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet.Subnet!.SubnetId!, Groups: groups })),
      );
      expect(error.name).toBe('SecurityGroupsPerInterfaceLimitExceeded');
      const ok = await ec2.send(
        new CreateNetworkInterfaceCommand({ SubnetId: subnet.Subnet!.SubnetId!, Groups: groups.slice(0, 5) }),
      );
      expect(ok.NetworkInterface!.Groups).toHaveLength(5);
    },
  );

  fidelity(
    'The 21st gateway endpoint in a Region is refused with VpcEndpointLimitExceeded (Gateway VPC endpoints per Region, 20); interface endpoints do not count',
    'https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-limits-endpoints.html',
    async () => {
      // Twenty gateway endpoints over the first two VPCs (one per 100-project fleet member would be 100).
      const [first, second] = [...cloud.cloud.ec2.vpcs.values()];
      for (let i = 0; i < 20; i++) {
        await ec2.send(
          new CreateVpcEndpointCommand({
            VpcId: (i % 2 ? second! : first!).VpcId,
            VpcEndpointType: 'Gateway',
            ServiceName: `com.amazonaws.eu-west-1.${i % 4 < 2 ? 's3' : 'dynamodb'}`,
          }),
        );
      }
      const subnet = cloud.cloud.ec2.createSubnet({ VpcId: first!.VpcId, CidrBlock: '10.0.9.0/24' });
      const iface = await ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: first!.VpcId,
          VpcEndpointType: 'Interface',
          ServiceName: 'com.amazonaws.eu-west-1.sqs',
          SubnetIds: [subnet.SubnetId],
        }),
      );
      expect(iface.VpcEndpoint!.VpcEndpointType).toBe('Interface');
      const [twentyFirst] = await cloud.aws([
        'ec2',
        'create-vpc-endpoint',
        '--vpc-id',
        second!.VpcId,
        '--service-name',
        'com.amazonaws.eu-west-1.s3',
      ]);
      expect(cliError(twentyFirst!).code).toBe('VpcEndpointLimitExceeded');
    },
  );
});

describe('quotas configured per cloud', () => {
  let cloud: FidelityCloud;
  let ec2: EC2Client;
  let quotas: ServiceQuotasClient;

  beforeAll(async () => {
    cloud = await startFidelityCloud({
      quotas: {
        'L-F678F1CE': 7,
        securityGroupsPerRegion: 3,
        subnetsPerVpc: 2,
        albsPerRegion: 0,
        dbClusters: 0,
      },
    });
    ec2 = new EC2Client(cloud.config);
    quotas = new ServiceQuotasClient(cloud.config);
  }, HOOK_TIMEOUT);
  afterAll(async () => {
    await cloud.stop();
  }, HOOK_TIMEOUT);

  fidelity(
    'A raised VPC quota (startLocalCloud({ quotas })) admits seven VPCs and refuses the eighth',
    VPC_QUOTAS,
    async () => {
      for (let i = 0; i < 7; i++) await ec2.send(new CreateVpcCommand({ CidrBlock: `10.${i}.0.0/16` }));
      expect((await errorOf(ec2.send(new CreateVpcCommand({ CidrBlock: '10.50.0.0/16' })))).name).toBe(
        'VpcLimitExceeded',
      );
    },
  );

  fidelity(
    'Security groups count per Region, default groups included: SecurityGroupLimitExceeded',
    VPC_QUOTAS,
    async () => {
      // Seven VPCs brought seven default groups, already past a quota of 3.
      const vpc = [...cloud.cloud.ec2.vpcs.values()][0]!;
      const error = await errorOf(
        ec2.send(new CreateSecurityGroupCommand({ VpcId: vpc.VpcId, GroupName: 'x', Description: 'x' })),
      );
      expect(error.name).toBe('SecurityGroupLimitExceeded');
      expect(error.message).toBe('The maximum number of security groups has been reached.');
    },
  );

  fidelity(
    'Subnets per VPC: the third of a quota of 2 is refused (SubnetLimitExceeded)',
    VPC_QUOTAS,
    async () => {
      const vpc = [...cloud.cloud.ec2.vpcs.values()][1]!;
      await ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.1.1.0/24' }));
      await ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.1.2.0/24' }));
      expect(
        (await errorOf(ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.1.3.0/24' }))))
          .name,
      ).toBe('SubnetLimitExceeded');
    },
  );

  fidelity(
    'Application Load Balancers per Region: past the quota, TooManyLoadBalancers',
    'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html',
    async () => {
      const vpc = [...cloud.cloud.ec2.vpcs.values()][2]!;
      const a = cloud.cloud.ec2.createSubnet({
        VpcId: vpc.VpcId,
        CidrBlock: '10.2.1.0/24',
        AvailabilityZone: 'eu-west-1a',
      });
      const b = cloud.cloud.ec2.createSubnet({
        VpcId: vpc.VpcId,
        CidrBlock: '10.2.2.0/24',
        AvailabilityZone: 'eu-west-1b',
      });
      const [created] = await cloud.aws([
        'elbv2',
        'create-load-balancer',
        '--name',
        'web',
        '--subnets',
        a.SubnetId,
        b.SubnetId,
      ]);
      expect(cliError(created!).code).toBe('TooManyLoadBalancers');
    },
  );

  fidelity(
    'Aurora DB clusters per Region: past the quota, DBClusterQuotaExceededFault',
    'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/CHAP_Limits.html',
    async () => {
      const error = await errorOf(
        new RDSClient(cloud.config).send(
          new CreateDBClusterCommand({
            DBClusterIdentifier: 'one',
            Engine: 'aurora-postgresql',
            MasterUsername: 'app',
            ManageMasterUserPassword: true,
          }),
        ),
      );
      expect(error.name).toBe('DBClusterQuotaExceededFault');
    },
  );

  fidelity(
    'GetServiceQuota reports the applied value; GetAWSDefaultServiceQuota the default (CLI)',
    `${SQ_API}/API_GetServiceQuota.html`,
    async () => {
      const [applied, defaults, eips] = await cloud.aws(
        ['service-quotas', 'get-service-quota', '--service-code', 'vpc', '--quota-code', 'L-F678F1CE'],
        [
          'service-quotas',
          'get-aws-default-service-quota',
          '--service-code',
          'vpc',
          '--quota-code',
          'L-F678F1CE',
        ],
        ['service-quotas', 'get-service-quota', '--service-code', 'ec2', '--quota-code', 'L-0263D0A3'],
      );
      expect(applied!.json.Quota).toMatchObject({
        ServiceCode: 'vpc',
        QuotaCode: 'L-F678F1CE',
        QuotaName: 'VPCs per Region',
        Value: 7,
        Adjustable: true,
      });
      expect(defaults!.json.Quota.Value).toBe(5);
      expect(eips!.json.Quota).toMatchObject({ QuotaName: 'EC2-VPC Elastic IPs', Value: 5 });
    },
  );

  fidelity(
    'ListServiceQuotas lists the VPC quotas that bite with their codes',
    `${SQ_API}/API_ListServiceQuotas.html`,
    async () => {
      const [list] = await cloud.aws(['service-quotas', 'list-service-quotas', '--service-code', 'vpc']);
      const codes = (list!.json.Quotas as Array<{ QuotaCode: string }>).map((q) => q.QuotaCode);
      expect(codes).toEqual(
        expect.arrayContaining(['L-F678F1CE', 'L-FE5A380F', 'L-E79EC296', 'L-0EA8095F', 'L-A4707A72']),
      );
      expect(codes).not.toContain('L-0263D0A3');
    },
  );

  fidelity(
    'GetServiceQuota for a quota code the service does not have: NoSuchResourceException',
    `${SQ_API}/API_GetServiceQuota.html`,
    async () => {
      const error = await errorOf(
        quotas.send(new GetServiceQuotaCommand({ ServiceCode: 'vpc', QuotaCode: 'L-0263D0A3' })),
      );
      expect(error.name).toBe('NoSuchResourceException');
    },
  );

  fidelity(
    'The admin API changes a quota at run time, and the Service Quotas API follows it',
    `${SQ_API}/API_GetServiceQuota.html`,
    async () => {
      const response = await fetch(`${cloud.endpoint}/_local/quotas`, {
        method: 'POST',
        body: JSON.stringify({ vpcsPerRegion: 9 }),
      });
      expect(response.status).toBe(200);
      const { Quota } = await quotas.send(
        new GetServiceQuotaCommand({ ServiceCode: 'vpc', QuotaCode: 'L-F678F1CE' }),
      );
      expect(Quota!.Value).toBe(9);
      await ec2.send(new CreateVpcCommand({ CidrBlock: '10.60.0.0/16' }));
      expect(cloud.cloud.ec2.vpcs.size).toBe(8);
      const refused = await fetch(`${cloud.endpoint}/_local/quotas`, {
        method: 'POST',
        body: JSON.stringify({ 'L-NOTAQUOTA': 1 }),
      });
      expect(refused.status).toBe(400);
    },
  );
});

describe('the Fargate On-Demand vCPU quota (L-3032A538)', () => {
  const FARGATE_QUOTAS = 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html';
  let cloud: FidelityCloud;
  let ecs: ECSClient;

  beforeAll(async () => {
    cloud = await startFidelityCloud({ quotas: { 'L-3032A538': 2 } });
    ecs = new ECSClient(cloud.config);
    await ecs.send(new CreateClusterCommand({ clusterName: 'acme' }));
  }, HOOK_TIMEOUT);
  afterAll(async () => {
    await cloud.stop();
  }, HOOK_TIMEOUT);

  fidelity(
    'Service Quotas serves it under the service code fargate with its AWS default of 4,000 vCPUs',
    `${SQ_API}/API_GetAWSDefaultServiceQuota.html ${FARGATE_QUOTAS}`,
    async () => {
      const [applied, aws] = await cloud.aws(
        ['service-quotas', 'get-service-quota', '--service-code', 'fargate', '--quota-code', 'L-3032A538'],
        [
          'service-quotas',
          'get-aws-default-service-quota',
          '--service-code',
          'fargate',
          '--quota-code',
          'L-3032A538',
        ],
      );
      expect(applied!.json.Quota).toMatchObject({
        QuotaName: 'Fargate On-Demand vCPU resource count',
        Value: 2,
      });
      expect(aws!.json.Quota.Value).toBe(4000);
    },
  );

  fidelity(
    'RunTask past the quota answers 200 with no task and the reason in failures; running tasks count until they stop',
    FARGATE_QUOTAS,
    async () => {
      const td = await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'acme-job',
          requiresCompatibilities: ['FARGATE'],
          networkMode: 'awsvpc',
          cpu: '1024',
          memory: '2048',
          containerDefinitions: [{ name: 'job', image: 'repo@sha256:aaaa', essential: true }],
        }),
      );
      const run = (count: number) =>
        ecs.send(
          new RunTaskCommand({
            cluster: 'acme',
            taskDefinition: td.taskDefinition!.taskDefinitionArn!,
            count,
            launchType: 'FARGATE',
            networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
          }),
        );
      expect((await run(2)).tasks).toHaveLength(2);
      const refused = await run(1);
      expect(refused.tasks).toEqual([]);
      expect(refused.failures).toEqual([
        { reason: "You've reached the limit on the number of vCPUs you can run concurrently" },
      ]);
      // Once the two tasks have run to completion their vCPUs are free again.
      const { ecsTaskStart, ecsTaskRun } = cloud.cloud.durations.service;
      await cloud.cloud.clock.advance(ecsTaskStart + ecsTaskRun + 1);
      expect((await run(1)).tasks).toHaveLength(1);
    },
  );
});
