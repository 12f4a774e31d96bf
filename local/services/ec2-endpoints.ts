/**
 * EC2 VPC endpoints (gateway and interface). Split from ec2.ts.
 */
import { AwsError } from '../errors.ts';
import type { Ec2Model } from './ec2.ts';
import type { TagSpecification, Tags, VpcEndpoint } from './ec2-records.ts';
import { newId } from './ec2-records.ts';

export function createVpcEndpoint(
  this: Ec2Model,
  input: {
    VpcId: string;
    ServiceName: string;
    VpcEndpointType?: string;
    RouteTableIds?: string[];
    SubnetIds?: string[];
    SecurityGroupIds?: string[];
    TagSpecifications?: TagSpecification[];
    tags?: Tags;
  },
): VpcEndpoint {
  this.vpc(input.VpcId);
  for (const id of input.SubnetIds ?? []) this.subnet(id);
  for (const id of input.SecurityGroupIds ?? []) this.securityGroup(id);
  const type = input.VpcEndpointType ?? 'Gateway';
  // "Gateway VPC endpoints per Region" (L-1B52E74A, 20):
  // https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-limits-endpoints.html; the error code
  // from https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
  if (type === 'Gateway')
    this.cloud.quotas.enforce(
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
    CreationTimestamp: this.cloud.clock.date(),
  };
  this.vpcEndpoints.set(e.VpcEndpointId, e);
  this.applyTagSpecs(e.VpcEndpointId, 'vpc-endpoint', input.TagSpecifications, input.tags);
  return e;
}

export function deleteVpcEndpoint(this: Ec2Model, id: string): void {
  if (!this.vpcEndpoints.delete(id))
    throw new AwsError('InvalidVpcEndpointId.NotFound', `The Vpc Endpoint Id '${id}' does not exist`);
  this.tags.delete(id);
}
