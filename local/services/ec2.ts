import type { LocalCloud, ServiceDefinition } from '../kernel.ts';
import { ec2Definition } from './ec2-api.ts';
import { createVpcEndpoint, deleteVpcEndpoint } from './ec2-endpoints.ts';
import {
  allocateIp,
  describeInstances,
  instance,
  instanceView,
  runInstances,
  shutdownFromInstance,
  terminateInstances,
} from './ec2-instances.ts';
import { NetworkInterfaces } from './ec2-network-interfaces.ts';
import type {
  Address,
  Instance,
  InternetGateway,
  NatGateway,
  RouteTable,
  SecurityGroup,
  Subnet,
  Tags,
  Vpc,
  VpcEndpoint,
} from './ec2-records.ts';
import {
  allocateAddress,
  associateRouteTable,
  attachInternetGateway,
  createInternetGateway,
  createNatGateway,
  createRoute,
  createRouteTable,
  deleteInternetGateway,
  deleteNatGateway,
  deleteRoute,
  deleteRouteTable,
  detachInternetGateway,
  disassociateRouteTable,
  internetGateway,
  releaseAddress,
  routeTable,
} from './ec2-routing.ts';
import {
  authorize,
  createSecurityGroup,
  deleteSecurityGroup,
  expand,
  groupView,
  revoke,
  rule,
  securityGroup,
} from './ec2-security-groups.ts';
import {
  applyTagSpecs,
  createTags,
  deleteTags,
  exists,
  filter,
  tagFilterValues,
  tagsOf,
} from './ec2-tags-filters.ts';
import {
  associateVpcCidrBlock,
  createSubnet,
  createVpc,
  deleteSubnet,
  deleteVpc,
  disassociateVpcCidrBlock,
  subnet,
  subnetView,
  vpc,
} from './ec2-vpcs.ts';

export type {
  Address,
  Filter,
  Instance,
  InternetGateway,
  IpPermission,
  IpRange,
  NatGateway,
  Route,
  RouteTable,
  SecurityGroup,
  SecurityGroupRule,
  Subnet,
  TagSpecification,
  Vpc,
  VpcEndpoint,
} from './ec2-records.ts';
export { resourceType, STATE_CODES } from './ec2-records.ts';
export { paginate } from './ec2-tags-filters.ts';

/**
 * EC2: VPCs, subnets, internet and NAT gateways, addresses, route tables, VPC endpoints,
 * security groups with individual rules, instances with state transitions on the virtual clock,
 * tags on everything, filters and NextToken pagination.
 */
