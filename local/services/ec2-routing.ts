/**
 * EC2 routing: internet gateways, Elastic IP addresses, NAT gateways (on the virtual clock), route
 * tables, routes and subnet associations. Split from ec2.ts.
 */
import { AwsError } from '../errors.ts';
import type { Ec2Model } from './ec2.ts';
import type {
  Address,
  InternetGateway,
  NatGateway,
  RouteTable,
  TagSpecification,
  Tags,
} from './ec2-records.ts';
import { newId } from './ec2-records.ts';

// ---- gateways, addresses, routes ---------------------------------------------------------
export function createInternetGateway(
  this: Ec2Model,
  input: { TagSpecifications?: TagSpecification[]; tags?: Tags } = {},
): InternetGateway {
  this.cloud.quotas.enforce(
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
  this.applyTagSpecs(igw.InternetGatewayId, 'internet-gateway', input.TagSpecifications, input.tags);
  return igw;
}

export function internetGateway(this: Ec2Model, id: string): InternetGateway {
  const g = this.internetGateways.get(id);
  if (!g)
    throw new AwsError('InvalidInternetGatewayID.NotFound', `The internetGateway ID '${id}' does not exist`);
  return g;
}

export function attachInternetGateway(this: Ec2Model, id: string, vpcId: string): void {
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
export function detachInternetGateway(this: Ec2Model, id: string, vpcId: string): void {
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

export function deleteInternetGateway(this: Ec2Model, id: string): void {
  const g = this.internetGateway(id);
  if (g.VpcId)
    throw new AwsError(
      'DependencyViolation',
      `The internetGateway '${id}' has dependencies and cannot be deleted.`,
    );
  this.internetGateways.delete(id);
  this.tags.delete(id);
}

export function allocateAddress(
  this: Ec2Model,
  input: { TagSpecifications?: TagSpecification[]; tags?: Tags } = {},
): Address {
  // "EC2-VPC Elastic IPs" (L-0263D0A3, 5 per Region).
  this.cloud.quotas.enforce(
    'elasticIpsPerRegion',
    this.addresses.size,
    () => new AwsError('AddressLimitExceeded', 'The maximum number of addresses has been reached.'),
  );
  const n = this.addresses.size + 10;
  const a: Address = { AllocationId: newId('eipalloc'), PublicIp: `203.0.113.${n % 250}`, Domain: 'vpc' };
  this.addresses.set(a.AllocationId, a);
  this.applyTagSpecs(a.AllocationId, 'elastic-ip', input.TagSpecifications, input.tags);
  return a;
}

export function releaseAddress(this: Ec2Model, allocationId: string): void {
  const a = this.addresses.get(allocationId);
  if (!a)
    throw new AwsError('InvalidAllocationID.NotFound', `The allocation ID '${allocationId}' does not exist`);
  if (a.AssociationId) throw new AwsError('InvalidIPAddress.InUse', 'The address is in use.');
  this.addresses.delete(allocationId);
  this.tags.delete(allocationId);
}

/** Creates a NAT gateway; it turns `available` after the NAT duration on the clock (0 = at once). */
export function createNatGateway(
  this: Ec2Model,
  input: {
    SubnetId: string;
    AllocationId?: string;
    ConnectivityType?: string;
    TagSpecifications?: TagSpecification[];
    tags?: Tags;
    readyAfterMs?: number;
  },
): NatGateway {
  const subnet = this.subnet(input.SubnetId);
  // "NAT gateways per Availability Zone" (L-FE5A380F, 5): pending, available and deleting count.
  this.cloud.quotas.enforce(
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
    CreateTime: this.cloud.clock.date(),
    PrivateIp: this.allocateIp(subnet),
  };
  this.natGateways.set(nat.NatGatewayId, nat);
  this.applyTagSpecs(nat.NatGatewayId, 'natgateway', input.TagSpecifications, input.tags);
  const delay = input.readyAfterMs ?? this.cloud.durations.resource('AWS::EC2::NatGateway', 'create');
  if (delay <= 0) nat.State = 'available';
  else
    this.cloud.clock.setTimer(delay, () => {
      if (nat.State === 'pending') nat.State = 'available';
    });
  return nat;
}

export function deleteNatGateway(this: Ec2Model, id: string): void {
  const nat = this.natGateways.get(id);
  if (!nat || nat.State === 'deleted')
    throw new AwsError('NatGatewayNotFound', `The Nat Gateway ${id} was not found`);
  nat.State = 'deleted';
  nat.DeleteTime = this.cloud.clock.date();
  if (nat.AllocationId) {
    const a = this.addresses.get(nat.AllocationId);
    if (a) a.AssociationId = undefined;
  }
}

export function createRouteTable(
  this: Ec2Model,
  input: {
    VpcId: string;
    TagSpecifications?: TagSpecification[];
    tags?: Tags;
  },
): RouteTable {
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
  this.applyTagSpecs(rt.RouteTableId, 'route-table', input.TagSpecifications, input.tags);
  return rt;
}

export function routeTable(this: Ec2Model, id: string): RouteTable {
  const r = this.routeTables.get(id);
  if (!r) throw new AwsError('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`);
  return r;
}

export function deleteRouteTable(this: Ec2Model, id: string): void {
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

export function createRoute(
  this: Ec2Model,
  input: {
    RouteTableId: string;
    DestinationCidrBlock?: string;
    DestinationPrefixListId?: string;
    GatewayId?: string;
    NatGatewayId?: string;
    VpcEndpointId?: string;
  },
): void {
  const r = this.routeTable(input.RouteTableId);
  if (input.GatewayId && input.GatewayId !== 'local') this.internetGateway(input.GatewayId);
  if (input.NatGatewayId && !this.natGateways.has(input.NatGatewayId)) {
    throw new AwsError(
      'InvalidNatGatewayID.NotFound',
      `The natGateway ID '${input.NatGatewayId}' does not exist`,
    );
  }
  if (
    r.Routes.some((x) => input.DestinationCidrBlock && x.DestinationCidrBlock === input.DestinationCidrBlock)
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

export function deleteRoute(this: Ec2Model, routeTableId: string, destinationCidrBlock: string): void {
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

export function associateRouteTable(this: Ec2Model, routeTableId: string, subnetId: string): string {
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

export function disassociateRouteTable(this: Ec2Model, associationId: string): void {
  for (const r of this.routeTables.values()) {
    const before = r.Associations.length;
    r.Associations = r.Associations.filter((a) => a.RouteTableAssociationId !== associationId);
    if (r.Associations.length !== before) return;
  }
  throw new AwsError('InvalidAssociationID.NotFound', `The association ID '${associationId}' does not exist`);
}
