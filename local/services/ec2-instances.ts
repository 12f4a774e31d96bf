/**
 * EC2 instances: RunInstances, state transitions on the virtual clock (pending → running,
 * shutting-down → terminated), private IPs from the subnet, and DescribeInstances. Split from ec2.ts.
 */
import { randomBytes } from 'node:crypto';
import { AwsError } from '../errors.ts';
import type { Ec2Model } from './ec2.ts';
import type { Filter, Instance, InstanceStateName, Subnet, TagSpecification } from './ec2-records.ts';
import { intToIp, newId, parseCidr, STATE_CODES } from './ec2-records.ts';
import { paginate } from './ec2-tags-filters.ts';

// ---- instances -------------------------------------------------------------------------

/** Launches instances: `pending`, then `running` after the instance start duration. */
export function runInstances(
  this: Ec2Model,
  input: {
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
  },
): { ReservationId: string; OwnerId: string; Instances: Instance[] } {
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
      LaunchTime: this.cloud.clock.date(),
      SubnetId: subnet.SubnetId,
      VpcId: subnet.VpcId,
      PrivateIpAddress: this.allocateIp(subnet),
      PublicIpAddress: publicIp ? `198.51.100.${(this.instances.size % 250) + 1}` : undefined,
      securityGroupIds: [...groups],
      ReservationId: reservationId,
      KeyName: input.KeyName,
      IamInstanceProfile: input.IamInstanceProfile
        ? {
            Arn:
              input.IamInstanceProfile.Arn ??
              `arn:aws:iam::${this.cloud.accountId}:instance-profile/${input.IamInstanceProfile.Name}`,
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
    this.applyTagSpecs(inst.InstanceId, 'instance', input.TagSpecifications);
    instances.push(inst);
    this.cloud.clock.setTimer(this.cloud.durations.service.instanceStart, () => {
      if (inst.state === 'pending') inst.state = 'running';
    });
  }
  return { ReservationId: reservationId, OwnerId: this.cloud.accountId, Instances: instances };
}

export function instance(this: Ec2Model, id: string): Instance {
  if (!/^i-[0-9a-f]{8,17}$/.test(id))
    throw new AwsError('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
  const i = this.instances.get(id);
  if (!i) throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
  return i;
}

/** Terminates instances: `shutting-down`, then `terminated`, then gone after a while. */
export function terminateInstances(
  this: Ec2Model,
  ids: string[],
  reason = 'User initiated',
): Array<{ InstanceId: string; previous: InstanceStateName; current: InstanceStateName }> {
  const list = ids.map((id) => this.instance(id));
  return list.map((inst) => {
    const previous = inst.state;
    if (inst.state !== 'terminated' && inst.state !== 'shutting-down') {
      inst.state = 'shutting-down';
      inst.StateTransitionReason = `${reason} (${this.cloud.clock.date().toISOString().replace('T', ' ').slice(0, 19)} GMT)`;
      this.cloud.clock.setTimer(this.cloud.durations.service.instanceTerminate, () => {
        inst.state = 'terminated';
        inst.terminatedAt = this.cloud.clock.now();
        inst.PublicIpAddress = undefined;
        this.cloud.clock.setTimer(this.cloud.durations.service.terminatedVisible, () => {
          this.instances.delete(inst.InstanceId);
          this.tags.delete(inst.InstanceId);
        });
      });
    }
    return { InstanceId: inst.InstanceId, previous, current: inst.state };
  });
}

/** The instance shut itself down (e.g. a TTL timer in user data): terminate or stop per its shutdown behaviour. */
export function shutdownFromInstance(this: Ec2Model, id: string): void {
  const inst = this.instance(id);
  if (inst.ShutdownBehavior === 'terminate') {
    this.terminateInstances([id], 'Client.InstanceInitiatedShutdown: Instance initiated shutdown');
    return;
  }
  if (inst.state === 'running') {
    inst.state = 'stopping';
    this.cloud.clock.setTimer(this.cloud.durations.service.instanceTerminate, () => {
      if (inst.state === 'stopping') inst.state = 'stopped';
    });
  }
}

export function instanceView(this: Ec2Model, i: Instance) {
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
        : `ip-${i.PrivateIpAddress.replace(/\./g, '-')}.${this.cloud.region}.compute.internal`,
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

export function allocateIp(this: Ec2Model, subnet: Subnet): string {
  const { base } = parseCidr(subnet.CidrBlock);
  const ip = intToIp(base + subnet.nextHost);
  subnet.nextHost += 1;
  return ip;
}

/** DescribeInstances with filters and MaxResults/NextToken over instances. */
export function describeInstances(
  this: Ec2Model,
  input: {
    InstanceIds?: string[];
    Filters?: Filter[];
    MaxResults?: number;
    NextToken?: string;
  },
) {
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
  for (const i of page) reservations.set(i.ReservationId, [...(reservations.get(i.ReservationId) ?? []), i]);
  return {
    Reservations: [...reservations].map(([id, instances]) => ({
      ReservationId: id,
      OwnerId: this.cloud.accountId,
      Groups: [],
      Instances: instances.map((i) => this.instanceView(i)),
    })),
    NextToken: nextToken,
  };
}
