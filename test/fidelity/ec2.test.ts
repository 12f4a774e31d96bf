import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DescribeNetworkInterfacesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { REPOSITORY_ROOT } from '#local/runtime/index.ts';
import { stageRoleBoundary } from '#test/helpers/stage-boundary.ts';
import { errorOf } from '#test/integration/local/helpers.ts';
import { cliError, type FidelityCloud, fidelity, HOOK_TIMEOUT, startFidelityCloud } from './cloud-cli.ts';

const API = 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference';
const CIDR_PAGE = 'https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html';
const SUBNET_PAGE = 'https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html';
const DELETE_VPC = 'https://docs.aws.amazon.com/vpc/latest/userguide/delete-vpc.html';
const DELETE_SG = 'https://docs.aws.amazon.com/vpc/latest/userguide/deleting-security-groups.html';
const ENI_PAGE = 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html';
const AMI = 'ami-0123456789abcdef0';

let cloud: FidelityCloud;
let ec2: EC2Client;

beforeAll(async () => {
  // The quotas have their own suite; here a roomy account so the CIDR cases can make many VPCs.
  cloud = await startFidelityCloud({ quotas: { vpcsPerRegion: 50, internetGatewaysPerRegion: 50 } });
  ec2 = new EC2Client(cloud.config);
}, HOOK_TIMEOUT);
afterAll(async () => {
  await cloud.stop();
}, HOOK_TIMEOUT);

async function vpcWithSubnet(cidr: string, subnetCidr: string, az = 'eu-west-1a') {
  const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }));
  const { Subnet } = await ec2.send(
    new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: subnetCidr, AvailabilityZone: az }),
  );
  return { vpcId: Vpc!.VpcId!, subnetId: Subnet!.SubnetId! };
}

