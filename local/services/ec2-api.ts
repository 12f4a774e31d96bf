import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';
import {
  type Ec2Model,
  type InternetGateway,
  type IpPermission,
  type NatGateway,
  paginate,
  type RouteTable,
  resourceType,
  STATE_CODES,
  type Vpc,
  type VpcEndpoint,
} from './ec2.ts';

/** EC2 over the wire (ec2Query, 2016-11-15): the model's operations, views, filters and paging. */
export function ec2Definition(model: Ec2Model, cloud: LocalCloud): ServiceDefinition {
  const byIds = <T>(
    ids: string[] | undefined,
    map: Map<string, T>,
    missing: (id: string) => AwsError,
  ): T[] =>
    ids?.length
      ? ids.map((id) => {
          const v = map.get(id);
          if (!v) throw missing(id);
          return v;
        })
      : [...map.values()];
  const tagged = (id: string) => ({ Tags: model.tagsOf(id) });
  const vpcView = (v: Vpc) => ({
    VpcId: v.VpcId,
    CidrBlock: v.CidrBlock,
    State: v.State,
    DhcpOptionsId: 'dopt-00000000',
    InstanceTenancy: v.InstanceTenancy,
    IsDefault: false,
    OwnerId: cloud.accountId,
    CidrBlockAssociationSet: v.cidrBlocks.map((b) => ({
      AssociationId: b.AssociationId,
      CidrBlock: b.CidrBlock,
      CidrBlockState: { State: 'associated' },
    })),
    ...tagged(v.VpcId),
  });
  const igwView = (g: InternetGateway) => ({
    InternetGatewayId: g.InternetGatewayId,
    OwnerId: cloud.accountId,
    Attachments: g.VpcId ? [{ VpcId: g.VpcId, State: 'available' }] : [],
    ...tagged(g.InternetGatewayId),
  });
  const rtView = (r: RouteTable) => ({
    RouteTableId: r.RouteTableId,
    VpcId: r.VpcId,
    OwnerId: cloud.accountId,
    Routes: r.Routes,
    Associations: r.Associations.map((a) => ({
      ...a,
      RouteTableId: r.RouteTableId,
      AssociationState: { State: 'associated' },
    })),
    PropagatingVgws: [],
    ...tagged(r.RouteTableId),
  });
  const natView = (n: NatGateway) => ({
    NatGatewayId: n.NatGatewayId,
    SubnetId: n.SubnetId,
    VpcId: n.VpcId,
    State: n.State,
    ConnectivityType: n.ConnectivityType,
    CreateTime: n.CreateTime,
    DeleteTime: n.DeleteTime,
    NatGatewayAddresses: [
      {
        AllocationId: n.AllocationId,
        PublicIp: n.AllocationId ? model.addresses.get(n.AllocationId)?.PublicIp : undefined,
        PrivateIp: n.PrivateIp,
        IsPrimary: true,
        Status: 'succeeded',
      },
    ],
    ...tagged(n.NatGatewayId),
  });
  const endpointView = (e: VpcEndpoint) => ({
    ...e,
    NetworkInterfaceIds: model.networkInterfaces
      .list()
      .filter((n) => n.ownerId === e.VpcEndpointId)
      .map((n) => n.NetworkInterfaceId),
    ...tagged(e.VpcEndpointId),
  });
  return {
    protocol: 'ec2Query',
    version: '2016-11-15',
    xmlNamespace: 'http://ec2.amazonaws.com/doc/2016-11-15/',
    operations: {
      DescribeAvailabilityZones: (input) => ({
        AvailabilityZones: model
          .filter(
            model
              .availabilityZones()
              .filter(
                (z) =>
                  (!input.ZoneNames?.length || input.ZoneNames.includes(z.ZoneName)) &&
                  (!input.ZoneIds?.length || input.ZoneIds.includes(z.ZoneId)),
              ),
            input.Filters,
            (z) => z.ZoneId,
            (z) => ({
              'zone-name': [z.ZoneName],
              'zone-id': [z.ZoneId],
              state: ['available'],
              'region-name': [cloud.region],
              'opt-in-status': ['opt-in-not-required'],
            }),
          )
          .map((z) => ({
            ...z,
            State: 'available',
            RegionName: cloud.region,
            OptInStatus: 'opt-in-not-required',
            GroupName: cloud.region,
            NetworkBorderGroup: cloud.region,
            ZoneType: 'availability-zone',
            Messages: [],
          })),
      }),
      CreateVpc: (input) => ({ Vpc: vpcView(model.createVpc(input)) }),
      DescribeVpcs: (input) => ({
        Vpcs: model
          .filter(
            byIds(
              input.VpcIds,
              model.vpcs,
              (id) => new AwsError('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`),
            ),
            input.Filters,
            (v) => v.VpcId,
            (v) => ({
              'vpc-id': [v.VpcId],
              'cidr-block': [v.CidrBlock],
              cidr: [v.CidrBlock],
              'cidr-block-association.cidr-block': v.cidrBlocks.map((b) => b.CidrBlock),
              state: [v.State],
              'is-default': ['false'],
            }),
          )
          .map(vpcView),
      }),
      DeleteVpc: (input) => {
        model.deleteVpc(input.VpcId);
        return {};
      },
      ModifyVpcAttribute: (input) => {
        const v = model.vpc(input.VpcId);
        if (input.EnableDnsHostnames) v.EnableDnsHostnames = input.EnableDnsHostnames.Value;
        if (input.EnableDnsSupport) v.EnableDnsSupport = input.EnableDnsSupport.Value;
        return {};
      },
      DescribeVpcAttribute: (input) => {
        const v = model.vpc(input.VpcId);
        return {
          VpcId: v.VpcId,
          ...(input.Attribute === 'enableDnsHostnames'
            ? { EnableDnsHostnames: { Value: v.EnableDnsHostnames } }
            : {}),
          ...(input.Attribute === 'enableDnsSupport'
            ? { EnableDnsSupport: { Value: v.EnableDnsSupport } }
            : {}),
        };
      },
      CreateSubnet: (input) => ({ Subnet: model.subnetView(model.createSubnet(input)) }),
      DescribeSubnets: (input) => ({
        Subnets: model
          .filter(
            byIds(
              input.SubnetIds,
              model.subnets,
              (id) => new AwsError('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`),
            ),
            input.Filters,
            (s) => s.SubnetId,
            (s) => ({
              'subnet-id': [s.SubnetId],
              'vpc-id': [s.VpcId],
              'cidr-block': [s.CidrBlock],
              'availability-zone': [s.AvailabilityZone],
              'map-public-ip-on-launch': [String(s.MapPublicIpOnLaunch)],
              state: ['available'],
            }),
          )
          .map((s) => model.subnetView(s)),
      }),
      DeleteSubnet: (input) => {
        model.deleteSubnet(input.SubnetId);
        return {};
      },
      ModifySubnetAttribute: (input) => {
        const s = model.subnet(input.SubnetId);
        if (input.MapPublicIpOnLaunch) s.MapPublicIpOnLaunch = input.MapPublicIpOnLaunch.Value;
        return {};
      },
      CreateInternetGateway: (input) => ({ InternetGateway: igwView(model.createInternetGateway(input)) }),
      AttachInternetGateway: (input) => {
        model.attachInternetGateway(input.InternetGatewayId, input.VpcId);
        return {};
      },
      DetachInternetGateway: (input) => {
        model.detachInternetGateway(input.InternetGatewayId, input.VpcId);
        return {};
      },
      DeleteInternetGateway: (input) => {
        model.deleteInternetGateway(input.InternetGatewayId);
        return {};
      },
      DescribeInternetGateways: (input) => ({
        InternetGateways: model
          .filter(
            byIds(
              input.InternetGatewayIds,
              model.internetGateways,
              (id) =>
                new AwsError(
                  'InvalidInternetGatewayID.NotFound',
                  `The internetGateway ID '${id}' does not exist`,
                ),
            ),
            input.Filters,
            (g) => g.InternetGatewayId,
            (g) => ({
              'internet-gateway-id': [g.InternetGatewayId],
              'attachment.vpc-id': [g.VpcId],
              'attachment.state': [g.VpcId ? 'available' : undefined],
            }),
          )
          .map(igwView),
      }),
      AllocateAddress: (input) => {
        const a = model.allocateAddress(input);
        return { AllocationId: a.AllocationId, PublicIp: a.PublicIp, Domain: a.Domain };
      },
      ReleaseAddress: (input) => {
        model.releaseAddress(input.AllocationId);
        return {};
      },
      DescribeAddresses: (input) => ({
        Addresses: byIds(
          input.AllocationIds,
          model.addresses,
          (id) => new AwsError('InvalidAllocationID.NotFound', `The allocation ID '${id}' does not exist`),
        ).map((a) => ({
          ...a,
          ...tagged(a.AllocationId),
        })),
      }),
      CreateNatGateway: (input) => ({ NatGateway: natView(model.createNatGateway(input)) }),
      DeleteNatGateway: (input) => {
        model.deleteNatGateway(input.NatGatewayId);
        return { NatGatewayId: input.NatGatewayId };
      },
      DescribeNatGateways: (input) => ({
        NatGateways: model
          .filter(
            byIds(
              input.NatGatewayIds,
              model.natGateways,
              (id) => new AwsError('NatGatewayNotFound', `The Nat Gateway ${id} was not found`),
            ),
            input.Filter,
            (n) => n.NatGatewayId,
            (n) => ({
              'nat-gateway-id': [n.NatGatewayId],
              'subnet-id': [n.SubnetId],
              'vpc-id': [n.VpcId],
              state: [n.State],
            }),
          )
          .map(natView),
      }),
      CreateRouteTable: (input) => ({ RouteTable: rtView(model.createRouteTable(input)) }),
      DeleteRouteTable: (input) => {
        model.deleteRouteTable(input.RouteTableId);
        return {};
      },
      DescribeRouteTables: (input) => ({
        RouteTables: model
          .filter(
            byIds(
              input.RouteTableIds,
              model.routeTables,
              (id) =>
                new AwsError('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`),
            ),
            input.Filters,
            (r) => r.RouteTableId,
            (r) => ({
              'route-table-id': [r.RouteTableId],
              'vpc-id': [r.VpcId],
              'association.subnet-id': r.Associations.map((a) => a.SubnetId),
              'association.main': r.Associations.some((a) => a.Main) ? ['true'] : ['false'],
            }),
          )
          .map(rtView),
      }),
      CreateRoute: (input) => {
        model.createRoute(input);
        return { Return: true };
      },
      DeleteRoute: (input) => {
        model.deleteRoute(input.RouteTableId, input.DestinationCidrBlock);
        return {};
      },
      AssociateRouteTable: (input) => ({
        AssociationId: model.associateRouteTable(input.RouteTableId, input.SubnetId),
        AssociationState: { State: 'associated' },
      }),
      DisassociateRouteTable: (input) => {
        model.disassociateRouteTable(input.AssociationId);
        return {};
      },
      AssociateVpcCidrBlock: (input) => {
        const a = model.associateVpcCidrBlock(input.VpcId, input.CidrBlock);
        return {
          VpcId: input.VpcId,
          CidrBlockAssociation: { ...a, CidrBlockState: { State: 'associating' } },
        };
      },
      DisassociateVpcCidrBlock: (input) => {
        const a = model.disassociateVpcCidrBlock(input.AssociationId);
        return {
          VpcId: a.vpcId,
          CidrBlockAssociation: {
            AssociationId: a.AssociationId,
            CidrBlock: a.CidrBlock,
            CidrBlockState: { State: 'disassociating' },
          },
        };
      },
      ...model.networkInterfaces.operations(),
      CreateVpcEndpoint: (input) => {
        const e = model.createVpcEndpoint(input);
        return { VpcEndpoint: endpointView(e) };
      },
      DescribeVpcEndpoints: (input) => ({
        VpcEndpoints: byIds(
          input.VpcEndpointIds,
          model.vpcEndpoints,
          (id) => new AwsError('InvalidVpcEndpointId.NotFound', `The Vpc Endpoint Id '${id}' does not exist`),
        ).map(endpointView),
      }),
      DeleteVpcEndpoints: (input) => {
        for (const id of input.VpcEndpointIds ?? []) model.deleteVpcEndpoint(id);
        return { Unsuccessful: [] };
      },
      CreateSecurityGroup: (input) => {
        const g = model.createSecurityGroup({ ...input, Description: input.Description });
        return {
          GroupId: g.GroupId,
          SecurityGroupArn: cloud.arn('ec2', `security-group/${g.GroupId}`),
          ...tagged(g.GroupId),
        };
      },
      DeleteSecurityGroup: (input) => {
        model.deleteSecurityGroup(input.GroupId);
        return { Return: true, GroupId: input.GroupId };
      },
      DescribeSecurityGroups: (input) => {
        const list = model
          .filter(
            byIds(
              input.GroupIds,
              model.securityGroups,
              (id) => new AwsError('InvalidGroup.NotFound', `The security group '${id}' does not exist`),
            ),
            input.Filters,
            (g) => g.GroupId,
            (g) => ({
              'group-id': [g.GroupId],
              'group-name': [g.GroupName],
              'vpc-id': [g.VpcId],
              description: [g.Description],
              'ip-permission.cidr': g.rules.filter((r) => !r.IsEgress).map((r) => r.CidrIpv4),
              'ip-permission.group-id': g.rules
                .filter((r) => !r.IsEgress)
                .map((r) => r.ReferencedGroupInfo?.GroupId),
            }),
          )
          .filter((g) => !input.GroupNames?.length || input.GroupNames.includes(g.GroupName));
        const { page, nextToken } = paginate(list, input.MaxResults, input.NextToken);
        return { SecurityGroups: page.map((g) => model.groupView(g)), NextToken: nextToken };
      },
      AuthorizeSecurityGroupIngress: (input) => authorize(false, input),
      AuthorizeSecurityGroupEgress: (input) => authorize(true, input),
      RevokeSecurityGroupIngress: (input) => {
        model.revoke(input.GroupId, false, legacyPermissions(input), input.SecurityGroupRuleIds);
        return { Return: true };
      },
      RevokeSecurityGroupEgress: (input) => {
        model.revoke(input.GroupId, true, legacyPermissions(input), input.SecurityGroupRuleIds);
        return { Return: true };
      },
      DescribeSecurityGroupRules: (input) => {
        const all = [...model.securityGroups.values()].flatMap((g) => g.rules);
        const byId = input.SecurityGroupRuleIds?.length
          ? all.filter((r) => input.SecurityGroupRuleIds.includes(r.SecurityGroupRuleId))
          : all;
        const list = model.filter(
          byId,
          input.Filters,
          (r) => r.SecurityGroupRuleId,
          (r) => ({
            'group-id': [r.GroupId],
            'security-group-rule-id': [r.SecurityGroupRuleId],
          }),
        );
        const { page, nextToken } = paginate(list, input.MaxResults, input.NextToken);
        return {
          SecurityGroupRules: page.map((r) => ({
            ...r,
            SecurityGroupRuleArn: cloud.arn('ec2', `security-group-rule/${r.SecurityGroupRuleId}`),
            Tags: [],
          })),
          NextToken: nextToken,
        };
      },
      RunInstances: (input) => {
        const r = model.runInstances(input);
        return {
          ReservationId: r.ReservationId,
          OwnerId: r.OwnerId,
          Groups: [],
          Instances: r.Instances.map((i) => model.instanceView(i)),
        };
      },
      DescribeInstances: (input) => model.describeInstances(input),
      TerminateInstances: (input) => ({
        TerminatingInstances: model.terminateInstances(input.InstanceIds ?? []).map((c) => ({
          InstanceId: c.InstanceId,
          PreviousState: { Code: STATE_CODES[c.previous], Name: c.previous },
          CurrentState: { Code: STATE_CODES[c.current], Name: c.current },
        })),
      }),
      CreateTags: (input) => {
        model.createTags(input.Resources ?? [], input.Tags ?? []);
        return {};
      },
      DeleteTags: (input) => {
        model.deleteTags(input.Resources ?? [], input.Tags);
        return {};
      },
      DescribeTags: (input) => {
        const rows = [...model.tags].flatMap(([id, t]) =>
          Object.entries(t).map(([Key, Value]) => ({
            ResourceId: id,
            ResourceType: resourceType(id),
            Key,
            Value,
          })),
        );
        const list = model.filter(
          rows,
          input.Filters,
          () => '',
          (r) => ({
            'resource-id': [r.ResourceId],
            'resource-type': [r.ResourceType],
            key: [r.Key],
            value: [r.Value],
          }),
        );
        const { page, nextToken } = paginate(list, input.MaxResults, input.NextToken);
        return { Tags: page, NextToken: nextToken };
      },
    },
  };
  function legacyPermissions(input: {
    IpPermissions?: IpPermission[];
    CidrIp?: string;
    IpProtocol?: string;
    FromPort?: number;
    ToPort?: number;
  }): IpPermission[] {
    if (input.IpPermissions?.length) return input.IpPermissions;
    if (input.CidrIp) {
      return [
        {
          IpProtocol: input.IpProtocol,
          FromPort: input.FromPort,
          ToPort: input.ToPort,
          IpRanges: [{ CidrIp: input.CidrIp }],
        },
      ];
    }
    return [];
  }
  // biome-ignore lint/suspicious/noExplicitAny: wire input shaped by the SDK schema
  function authorize(egress: boolean, input: any) {
    const rules = model.authorize(input.GroupId, egress, legacyPermissions(input));
    return {
      Return: true,
      SecurityGroupRules: rules.map((r) => ({
        ...r,
        SecurityGroupRuleArn: cloud.arn('ec2', `security-group-rule/${r.SecurityGroupRuleId}`),
      })),
    };
  }
}
