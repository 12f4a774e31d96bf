import type { IpPermission, SecurityGroupRule } from '../../services/ec2.ts';
import { generatedName } from './generic.ts';
import type {
  ExistingResource,
  ProvidedResource,
  ProviderRequest,
  ResourceProvider,
  ResourceTag,
} from './types.ts';

/** Stack tags, `aws:cloudformation:*` tags and the resource's own `Tags` property, as a map. */
export function tagMap(request: ProviderRequest): Record<string, string> {
  const own = (request.properties.Tags as ResourceTag[] | undefined) ?? [];
  return Object.fromEntries([...request.tags, ...own].map((t) => [t.Key, String(t.Value)]));
}

const str = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));
const bool = (v: unknown): boolean | undefined => (v === undefined ? undefined : v === true || v === 'true');
const num = (v: unknown): number | undefined => (v === undefined ? undefined : Number(v));

/** A CloudFormation security-group rule (ingress or egress property item) as an EC2 IpPermission. */
function permission(rule: Record<string, unknown>, egress: boolean): IpPermission {
  const peerGroup = str(
    egress ? rule.DestinationSecurityGroupId : (rule.SourceSecurityGroupId ?? rule.SourceSecurityGroupName),
  );
  const prefixList = str(egress ? rule.DestinationPrefixListId : rule.SourcePrefixListId);
  const description = str(rule.Description);
  return {
    IpProtocol: str(rule.IpProtocol) ?? '-1',
    FromPort: num(rule.FromPort),
    ToPort: num(rule.ToPort),
    IpRanges: rule.CidrIp !== undefined ? [{ CidrIp: str(rule.CidrIp), Description: description }] : [],
    Ipv6Ranges:
      rule.CidrIpv6 !== undefined ? [{ CidrIpv6: str(rule.CidrIpv6), Description: description }] : [],
    UserIdGroupPairs: peerGroup ? [{ GroupId: peerGroup, Description: description }] : [],
    PrefixListIds: prefixList ? [{ PrefixListId: prefixList, Description: description }] : [],
  };
}

function setTags(request: ProviderRequest, id: string): void {
  const ec2 = request.cloud.ec2;
  ec2.tags.set(id, tagMap(request));
}

/** Update of a resource whose only updatable properties are its tags: same id, same attributes. */
function retagInPlace(request: ExistingResource): ProvidedResource {
  setTags(request, request.physicalId);
  return { physicalId: request.physicalId, attributes: request.attributes };
}

const vpc: ResourceProvider = {
  create(request) {
    const p = request.properties;
    const created = request.cloud.ec2.createVpc({
      CidrBlock: String(p.CidrBlock ?? ''),
      InstanceTenancy: str(p.InstanceTenancy),
      EnableDnsHostnames: bool(p.EnableDnsHostnames),
      EnableDnsSupport: bool(p.EnableDnsSupport),
      tags: tagMap(request),
    });
    return { physicalId: created.VpcId, attributes: vpcAttributes(request, created.VpcId) };
  },
  update(request) {
    const v = request.cloud.ec2.vpc(request.physicalId);
    v.EnableDnsHostnames = bool(request.properties.EnableDnsHostnames) ?? false;
    v.EnableDnsSupport = bool(request.properties.EnableDnsSupport) ?? true;
    setTags(request, v.VpcId);
    return { physicalId: v.VpcId, attributes: vpcAttributes(request, v.VpcId) };
  },
  delete(request) {
    request.cloud.ec2.deleteVpc(request.physicalId);
  },
};

function vpcAttributes(request: ProviderRequest, vpcId: string): Record<string, unknown> {
  const ec2 = request.cloud.ec2;
  const v = ec2.vpc(vpcId);
  const defaultGroup = [...ec2.securityGroups.values()].find(
    (g) => g.VpcId === vpcId && g.GroupName === 'default',
  );
  return {
    VpcId: vpcId,
    CidrBlock: v.CidrBlock,
    CidrBlockAssociations: [`vpc-cidr-assoc-${vpcId.slice(4)}`],
    DefaultNetworkAcl: `acl-${vpcId.slice(4)}`,
    DefaultSecurityGroup: defaultGroup?.GroupId ?? '',
    Ipv6CidrBlocks: [],
  };
}

