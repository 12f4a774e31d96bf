/**
 * EC2 VPCs (with secondary CIDR blocks) and subnets: the CIDR rules EC2 applies to them and what
 * blocks their deletion. Split from ec2.ts.
 */
import { isVpcSizedPrefix } from '#shared/aws-rules/cidr.ts';
import { AwsError } from '../errors.ts';
import type { Ec2Model } from './ec2.ts';
import type { Subnet, TagSpecification, Tags, Vpc } from './ec2-records.ts';
import { cidrContains, cidrOverlap, newId, parseCidr } from './ec2-records.ts';

// ---- VPCs and subnets ------------------------------------------------------------------
export function createVpc(
  this: Ec2Model,
  input: {
    CidrBlock: string;
    InstanceTenancy?: string;
    TagSpecifications?: TagSpecification[];
    EnableDnsHostnames?: boolean;
    EnableDnsSupport?: boolean;
    tags?: Tags;
  },
): Vpc {
  const { bits, canonical } = parseCidr(input.CidrBlock);
  // VPC sizes /16 to /28: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html
  if (!isVpcSizedPrefix(bits)) {
    throw new AwsError('InvalidVpc.Range', `The CIDR '${input.CidrBlock}' is invalid.`);
  }
  // "The host value cannot be used with this parameter. Use the default or dedicated values only."
  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpc.html
  const tenancy = input.InstanceTenancy ?? 'default';
  if (tenancy !== 'default' && tenancy !== 'dedicated') {
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${tenancy}) for parameter instanceTenancy is invalid. Use the default or dedicated values only.`,
    );
  }
  // VPCs per Region (L-F678F1CE): https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html
  this.cloud.quotas.enforce(
    'vpcsPerRegion',
    this.vpcs.size,
    () => new AwsError('VpcLimitExceeded', 'The maximum number of VPCs has been reached.'),
  );
  const vpcId = newId('vpc');
  const vpc: Vpc = {
    VpcId: vpcId,
    CidrBlock: canonical,
    cidrBlocks: [{ AssociationId: `vpc-cidr-assoc-${vpcId.slice(4)}`, CidrBlock: canonical }],
    State: 'available',
    EnableDnsHostnames: input.EnableDnsHostnames ?? false,
    EnableDnsSupport: input.EnableDnsSupport ?? true,
    InstanceTenancy: tenancy,
  };
  this.vpcs.set(vpc.VpcId, vpc);
  this.applyTagSpecs(vpc.VpcId, 'vpc', input.TagSpecifications, input.tags);
  // Every VPC comes with a main route table and a default security group.
  const main = this.createRouteTable({ VpcId: vpc.VpcId });
  main.Associations.push({ RouteTableAssociationId: newId('rtbassoc'), Main: true });
  // The default group comes with the VPC; it counts toward the Region's groups but never stops
  // the VPC from being created.
  this.createSecurityGroup({
    VpcId: vpc.VpcId,
    GroupName: 'default',
    Description: 'default VPC security group',
    withVpc: true,
  });
  return vpc;
}

/**
 * Adds a secondary IPv4 block: /16 to /28, not overlapping the VPC's blocks, at most "IPv4 CIDR
 * blocks per VPC" (L-83CA0A9D, 5). https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html
 */
export function associateVpcCidrBlock(
  this: Ec2Model,
  vpcId: string,
  cidrBlock: string,
): { AssociationId: string; CidrBlock: string } {
  const vpc = this.vpc(vpcId);
  const { bits, canonical } = parseCidr(cidrBlock);
  if (!isVpcSizedPrefix(bits)) throw new AwsError('InvalidVpc.Range', `The CIDR '${cidrBlock}' is invalid.`);
  if (vpc.cidrBlocks.some((b) => cidrOverlap(b.CidrBlock, canonical))) {
    throw new AwsError(
      'InvalidVpc.Range',
      `The CIDR '${cidrBlock}' conflicts with another CIDR block associated with the VPC.`,
    );
  }
  this.cloud.quotas.enforce(
    'cidrBlocksPerVpc',
    vpc.cidrBlocks.length,
    (limit) =>
      new AwsError(
        'CidrLimitExceeded',
        `This network '${vpcId}' has met its maximum number of allowed CIDRs: ${limit}`,
      ),
  );
  const association = { AssociationId: newId('vpc-cidr-assoc'), CidrBlock: canonical };
  vpc.cidrBlocks.push(association);
  for (const r of this.routeTables.values())
    if (r.VpcId === vpcId)
      r.Routes.push({
        DestinationCidrBlock: canonical,
        GatewayId: 'local',
        Origin: 'CreateRouteTable',
        State: 'active',
      });
  return association;
}

/** Removes a secondary block; the primary block and blocks with subnets stay. */
export function disassociateVpcCidrBlock(
  this: Ec2Model,
  associationId: string,
): {
  vpcId: string;
  AssociationId: string;
  CidrBlock: string;
} {
  for (const vpc of this.vpcs.values()) {
    const i = vpc.cidrBlocks.findIndex((b) => b.AssociationId === associationId);
    if (i < 0) continue;
    const block = vpc.cidrBlocks[i]!;
    if (i === 0)
      throw new AwsError(
        'InvalidCidrBlock.InUse',
        `The vpc ${vpc.VpcId} primary CIDR block ${block.CidrBlock} cannot be disassociated.`,
      );
    if (
      [...this.subnets.values()].some(
        (s) => s.VpcId === vpc.VpcId && cidrContains(block.CidrBlock, s.CidrBlock),
      )
    )
      throw new AwsError(
        'InvalidCidrBlock.InUse',
        `The vpc ${vpc.VpcId} currently has a subnet within CIDR block ${block.CidrBlock}`,
      );
    vpc.cidrBlocks.splice(i, 1);
    for (const r of this.routeTables.values())
      if (r.VpcId === vpc.VpcId)
        r.Routes = r.Routes.filter(
          (x) => !(x.GatewayId === 'local' && x.DestinationCidrBlock === block.CidrBlock),
        );
    return { vpcId: vpc.VpcId, ...block };
  }
  throw new AwsError(
    'InvalidVpcCidrBlockAssociationID.NotFound',
    `The vpc CIDR block association ID '${associationId}' does not exist`,
  );
}

export function vpc(this: Ec2Model, id: string): Vpc {
  const v = this.vpcs.get(id);
  if (!v) throw new AwsError('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
  return v;
}

/**
 * Deletes a VPC; DependencyViolation while subnets, gateways, non-default groups, route tables,
 * endpoints or network interfaces remain ("You must detach or delete all gateways and resources
 * that are associated with the VPC before you can delete it",
 * https://docs.aws.amazon.com/vpc/latest/userguide/delete-vpc.html).
 */
export function deleteVpc(this: Ec2Model, id: string): void {
  this.vpc(id);
  const deps =
    [...this.subnets.values()].some((s) => s.VpcId === id) ||
    this.networkInterfaces.list().some((n) => n.VpcId === id) ||
    [...this.internetGateways.values()].some((g) => g.VpcId === id) ||
    [...this.securityGroups.values()].some((g) => g.VpcId === id && g.GroupName !== 'default') ||
    [...this.routeTables.values()].some((r) => r.VpcId === id && !r.Associations.some((a) => a.Main)) ||
    [...this.vpcEndpoints.values()].some((e) => e.VpcId === id && e.State !== 'deleted');
  if (deps) {
    throw new AwsError('DependencyViolation', `The vpc '${id}' has dependencies and cannot be deleted.`);
  }
  for (const [k, r] of this.routeTables) if (r.VpcId === id) this.routeTables.delete(k);
  for (const [k, g] of this.securityGroups) if (g.VpcId === id) this.securityGroups.delete(k);
  this.vpcs.delete(id);
  this.tags.delete(id);
}

export function createSubnet(
  this: Ec2Model,
  input: {
    VpcId: string;
    CidrBlock: string;
    AvailabilityZone?: string;
    MapPublicIpOnLaunch?: boolean;
    TagSpecifications?: TagSpecification[];
    tags?: Tags;
  },
): Subnet {
  const vpc = this.vpc(input.VpcId);
  // Subnets: /16 to /28, inside one of the VPC's blocks, not overlapping another subnet.
  // https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html
  const { bits, canonical } = parseCidr(input.CidrBlock);
  if (!isVpcSizedPrefix(bits) || !vpc.cidrBlocks.some((b) => cidrContains(b.CidrBlock, canonical))) {
    throw new AwsError('InvalidSubnet.Range', `The CIDR '${input.CidrBlock}' is invalid.`);
  }
  for (const s of this.subnets.values()) {
    if (s.VpcId === input.VpcId && cidrOverlap(s.CidrBlock, canonical)) {
      throw new AwsError(
        'InvalidSubnet.Conflict',
        `The CIDR '${input.CidrBlock}' conflicts with another subnet`,
      );
    }
  }
  const az = input.AvailabilityZone ?? this.availabilityZones()[0]!.ZoneName;
  if (!this.availabilityZones().some((z) => z.ZoneName === az)) {
    throw new AwsError('InvalidParameterValue', `Value (${az}) for parameter availabilityZone is invalid.`);
  }
  this.cloud.quotas.enforce(
    'subnetsPerVpc',
    [...this.subnets.values()].filter((s) => s.VpcId === input.VpcId).length,
    () => new AwsError('SubnetLimitExceeded', 'The maximum number of subnets has been reached.'),
  );
  const subnet: Subnet = {
    SubnetId: newId('subnet'),
    VpcId: input.VpcId,
    CidrBlock: canonical,
    AvailabilityZone: az,
    MapPublicIpOnLaunch: input.MapPublicIpOnLaunch ?? false,
    nextHost: 4,
  };
  this.subnets.set(subnet.SubnetId, subnet);
  this.applyTagSpecs(subnet.SubnetId, 'subnet', input.TagSpecifications, input.tags);
  return subnet;
}

export function subnet(this: Ec2Model, id: string): Subnet {
  const s = this.subnets.get(id);
  if (!s) throw new AwsError('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
  return s;
}

/**
 * Deletes a subnet; DependencyViolation while any network interface is in it (an instance, a
 * NAT gateway, an interface endpoint, a load balancer, a task, a DB instance).
 * https://docs.aws.amazon.com/vpc/latest/userguide/delete-subnet.html
 */
export function deleteSubnet(this: Ec2Model, id: string): void {
  this.subnet(id);
  const busy = this.networkInterfaces.list().some((n) => n.SubnetId === id);
  if (busy)
    throw new AwsError('DependencyViolation', `The subnet '${id}' has dependencies and cannot be deleted.`);
  for (const r of this.routeTables.values()) r.Associations = r.Associations.filter((a) => a.SubnetId !== id);
  this.subnets.delete(id);
  this.tags.delete(id);
}

export function subnetView(this: Ec2Model, s: Subnet) {
  const zone = this.availabilityZones().find((z) => z.ZoneName === s.AvailabilityZone)!;
  const size = 2 ** (32 - parseCidr(s.CidrBlock).bits);
  return {
    SubnetId: s.SubnetId,
    VpcId: s.VpcId,
    CidrBlock: s.CidrBlock,
    AvailabilityZone: s.AvailabilityZone,
    AvailabilityZoneId: zone.ZoneId,
    State: 'available',
    AvailableIpAddressCount:
      size - 5 - this.networkInterfaces.list().filter((n) => n.SubnetId === s.SubnetId).length,
    DefaultForAz: false,
    MapPublicIpOnLaunch: s.MapPublicIpOnLaunch,
    OwnerId: this.cloud.accountId,
    SubnetArn: this.cloud.arn('ec2', `subnet/${s.SubnetId}`),
    Tags: this.tagsOf(s.SubnetId),
  };
}
