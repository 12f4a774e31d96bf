import { randomBytes } from 'node:crypto';
import {
  cidrContains as blockContains,
  cidrOverlaps as blocksOverlap,
  isVpcSizedPrefix,
  parseIpv4Cidr,
} from '#shared/aws-rules/cidr.ts';
import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';
import { ec2Definition } from './ec2-api.ts';
import { NetworkInterfaces } from './ec2-network-interfaces.ts';

type Tags = Record<string, string>;
export interface Filter {
  Name?: string;
  Values?: string[];
}
export interface TagSpecification {
  ResourceType?: string;
  Tags?: Array<{ Key?: string; Value?: string }>;
}

export interface IpRange {
  CidrIp?: string;
  Description?: string;
}
export interface IpPermission {
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges?: IpRange[];
  Ipv6Ranges?: Array<{ CidrIpv6?: string; Description?: string }>;
  UserIdGroupPairs?: Array<{ GroupId?: string; UserId?: string; Description?: string }>;
  PrefixListIds?: Array<{ PrefixListId?: string; Description?: string }>;
}

/** One security-group rule as DescribeSecurityGroupRules reports it. */
export interface SecurityGroupRule {
  SecurityGroupRuleId: string;
  GroupId: string;
  GroupOwnerId: string;
  IsEgress: boolean;
  IpProtocol: string;
  FromPort: number;
  ToPort: number;
  CidrIpv4?: string;
  CidrIpv6?: string;
  PrefixListId?: string;
  ReferencedGroupInfo?: { GroupId: string; UserId: string };
  Description?: string;
}

export interface Vpc {
  VpcId: string;
  /** The primary block (canonical form). */
  CidrBlock: string;
  /** Every associated IPv4 block, primary first (AssociateVpcCidrBlock adds more). */
  cidrBlocks: Array<{ AssociationId: string; CidrBlock: string }>;
  State: 'pending' | 'available';
  EnableDnsHostnames: boolean;
  EnableDnsSupport: boolean;
  InstanceTenancy: string;
}
export interface Subnet {
  SubnetId: string;
  VpcId: string;
  CidrBlock: string;
  AvailabilityZone: string;
  MapPublicIpOnLaunch: boolean;
  nextHost: number;
}
export interface InternetGateway {
  InternetGatewayId: string;
  VpcId?: string;
}
export interface Route {
  DestinationCidrBlock?: string;
  DestinationPrefixListId?: string;
  GatewayId?: string;
  NatGatewayId?: string;
  VpcEndpointId?: string;
  Origin: string;
  State: string;
}
export interface RouteTable {
  RouteTableId: string;
  VpcId: string;
  Routes: Route[];
  Associations: Array<{ RouteTableAssociationId: string; SubnetId?: string; Main: boolean }>;
}
export interface NatGateway {
  NatGatewayId: string;
  SubnetId: string;
  VpcId: string;
  AllocationId?: string;
  ConnectivityType: string;
  State: 'pending' | 'available' | 'deleting' | 'deleted' | 'failed';
  CreateTime: Date;
  DeleteTime?: Date;
  PrivateIp: string;
}
export interface Address {
  AllocationId: string;
  PublicIp: string;
  Domain: string;
  AssociationId?: string;
}
export interface SecurityGroup {
  GroupId: string;
  GroupName: string;
  Description: string;
  VpcId: string;
  rules: SecurityGroupRule[];
}
export interface VpcEndpoint {
  VpcEndpointId: string;
  VpcId: string;
  ServiceName: string;
  VpcEndpointType: string;
  RouteTableIds: string[];
  SubnetIds: string[];
  /** Interface endpoints: the groups on their network interfaces. */
  Groups: Array<{ GroupId: string; GroupName?: string }>;
  State: string;
  CreationTimestamp: Date;
}

export const STATE_CODES = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
} as const;
type InstanceStateName = keyof typeof STATE_CODES;

export interface Instance {
  InstanceId: string;
  ImageId: string;
  InstanceType: string;
  state: InstanceStateName;
  LaunchTime: Date;
  SubnetId: string;
  VpcId: string;
  PrivateIpAddress: string;
  PublicIpAddress?: string;
  securityGroupIds: string[];
  ReservationId: string;
  KeyName?: string;
  IamInstanceProfile?: { Arn: string; Id: string };
  MetadataOptions: {
    HttpTokens: string;
    HttpEndpoint: string;
    HttpPutResponseHopLimit: number;
    State: string;
  };
  ShutdownBehavior: string;
  UserData?: string;
  StateTransitionReason: string;
  terminatedAt?: number;
}

function newId(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
/**
 * A VPC or subnet CIDR as EC2 reads it: malformed → InvalidParameterValue "Value (x) for parameter
 * cidrBlock is invalid. This is not a valid CIDR block."; host bits are cleared ("We modify the
 * specified CIDR block to its canonical form", API_CreateVpc / API_CreateSubnet).
 */
function parseCidr(cidr: string): { base: number; bits: number; canonical: string } {
  const c = parseIpv4Cidr(cidr);
  if (!c)
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
    );
  return { base: c.base, bits: c.prefix, canonical: c.canonical };
}
function cidrContains(outer: string, inner: string): boolean {
  return blockContains(parseIpv4Cidr(outer)!, parseIpv4Cidr(inner)!);
}
function cidrOverlap(a: string, b: string): boolean {
  return blocksOverlap(parseIpv4Cidr(a)!, parseIpv4Cidr(b)!);
}

/** Glob match for EC2 filter values (`*` and `?`). */
function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

/**
 * EC2: VPCs, subnets, internet and NAT gateways, addresses, route tables, VPC endpoints,
 * security groups with individual rules, instances with state transitions on the virtual clock,
 * tags on everything, filters and NextToken pagination.
 */