describe('EC2 CIDR blocks, through the AWS CLI', () => {
  let out: Awaited<ReturnType<FidelityCloud['aws']>>;
  let vpcId: string;

  beforeAll(async () => {
    ({ vpcId } = await vpcWithSubnet('10.2.0.0/16', '10.2.0.0/24'));
    out = await cloud.aws(
      ['ec2', 'create-vpc', '--cidr-block', '999.0.0.0/8'],
      ['ec2', 'create-vpc', '--cidr-block', '10.0.0.0/8'],
      ['ec2', 'create-vpc', '--cidr-block', '10.0.0.0/29'],
      ['ec2', 'create-vpc', '--cidr-block', '10.1.7.9/16'],
      ['ec2', 'create-vpc', '--cidr-block', '10.5.0.0/16', '--instance-tenancy', 'bogus'],
      ['ec2', 'create-vpc', '--cidr-block', '10.5.0.0/16', '--instance-tenancy', 'host'],
      ['ec2', 'create-vpc', '--cidr-block', '10.5.0.0/16', '--instance-tenancy', 'dedicated'],
      ['ec2', 'create-subnet', '--vpc-id', vpcId, '--cidr-block', '10.9.0.0/24'],
      ['ec2', 'create-subnet', '--vpc-id', vpcId, '--cidr-block', '10.2.0.128/25'],
      ['ec2', 'create-subnet', '--vpc-id', vpcId, '--cidr-block', '10.2.9.0/29'],
      ['ec2', 'create-subnet', '--vpc-id', vpcId, '--cidr-block', '10.2.1.77/24'],
      ['ec2', 'create-subnet', '--vpc-id', vpcId, '--cidr-block', '10.2.300.0/24'],
      ['ec2', 'associate-vpc-cidr-block', '--vpc-id', vpcId, '--cidr-block', '10.3.0.0/16'],
      ['ec2', 'create-subnet', '--vpc-id', vpcId, '--cidr-block', '10.3.4.0/24'],
      ['ec2', 'associate-vpc-cidr-block', '--vpc-id', vpcId, '--cidr-block', '10.2.128.0/17'],
      ['ec2', 'associate-vpc-cidr-block', '--vpc-id', vpcId, '--cidr-block', '10.4.0.0/16'],
      ['ec2', 'associate-vpc-cidr-block', '--vpc-id', vpcId, '--cidr-block', '10.6.0.0/16'],
      ['ec2', 'associate-vpc-cidr-block', '--vpc-id', vpcId, '--cidr-block', '10.7.0.0/16'],
      ['ec2', 'associate-vpc-cidr-block', '--vpc-id', vpcId, '--cidr-block', '10.8.0.0/16'],
    );
  }, HOOK_TIMEOUT);

  fidelity(
    'CreateVpc refuses a malformed address (999.0.0.0/8) as InvalidParameterValue',
    `${API}/API_CreateVpc.html`,
    () => {
      expect(cliError(out[0]!)).toEqual({
        code: 'InvalidParameterValue',
        message: 'Value (999.0.0.0/8) for parameter cidrBlock is invalid. This is not a valid CIDR block.',
      });
    },
  );
  fidelity('CreateVpc refuses a block larger than /16 (InvalidVpc.Range)', CIDR_PAGE, () => {
    expect(cliError(out[1]!)).toEqual({
      code: 'InvalidVpc.Range',
      message: "The CIDR '10.0.0.0/8' is invalid.",
    });
  });
  fidelity('CreateVpc refuses a block smaller than /28 (InvalidVpc.Range)', CIDR_PAGE, () => {
    expect(cliError(out[2]!).code).toBe('InvalidVpc.Range');
  });
  fidelity(
    'CreateVpc stores a block with host bits set in its canonical form (10.1.7.9/16 → 10.1.0.0/16)',
    `${API}/API_CreateVpc.html`,
    () => {
      expect(out[3]!.json.Vpc.CidrBlock).toBe('10.1.0.0/16');
    },
  );
  fidelity('CreateVpc refuses an unknown InstanceTenancy', `${API}/API_CreateVpc.html`, () => {
    expect(cliError(out[4]!).code).toBe('InvalidParameterValue');
    expect(cliError(out[4]!).message).toContain('bogus');
  });
  fidelity(
    'CreateVpc refuses InstanceTenancy host ("Use the default or dedicated values only")',
    `${API}/API_CreateVpc.html`,
    () => {
      expect(cliError(out[5]!).code).toBe('InvalidParameterValue');
    },
  );
  fidelity('CreateVpc accepts InstanceTenancy dedicated and reports it', `${API}/API_CreateVpc.html`, () => {
    expect(out[6]!.json.Vpc.InstanceTenancy).toBe('dedicated');
  });
  fidelity('CreateSubnet refuses a block outside the VPC (InvalidSubnet.Range)', SUBNET_PAGE, () => {
    expect(cliError(out[7]!)).toEqual({
      code: 'InvalidSubnet.Range',
      message: "The CIDR '10.9.0.0/24' is invalid.",
    });
  });
  fidelity(
    'CreateSubnet refuses a block overlapping another subnet (InvalidSubnet.Conflict)',
    SUBNET_PAGE,
    () => {
      expect(cliError(out[8]!)).toEqual({
        code: 'InvalidSubnet.Conflict',
        message: "The CIDR '10.2.0.128/25' conflicts with another subnet",
      });
    },
  );
  fidelity('CreateSubnet refuses a subnet smaller than /28 (InvalidSubnet.Range)', SUBNET_PAGE, () => {
    expect(cliError(out[9]!).code).toBe('InvalidSubnet.Range');
  });
  fidelity('CreateSubnet stores its block in canonical form', `${API}/API_CreateSubnet.html`, () => {
    expect(out[10]!.json.Subnet.CidrBlock).toBe('10.2.1.0/24');
  });
  fidelity(
    'CreateSubnet refuses a malformed address as InvalidParameterValue',
    `${API}/API_CreateSubnet.html`,
    () => {
      expect(cliError(out[11]!).code).toBe('InvalidParameterValue');
    },
  );
  fidelity(
    'AssociateVpcCidrBlock adds a secondary block that new subnets may use',
    `${API}/API_AssociateVpcCidrBlock.html`,
    () => {
      expect(out[12]!.json.CidrBlockAssociation.CidrBlock).toBe('10.3.0.0/16');
      expect(out[13]!.json.Subnet.CidrBlock).toBe('10.3.4.0/24');
    },
  );
  fidelity('AssociateVpcCidrBlock refuses a block overlapping the VPC (InvalidVpc.Range)', CIDR_PAGE, () => {
    expect(cliError(out[14]!).code).toBe('InvalidVpc.Range');
  });
  fidelity(
    'AssociateVpcCidrBlock stops at "IPv4 CIDR blocks per VPC" (5) with CidrLimitExceeded',
    'https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html',
    () => {
      expect(out[15]!.rc).toBe(0);
      expect(out[16]!.rc).toBe(0);
      expect(out[17]!.rc).toBe(0);
      expect(cliError(out[18]!)).toEqual({
        code: 'CidrLimitExceeded',
        message: `This network '${vpcId}' has met its maximum number of allowed CIDRs: 5`,
      });
    },
  );
});