function subnetAttributes(request: ProviderRequest, subnetId: string): Record<string, unknown> {
  const ec2 = request.cloud.ec2;
  const s = ec2.subnet(subnetId);
  const zone = ec2.availabilityZones().find((z) => z.ZoneName === s.AvailabilityZone);
  return {
    SubnetId: s.SubnetId,
    VpcId: s.VpcId,
    CidrBlock: s.CidrBlock,
    AvailabilityZone: s.AvailabilityZone,
    AvailabilityZoneId: zone?.ZoneId ?? '',
    NetworkAclAssociationId: `aclassoc-${s.SubnetId.slice(7)}`,
    Ipv6CidrBlocks: [],
    OutpostArn: '',
    BlockPublicAccessStates: { InternetGatewayBlockMode: 'off' },
  };
}

const subnet: ResourceProvider = {
  create(request) {
    const p = request.properties;
    const s = request.cloud.ec2.createSubnet({
      VpcId: String(p.VpcId ?? ''),
      CidrBlock: String(p.CidrBlock ?? ''),
      AvailabilityZone: str(p.AvailabilityZone),
      MapPublicIpOnLaunch: bool(p.MapPublicIpOnLaunch),
      tags: tagMap(request),
    });
    return { physicalId: s.SubnetId, attributes: subnetAttributes(request, s.SubnetId) };
  },
  update(request) {
    const s = request.cloud.ec2.subnet(request.physicalId);
    s.MapPublicIpOnLaunch = bool(request.properties.MapPublicIpOnLaunch) ?? false;
    setTags(request, s.SubnetId);
    return { physicalId: s.SubnetId, attributes: subnetAttributes(request, s.SubnetId) };
  },
  delete(request) {
    request.cloud.ec2.deleteSubnet(request.physicalId);
  },
};

const internetGateway: ResourceProvider = {
  create(request) {
    const g = request.cloud.ec2.createInternetGateway({ tags: tagMap(request) });
    return { physicalId: g.InternetGatewayId, attributes: { InternetGatewayId: g.InternetGatewayId } };
  },
  update: retagInPlace,
  delete(request) {
    request.cloud.ec2.deleteInternetGateway(request.physicalId);
  },
};

const gatewayAttachment: ResourceProvider = {
  create(request) {
    const vpcId = String(request.properties.VpcId ?? '');
    const gateway = str(request.properties.InternetGatewayId);
    if (gateway) request.cloud.ec2.attachInternetGateway(gateway, vpcId);
    // Ref of AWS::EC2::VPCGatewayAttachment is "IGW|<vpc id>".
    return { physicalId: `IGW|${vpcId}`, attributes: { AttachmentType: gateway ? 'igw' : 'vgw' } };
  },
  delete(request) {
    const gateway = str(request.properties.InternetGatewayId);
    if (gateway) request.cloud.ec2.detachInternetGateway(gateway, String(request.properties.VpcId ?? ''));
  },
};

const eip: ResourceProvider = {
  create(request) {
    const a = request.cloud.ec2.allocateAddress({ tags: tagMap(request) });
    return { physicalId: a.PublicIp, attributes: { AllocationId: a.AllocationId, PublicIp: a.PublicIp } };
  },
  update(request) {
    return { physicalId: request.physicalId, attributes: request.attributes };
  },
  delete(request) {
    request.cloud.ec2.releaseAddress(String(request.attributes.AllocationId));
  },
};

const natGateway: ResourceProvider = {
  create(request) {
    const p = request.properties;
    const nat = request.cloud.ec2.createNatGateway({
      SubnetId: String(p.SubnetId ?? ''),
      AllocationId: str(p.AllocationId),
      ConnectivityType: str(p.ConnectivityType),
      tags: tagMap(request),
    });
    return {
      physicalId: nat.NatGatewayId,
      attributes: { NatGatewayId: nat.NatGatewayId, EniId: `eni-${nat.NatGatewayId.slice(4)}` },
    };
  },
  update: retagInPlace,
  delete(request) {
    request.cloud.ec2.deleteNatGateway(request.physicalId);
  },
};