export class Ec2Model {
  readonly #cloud: LocalCloud;
  readonly vpcs = new Map<string, Vpc>();
  readonly subnets = new Map<string, Subnet>();
  readonly internetGateways = new Map<string, InternetGateway>();
  readonly routeTables = new Map<string, RouteTable>();
  readonly natGateways = new Map<string, NatGateway>();
  readonly addresses = new Map<string, Address>();
  readonly securityGroups = new Map<string, SecurityGroup>();
  readonly vpcEndpoints = new Map<string, VpcEndpoint>();
  readonly instances = new Map<string, Instance>();
  /** Tags of every resource, by resource id. */
  readonly tags = new Map<string, Tags>();
  /** Network interfaces: those other resources hold (instances, NAT, endpoints, ALBs, tasks, DBs) and user-made ones. */
  readonly networkInterfaces: NetworkInterfaces;

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
    this.networkInterfaces = new NetworkInterfaces(cloud, this);
  }

  /** Availability zones of the region (a, b, c). */
  availabilityZones(): Array<{ ZoneName: string; ZoneId: string }> {
    const short = this.#cloud.region.replace(/^(\w\w)-(\w)\w*-(\d)$/, '$1$2$3');
    return ['a', 'b', 'c'].map((l, i) => ({
      ZoneName: `${this.#cloud.region}${l}`,
      ZoneId: `${short}-az${i + 1}`,
    }));
  }

  // ---- tags ------------------------------------------------------------------------------

  tagsOf(id: string): Array<{ Key: string; Value: string }> {
    return Object.entries(this.tags.get(id) ?? {}).map(([Key, Value]) => ({ Key, Value }));
  }

  /** Adds or overwrites tags on resources. */
  createTags(resourceIds: string[], tags: Array<{ Key?: string; Value?: string }>): void {
    for (const id of resourceIds) {
      if (!this.#exists(id)) throw notFound(id);
      const t = this.tags.get(id) ?? {};
      for (const tag of tags) if (tag.Key) t[tag.Key] = tag.Value ?? '';
      this.tags.set(id, t);
    }
  }

  /** Removes tags (a tag with a Value is removed only when the value matches). */
  deleteTags(resourceIds: string[], tags: Array<{ Key?: string; Value?: string }> | undefined): void {
    for (const id of resourceIds) {
      const t = this.tags.get(id);
      if (!t) continue;
      if (!tags || tags.length === 0) this.tags.delete(id);
      else
        for (const tag of tags)
          if (tag.Key && (tag.Value === undefined || t[tag.Key] === tag.Value)) delete t[tag.Key];
    }
  }

  #applyTagSpecs(id: string, type: string, specs: TagSpecification[] | undefined, extra: Tags = {}): void {
    const t: Tags = { ...extra };
    for (const spec of specs ?? []) {
      if (spec.ResourceType && spec.ResourceType !== type) continue;
      for (const tag of spec.Tags ?? []) if (tag.Key) t[tag.Key] = tag.Value ?? '';
    }
    if (Object.keys(t).length) this.tags.set(id, t);
  }

  #exists(id: string): boolean {
    return (
      [
        this.vpcs,
        this.subnets,
        this.internetGateways,
        this.routeTables,
        this.natGateways,
        this.addresses,
        this.securityGroups,
        this.vpcEndpoints,
        this.instances,
      ].some((m) => (m as Map<string, unknown>).has(id)) || this.networkInterfaces.has(id)
    );
  }

  #tagFilterValues(id: string, name: string): string[] | undefined {
    const t = this.tags.get(id) ?? {};
    if (name === 'tag-key') return Object.keys(t);
    if (name === 'tag-value') return Object.values(t);
    if (name.startsWith('tag:')) {
      const v = t[name.slice(4)];
      return v === undefined ? [] : [v];
    }
    return undefined;
  }

  /** Applies EC2 filters: every filter must match (AND), any of its values (OR, with wildcards). */
  filter<T>(
    items: T[],
    filters: Filter[] | undefined,
    idOf: (item: T) => string,
    fields: (item: T) => Record<string, Array<string | undefined>>,
  ): T[] {
    if (!filters || filters.length === 0) return items;
    return items.filter((item) => {
      const f = fields(item);
      return filters.every((filter) => {
        const name = filter.Name ?? '';
        const values = this.#tagFilterValues(idOf(item), name) ?? f[name];
        if (values === undefined) {
          throw new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`);
        }
        return (filter.Values ?? []).some((pattern) =>
          values.some((v) => v !== undefined && globMatch(pattern, v)),
        );
      });
    });
  }

  // ---- VPCs and subnets ------------------------------------------------------------------

  createVpc(input: {
    CidrBlock: string;
    InstanceTenancy?: string;
    TagSpecifications?: TagSpecification[];
    EnableDnsHostnames?: boolean;
    EnableDnsSupport?: boolean;
    tags?: Tags;
  }): Vpc {
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
    this.#cloud.quotas.enforce(
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
    this.#applyTagSpecs(vpc.VpcId, 'vpc', input.TagSpecifications, input.tags);
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
  associateVpcCidrBlock(vpcId: string, cidrBlock: string): { AssociationId: string; CidrBlock: string } {
    const vpc = this.vpc(vpcId);
    const { bits, canonical } = parseCidr(cidrBlock);
    if (!isVpcSizedPrefix(bits))
      throw new AwsError('InvalidVpc.Range', `The CIDR '${cidrBlock}' is invalid.`);
    if (vpc.cidrBlocks.some((b) => cidrOverlap(b.CidrBlock, canonical))) {
      throw new AwsError(
        'InvalidVpc.Range',
        `The CIDR '${cidrBlock}' conflicts with another CIDR block associated with the VPC.`,
      );
    }
    this.#cloud.quotas.enforce(
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
  disassociateVpcCidrBlock(associationId: string): {
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

  vpc(id: string): Vpc {
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
  deleteVpc(id: string): void {
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

  createSubnet(input: {
    VpcId: string;
    CidrBlock: string;
    AvailabilityZone?: string;
    MapPublicIpOnLaunch?: boolean;
    TagSpecifications?: TagSpecification[];
    tags?: Tags;
  }): Subnet {
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
    this.#cloud.quotas.enforce(
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
    this.#applyTagSpecs(subnet.SubnetId, 'subnet', input.TagSpecifications, input.tags);
    return subnet;
  }

  subnet(id: string): Subnet {
    const s = this.subnets.get(id);
    if (!s) throw new AwsError('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
    return s;
  }

  /**
   * Deletes a subnet; DependencyViolation while any network interface is in it (an instance, a
   * NAT gateway, an interface endpoint, a load balancer, a task, a DB instance).
   * https://docs.aws.amazon.com/vpc/latest/userguide/delete-subnet.html
   */
  deleteSubnet(id: string): void {
    this.subnet(id);
    const busy = this.networkInterfaces.list().some((n) => n.SubnetId === id);
    if (busy)
      throw new AwsError('DependencyViolation', `The subnet '${id}' has dependencies and cannot be deleted.`);
    for (const r of this.routeTables.values())
      r.Associations = r.Associations.filter((a) => a.SubnetId !== id);
    this.subnets.delete(id);
    this.tags.delete(id);
  }

  subnetView(s: Subnet) {
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
      OwnerId: this.#cloud.accountId,
      SubnetArn: this.#cloud.arn('ec2', `subnet/${s.SubnetId}`),
      Tags: this.tagsOf(s.SubnetId),
    };
  }

  // ---- gateways, addresses, routes ---------------------------------------------------------

  createInternetGateway(
    input: { TagSpecifications?: TagSpecification[]; tags?: Tags } = {},
  ): InternetGateway {
    this.#cloud.quotas.enforce(
      'internetGatewaysPerRegion',
      this.internetGateways.size,
      () =>
        new AwsError(
          'InternetGatewayLimitExceeded',
          'The maximum number of internet gateways has been reached.',
        ),
    );
    const igw: InternetGateway = { InternetGatewayId: newId('igw') };
    this.internetGateways.set(igw.InternetGatewayId, igw);
    this.#applyTagSpecs(igw.InternetGatewayId, 'internet-gateway', input.TagSpecifications, input.tags);
    return igw;
  }

  internetGateway(id: string): InternetGateway {
    const g = this.internetGateways.get(id);
    if (!g)
      throw new AwsError(
        'InvalidInternetGatewayID.NotFound',
        `The internetGateway ID '${id}' does not exist`,
      );
    return g;
  }

  attachInternetGateway(id: string, vpcId: string): void {
    const g = this.internetGateway(id);
    this.vpc(vpcId);
    if (g.VpcId)
      throw new AwsError(
        'Resource.AlreadyAssociated',
        `resource ${id} is already attached to network ${g.VpcId}`,
      );
    g.VpcId = vpcId;
  }

  /**
   * Detaches a gateway; DependencyViolation while anything in the VPC still maps a public address
   * (an instance's public IP, a NAT gateway's Elastic IP, an internet-facing load balancer).
   * https://docs.aws.amazon.com/vpc/latest/userguide/delete-vpc.html
   */
  detachInternetGateway(id: string, vpcId: string): void {
    const g = this.internetGateway(id);
    if (g.VpcId !== vpcId)
      throw new AwsError('Gateway.NotAttached', `resource ${id} is not attached to network ${vpcId}`);
    if (this.networkInterfaces.list().some((n) => n.VpcId === vpcId && n.Association?.PublicIp)) {
      throw new AwsError(
        'DependencyViolation',
        `Network ${vpcId} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`,
      );
    }
    g.VpcId = undefined;
  }

  deleteInternetGateway(id: string): void {
    const g = this.internetGateway(id);
    if (g.VpcId)
      throw new AwsError(
        'DependencyViolation',
        `The internetGateway '${id}' has dependencies and cannot be deleted.`,
      );
    this.internetGateways.delete(id);
    this.tags.delete(id);
  }

  allocateAddress(input: { TagSpecifications?: TagSpecification[]; tags?: Tags } = {}): Address {
    // "EC2-VPC Elastic IPs" (L-0263D0A3, 5 per Region).
    this.#cloud.quotas.enforce(
      'elasticIpsPerRegion',
      this.addresses.size,
      () => new AwsError('AddressLimitExceeded', 'The maximum number of addresses has been reached.'),
    );
    const n = this.addresses.size + 10;
    const a: Address = { AllocationId: newId('eipalloc'), PublicIp: `203.0.113.${n % 250}`, Domain: 'vpc' };
    this.addresses.set(a.AllocationId, a);
    this.#applyTagSpecs(a.AllocationId, 'elastic-ip', input.TagSpecifications, input.tags);
    return a;
  }

  releaseAddress(allocationId: string): void {
    const a = this.addresses.get(allocationId);
    if (!a)
      throw new AwsError(
        'InvalidAllocationID.NotFound',
        `The allocation ID '${allocationId}' does not exist`,
      );
    if (a.AssociationId) throw new AwsError('InvalidIPAddress.InUse', 'The address is in use.');
    this.addresses.delete(allocationId);
    this.tags.delete(allocationId);
  }

  /** Creates a NAT gateway; it turns `available` after the NAT duration on the clock (0 = at once). */
  createNatGateway(input: {
    SubnetId: string;
    AllocationId?: string;
    ConnectivityType?: string;
    TagSpecifications?: TagSpecification[];
    tags?: Tags;
    readyAfterMs?: number;
  }): NatGateway {
    const subnet = this.subnet(input.SubnetId);
    // "NAT gateways per Availability Zone" (L-FE5A380F, 5): pending, available and deleting count.
    this.#cloud.quotas.enforce(
      'natGatewaysPerAz',
      [...this.natGateways.values()].filter(
        (n) =>
          ['pending', 'available', 'deleting'].includes(n.State) &&
          this.subnets.get(n.SubnetId)?.AvailabilityZone === subnet.AvailabilityZone,
      ).length,
      () => new AwsError('NatGatewayLimitExceeded', 'The maximum number of NAT gateways has been reached.'),
    );
    if (input.AllocationId) {
      const a = this.addresses.get(input.AllocationId);
      if (!a)
        throw new AwsError(
          'InvalidAllocationID.NotFound',
          `The allocation ID '${input.AllocationId}' does not exist`,
        );
      a.AssociationId = newId('eipassoc');
    }
    const nat: NatGateway = {
      NatGatewayId: newId('nat'),
      SubnetId: subnet.SubnetId,
      VpcId: subnet.VpcId,
      AllocationId: input.AllocationId,
      ConnectivityType: input.ConnectivityType ?? 'public',
      State: 'pending',
      CreateTime: this.#cloud.clock.date(),
      PrivateIp: this.#allocateIp(subnet),
    };
    this.natGateways.set(nat.NatGatewayId, nat);
    this.#applyTagSpecs(nat.NatGatewayId, 'natgateway', input.TagSpecifications, input.tags);
    const delay = input.readyAfterMs ?? this.#cloud.durations.resource('AWS::EC2::NatGateway', 'create');
    if (delay <= 0) nat.State = 'available';
    else
      this.#cloud.clock.setTimer(delay, () => {
        if (nat.State === 'pending') nat.State = 'available';
      });
    return nat;
  }

  deleteNatGateway(id: string): void {
    const nat = this.natGateways.get(id);
    if (!nat || nat.State === 'deleted')
      throw new AwsError('NatGatewayNotFound', `The Nat Gateway ${id} was not found`);
    nat.State = 'deleted';
    nat.DeleteTime = this.#cloud.clock.date();
    if (nat.AllocationId) {
      const a = this.addresses.get(nat.AllocationId);
      if (a) a.AssociationId = undefined;
    }
  }

  createRouteTable(input: {
    VpcId: string;
    TagSpecifications?: TagSpecification[];
    tags?: Tags;
  }): RouteTable {
    const vpc = this.vpc(input.VpcId);
    const rt: RouteTable = {
      RouteTableId: newId('rtb'),
      VpcId: vpc.VpcId,
      Routes: vpc.cidrBlocks.map((b) => ({
        DestinationCidrBlock: b.CidrBlock,
        GatewayId: 'local',
        Origin: 'CreateRouteTable',
        State: 'active',
      })),
      Associations: [],
    };
    this.routeTables.set(rt.RouteTableId, rt);
    this.#applyTagSpecs(rt.RouteTableId, 'route-table', input.TagSpecifications, input.tags);
    return rt;
  }

  routeTable(id: string): RouteTable {
    const r = this.routeTables.get(id);
    if (!r) throw new AwsError('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`);
    return r;
  }

  deleteRouteTable(id: string): void {
    const r = this.routeTable(id);
    if (r.Associations.length > 0) {
      throw new AwsError(
        'DependencyViolation',
        `The routeTable '${id}' has dependencies and cannot be deleted.`,
      );
    }
    this.routeTables.delete(id);
    this.tags.delete(id);
  }

  createRoute(input: {
    RouteTableId: string;
    DestinationCidrBlock?: string;
    DestinationPrefixListId?: string;
    GatewayId?: string;
    NatGatewayId?: string;
    VpcEndpointId?: string;
  }): void {
    const r = this.routeTable(input.RouteTableId);
    if (input.GatewayId && input.GatewayId !== 'local') this.internetGateway(input.GatewayId);
    if (input.NatGatewayId && !this.natGateways.has(input.NatGatewayId)) {
      throw new AwsError(
        'InvalidNatGatewayID.NotFound',
        `The natGateway ID '${input.NatGatewayId}' does not exist`,
      );
    }
    if (
      r.Routes.some(
        (x) => input.DestinationCidrBlock && x.DestinationCidrBlock === input.DestinationCidrBlock,
      )
    ) {
      throw new AwsError(
        'RouteAlreadyExists',
        `The route identified by ${input.DestinationCidrBlock} already exists.`,
      );
    }
    r.Routes.push({
      DestinationCidrBlock: input.DestinationCidrBlock,
      DestinationPrefixListId: input.DestinationPrefixListId,
      GatewayId: input.GatewayId,
      NatGatewayId: input.NatGatewayId,
      VpcEndpointId: input.VpcEndpointId,
      Origin: 'CreateRoute',
      State: 'active',
    });
  }

  deleteRoute(routeTableId: string, destinationCidrBlock: string): void {
    const r = this.routeTable(routeTableId);
    const before = r.Routes.length;
    r.Routes = r.Routes.filter(
      (x) => x.DestinationCidrBlock !== destinationCidrBlock || x.GatewayId === 'local',
    );
    if (r.Routes.length === before) {
      throw new AwsError(
        'InvalidRoute.NotFound',
        `no route with destination-cidr-block ${destinationCidrBlock} in route table ${routeTableId}`,
      );
    }
  }

  associateRouteTable(routeTableId: string, subnetId: string): string {
    const r = this.routeTable(routeTableId);
    this.subnet(subnetId);
    for (const other of this.routeTables.values()) {
      if (other.Associations.some((a) => a.SubnetId === subnetId)) {
        throw new AwsError(
          'Resource.AlreadyAssociated',
          `the specified association for route table ${other.RouteTableId} conflicts with an existing association`,
        );
      }
    }
    const id = newId('rtbassoc');
    r.Associations.push({ RouteTableAssociationId: id, SubnetId: subnetId, Main: false });
    return id;
  }

  disassociateRouteTable(associationId: string): void {
    for (const r of this.routeTables.values()) {
      const before = r.Associations.length;
      r.Associations = r.Associations.filter((a) => a.RouteTableAssociationId !== associationId);
      if (r.Associations.length !== before) return;
    }
    throw new AwsError(
      'InvalidAssociationID.NotFound',
      `The association ID '${associationId}' does not exist`,
    );
  }

  createVpcEndpoint(input: {
    VpcId: string;
    ServiceName: string;
    VpcEndpointType?: string;
    RouteTableIds?: string[];
    SubnetIds?: string[];
    SecurityGroupIds?: string[];
    TagSpecifications?: TagSpecification[];
    tags?: Tags;
  }): VpcEndpoint {
    this.vpc(input.VpcId);
    for (const id of input.SubnetIds ?? []) this.subnet(id);
    for (const id of input.SecurityGroupIds ?? []) this.securityGroup(id);
    const type = input.VpcEndpointType ?? 'Gateway';
    // "Gateway VPC endpoints per Region" (L-1B52E74A, 20):
    // https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-limits-endpoints.html; the error code
    // from https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
    if (type === 'Gateway')
      this.#cloud.quotas.enforce(
        'gatewayEndpointsPerRegion',
        [...this.vpcEndpoints.values()].filter((e) => e.VpcEndpointType === 'Gateway').length,
        () =>
          new AwsError(
            'VpcEndpointLimitExceeded',
            "You've reached the limit on the number of VPC endpoints that you can create in the Region.",
          ),
      );
    // An interface endpoint without groups gets the VPC's default security group.
    // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html
    const groups =
      type === 'Interface' && !input.SecurityGroupIds?.length
        ? [...this.securityGroups.values()]
            .filter((g) => g.VpcId === input.VpcId && g.GroupName === 'default')
            .map((g) => g.GroupId)
        : (input.SecurityGroupIds ?? []);
    const e: VpcEndpoint = {
      VpcEndpointId: newId('vpce'),
      VpcId: input.VpcId,
      ServiceName: input.ServiceName,
      VpcEndpointType: type,
      RouteTableIds: input.RouteTableIds ?? [],
      SubnetIds: input.SubnetIds ?? [],
      Groups: groups.map((GroupId) => ({ GroupId, GroupName: this.securityGroups.get(GroupId)?.GroupName })),
      State: 'available',
      CreationTimestamp: this.#cloud.clock.date(),
    };
    this.vpcEndpoints.set(e.VpcEndpointId, e);
    this.#applyTagSpecs(e.VpcEndpointId, 'vpc-endpoint', input.TagSpecifications, input.tags);
    return e;
  }

  deleteVpcEndpoint(id: string): void {
    if (!this.vpcEndpoints.delete(id))
      throw new AwsError('InvalidVpcEndpointId.NotFound', `The Vpc Endpoint Id '${id}' does not exist`);
    this.tags.delete(id);
  }

  // ---- security groups -------------------------------------------------------------------

  createSecurityGroup(input: {
    GroupName: string;
    Description: string;
    VpcId: string;
    TagSpecifications?: TagSpecification[];
    tags?: Tags;
    withVpc?: boolean;
  }): SecurityGroup {
    this.vpc(input.VpcId);
    // "VPC security groups per Region" (L-E79EC296, 2,500), default groups included.
    if (!input.withVpc)
      this.#cloud.quotas.enforce(
        'securityGroupsPerRegion',
        this.securityGroups.size,
        () =>
          new AwsError(
            'SecurityGroupLimitExceeded',
            'The maximum number of security groups has been reached.',
          ),
      );
    if (!input.GroupName || !input.Description) {
      throw new AwsError(
        'MissingParameter',
        'The request must contain the parameter groupName and groupDescription',
      );
    }
    for (const g of this.securityGroups.values()) {
      if (g.VpcId === input.VpcId && g.GroupName === input.GroupName) {
        throw new AwsError(
          'InvalidGroup.Duplicate',
          `The security group '${input.GroupName}' already exists for VPC '${input.VpcId}'`,
        );
      }
    }
    const group: SecurityGroup = {
      GroupId: newId('sg'),
      GroupName: input.GroupName,
      Description: input.Description,
      VpcId: input.VpcId,
      rules: [],
    };
    group.rules.push(
      this.#rule(group.GroupId, true, { IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv4: '0.0.0.0/0' }),
    );
    this.securityGroups.set(group.GroupId, group);
    this.#applyTagSpecs(group.GroupId, 'security-group', input.TagSpecifications, input.tags);
    return group;
  }

  securityGroup(id: string): SecurityGroup {
    const g = this.securityGroups.get(id);
    if (!g) throw new AwsError('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    return g;
  }

  /**
   * Deletes a group; DependencyViolation "resource sg-… has a dependent object" while a network
   * interface uses it or another group's rule references it.
   * https://docs.aws.amazon.com/vpc/latest/userguide/deleting-security-groups.html
   */
  deleteSecurityGroup(id: string): void {
    const g = this.securityGroup(id);
    if (g.GroupName === 'default')
      throw new AwsError('CannotDelete', 'the specified group: "default" name: cannot be deleted by a user');
    const used = this.networkInterfaces.list().some((n) => n.Groups.some((x) => x.GroupId === id));
    const referenced = [...this.securityGroups.values()].some(
      (o) => o.GroupId !== id && o.rules.some((r) => r.ReferencedGroupInfo?.GroupId === id),
    );
    if (used || referenced) {
      throw new AwsError('DependencyViolation', `resource ${id} has a dependent object`);
    }
    this.securityGroups.delete(id);
    this.tags.delete(id);
  }

  #rule(
    groupId: string,
    egress: boolean,
    r: Omit<SecurityGroupRule, 'SecurityGroupRuleId' | 'GroupId' | 'GroupOwnerId' | 'IsEgress'>,
  ): SecurityGroupRule {
    return {
      SecurityGroupRuleId: newId('sgr'),
      GroupId: groupId,
      GroupOwnerId: this.#cloud.accountId,
      IsEgress: egress,
      ...r,
    };
  }

  /** Expands IpPermissions into one rule per CIDR / group / prefix list, as AWS stores them. */
  #expand(groupId: string, egress: boolean, perms: IpPermission[]): SecurityGroupRule[] {
    const out: SecurityGroupRule[] = [];
    for (const p of perms) {
      const proto = p.IpProtocol === 'all' ? '-1' : String(p.IpProtocol ?? '-1').toLowerCase();
      const base = {
        IpProtocol: proto,
        FromPort: proto === '-1' ? -1 : (p.FromPort ?? -1),
        ToPort: proto === '-1' ? -1 : (p.ToPort ?? -1),
      };
      for (const r of p.IpRanges ?? []) {
        // Canonicalised ("AWS canonicalizes IPv4 and IPv6 CIDRs"), malformed refused:
        // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html
        const cidr = parseIpv4Cidr(r.CidrIp ?? '');
        if (!cidr) throw new AwsError('InvalidParameterValue', `CIDR block ${r.CidrIp} is malformed`);
        out.push(
          this.#rule(groupId, egress, { ...base, CidrIpv4: cidr.canonical, Description: r.Description }),
        );
      }
      for (const r of p.Ipv6Ranges ?? [])
        out.push(this.#rule(groupId, egress, { ...base, CidrIpv6: r.CidrIpv6, Description: r.Description }));
      for (const r of p.PrefixListIds ?? [])
        out.push(
          this.#rule(groupId, egress, { ...base, PrefixListId: r.PrefixListId, Description: r.Description }),
        );
      for (const r of p.UserIdGroupPairs ?? []) {
        this.securityGroup(r.GroupId ?? '');
        out.push(
          this.#rule(groupId, egress, {
            ...base,
            ReferencedGroupInfo: { GroupId: r.GroupId!, UserId: r.UserId ?? this.#cloud.accountId },
            Description: r.Description,
          }),
        );
      }
    }
    return out;
  }

  /**
   * Adds ingress or egress rules; InvalidPermission.Duplicate when one already exists;
   * RulesPerSecurityGroupLimitExceeded past "Inbound or outbound rules per security group"
   * (L-0EA8095F, 60), counted per direction and per IP version, a group or prefix-list reference
   * counting for both (https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html).
   */
  authorize(groupId: string, egress: boolean, perms: IpPermission[]): SecurityGroupRule[] {
    const g = this.securityGroup(groupId);
    const rules = this.#expand(groupId, egress, perms);
    const after = [...g.rules.filter((r) => r.IsEgress === egress), ...rules];
    const v4 = after.filter((r) => !r.CidrIpv6).length;
    const v6 = after.filter((r) => !r.CidrIpv4).length;
    this.#cloud.quotas.enforce(
      'rulesPerSecurityGroup',
      Math.max(v4, v6) - 1,
      () =>
        new AwsError(
          'RulesPerSecurityGroupLimitExceeded',
          'The maximum number of rules per security group has been reached.',
        ),
    );
    for (const r of rules) {
      if (g.rules.some((x) => sameRule(x, r))) {
        const peer = r.CidrIpv4 ?? r.CidrIpv6 ?? r.PrefixListId ?? r.ReferencedGroupInfo?.GroupId;
        throw new AwsError(
          'InvalidPermission.Duplicate',
          `the specified rule "peer: ${peer}, ${r.IpProtocol.toUpperCase()}, from port: ${r.FromPort}, to port: ${r.ToPort}, ALLOW" already exists`,
        );
      }
    }
    g.rules.push(...rules);
    return rules;
  }

  /** Removes rules (by permission or rule id); InvalidPermission.NotFound when absent. */
  revoke(groupId: string, egress: boolean, perms: IpPermission[] = [], ruleIds: string[] = []): void {
    const g = this.securityGroup(groupId);
    for (const id of ruleIds) {
      if (!g.rules.some((r) => r.SecurityGroupRuleId === id && r.IsEgress === egress)) {
        throw new AwsError(
          'InvalidSecurityGroupRuleId.NotFound',
          `The security group rule ID '${id}' does not exist`,
        );
      }
    }
    const wanted = this.#expand(groupId, egress, perms);
    for (const w of wanted) {
      if (!g.rules.some((r) => sameRule(r, w))) {
        throw new AwsError(
          'InvalidPermission.NotFound',
          'The specified rule does not exist in this security group.',
        );
      }
    }
    g.rules = g.rules.filter(
      (r) => !ruleIds.includes(r.SecurityGroupRuleId) && !wanted.some((w) => sameRule(r, w)),
    );
  }

  groupView(g: SecurityGroup) {
    const perms = (egress: boolean): IpPermission[] => {
      const byKey = new Map<string, IpPermission>();
      for (const r of g.rules.filter((x) => x.IsEgress === egress)) {
        const key = `${r.IpProtocol}|${r.FromPort}|${r.ToPort}`;
        let p = byKey.get(key);
        if (!p) {
          p = {
            IpProtocol: r.IpProtocol,
            ...(r.IpProtocol === '-1' ? {} : { FromPort: r.FromPort, ToPort: r.ToPort }),
            IpRanges: [],
            Ipv6Ranges: [],
            PrefixListIds: [],
            UserIdGroupPairs: [],
          };
          byKey.set(key, p);
        }
        if (r.CidrIpv4) p.IpRanges!.push({ CidrIp: r.CidrIpv4, Description: r.Description });
        if (r.CidrIpv6) p.Ipv6Ranges!.push({ CidrIpv6: r.CidrIpv6, Description: r.Description });
        if (r.PrefixListId)
          p.PrefixListIds!.push({ PrefixListId: r.PrefixListId, Description: r.Description });
        if (r.ReferencedGroupInfo) {
          p.UserIdGroupPairs!.push({
            GroupId: r.ReferencedGroupInfo.GroupId,
            UserId: r.ReferencedGroupInfo.UserId,
            Description: r.Description,
          });
        }
      }
      return [...byKey.values()];
    };
    return {
      GroupId: g.GroupId,
      GroupName: g.GroupName,
      Description: g.Description,
      VpcId: g.VpcId,
      OwnerId: this.#cloud.accountId,
      SecurityGroupArn: this.#cloud.arn('ec2', `security-group/${g.GroupId}`),
      IpPermissions: perms(false),
      IpPermissionsEgress: perms(true),
      Tags: this.tagsOf(g.GroupId),
    };
  }

  // ---- instances -------------------------------------------------------------------------

  /** Launches instances: `pending`, then `running` after the instance start duration. */
  runInstances(input: {
    ImageId: string;
    InstanceType?: string;
    MinCount?: number;
    MaxCount?: number;
    SubnetId?: string;
    SecurityGroupIds?: string[];
    TagSpecifications?: TagSpecification[];
    MetadataOptions?: { HttpTokens?: string; HttpEndpoint?: string; HttpPutResponseHopLimit?: number };
    InstanceInitiatedShutdownBehavior?: string;
    IamInstanceProfile?: { Arn?: string; Name?: string };
    KeyName?: string;
    UserData?: string;
    NetworkInterfaces?: Array<{
      SubnetId?: string;
      Groups?: string[];
      AssociatePublicIpAddress?: boolean;
      DeviceIndex?: number;
    }>;
  }): { ReservationId: string; OwnerId: string; Instances: Instance[] } {
    if (!input.ImageId || !/^ami-[0-9a-f]{8,17}$/.test(input.ImageId)) {
      throw new AwsError('InvalidAMIID.Malformed', `Invalid id: "${input.ImageId}" (expecting "ami-...")`);
    }
    const nic = input.NetworkInterfaces?.[0];
    const subnetId = input.SubnetId ?? nic?.SubnetId;
    if (!subnetId)
      throw new AwsError('MissingInput', 'No subnets found for the default VPC. Please specify a subnet.');
    const subnet = this.subnet(subnetId);
    const groups = input.SecurityGroupIds ?? nic?.Groups ?? [];
    for (const g of groups) {
      if (this.securityGroup(g).VpcId !== subnet.VpcId) {
        throw new AwsError(
          'InvalidParameter',
          `Security group ${g} and subnet ${subnet.SubnetId} belong to different networks.`,
        );
      }
    }
    if (groups.length === 0) {
      const def = [...this.securityGroups.values()].find(
        (g) => g.VpcId === subnet.VpcId && g.GroupName === 'default',
      );
      if (def) groups.push(def.GroupId);
    }
    const count = input.MaxCount ?? input.MinCount ?? 1;
    if ((input.MinCount ?? 1) < 1 || count < (input.MinCount ?? 1)) {
      throw new AwsError('InvalidParameterValue', 'Value for parameter MinCount/MaxCount is invalid.');
    }
    const reservationId = newId('r');
    const publicIp = nic?.AssociatePublicIpAddress ?? subnet.MapPublicIpOnLaunch;
    const instances: Instance[] = [];
    for (let n = 0; n < count; n++) {
      const inst: Instance = {
        InstanceId: newId('i'),
        ImageId: input.ImageId,
        InstanceType: input.InstanceType ?? 'm1.small',
        state: 'pending',
        LaunchTime: this.#cloud.clock.date(),
        SubnetId: subnet.SubnetId,
        VpcId: subnet.VpcId,
        PrivateIpAddress: this.#allocateIp(subnet),
        PublicIpAddress: publicIp ? `198.51.100.${(this.instances.size % 250) + 1}` : undefined,
        securityGroupIds: [...groups],
        ReservationId: reservationId,
        KeyName: input.KeyName,
        IamInstanceProfile: input.IamInstanceProfile
          ? {
              Arn:
                input.IamInstanceProfile.Arn ??
                `arn:aws:iam::${this.#cloud.accountId}:instance-profile/${input.IamInstanceProfile.Name}`,
              Id: `AIPA${randomBytes(8).toString('hex').toUpperCase()}`,
            }
          : undefined,
        MetadataOptions: {
          HttpTokens: input.MetadataOptions?.HttpTokens ?? 'optional',
          HttpEndpoint: input.MetadataOptions?.HttpEndpoint ?? 'enabled',
          HttpPutResponseHopLimit: input.MetadataOptions?.HttpPutResponseHopLimit ?? 1,
          State: 'applied',
        },
        ShutdownBehavior: input.InstanceInitiatedShutdownBehavior ?? 'stop',
        UserData: input.UserData,
        StateTransitionReason: '',
      };
      this.instances.set(inst.InstanceId, inst);
      this.#applyTagSpecs(inst.InstanceId, 'instance', input.TagSpecifications);
      instances.push(inst);
      this.#cloud.clock.setTimer(this.#cloud.durations.service.instanceStart, () => {
        if (inst.state === 'pending') inst.state = 'running';
      });
    }
    return { ReservationId: reservationId, OwnerId: this.#cloud.accountId, Instances: instances };
  }

  instance(id: string): Instance {
    if (!/^i-[0-9a-f]{8,17}$/.test(id))
      throw new AwsError('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
    const i = this.instances.get(id);
    if (!i) throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    return i;
  }

  /** Terminates instances: `shutting-down`, then `terminated`, then gone after a while. */
  terminateInstances(
    ids: string[],
    reason = 'User initiated',
  ): Array<{ InstanceId: string; previous: InstanceStateName; current: InstanceStateName }> {
    const list = ids.map((id) => this.instance(id));
    return list.map((inst) => {
      const previous = inst.state;
      if (inst.state !== 'terminated' && inst.state !== 'shutting-down') {
        inst.state = 'shutting-down';
        inst.StateTransitionReason = `${reason} (${this.#cloud.clock.date().toISOString().replace('T', ' ').slice(0, 19)} GMT)`;
        this.#cloud.clock.setTimer(this.#cloud.durations.service.instanceTerminate, () => {
          inst.state = 'terminated';
          inst.terminatedAt = this.#cloud.clock.now();
          inst.PublicIpAddress = undefined;
          this.#cloud.clock.setTimer(this.#cloud.durations.service.terminatedVisible, () => {
            this.instances.delete(inst.InstanceId);
            this.tags.delete(inst.InstanceId);
          });
        });
      }
      return { InstanceId: inst.InstanceId, previous, current: inst.state };
    });
  }

  /** The instance shut itself down (e.g. a TTL timer in user data): terminate or stop per its shutdown behaviour. */
  shutdownFromInstance(id: string): void {
    const inst = this.instance(id);
    if (inst.ShutdownBehavior === 'terminate') {
      this.terminateInstances([id], 'Client.InstanceInitiatedShutdown: Instance initiated shutdown');
      return;
    }
    if (inst.state === 'running') {
      inst.state = 'stopping';
      this.#cloud.clock.setTimer(this.#cloud.durations.service.instanceTerminate, () => {
        if (inst.state === 'stopping') inst.state = 'stopped';
      });
    }
  }

  instanceView(i: Instance) {
    const az = this.subnets.get(i.SubnetId)?.AvailabilityZone ?? this.availabilityZones()[0]!.ZoneName;
    return {
      InstanceId: i.InstanceId,
      ImageId: i.ImageId,
      InstanceType: i.InstanceType,
      State: { Code: STATE_CODES[i.state], Name: i.state },
      LaunchTime: i.LaunchTime,
      SubnetId: i.state === 'terminated' ? undefined : i.SubnetId,
      VpcId: i.state === 'terminated' ? undefined : i.VpcId,
      PrivateIpAddress: i.state === 'terminated' ? undefined : i.PrivateIpAddress,
      PrivateDnsName:
        i.state === 'terminated'
          ? ''
          : `ip-${i.PrivateIpAddress.replace(/\./g, '-')}.${this.#cloud.region}.compute.internal`,
      PublicIpAddress: i.PublicIpAddress,
      SecurityGroups: i.securityGroupIds.map((id) => ({
        GroupId: id,
        GroupName: this.securityGroups.get(id)?.GroupName,
      })),
      Placement: { AvailabilityZone: az, Tenancy: 'default' },
      Architecture: /\b[a-z]\dg[a-z]*\./.test(i.InstanceType) ? 'arm64' : 'x86_64',
      KeyName: i.KeyName,
      IamInstanceProfile: i.IamInstanceProfile,
      MetadataOptions: i.MetadataOptions,
      StateTransitionReason: i.StateTransitionReason,
      StateReason:
        i.state === 'terminated' || i.state === 'shutting-down'
          ? {
              Code: 'Client.UserInitiatedShutdown',
              Message: 'Client.UserInitiatedShutdown: User initiated shutdown',
            }
          : undefined,
      AmiLaunchIndex: 0,
      RootDeviceType: 'ebs',
      RootDeviceName: '/dev/xvda',
      VirtualizationType: 'hvm',
      Hypervisor: 'xen',
      Monitoring: { State: 'disabled' },
      Tags: this.tagsOf(i.InstanceId),
    };
  }

  #allocateIp(subnet: Subnet): string {
    const { base } = parseCidr(subnet.CidrBlock);
    const ip = intToIp(base + subnet.nextHost);
    subnet.nextHost += 1;
    return ip;
  }

  /** DescribeInstances with filters and MaxResults/NextToken over instances. */
  describeInstances(input: {
    InstanceIds?: string[];
    Filters?: Filter[];
    MaxResults?: number;
    NextToken?: string;
  }) {
    if (input.MaxResults !== undefined && input.InstanceIds?.length) {
      throw new AwsError(
        'InvalidParameterCombination',
        'The parameter instancesSet cannot be used with the parameter maxResults',
      );
    }
    if (input.MaxResults !== undefined && (input.MaxResults < 5 || input.MaxResults > 1000)) {
      throw new AwsError(
        'InvalidParameterValue',
        `Value ( ${input.MaxResults} ) for parameter maxResults is invalid. Expecting a value greater than 5.`,
      );
    }
    let list = input.InstanceIds?.length
      ? input.InstanceIds.map((id) => this.instance(id))
      : [...this.instances.values()];
    list = this.filter(
      list,
      input.Filters,
      (i) => i.InstanceId,
      (i) => ({
        'instance-id': [i.InstanceId],
        'instance-state-name': [i.state],
        'instance-state-code': [String(STATE_CODES[i.state])],
        'instance-type': [i.InstanceType],
        'image-id': [i.ImageId],
        'vpc-id': [i.VpcId],
        'subnet-id': [i.SubnetId],
        'private-ip-address': [i.PrivateIpAddress],
        'ip-address': [i.PublicIpAddress],
        'instance.group-id': i.securityGroupIds,
        'reservation-id': [i.ReservationId],
        'availability-zone': [this.subnets.get(i.SubnetId)?.AvailabilityZone],
      }),
    );
    const { page, nextToken } = paginate(list, input.MaxResults, input.NextToken);
    const reservations = new Map<string, Instance[]>();
    for (const i of page)
      reservations.set(i.ReservationId, [...(reservations.get(i.ReservationId) ?? []), i]);
    return {
      Reservations: [...reservations].map(([id, instances]) => ({
        ReservationId: id,
        OwnerId: this.#cloud.accountId,
        Groups: [],
        Instances: instances.map((i) => this.instanceView(i)),
      })),
      NextToken: nextToken,
    };
  }

  /** The wire definition registered with the kernel (ec2-api.ts). */
  definition(): ServiceDefinition {
    return ec2Definition(this, this.#cloud);
  }
}