describe('EC2 security-group rules, through the AWS CLI', () => {
  let out: Awaited<ReturnType<FidelityCloud['aws']>>;

  beforeAll(async () => {
    const { vpcId } = await vpcWithSubnet('10.20.0.0/16', '10.20.0.0/24');
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'rules', Description: 'rules' }),
    );
    const sg = GroupId!;
    out = await cloud.aws(
      [
        'ec2',
        'authorize-security-group-ingress',
        '--group-id',
        sg,
        '--protocol',
        'tcp',
        '--port',
        '22',
        '--cidr',
        '999.1.1.1/32',
      ],
      [
        'ec2',
        'authorize-security-group-ingress',
        '--group-id',
        sg,
        '--protocol',
        'tcp',
        '--port',
        '22',
        '--cidr',
        '10.0.0.28/29',
      ],
      ['ec2', 'describe-security-group-rules', '--filters', `Name=group-id,Values=${sg}`],
      [
        'ec2',
        'authorize-security-group-ingress',
        '--group-id',
        sg,
        '--protocol',
        'tcp',
        '--port',
        '22',
        '--cidr',
        '10.0.0.24/29',
      ],
    );
  }, HOOK_TIMEOUT);

  fidelity(
    'AuthorizeSecurityGroupIngress refuses a malformed CidrIp: "CIDR block … is malformed"',
    `${API}/API_AuthorizeSecurityGroupIngress.html`,
    () => {
      expect(cliError(out[0]!)).toEqual({
        code: 'InvalidParameterValue',
        message: 'CIDR block 999.1.1.1/32 is malformed',
      });
    },
  );
  fidelity(
    'AuthorizeSecurityGroupIngress canonicalises a CIDR with host bits (10.0.0.28/29 → 10.0.0.24/29)',
    `${API}/API_AuthorizeSecurityGroupIngress.html`,
    () => {
      const rules = out[2]!.json.SecurityGroupRules as Array<{ CidrIpv4?: string; IsEgress: boolean }>;
      expect(rules.filter((r) => !r.IsEgress).map((r) => r.CidrIpv4)).toEqual(['10.0.0.24/29']);
    },
  );
  fidelity(
    'AuthorizeSecurityGroupIngress refuses the canonical form of an existing rule as a duplicate',
    `${API}/API_AuthorizeSecurityGroupIngress.html`,
    () => {
      expect(cliError(out[3]!).code).toBe('InvalidPermission.Duplicate');
    },
  );
});

