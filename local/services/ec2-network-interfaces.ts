import { createHash } from 'node:crypto';
import { ipv4ToString, parseIpv4Cidr } from '#shared/aws-rules/cidr.ts';
import { AwsError } from '../errors.ts';
import type { LocalCloud, OperationHandler } from '../kernel.ts';
import type { Ec2Model, Filter, Subnet } from './ec2.ts';

/** One elastic network interface as DescribeNetworkInterfaces reports it. */
export interface NetworkInterface {
  NetworkInterfaceId: string;
  SubnetId: string;
  VpcId: string;
  AvailabilityZone: string;
  Description: string;
  InterfaceType: string;
  Groups: Array<{ GroupId: string; GroupName?: string }>;
  PrivateIpAddress: string;
  Status: 'in-use' | 'available';
  RequesterManaged: boolean;
  RequesterId?: string;
  Attachment?: {
    AttachmentId: string;
    InstanceId?: string;
    DeviceIndex: number;
    Status: string;
    DeleteOnTermination: boolean;
  };
  Association?: { PublicIp: string; IpOwnerId: string };
  /** What holds it (instance, NAT gateway, endpoint, load balancer, task, DB instance); not on the wire. */
  ownerId: string;
}

/**
 * Network interfaces, the mechanism behind EC2's DependencyViolation on subnets, security
 * groups, VPCs and internet-gateway detach. AWS creates one wherever a resource sits in a subnet:
 * an instance's primary interface (deleted when it terminates), a NAT gateway, each subnet of an
 * interface VPC endpoint, each subnet of a load balancer, each awsvpc task, each DB instance.
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html ("requester-managed network
 * interfaces": https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html).
 *
 * Those interfaces are derived from the owning resources, so they appear and disappear exactly
 * with them; interfaces made by CreateNetworkInterface are stored. Ids and private addresses are
 * stable per owner.
 */
export class NetworkInterfaces {
  readonly #cloud: LocalCloud;
  readonly #ec2: Ec2Model;
  /** Interfaces made with CreateNetworkInterface. */
  readonly #created = new Map<string, NetworkInterface>();
  /** Private address given to each derived interface, by owner key. */
  readonly #addresses = new Map<string, string>();

  constructor(cloud: LocalCloud, ec2: Ec2Model) {
    this.#cloud = cloud;
    this.#ec2 = ec2;
  }

  /** Every interface that exists now. */
  list(): NetworkInterface[] {
    return [
      ...this.#instances(),
      ...this.#natGateways(),
      ...this.#endpoints(),
      ...this.#loadBalancers(),
      ...this.#tasks(),
      ...this.#databases(),
      ...this.#caches(),
      ...this.#created.values(),
    ];
  }

  /** Whether an id is a user-made interface (for tags). */
  has(id: string): boolean {
    return this.#created.has(id);
  }

