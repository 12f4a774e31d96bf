import {
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteTagsCommand,
  DeleteVpcCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInstancesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  EC2Client,
  paginateDescribeInstances,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestCloud } from './helpers.ts';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let ec2: EC2Client;
let vpcId: string;
let subnetId: string;
let groupId: string;

beforeAll(async () => {
  env = await startTestCloud();
  ec2 = new EC2Client(env.config);
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }));
  vpcId = vpc.Vpc!.VpcId!;
  const subnet = await ec2.send(
    new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.40.0.0/24', AvailabilityZone: 'eu-west-1a' }),
  );
  subnetId = subnet.Subnet!.SubnetId!;
  const sg = await ec2.send(
    new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'bastion', Description: 'bastion access' }),
  );
  groupId = sg.GroupId!;
});
afterAll(() => env.stop());

describe('EC2 over ec2Query', () => {
  it("describes the region's availability zones", async () => {
    const out = await ec2.send(new DescribeAvailabilityZonesCommand({}));

    expect(out.AvailabilityZones?.map((z) => [z.ZoneName, z.ZoneId, z.State])).toEqual([
      ['eu-west-1a', 'euw1-az1', 'available'],
      ['eu-west-1b', 'euw1-az2', 'available'],
      ['eu-west-1c', 'euw1-az3', 'available'],
    ]);
  });

  it('creates networks and validates CIDRs like EC2', async () => {
    const vpc = await ec2.send(
      new CreateVpcCommand({
        CidrBlock: '10.50.0.0/16',
        TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'Name', Value: 'n' }] }],
      }),
    );
    const id = vpc.Vpc!.VpcId!;
    const outside = await errorOf(
      ec2.send(new CreateSubnetCommand({ VpcId: id, CidrBlock: '10.60.0.0/24' })),
    );
    await ec2.send(
      new CreateSubnetCommand({ VpcId: id, CidrBlock: '10.50.1.0/24', AvailabilityZone: 'eu-west-1b' }),
    );
    const overlap = await errorOf(
      ec2.send(new CreateSubnetCommand({ VpcId: id, CidrBlock: '10.50.1.128/25' })),
    );
    const igw = await ec2.send(new CreateInternetGatewayCommand({}));
    await ec2.send(
      new AttachInternetGatewayCommand({
        InternetGatewayId: igw.InternetGateway!.InternetGatewayId,
        VpcId: id,
      }),
    );
    const rt = await ec2.send(new CreateRouteTableCommand({ VpcId: id }));
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: rt.RouteTable!.RouteTableId,
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: igw.InternetGateway!.InternetGatewayId,
      }),
    );
    const tables = await ec2.send(
      new DescribeRouteTablesCommand({ RouteTableIds: [rt.RouteTable!.RouteTableId!] }),
    );
    const subnets = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [id] }] }),
    );
    const busy = await errorOf(ec2.send(new DeleteVpcCommand({ VpcId: id })));

    expect(vpc.Vpc?.Tags).toEqual([{ Key: 'Name', Value: 'n' }]);
    expect(outside.name).toBe('InvalidSubnet.Range');
    expect(overlap.name).toBe('InvalidSubnet.Conflict');
    expect(tables.RouteTables?.[0]?.Routes?.map((r) => r.DestinationCidrBlock)).toEqual([
      '10.50.0.0/16',
      '0.0.0.0/0',
    ]);
    expect(subnets.Subnets?.map((s) => [s.CidrBlock, s.AvailabilityZone, s.AvailableIpAddressCount])).toEqual(
      [['10.50.1.0/24', 'eu-west-1b', 251]],
    );
    expect(busy.name).toBe('DependencyViolation');
  });

  it('authorizes, describes and revokes security-group rules with descriptions', async () => {
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 22,
            ToPort: 22,
            IpRanges: [{ CidrIp: '203.0.113.7/32', Description: 'bastion i-1' }],
          },
        ],
      }),
    );
    const duplicate = await errorOf(
      ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '203.0.113.7/32' }] },
          ],
        }),
      ),
    );
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
    const rules = await ec2.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }),
    );
    await ec2.send(
      new RevokeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '203.0.113.7/32' }] },
        ],
      }),
    );
    const missing = await errorOf(
      ec2.send(
        new RevokeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '203.0.113.7/32' }] },
          ],
        }),
      ),
    );
    const after = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));

    expect(duplicate.name).toBe('InvalidPermission.Duplicate');
    expect(groups.SecurityGroups?.[0]?.IpPermissions).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 22,
        ToPort: 22,
        IpRanges: [{ CidrIp: '203.0.113.7/32', Description: 'bastion i-1' }],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      },
    ]);
    expect(groups.SecurityGroups?.[0]?.IpPermissionsEgress?.[0]?.IpRanges).toEqual([{ CidrIp: '0.0.0.0/0' }]);
    const ingress = rules.SecurityGroupRules?.filter((r) => !r.IsEgress);
    expect(ingress?.map((r) => [r.CidrIpv4, r.FromPort, r.Description])).toEqual([
      ['203.0.113.7/32', 22, 'bastion i-1'],
    ]);
    expect(ingress?.[0]?.SecurityGroupRuleId).toMatch(/^sgr-/);
    expect(missing.name).toBe('InvalidPermission.NotFound');
    expect(after.SecurityGroups?.[0]?.IpPermissions).toEqual([]);
  });

  it('runs instances that go pending → running and terminate → terminated → gone', async () => {
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: 'ami-0a2b3c4d5e6f70819',
        InstanceType: 't4g.nano',
        MinCount: 1,
        MaxCount: 1,
        SubnetId: subnetId,
        SecurityGroupIds: [groupId],
        MetadataOptions: { HttpTokens: 'required' },
        InstanceInitiatedShutdownBehavior: 'terminate',
        TagSpecifications: [
          { ResourceType: 'instance', Tags: [{ Key: 'stackdrop:project', Value: 'acme' }] },
        ],
      }),
    );
    const id = run.Instances![0]!.InstanceId!;
    const state = async () =>
      (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0]
        ?.State?.Name;

    const initially = run.Instances![0]!.State?.Name;
    await env.cloud.clock.advance(env.cloud.durations.service.instanceStart);
    const started = await state();
    const terminating = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await env.cloud.clock.advance(env.cloud.durations.service.instanceTerminate);
    const terminated = await state();
    await env.cloud.clock.advance(env.cloud.durations.service.terminatedVisible);
    const gone = await errorOf(state());

    expect(initially).toBe('pending');
    expect(run.Instances![0]!.MetadataOptions?.HttpTokens).toBe('required');
    expect(run.Instances![0]!.Architecture).toBe('arm64');
    expect(run.Instances![0]!.PrivateIpAddress).toMatch(/^10\.40\.0\.\d+$/);
    expect(started).toBe('running');
    expect(terminating.TerminatingInstances?.[0]).toMatchObject({
      PreviousState: { Name: 'running', Code: 16 },
      CurrentState: { Name: 'shutting-down', Code: 32 },
    });
    expect(terminated).toBe('terminated');
    expect(gone.name).toBe('InvalidInstanceID.NotFound');
  });

  it('filters instances by tag, tag-key and state, and paginates with NextToken', async () => {
    const launch = (tags: Record<string, string>, count: number) =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: 'ami-0a2b3c4d5e6f70819',
          MinCount: count,
          MaxCount: count,
          SubnetId: subnetId,
          TagSpecifications: [
            { ResourceType: 'instance', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
          ],
        }),
      );
    await launch({ 'stackdrop:managed': 'true', 'stackdrop:expires-at': '2026-11-26T07:00:00Z' }, 7);
    await launch({ 'stackdrop:managed': 'false' }, 2);
    await env.cloud.clock.advance(env.cloud.durations.service.instanceStart);

    const pages = [];
    for await (const page of paginateDescribeInstances(
      { client: ec2, pageSize: 5 },
      {
        Filters: [
          { Name: 'tag-key', Values: ['stackdrop:expires-at'] },
          { Name: 'tag:stackdrop:managed', Values: ['true'] },
          { Name: 'instance-state-name', Values: ['pending', 'running'] },
        ],
      },
    )) {
      pages.push(page.Reservations?.flatMap((r) => r.Instances ?? []).length);
    }
    const wildcard = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:stackdrop:managed', Values: ['f*'] }] }),
    );
    const badFilter = await errorOf(
      ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'made-up', Values: ['x'] }] })),
    );
    const badMax = await errorOf(ec2.send(new DescribeInstancesCommand({ MaxResults: 2 })));
    const before = env.cloud.ec2.instances.size;
    const dryRun = await errorOf(
      ec2.send(
        new RunInstancesCommand({
          ImageId: 'ami-0a2b3c4d5e6f70819',
          MinCount: 1,
          MaxCount: 1,
          SubnetId: subnetId,
          DryRun: true,
        }),
      ),
    );

    expect(pages).toEqual([5, 2]);
    expect(wildcard.Reservations?.flatMap((r) => r.Instances ?? [])).toHaveLength(2);
    expect(badFilter.name).toBe('InvalidParameterValue');
    expect(badMax.name).toBe('InvalidParameterValue');
    expect(dryRun.name).toBe('DryRunOperation');
    expect(env.cloud.ec2.instances.size).toBe(before);
  });

  it('creates, describes and deletes tags on any resource', async () => {
    await ec2.send(
      new CreateTagsCommand({ Resources: [vpcId, groupId], Tags: [{ Key: 'team', Value: 'web' }] }),
    );
    await ec2.send(new DeleteTagsCommand({ Resources: [groupId], Tags: [{ Key: 'team' }] }));

    const tags = await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: 'key', Values: ['team'] }] }));
    const unknown = await errorOf(
      ec2.send(
        new CreateTagsCommand({ Resources: ['vpc-00000000000000000'], Tags: [{ Key: 'a', Value: 'b' }] }),
      ),
    );

    expect(tags.Tags).toEqual([{ ResourceId: vpcId, ResourceType: 'vpc', Key: 'team', Value: 'web' }]);
    expect(unknown.name).toBe('InvalidVpcID.NotFound');
  });
});