describe('EC2 DependencyViolation while network interfaces or dependent groups remain', () => {
  let vpcId: string;
  let subnetId: string;
  let publicSubnetId: string;
  let appSg: string;
  let dbSg: string;
  let bastionSg: string;
  let instanceId: string;
  let igwId: string;
  let natSubnetId: string;
  let out: Awaited<ReturnType<FidelityCloud['aws']>>;

  beforeAll(async () => {
    ({ vpcId, subnetId } = await vpcWithSubnet('10.30.0.0/16', '10.30.0.0/24'));
    publicSubnetId = (
      await ec2.send(
        new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.30.1.0/24', AvailabilityZone: 'eu-west-1b' }),
      )
    ).Subnet!.SubnetId!;
    natSubnetId = (
      await ec2.send(
        new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.30.2.0/24', AvailabilityZone: 'eu-west-1c' }),
      )
    ).Subnet!.SubnetId!;
    const group = async (name: string) =>
      (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: name, Description: name })))
        .GroupId!;
    appSg = await group('app');
    dbSg = await group('db');
    bastionSg = await group('bastion');
    // The database trusts the app group: deleting the app group must fail while this rule stands.
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: dbSg,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: appSg }] },
        ],
      }),
    );
    const igw = cloud.cloud.ec2.createInternetGateway();
    igwId = igw.InternetGatewayId;
    cloud.cloud.ec2.attachInternetGateway(igwId, vpcId);
    const eip = cloud.cloud.ec2.allocateAddress();
    cloud.cloud.ec2.createNatGateway({
      SubnetId: natSubnetId,
      AllocationId: eip.AllocationId,
      readyAfterMs: 0,
    });
    // A bastion with a public address in the public subnet, in the bastion group.
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: AMI,
        MinCount: 1,
        MaxCount: 1,
        NetworkInterfaces: [
          { DeviceIndex: 0, SubnetId: publicSubnetId, Groups: [bastionSg], AssociatePublicIpAddress: true },
        ],
      }),
    );
    instanceId = run.Instances![0]!.InstanceId!;
    out = await cloud.aws(
      ['ec2', 'delete-security-group', '--group-id', appSg],
      ['ec2', 'delete-security-group', '--group-id', bastionSg],
      ['ec2', 'delete-subnet', '--subnet-id', publicSubnetId],
      ['ec2', 'delete-subnet', '--subnet-id', natSubnetId],
      ['ec2', 'detach-internet-gateway', '--internet-gateway-id', igwId, '--vpc-id', vpcId],
      ['ec2', 'delete-internet-gateway', '--internet-gateway-id', igwId],
      ['ec2', 'delete-vpc', '--vpc-id', vpcId],
      ['ec2', 'describe-network-interfaces', '--filters', `Name=vpc-id,Values=${vpcId}`],
      ['ec2', 'delete-security-group', '--group-id', dbSg],
      ['ec2', 'delete-security-group', '--group-id', appSg],
    );
  }, HOOK_TIMEOUT);

  fidelity(
    'DeleteSecurityGroup fails while another group\'s rule references it: "resource sg-… has a dependent object"',
    DELETE_SG,
    () => {
      expect(cliError(out[0]!)).toEqual({
        code: 'DependencyViolation',
        message: `resource ${appSg} has a dependent object`,
      });
    },
  );
  fidelity("DeleteSecurityGroup fails while an instance's network interface uses it", DELETE_SG, () => {
    expect(cliError(out[1]!)).toEqual({
      code: 'DependencyViolation',
      message: `resource ${bastionSg} has a dependent object`,
    });
  });
  fidelity("DeleteSubnet fails while an instance's network interface is in it", DELETE_VPC, () => {
    expect(cliError(out[2]!)).toEqual({
      code: 'DependencyViolation',
      message: `The subnet '${publicSubnetId}' has dependencies and cannot be deleted.`,
    });
  });
  fidelity("DeleteSubnet fails while a NAT gateway's network interface is in it", DELETE_VPC, () => {
    expect(cliError(out[3]!).code).toBe('DependencyViolation');
  });
  fidelity(
    'DetachInternetGateway fails while the VPC maps public addresses ("Please unmap those public address(es)")',
    DELETE_VPC,
    () => {
      expect(cliError(out[4]!)).toEqual({
        code: 'DependencyViolation',
        message: `Network ${vpcId} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`,
      });
    },
  );
  fidelity('DeleteInternetGateway fails while the gateway is attached', DELETE_VPC, () => {
    expect(cliError(out[5]!)).toEqual({
      code: 'DependencyViolation',
      message: `The internetGateway '${igwId}' has dependencies and cannot be deleted.`,
    });
  });
  fidelity('DeleteVpc fails while subnets and interfaces remain', DELETE_VPC, () => {
    expect(cliError(out[6]!)).toEqual({
      code: 'DependencyViolation',
      message: `The vpc '${vpcId}' has dependencies and cannot be deleted.`,
    });
  });
  fidelity(
    "DescribeNetworkInterfaces lists the instance's interface (attached) and the NAT gateway's (requester-managed)",
    ENI_PAGE,
    () => {
      const enis = out[7]!.json.NetworkInterfaces as Array<Record<string, unknown>>;
      const instance = enis.find(
        (n) => (n.Attachment as { InstanceId?: string } | undefined)?.InstanceId === instanceId,
      );
      expect(instance).toMatchObject({ SubnetId: publicSubnetId, RequesterManaged: false, Status: 'in-use' });
      expect(instance!.Groups).toEqual([{ GroupId: bastionSg, GroupName: 'bastion' }]);
      expect(enis.find((n) => n.InterfaceType === 'nat_gateway')).toMatchObject({
        SubnetId: natSubnetId,
        RequesterManaged: true,
      });
    },
  );
  fidelity("DeleteSecurityGroup succeeds once the referencing rule's group is gone", DELETE_SG, () => {
    expect(out[8]!.rc).toBe(0);
    expect(out[9]!.rc).toBe(0);
  });
  fidelity(
    'Terminating the instance removes its interface: the group and subnet can then be deleted',
    'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html',
    async () => {
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
      // Still shutting down: the interface is still there.
      expect((await errorOf(ec2.send(new DeleteSubnetCommand({ SubnetId: publicSubnetId })))).name).toBe(
        'DependencyViolation',
      );
      await cloud.cloud.clock.advance(cloud.cloud.durations.service.instanceTerminate + 1_000);
      await ec2.send(new DeleteSecurityGroupCommand({ GroupId: bastionSg }));
      await ec2.send(new DeleteSubnetCommand({ SubnetId: publicSubnetId }));
      const left = await ec2.send(
        new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'subnet-id', Values: [publicSubnetId] }] }),
      );
      expect(left.NetworkInterfaces).toEqual([]);
    },
  );

  fidelity(
    'An interface VPC endpoint puts an interface in each of its subnets, holding subnet and group',
    'https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html',
    async () => {
      const { GroupId } = await ec2.send(
        new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'endpoints', Description: 'endpoints' }),
      );
      const { VpcEndpoint } = await ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: vpcId,
          ServiceName: 'com.amazonaws.eu-west-1.ecr.api',
          VpcEndpointType: 'Interface',
          SubnetIds: [subnetId],
          SecurityGroupIds: [GroupId!],
        }),
      );
      expect(VpcEndpoint!.NetworkInterfaceIds).toHaveLength(1);
      expect((await errorOf(ec2.send(new DeleteSubnetCommand({ SubnetId: subnetId })))).name).toBe(
        'DependencyViolation',
      );
      expect((await errorOf(ec2.send(new DeleteSecurityGroupCommand({ GroupId: GroupId! })))).name).toBe(
        'DependencyViolation',
      );
    },
  );
});