export class Ec2Model {
  readonly cloud: LocalCloud;
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
    this.cloud = cloud;
    this.networkInterfaces = new NetworkInterfaces(cloud, this);
  }

  /** Availability zones of the region (a, b, c). */
  availabilityZones(): Array<{ ZoneName: string; ZoneId: string }> {
    const short = this.cloud.region.replace(/^(\w\w)-(\w)\w*-(\d)$/, '$1$2$3');
    return ['a', 'b', 'c'].map((l, i) => ({
      ZoneName: `${this.cloud.region}${l}`,
      ZoneId: `${short}-az${i + 1}`,
    }));
  }

  /** The wire definition registered with the kernel (ec2-api.ts). */
  definition(): ServiceDefinition {
    return ec2Definition(this, this.cloud);
  }

  // ---- tags, Describe* filters and pagination: ./ec2-tags-filters.ts ----
  tagsOf(...args: Parameters<typeof tagsOf>): ReturnType<typeof tagsOf> {
    return tagsOf.call(this, ...args);
  }

  createTags(...args: Parameters<typeof createTags>): ReturnType<typeof createTags> {
    return createTags.call(this, ...args);
  }

  deleteTags(...args: Parameters<typeof deleteTags>): ReturnType<typeof deleteTags> {
    return deleteTags.call(this, ...args);
  }

  applyTagSpecs(...args: Parameters<typeof applyTagSpecs>): ReturnType<typeof applyTagSpecs> {
    return applyTagSpecs.call(this, ...args);
  }

  exists(...args: Parameters<typeof exists>): ReturnType<typeof exists> {
    return exists.call(this, ...args);
  }

  tagFilterValues(...args: Parameters<typeof tagFilterValues>): ReturnType<typeof tagFilterValues> {
    return tagFilterValues.call(this, ...args);
  }

  filter<T>(...args: Parameters<typeof filter<T>>): ReturnType<typeof filter<T>> {
    return (filter<T>).call(this, ...args);
  }

  // ---- VPCs and subnets: ./ec2-vpcs.ts ----
  createVpc(...args: Parameters<typeof createVpc>): ReturnType<typeof createVpc> {
    return createVpc.call(this, ...args);
  }

  associateVpcCidrBlock(
    ...args: Parameters<typeof associateVpcCidrBlock>
  ): ReturnType<typeof associateVpcCidrBlock> {
    return associateVpcCidrBlock.call(this, ...args);
  }

  disassociateVpcCidrBlock(
    ...args: Parameters<typeof disassociateVpcCidrBlock>
  ): ReturnType<typeof disassociateVpcCidrBlock> {
    return disassociateVpcCidrBlock.call(this, ...args);
  }

  vpc(...args: Parameters<typeof vpc>): ReturnType<typeof vpc> {
    return vpc.call(this, ...args);
  }

  deleteVpc(...args: Parameters<typeof deleteVpc>): ReturnType<typeof deleteVpc> {
    return deleteVpc.call(this, ...args);
  }

  createSubnet(...args: Parameters<typeof createSubnet>): ReturnType<typeof createSubnet> {
    return createSubnet.call(this, ...args);
  }

  subnet(...args: Parameters<typeof subnet>): ReturnType<typeof subnet> {
    return subnet.call(this, ...args);
  }

  deleteSubnet(...args: Parameters<typeof deleteSubnet>): ReturnType<typeof deleteSubnet> {
    return deleteSubnet.call(this, ...args);
  }

  subnetView(...args: Parameters<typeof subnetView>): ReturnType<typeof subnetView> {
    return subnetView.call(this, ...args);
  }

  // ---- internet and NAT gateways, Elastic IPs, route tables: ./ec2-routing.ts ----
  createInternetGateway(
    ...args: Parameters<typeof createInternetGateway>
  ): ReturnType<typeof createInternetGateway> {
    return createInternetGateway.call(this, ...args);
  }

  internetGateway(...args: Parameters<typeof internetGateway>): ReturnType<typeof internetGateway> {
    return internetGateway.call(this, ...args);
  }

  attachInternetGateway(
    ...args: Parameters<typeof attachInternetGateway>
  ): ReturnType<typeof attachInternetGateway> {
    return attachInternetGateway.call(this, ...args);
  }

  detachInternetGateway(
    ...args: Parameters<typeof detachInternetGateway>
  ): ReturnType<typeof detachInternetGateway> {
    return detachInternetGateway.call(this, ...args);
  }

  deleteInternetGateway(
    ...args: Parameters<typeof deleteInternetGateway>
  ): ReturnType<typeof deleteInternetGateway> {
    return deleteInternetGateway.call(this, ...args);
  }

  allocateAddress(...args: Parameters<typeof allocateAddress>): ReturnType<typeof allocateAddress> {
    return allocateAddress.call(this, ...args);
  }

  releaseAddress(...args: Parameters<typeof releaseAddress>): ReturnType<typeof releaseAddress> {
    return releaseAddress.call(this, ...args);
  }

  createNatGateway(...args: Parameters<typeof createNatGateway>): ReturnType<typeof createNatGateway> {
    return createNatGateway.call(this, ...args);
  }

  deleteNatGateway(...args: Parameters<typeof deleteNatGateway>): ReturnType<typeof deleteNatGateway> {
    return deleteNatGateway.call(this, ...args);
  }

  createRouteTable(...args: Parameters<typeof createRouteTable>): ReturnType<typeof createRouteTable> {
    return createRouteTable.call(this, ...args);
  }

  routeTable(...args: Parameters<typeof routeTable>): ReturnType<typeof routeTable> {
    return routeTable.call(this, ...args);
  }

  deleteRouteTable(...args: Parameters<typeof deleteRouteTable>): ReturnType<typeof deleteRouteTable> {
    return deleteRouteTable.call(this, ...args);
  }

  createRoute(...args: Parameters<typeof createRoute>): ReturnType<typeof createRoute> {
    return createRoute.call(this, ...args);
  }

  deleteRoute(...args: Parameters<typeof deleteRoute>): ReturnType<typeof deleteRoute> {
    return deleteRoute.call(this, ...args);
  }

  associateRouteTable(
    ...args: Parameters<typeof associateRouteTable>
  ): ReturnType<typeof associateRouteTable> {
    return associateRouteTable.call(this, ...args);
  }

  disassociateRouteTable(
    ...args: Parameters<typeof disassociateRouteTable>
  ): ReturnType<typeof disassociateRouteTable> {
    return disassociateRouteTable.call(this, ...args);
  }

  // ---- VPC endpoints: ./ec2-endpoints.ts ----
  createVpcEndpoint(...args: Parameters<typeof createVpcEndpoint>): ReturnType<typeof createVpcEndpoint> {
    return createVpcEndpoint.call(this, ...args);
  }

  deleteVpcEndpoint(...args: Parameters<typeof deleteVpcEndpoint>): ReturnType<typeof deleteVpcEndpoint> {
    return deleteVpcEndpoint.call(this, ...args);
  }

  // ---- security groups and their rules: ./ec2-security-groups.ts ----
  createSecurityGroup(
    ...args: Parameters<typeof createSecurityGroup>
  ): ReturnType<typeof createSecurityGroup> {
    return createSecurityGroup.call(this, ...args);
  }

  securityGroup(...args: Parameters<typeof securityGroup>): ReturnType<typeof securityGroup> {
    return securityGroup.call(this, ...args);
  }

  deleteSecurityGroup(
    ...args: Parameters<typeof deleteSecurityGroup>
  ): ReturnType<typeof deleteSecurityGroup> {
    return deleteSecurityGroup.call(this, ...args);
  }

  rule(...args: Parameters<typeof rule>): ReturnType<typeof rule> {
    return rule.call(this, ...args);
  }

  expand(...args: Parameters<typeof expand>): ReturnType<typeof expand> {
    return expand.call(this, ...args);
  }

  authorize(...args: Parameters<typeof authorize>): ReturnType<typeof authorize> {
    return authorize.call(this, ...args);
  }

  revoke(...args: Parameters<typeof revoke>): ReturnType<typeof revoke> {
    return revoke.call(this, ...args);
  }

  groupView(...args: Parameters<typeof groupView>): ReturnType<typeof groupView> {
    return groupView.call(this, ...args);
  }

  // ---- instances: ./ec2-instances.ts ----
  runInstances(...args: Parameters<typeof runInstances>): ReturnType<typeof runInstances> {
    return runInstances.call(this, ...args);
  }

  instance(...args: Parameters<typeof instance>): ReturnType<typeof instance> {
    return instance.call(this, ...args);
  }

  terminateInstances(...args: Parameters<typeof terminateInstances>): ReturnType<typeof terminateInstances> {
    return terminateInstances.call(this, ...args);
  }

  shutdownFromInstance(
    ...args: Parameters<typeof shutdownFromInstance>
  ): ReturnType<typeof shutdownFromInstance> {
    return shutdownFromInstance.call(this, ...args);
  }

  instanceView(...args: Parameters<typeof instanceView>): ReturnType<typeof instanceView> {
    return instanceView.call(this, ...args);
  }

  allocateIp(...args: Parameters<typeof allocateIp>): ReturnType<typeof allocateIp> {
    return allocateIp.call(this, ...args);
  }

  describeInstances(...args: Parameters<typeof describeInstances>): ReturnType<typeof describeInstances> {
    return describeInstances.call(this, ...args);
  }
}
