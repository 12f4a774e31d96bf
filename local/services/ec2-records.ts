/**
 * The shapes the local EC2 keeps (VPCs, subnets, gateways, routes, addresses, security groups and
 * their rules, endpoints, instances) and the helpers every EC2 job shares: ids, CIDR parsing as EC2
 * reads it, NotFound errors by id prefix. Its own module so the job modules (VPC, routing, security
 * groups, instances...) read them without importing the model class.
 */
import { randomBytes } from 'node:crypto';
import {
  cidrContains as blockContains,
  cidrOverlaps as blocksOverlap,
  parseIpv4Cidr,
} from '#shared/aws-rules/cidr.ts';
import { AwsError } from '../errors.ts';

export type Tags = Record<string, string>;

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

export type InstanceStateName = keyof typeof STATE_CODES;

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

export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/**
 * A VPC or subnet CIDR as EC2 reads it: malformed → InvalidParameterValue "Value (x) for parameter
 * cidrBlock is invalid. This is not a valid CIDR block."; host bits are cleared ("We modify the
 * specified CIDR block to its canonical form", API_CreateVpc / API_CreateSubnet).
 */
export function parseCidr(cidr: string): { base: number; bits: number; canonical: string } {
  const c = parseIpv4Cidr(cidr);
  if (!c)
    throw new AwsError(
      'InvalidParameterValue',
      `Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
    );
  return { base: c.base, bits: c.prefix, canonical: c.canonical };
}

export function cidrContains(outer: string, inner: string): boolean {
  return blockContains(parseIpv4Cidr(outer)!, parseIpv4Cidr(inner)!);
}

export function cidrOverlap(a: string, b: string): boolean {
  return blocksOverlap(parseIpv4Cidr(a)!, parseIpv4Cidr(b)!);
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

export function notFound(id: string): AwsError {
  const type = resourceType(id);
  const code: Record<string, string> = {
    instance: 'InvalidInstanceID.NotFound',
    vpc: 'InvalidVpcID.NotFound',
    subnet: 'InvalidSubnetID.NotFound',
    'security-group': 'InvalidGroup.NotFound',
  };
  return new AwsError(code[type] ?? 'InvalidID', `The ID '${id}' is not valid`);
}