describe("stackdrop's network stack torn down while a bastion made outside CloudFormation still runs", () => {
  let out: Awaited<ReturnType<FidelityCloud['aws']>>;
  let instanceId: string;

  /** Runs the manual clock until the stack's operation has finished. */
  async function settle(name: string) {
    const engine = cloud.cloud.cloudformation;
    for (let i = 0; i < 200 && engine.requireStack(name).operation; i++) {
      await cloud.cloud.clock.runAll();
      await new Promise((r) => setTimeout(r, 5));
    }
    return engine.settled(name);
  }

  beforeAll(async () => {
    // Prepare: the real network template, then a bastion as `stackdrop bastion open` launches one:
    // a public subnet, the stack's bastion group, a public address.
    const engine = cloud.cloud.cloudformation;
    // The network template's roles carry template.yaml's boundary, which IAM requires to exist.
    stageRoleBoundary(cloud.cloud);
    engine.createStack({
      StackName: 'acme-network',
      TemplateBody: await readFile(join(REPOSITORY_ROOT, 'templates/network.yaml'), 'utf8'),
      Parameters: [
        { ParameterKey: 'Project', ParameterValue: 'acme' },
        { ParameterKey: 'Environment', ParameterValue: 'production' },
        { ParameterKey: 'VpcCidr', ParameterValue: '10.40.0.0/16' },
        { ParameterKey: 'SubnetBits', ParameterValue: '12' },
        { ParameterKey: 'NatGateways', ParameterValue: 'single' },
      ],
      Capabilities: ['CAPABILITY_IAM'],
    });
    const created = await settle('acme-network');
    expect(created.status).toBe('CREATE_COMPLETE');
    const output = (key: string) => created.outputs.find((o) => o.OutputKey === key)?.OutputValue ?? '';
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: AMI,
        MinCount: 1,
        MaxCount: 1,
        NetworkInterfaces: [
          {
            DeviceIndex: 0,
            SubnetId: output('PublicSubnetIds').split(',')[0],
            Groups: [output('BastionSecurityGroupId')],
            AssociatePublicIpAddress: true,
          },
        ],
      }),
    );
    instanceId = run.Instances![0]!.InstanceId!;
    // Act
    await cloud.aws(['cloudformation', 'delete-stack', '--stack-name', 'acme-network']);
    await settle('acme-network');
    out = await cloud.aws(
      ['cloudformation', 'describe-stacks', '--stack-name', 'acme-network'],
      ['cloudformation', 'describe-stack-events', '--stack-name', 'acme-network'],
    );
  }, HOOK_TIMEOUT);

  fidelity(
    "The delete ends DELETE_FAILED: the instance's network interface holds its subnet and the bastion group (DependencyViolation)",
    DELETE_VPC,
    () => {
      expect(out[0]!.json.Stacks[0].StackStatus).toBe('DELETE_FAILED');
      const failed = (
        out[1]!.json.StackEvents as Array<{
          ResourceStatus: string;
          ResourceType: string;
          ResourceStatusReason?: string;
        }>
      ).filter((e) => e.ResourceStatus === 'DELETE_FAILED' && e.ResourceType.startsWith('AWS::EC2::'));
      const reasons = failed.map((e) => `${e.ResourceType}: ${e.ResourceStatusReason}`).join('\n');
      expect(reasons).toMatch(/AWS::EC2::SecurityGroup: resource sg-\w+ has a dependent object/);
      expect(reasons).toMatch(
        /AWS::EC2::Subnet: The subnet 'subnet-\w+' has dependencies and cannot be deleted\./,
      );
    },
  );

  fidelity(
    'Once the bastion has terminated, deleting the stack again completes',
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html#troubleshooting-errors-delete-stack-fails',
    async () => {
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
      await cloud.cloud.clock.advance(cloud.cloud.durations.service.instanceTerminate + 1_000);
      const stackId = out[0]!.json.Stacks[0].StackId as string;
      await cloud.aws(['cloudformation', 'delete-stack', '--stack-name', 'acme-network']);
      const stack = await settle(stackId);
      expect(stack.status).toBe('DELETE_COMPLETE');
    },
  );
});