  #derived(
    key: string,
    subnet: Subnet | undefined,
    fields: Partial<NetworkInterface> & Pick<NetworkInterface, 'Description' | 'InterfaceType' | 'ownerId'>,
    groupIds: string[],
    publicIp?: string,
  ): NetworkInterface[] {
    if (!subnet) return [];
    return [
      {
        NetworkInterfaceId: `eni-${createHash('sha256').update(key).digest('hex').slice(0, 17)}`,
        SubnetId: subnet.SubnetId,
        VpcId: subnet.VpcId,
        AvailabilityZone: subnet.AvailabilityZone,
        Groups: groupIds.map((GroupId) => ({
          GroupId,
          GroupName: this.#ec2.securityGroups.get(GroupId)?.GroupName,
        })),
        PrivateIpAddress: fields.PrivateIpAddress ?? this.#address(key, subnet),
        Status: 'in-use',
        RequesterManaged: true,
        Association: publicIp ? { PublicIp: publicIp, IpOwnerId: 'amazon' } : undefined,
        ...fields,
      },
    ];
  }

  #address(key: string, subnet: Subnet): string {
    let ip = this.#addresses.get(key);
    if (!ip) {
      const base = parseIpv4Cidr(subnet.CidrBlock)?.base ?? 0;
      ip = ipv4ToString(base + subnet.nextHost);
      subnet.nextHost += 1;
      this.#addresses.set(key, ip);
    }
    return ip;
  }

  #instances(): NetworkInterface[] {
    return [...this.#ec2.instances.values()]
      .filter((i) => i.state !== 'terminated')
      .flatMap((i) =>
        this.#derived(
          `instance:${i.InstanceId}`,
          this.#ec2.subnets.get(i.SubnetId),
          {
            Description: '',
            InterfaceType: 'interface',
            ownerId: i.InstanceId,
            RequesterManaged: false,
            PrivateIpAddress: i.PrivateIpAddress,
            Attachment: {
              AttachmentId: `eni-attach-${i.InstanceId.slice(2)}`,
              InstanceId: i.InstanceId,
              DeviceIndex: 0,
              Status: 'attached',
              DeleteOnTermination: true,
            },
          },
          i.securityGroupIds,
          i.PublicIpAddress,
        ),
      );
  }

  #natGateways(): NetworkInterface[] {
    return [...this.#ec2.natGateways.values()]
      .filter((n) => n.State !== 'deleted' && n.State !== 'failed')
      .flatMap((n) =>
        this.#derived(
          `nat:${n.NatGatewayId}`,
          this.#ec2.subnets.get(n.SubnetId),
          {
            Description: `Interface for NAT Gateway ${n.NatGatewayId}`,
            InterfaceType: 'nat_gateway',
            ownerId: n.NatGatewayId,
            RequesterId: 'amazon-nat',
            PrivateIpAddress: n.PrivateIp,
          },
          [],
          n.AllocationId ? this.#ec2.addresses.get(n.AllocationId)?.PublicIp : undefined,
        ),
      );
  }

  #endpoints(): NetworkInterface[] {
    return [...this.#ec2.vpcEndpoints.values()]
      .filter((e) => e.VpcEndpointType === 'Interface' && e.State !== 'deleted')
      .flatMap((e) =>
        e.SubnetIds.flatMap((subnetId) =>
          this.#derived(
            `vpce:${e.VpcEndpointId}:${subnetId}`,
            this.#ec2.subnets.get(subnetId),
            {
              Description: `VPC Endpoint Interface ${e.VpcEndpointId}`,
              InterfaceType: 'vpc_endpoint',
              ownerId: e.VpcEndpointId,
              RequesterId: 'amazon-vpce',
            },
            e.Groups.map((g) => g.GroupId),
          ),
        ),
      );
  }

  #loadBalancers(): NetworkInterface[] {
    return [...this.#cloud.elbv2.loadBalancers.values()].flatMap((lb) =>
      lb.AvailabilityZones.flatMap((z, i) => {
        const key = `elb:${lb.LoadBalancerArn}:${z.SubnetId}`;
        const publicIp =
          lb.Scheme === 'internet-facing'
            ? `52.${(hash(key) >> 16) % 256}.${(hash(key) >> 8) % 256}.${i + 10}`
            : undefined;
        return this.#derived(
          key,
          this.#ec2.subnets.get(z.SubnetId),
          {
            Description: `ELB ${lb.LoadBalancerArn.split(':loadbalancer/')[1] ?? lb.LoadBalancerName}`,
            InterfaceType: 'interface',
            ownerId: lb.LoadBalancerArn,
            RequesterId: 'amazon-elb',
          },
          lb.SecurityGroups,
          publicIp,
        );
      }),
    );
  }

  /** Running tasks of services with awsvpc networking (RunTask does not keep its network configuration). */
  #tasks(): NetworkInterface[] {
    const ecs = this.#cloud.ecs;
    return [...ecs.tasks.values()]
      .filter((t) => t.lastStatus !== 'STOPPED' && t.group?.startsWith('service:'))
      .flatMap((t) => {
        const name = t.group!.slice('service:'.length);
        const service = [...ecs.services.values()].find(
          (s) => s.clusterArn === t.clusterArn && s.serviceName === name,
        );
        const vpc = (
          service?.networkConfiguration as { awsvpcConfiguration?: Record<string, unknown> } | undefined
        )?.awsvpcConfiguration;
        const subnets = (vpc?.subnets as string[] | undefined) ?? [];
        if (!vpc || subnets.length === 0) return [];
        const subnetId = subnets[hash(t.taskArn) % subnets.length]!;
        return this.#derived(
          `ecs:${t.taskArn}`,
          this.#ec2.subnets.get(subnetId),
          {
            Description: `arn:aws:ecs:${this.#cloud.region}:${this.#cloud.accountId}:attachment/${t.taskArn.split('/').pop()}`,
            InterfaceType: 'interface',
            ownerId: t.taskArn,
            RequesterId: 'amazon-ecs',
          },
          (vpc.securityGroups as string[] | undefined) ?? [],
          vpc.assignPublicIp === 'ENABLED'
            ? `54.${hash(t.taskArn) % 256}.0.${(hash(t.taskArn) >> 8) % 250}`
            : undefined,
        );
      });
  }

  #databases(): NetworkInterface[] {
    const rds = this.#cloud.rds;
    return [...rds.instances.values()].flatMap((i) => {
      const cluster = i.DBClusterIdentifier ? rds.clusters.get(i.DBClusterIdentifier) : undefined;
      const group = cluster?.DBSubnetGroup ? rds.subnetGroups.get(cluster.DBSubnetGroup) : undefined;
      const subnets = (group?.SubnetIds ?? [])
        .map((id) => this.#ec2.subnets.get(id))
        .filter((s) => s !== undefined);
      const subnet = subnets.find((s) => s.AvailabilityZone === i.AvailabilityZone) ?? subnets[0];
      return this.#derived(
        `rds:${i.DBInstanceIdentifier}`,
        subnet,
        {
          Description: 'RDSNetworkInterface',
          InterfaceType: 'interface',
          ownerId: i.DBInstanceArn,
          RequesterId: 'amazon-rds',
        },
        cluster?.VpcSecurityGroupIds ?? [],
      );
    });
  }

  /**
   * An ElastiCache Serverless cache's interface in each of its subnets (it is reached through a VPC
   * endpoint there: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/serverless-vpc.html).
   */
  #caches(): NetworkInterface[] {
    return [...this.#cloud.elastiCache.caches.values()].flatMap((c) =>
      c.SubnetIds.flatMap((id) =>
        this.#derived(
          `elasticache:${c.ServerlessCacheName}:${id}`,
          this.#ec2.subnets.get(id),
          {
            Description: `ElastiCache Serverless ${c.ServerlessCacheName}`,
            InterfaceType: 'vpc_endpoint',
            ownerId: c.ARN,
            RequesterId: 'amazon-elasticache',
          },
          c.SecurityGroupIds,
        ),
      ),
    );
  }

  /** CreateNetworkInterface: an unattached interface in a subnet. */
  create(input: {
    SubnetId: string;
    Groups?: string[];
    Description?: string;
    PrivateIpAddress?: string;
  }): NetworkInterface {
    const subnet = this.#ec2.subnet(input.SubnetId);
    const groups = input.Groups?.length
      ? input.Groups
      : [...this.#ec2.securityGroups.values()]
          .filter((g) => g.VpcId === subnet.VpcId && g.GroupName === 'default')
          .map((g) => g.GroupId);
    for (const g of groups) {
      if (this.#ec2.securityGroup(g).VpcId !== subnet.VpcId)
        throw new AwsError(
          'InvalidParameterValue',
          `Security group ${g} and subnet ${subnet.SubnetId} belong to different networks.`,
        );
    }
    // "Security groups per network interface" (L-2AFB9258, 5).
    this.#cloud.quotas.enforce(
      'securityGroupsPerNetworkInterface',
      groups.length - 1,
      () =>
        new AwsError(
          'SecurityGroupsPerInterfaceLimitExceeded',
          'The maximum number of security groups per interface has been reached.',
        ),
    );
    const id = `eni-${createHash('sha256').update(`created:${this.#created.size}:${this.#cloud.clock.now()}:${Math.random()}`).digest('hex').slice(0, 17)}`;
    const eni: NetworkInterface = {
      NetworkInterfaceId: id,
      SubnetId: subnet.SubnetId,
      VpcId: subnet.VpcId,
      AvailabilityZone: subnet.AvailabilityZone,
      Description: input.Description ?? '',
      InterfaceType: 'interface',
      Groups: groups.map((GroupId) => ({
        GroupId,
        GroupName: this.#ec2.securityGroups.get(GroupId)?.GroupName,
      })),
      PrivateIpAddress: input.PrivateIpAddress ?? this.#address(`created:${id}`, subnet),
      Status: 'available',
      RequesterManaged: false,
      ownerId: id,
    };
    this.#created.set(id, eni);
    return eni;
  }

  /** DeleteNetworkInterface: only unattached interfaces you created; others are in use. */
  delete(id: string): void {
    if (this.#created.delete(id)) {
      this.#ec2.tags.delete(id);
      return;
    }
    if (this.list().some((n) => n.NetworkInterfaceId === id))
      throw new AwsError('InvalidNetworkInterface.InUse', `Interface: [${id}] in use.`);
    throw new AwsError(
      'InvalidNetworkInterfaceID.NotFound',
      `The networkInterface ID '${id}' does not exist`,
    );
  }

  /** Wire operations merged into the EC2 definition. */
  operations(): Record<string, OperationHandler> {
    const view = (n: NetworkInterface) => {
      const { ownerId: _owner, ...wire } = n;
      return {
        ...wire,
        OwnerId: this.#cloud.accountId,
        PrivateIpAddresses: [
          { PrivateIpAddress: n.PrivateIpAddress, Primary: true, Association: n.Association },
        ],
        TagSet: this.#ec2.tagsOf(n.NetworkInterfaceId),
        SourceDestCheck: true,
      };
    };
    return {
      CreateNetworkInterface: (input) => ({ NetworkInterface: view(this.create(input)) }),
      DeleteNetworkInterface: (input) => {
        this.delete(input.NetworkInterfaceId);
        return {};
      },
      DescribeNetworkInterfaces: (input: { NetworkInterfaceIds?: string[]; Filters?: Filter[] }) => {
        let list = this.list();
        if (input.NetworkInterfaceIds?.length) {
          for (const id of input.NetworkInterfaceIds)
            if (!list.some((n) => n.NetworkInterfaceId === id))
              throw new AwsError(
                'InvalidNetworkInterfaceID.NotFound',
                `The networkInterface ID '${id}' does not exist`,
              );
          list = list.filter((n) => input.NetworkInterfaceIds!.includes(n.NetworkInterfaceId));
        }
        const fields = (n: NetworkInterface): Record<string, Array<string | undefined>> => ({
          'network-interface-id': [n.NetworkInterfaceId],
          'subnet-id': [n.SubnetId],
          'vpc-id': [n.VpcId],
          'availability-zone': [n.AvailabilityZone],
          'group-id': n.Groups.map((g) => g.GroupId),
          'group-name': n.Groups.map((g) => g.GroupName),
          description: [n.Description],
          'interface-type': [n.InterfaceType],
          status: [n.Status],
          'requester-managed': [String(n.RequesterManaged)],
          'requester-id': [n.RequesterId],
          'attachment.instance-id': [n.Attachment?.InstanceId],
          'private-ip-address': [n.PrivateIpAddress],
          'association.public-ip': [n.Association?.PublicIp],
        });
        for (const f of input.Filters ?? []) {
          const name = f.Name ?? '';
          if (!FILTERS.includes(name) && !name.startsWith('tag:') && name !== 'tag-key')
            throw new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`);
          list = list.filter((n) => {
            const tags = this.#ec2.tagsOf(n.NetworkInterfaceId);
            const values = name.startsWith('tag:')
              ? tags.filter((t) => t.Key === name.slice(4)).map((t) => t.Value)
              : name === 'tag-key'
                ? tags.map((t) => t.Key)
                : (fields(n)[name] ?? []);
            return (f.Values ?? []).some((v) => values.some((x) => x !== undefined && glob(v, x)));
          });
        }
        return { NetworkInterfaces: list.map(view) };
      },
    };
  }
}

const FILTERS = [
  'network-interface-id',
  'subnet-id',
  'vpc-id',
  'availability-zone',
  'group-id',
  'group-name',
  'description',
  'interface-type',
  'status',
  'requester-managed',
  'requester-id',
  'attachment.instance-id',
  'private-ip-address',
  'association.public-ip',
];

function hash(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

function glob(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}