function sameRule(a: SecurityGroupRule, b: SecurityGroupRule): boolean {
  return (
    a.IsEgress === b.IsEgress &&
    a.IpProtocol === b.IpProtocol &&
    a.FromPort === b.FromPort &&
    a.ToPort === b.ToPort &&
    a.CidrIpv4 === b.CidrIpv4 &&
    a.CidrIpv6 === b.CidrIpv6 &&
    a.PrefixListId === b.PrefixListId &&
    a.ReferencedGroupInfo?.GroupId === b.ReferencedGroupInfo?.GroupId
  );
}

export function resourceType(id: string): string {
  const prefix = id.split('-')[0];
  const types: Record<string, string> = {
    i: 'instance',
    vpc: 'vpc',
    subnet: 'subnet',
    sg: 'security-group',
    igw: 'internet-gateway',
    rtb: 'route-table',
    nat: 'natgateway',
    eipalloc: 'elastic-ip',
    eni: 'network-interface',
    vpce: 'vpc-endpoint',
  };
  return types[prefix ?? ''] ?? 'unknown';
}

function notFound(id: string): AwsError {
  const type = resourceType(id);
  const code: Record<string, string> = {
    instance: 'InvalidInstanceID.NotFound',
    vpc: 'InvalidVpcID.NotFound',
    subnet: 'InvalidSubnetID.NotFound',
    'security-group': 'InvalidGroup.NotFound',
  };
  return new AwsError(code[type] ?? 'InvalidID', `The ID '${id}' is not valid`);
}

/** NextToken pagination: the token is the offset, opaque to clients. */
export function paginate<T>(
  items: T[],
  max: number | undefined,
  token: string | undefined,
): { page: T[]; nextToken?: string } {
  let start = 0;
  if (token) {
    start = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0)
      throw new AwsError('InvalidNextToken', 'The specified token is invalid.');
  }
  if (!max) return { page: items.slice(start) };
  const page = items.slice(start, start + max);
  const next =
    start + max < items.length ? Buffer.from(String(start + max)).toString('base64url') : undefined;
  return { page, nextToken: next };
}