describe('awsvpc tasks and CloudFormation resources follow the same EC2 rules', () => {
  fidelity(
    "A running awsvpc service task holds its security group through the task's network interface, until the task stops",
    'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html',
    async () => {
      const ecs = new ECSClient(cloud.config);
      const { vpcId, subnetId } = await vpcWithSubnet('10.50.0.0/16', '10.50.1.0/24');
      const { GroupId } = await ec2.send(
        new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'tasks', Description: 'tasks' }),
      );
      await ecs.send(new CreateClusterCommand({ clusterName: 'eni' }));
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          family: 'web',
          requiresCompatibilities: ['FARGATE'],
          networkMode: 'awsvpc',
          cpu: '256',
          memory: '512',
          containerDefinitions: [{ name: 'web', image: 'nginx:latest' }],
        }),
      );
      await ecs.send(
        new CreateServiceCommand({
          cluster: 'eni',
          serviceName: 'web',
          taskDefinition: 'web',
          desiredCount: 1,
          launchType: 'FARGATE',
          networkConfiguration: { awsvpcConfiguration: { subnets: [subnetId], securityGroups: [GroupId!] } },
        }),
      );
      await cloud.cloud.clock.advance(15 * 60_000);
      const { NetworkInterfaces } = await ec2.send(
        new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: [GroupId!] }] }),
      );
      expect(NetworkInterfaces).toHaveLength(1);
      expect(NetworkInterfaces![0]!.Description).toMatch(/^arn:aws:ecs:.*:attachment\//);
      expect((await errorOf(ec2.send(new DeleteSecurityGroupCommand({ GroupId: GroupId! })))).name).toBe(
        'DependencyViolation',
      );
      await ecs.send(new DeleteServiceCommand({ cluster: 'eni', service: 'web', force: true }));
      await cloud.cloud.clock.advance(15 * 60_000);
      await ec2.send(new DeleteSecurityGroupCommand({ GroupId: GroupId! }));
      await ec2.send(new DeleteSubnetCommand({ SubnetId: subnetId }));
    },
  );

  fidelity(
    "An AWS::EC2::VPC with CidrBlock 999.0.0.0/8 fails to create with EC2's InvalidParameterValue message",
    `${API}/API_CreateVpc.html`,
    async () => {
      const engine = cloud.cloud.cloudformation;
      engine.createStack({
        StackName: 'bad-cidr',
        TemplateBody: JSON.stringify({
          Resources: { Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '999.0.0.0/8' } } },
        }),
      });
      for (let i = 0; i < 100 && engine.requireStack('bad-cidr').operation; i++) {
        await cloud.cloud.clock.runAll();
        await new Promise((r) => setTimeout(r, 5));
      }
      const stack = await engine.settled('bad-cidr');
      expect(stack.status).toBe('ROLLBACK_COMPLETE');
      const [events] = await cloud.aws([
        'cloudformation',
        'describe-stack-events',
        '--stack-name',
        'bad-cidr',
      ]);
      const failed = (
        events!.json.StackEvents as Array<{
          LogicalResourceId: string;
          ResourceStatus: string;
          ResourceStatusReason?: string;
        }>
      ).find((e) => e.LogicalResourceId === 'Vpc' && e.ResourceStatus === 'CREATE_FAILED');
      expect(failed?.ResourceStatusReason).toContain(
        'Value (999.0.0.0/8) for parameter cidrBlock is invalid. This is not a valid CIDR block.',
      );
    },
  );
});