const routeTable: ResourceProvider = {
  create(request) {
    const r = request.cloud.ec2.createRouteTable({
      VpcId: String(request.properties.VpcId ?? ''),
      tags: tagMap(request),
    });
    return { physicalId: r.RouteTableId, attributes: { RouteTableId: r.RouteTableId } };
  },
  update: retagInPlace,
  delete(request) {
    request.cloud.ec2.deleteRouteTable(request.physicalId);
  },
};

function createRoute(request: ProviderRequest): string {
  const p = request.properties;
  const table = String(p.RouteTableId ?? '');
  request.cloud.ec2.createRoute({
    RouteTableId: table,
    DestinationCidrBlock: str(p.DestinationCidrBlock),
    DestinationPrefixListId: str(p.DestinationPrefixListId),
    GatewayId: str(p.GatewayId),
    NatGatewayId: str(p.NatGatewayId),
    VpcEndpointId: str(p.VpcEndpointId),
  });
  return `${table}|${String(p.DestinationCidrBlock ?? p.DestinationIpv6CidrBlock ?? p.DestinationPrefixListId ?? '')}`;
}

const route: ResourceProvider = {
  create(request) {
    const physicalId = createRoute(request);
    return { physicalId, attributes: { CidrBlock: str(request.properties.DestinationCidrBlock) ?? '' } };
  },
  update(request: ExistingResource, previous) {
    request.cloud.ec2.deleteRoute(String(previous.RouteTableId), String(previous.DestinationCidrBlock ?? ''));
    return { physicalId: createRoute(request), attributes: request.attributes };
  },
  delete(request) {
    request.cloud.ec2.deleteRoute(
      String(request.properties.RouteTableId),
      String(request.properties.DestinationCidrBlock ?? ''),
    );
  },
};

const routeTableAssociation: ResourceProvider = {
  create(request) {
    const id = request.cloud.ec2.associateRouteTable(
      String(request.properties.RouteTableId ?? ''),
      String(request.properties.SubnetId ?? ''),
    );
    return { physicalId: id, attributes: { Id: id } };
  },
  delete(request) {
    request.cloud.ec2.disassociateRouteTable(request.physicalId);
  },
};

const vpcEndpoint: ResourceProvider = {
  create(request) {
    const p = request.properties;
    const e = request.cloud.ec2.createVpcEndpoint({
      VpcId: String(p.VpcId ?? ''),
      ServiceName: String(p.ServiceName ?? ''),
      VpcEndpointType: str(p.VpcEndpointType),
      RouteTableIds: (p.RouteTableIds as string[] | undefined) ?? [],
      SubnetIds: (p.SubnetIds as string[] | undefined) ?? [],
      SecurityGroupIds: p.SecurityGroupIds as string[] | undefined,
      tags: tagMap(request),
    });
    return {
      physicalId: e.VpcEndpointId,
      attributes: {
        Id: e.VpcEndpointId,
        CreationTimestamp: e.CreationTimestamp.toISOString(),
        DnsEntries: [],
        NetworkInterfaceIds: [],
      },
    };
  },
  update(request: ExistingResource) {
    const e = request.cloud.ec2.vpcEndpoints.get(request.physicalId);
    if (e) {
      e.RouteTableIds = (request.properties.RouteTableIds as string[] | undefined) ?? [];
      e.SubnetIds = (request.properties.SubnetIds as string[] | undefined) ?? [];
    }
    return { physicalId: request.physicalId, attributes: request.attributes };
  },
  delete(request) {
    request.cloud.ec2.deleteVpcEndpoint(request.physicalId);
  },
};

/** Rules created from a group's own SecurityGroupIngress/Egress properties (not standalone rule resources). */
const inlineRules = new WeakSet<SecurityGroupRule>();

function applyGroupRules(request: ProviderRequest, groupId: string): void {
  const ec2 = request.cloud.ec2;
  const group = ec2.securityGroup(groupId);
  const ingress = (request.properties.SecurityGroupIngress as Record<string, unknown>[] | undefined) ?? [];
  const egress = request.properties.SecurityGroupEgress as Record<string, unknown>[] | undefined;
  // Rules declared inline are owned by the group resource; standalone rule resources are kept.
  const inline = group.rules.filter((r) => inlineRules.has(r));
  if (inline.length)
    ec2.revoke(
      groupId,
      false,
      [],
      inline.filter((r) => !r.IsEgress).map((r) => r.SecurityGroupRuleId),
    );
  if (inline.length)
    ec2.revoke(
      groupId,
      true,
      [],
      inline.filter((r) => r.IsEgress).map((r) => r.SecurityGroupRuleId),
    );
  const added = ingress.flatMap((rule) => ec2.authorize(groupId, false, [permission(rule, false)]));
  if (egress !== undefined) {
    // Declaring egress rules replaces the default allow-all egress rule, as on AWS.
    const allowAll = group.rules.filter(
      (r) => r.IsEgress && r.IpProtocol === '-1' && r.CidrIpv4 === '0.0.0.0/0',
    );
    if (allowAll.length)
      ec2.revoke(
        groupId,
        true,
        [],
        allowAll.map((r) => r.SecurityGroupRuleId),
      );
    added.push(...egress.flatMap((rule) => ec2.authorize(groupId, true, [permission(rule, true)])));
  }
  for (const r of added) inlineRules.add(r);
}

const securityGroup: ResourceProvider = {
  create(request) {
    const p = request.properties;
    if (p.VpcId === undefined) {
      throw new Error(
        'No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.',
      );
    }
    const group = request.cloud.ec2.createSecurityGroup({
      GroupName: str(p.GroupName) ?? generatedName(request.stackName, request.logicalId, { max: 255 }),
      Description: String(p.GroupDescription ?? ''),
      VpcId: String(p.VpcId),
      tags: tagMap(request),
    });
    applyGroupRules(request, group.GroupId);
    return { physicalId: group.GroupId, attributes: { GroupId: group.GroupId, VpcId: group.VpcId } };
  },
  update(request) {
    applyGroupRules(request, request.physicalId);
    setTags(request, request.physicalId);
    return { physicalId: request.physicalId, attributes: request.attributes };
  },
  delete(request) {
    request.cloud.ec2.deleteSecurityGroup(request.physicalId);
  },
};

function ruleProvider(egress: boolean): ResourceProvider {
  const create = (request: ProviderRequest) => {
    const groupId = String(request.properties.GroupId ?? '');
    const [rule] = request.cloud.ec2.authorize(groupId, egress, [permission(request.properties, egress)]);
    return { physicalId: rule!.SecurityGroupRuleId, attributes: { Id: rule!.SecurityGroupRuleId } };
  };
  const remove = (request: ExistingResource) => {
    const group = request.cloud.ec2.securityGroups.get(String(request.properties.GroupId ?? ''));
    if (group?.rules.some((r) => r.SecurityGroupRuleId === request.physicalId)) {
      request.cloud.ec2.revoke(group.GroupId, egress, [], [request.physicalId]);
    }
  };
  return {
    create,
    update(request) {
      remove(request);
      return create(request);
    },
    delete: remove,
  };
}

/** Providers backed by the EC2 model. */
export const ec2Providers: Record<string, ResourceProvider> = {
  'AWS::EC2::VPC': vpc,
  'AWS::EC2::Subnet': subnet,
  'AWS::EC2::InternetGateway': internetGateway,
  'AWS::EC2::VPCGatewayAttachment': gatewayAttachment,
  'AWS::EC2::EIP': eip,
  'AWS::EC2::NatGateway': natGateway,
  'AWS::EC2::RouteTable': routeTable,
  'AWS::EC2::Route': route,
  'AWS::EC2::SubnetRouteTableAssociation': routeTableAssociation,
  'AWS::EC2::VPCEndpoint': vpcEndpoint,
  'AWS::EC2::SecurityGroup': securityGroup,
  'AWS::EC2::SecurityGroupIngress': ruleProvider(false),
  'AWS::EC2::SecurityGroupEgress': ruleProvider(true),
};
