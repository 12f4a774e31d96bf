import { randomBytes } from 'node:crypto';
import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';

type Tag = { Key: string; Value?: string };

export interface LoadBalancer {
  LoadBalancerArn: string;
  LoadBalancerName: string;
  DNSName: string;
  CanonicalHostedZoneId: string;
  CreatedTime: Date;
  Scheme: string;
  VpcId: string;
  State: { Code: 'provisioning' | 'active' | 'failed' };
  Type: string;
  AvailabilityZones: Array<{ ZoneName: string; SubnetId: string }>;
  SecurityGroups: string[];
  IpAddressType: string;
  attributes: Record<string, string>;
}

export interface TargetGroup {
  TargetGroupArn: string;
  TargetGroupName: string;
  Protocol?: string;
  Port?: number;
  VpcId?: string;
  HealthCheckProtocol?: string;
  HealthCheckPort: string;
  HealthCheckEnabled: boolean;
  HealthCheckIntervalSeconds: number;
  HealthCheckTimeoutSeconds: number;
  HealthyThresholdCount: number;
  UnhealthyThresholdCount: number;
  HealthCheckPath?: string;
  Matcher?: { HttpCode?: string };
  TargetType: string;
  ProtocolVersion?: string;
  IpAddressType: string;
  attributes: Record<string, string>;
}

export interface Listener {
  ListenerArn: string;
  LoadBalancerArn: string;
  Port: number;
  Protocol: string;
  Certificates?: Array<{ CertificateArn?: string }>;
  SslPolicy?: string;
  DefaultActions: Array<{
    Type: string;
    TargetGroupArn?: string;
    ForwardConfig?: { TargetGroups?: Array<{ TargetGroupArn?: string }> };
    [k: string]: unknown;
  }>;
}

export interface ListenerRule {
  RuleArn: string;
  ListenerArn: string;
  Priority: string;
  Conditions: unknown[];
  Actions: Listener['DefaultActions'];
}

const ALB_ZONE = 'Z32O12XQLNTSW2';

/**
 * Names of load balancers and target groups: "can have a maximum of 32 characters, must contain
 * only alphanumeric characters or hyphens, must not begin or end with a hyphen" (and a load
 * balancer's "must not begin with internal-"), as ValidationError.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
 */
function checkName(kind: 'LoadBalancer' | 'Target group', name: string): void {
  const what = kind === 'LoadBalancer' ? 'Load balancer' : 'Target group';
  if (!name) throw new AwsError('ValidationError', `${what} name cannot be empty`);
  if (name.length > 32)
    throw new AwsError(
      'ValidationError',
      kind === 'LoadBalancer'
        ? 'LoadBalancer name cannot be longer than 32 characters'
        : `Target group name '${name}' cannot be longer than '32' characters`,
    );
  if (!/^[A-Za-z0-9-]+$/.test(name))
    throw new AwsError(
      'ValidationError',
      `${what} name '${name}' can only contain characters that are alphanumeric characters or hyphens(-)`,
    );
  if (name.startsWith('-') || name.endsWith('-'))
    throw new AwsError('ValidationError', `${what} name '${name}' cannot begin or end with '-' character`);
  if (kind === 'LoadBalancer' && name.startsWith('internal-'))
    throw new AwsError('ValidationError', `Load balancer name '${name}' cannot begin with 'internal-'`);
}

/** AddTags / RemoveTags limits: at most 50 tags per resource (ELBv2 quotas page). */
const MAX_TAGS = 50;

/** ELBv2: application load balancers, target groups, listeners and rules, tags. */
export class Elbv2Model {
  readonly #cloud: LocalCloud;
  readonly loadBalancers = new Map<string, LoadBalancer>();
  readonly targetGroups = new Map<string, TargetGroup>();
  readonly listeners = new Map<string, Listener>();
  readonly rules = new Map<string, ListenerRule>();
  readonly tags = new Map<string, Tag[]>();

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
  }

  /** Creates an ALB: `provisioning` until `readyAfterMs` (default 0: active at once). */
  createLoadBalancer(input: {
    Name: string;
    Subnets?: string[];
    SubnetMappings?: Array<{ SubnetId: string }>;
    SecurityGroups?: string[];
    Scheme?: string;
    Type?: string;
    IpAddressType?: string;
    Tags?: Tag[];
    readyAfterMs?: number;
  }): LoadBalancer {
    checkName('LoadBalancer', input.Name);
    if ([...this.loadBalancers.values()].some((l) => l.LoadBalancerName === input.Name)) {
      throw new AwsError('DuplicateLoadBalancerName', 'A load balancer with the same name already exists');
    }
    // "Application Load Balancers per Region" (L-53DA6B97, 50):
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
    if ((input.Type ?? 'application') === 'application')
      this.#cloud.quotas.enforce(
        'albsPerRegion',
        [...this.loadBalancers.values()].filter((l) => l.Type === 'application').length,
        () => new AwsError('TooManyLoadBalancers', 'The maximum number of load balancers has been reached'),
      );
    const subnetIds = input.Subnets ?? input.SubnetMappings?.map((m) => m.SubnetId) ?? [];
    const subnets = subnetIds.map((id) => this.#cloud.ec2.subnet(id));
    const type = input.Type ?? 'application';
    if (type === 'application' && new Set(subnets.map((s) => s.AvailabilityZone)).size < 2) {
      throw new AwsError(
        'ValidationError',
        'At least two subnets in two different Availability Zones must be specified',
      );
    }
    for (const sg of input.SecurityGroups ?? []) this.#cloud.ec2.securityGroup(sg);
    const id = randomBytes(8).toString('hex');
    const scheme = input.Scheme ?? 'internet-facing';
    const lb: LoadBalancer = {
      LoadBalancerArn: this.#cloud.arn(
        'elasticloadbalancing',
        `loadbalancer/${type === 'network' ? 'net' : 'app'}/${input.Name}/${id}`,
      ),
      LoadBalancerName: input.Name,
      DNSName: `${scheme === 'internal' ? 'internal-' : ''}${input.Name}-${Number.parseInt(id.slice(0, 8), 16)}.${this.#cloud.region}.elb.amazonaws.com`,
      CanonicalHostedZoneId: ALB_ZONE,
      CreatedTime: this.#cloud.clock.date(),
      Scheme: scheme,
      VpcId: subnets[0]?.VpcId ?? '',
      State: { Code: 'provisioning' },
      Type: type,
      AvailabilityZones: subnets.map((s) => ({ ZoneName: s.AvailabilityZone, SubnetId: s.SubnetId })),
      SecurityGroups: input.SecurityGroups ?? [],
      IpAddressType: input.IpAddressType ?? 'ipv4',
      attributes: {
        'deletion_protection.enabled': 'false',
        'idle_timeout.timeout_seconds': '60',
        'routing.http2.enabled': 'true',
      },
    };
    this.loadBalancers.set(lb.LoadBalancerArn, lb);
    this.tags.set(lb.LoadBalancerArn, input.Tags ?? []);
    const ready = () => {
      if (lb.State.Code === 'provisioning') lb.State = { Code: 'active' };
    };
    if ((input.readyAfterMs ?? 0) <= 0) ready();
    else this.#cloud.clock.setTimer(input.readyAfterMs!, ready);
    return lb;
  }

  /** A resource AddTags/RemoveTags/DescribeTags may name, or its not-found error. */
  #taggable(arn: string): void {
    if (this.tags.has(arn)) return;
    if (arn.includes(':targetgroup/')) this.targetGroup(arn);
    if (arn.includes(':listener-rule/')) throw new AwsError('RuleNotFound', 'One or more rules not found');
    if (arn.includes(':listener/')) this.listener(arn);
    this.loadBalancer(arn);
  }

  loadBalancer(arn: string): LoadBalancer {
    const lb = this.loadBalancers.get(arn);
    if (!lb) throw new AwsError('LoadBalancerNotFound', `Load balancers '[${arn}]' not found`);
    return lb;
  }

  deleteLoadBalancer(arn: string): void {
    const lb = this.loadBalancers.get(arn);
    if (!lb) return;
    if (lb.attributes['deletion_protection.enabled'] === 'true') {
      throw new AwsError(
        'OperationNotPermitted',
        `Load balancer '${arn}' cannot be deleted because deletion protection is enabled`,
      );
    }
    for (const l of [...this.listeners.values()])
      if (l.LoadBalancerArn === arn) this.deleteListener(l.ListenerArn);
    this.loadBalancers.delete(arn);
    this.tags.delete(arn);
  }

  createTargetGroup(input: {
    Name: string;
    Protocol?: string;
    Port?: number;
    VpcId?: string;
    TargetType?: string;
    ProtocolVersion?: string;
    HealthCheckProtocol?: string;
    HealthCheckPort?: string;
    HealthCheckEnabled?: boolean;
    HealthCheckPath?: string;
    HealthCheckIntervalSeconds?: number;
    HealthCheckTimeoutSeconds?: number;
    HealthyThresholdCount?: number;
    UnhealthyThresholdCount?: number;
    Matcher?: { HttpCode?: string };
    Tags?: Tag[];
  }): TargetGroup {
    checkName('Target group', input.Name);
    if ([...this.targetGroups.values()].some((t) => t.TargetGroupName === input.Name)) {
      throw new AwsError(
        'DuplicateTargetGroupName',
        'A target group with the same name exists, but with different settings',
      );
    }
    if (input.VpcId) this.#cloud.ec2.vpc(input.VpcId);
    const tg: TargetGroup = {
      TargetGroupArn: this.#cloud.arn(
        'elasticloadbalancing',
        `targetgroup/${input.Name}/${randomBytes(8).toString('hex')}`,
      ),
      TargetGroupName: input.Name,
      Protocol: input.Protocol,
      Port: input.Port,
      VpcId: input.VpcId,
      HealthCheckProtocol: input.HealthCheckProtocol ?? input.Protocol,
      HealthCheckPort: input.HealthCheckPort ?? 'traffic-port',
      HealthCheckEnabled: input.HealthCheckEnabled ?? true,
      HealthCheckIntervalSeconds: input.HealthCheckIntervalSeconds ?? 30,
      HealthCheckTimeoutSeconds: input.HealthCheckTimeoutSeconds ?? 5,
      HealthyThresholdCount: input.HealthyThresholdCount ?? 5,
      UnhealthyThresholdCount: input.UnhealthyThresholdCount ?? 2,
      HealthCheckPath: input.HealthCheckPath ?? '/',
      Matcher: input.Matcher ?? { HttpCode: '200' },
      TargetType: input.TargetType ?? 'instance',
      ProtocolVersion: input.ProtocolVersion ?? (input.Protocol?.startsWith('HTTP') ? 'HTTP1' : undefined),
      IpAddressType: 'ipv4',
      attributes: { 'deregistration_delay.timeout_seconds': '300', 'stickiness.enabled': 'false' },
    };
    this.targetGroups.set(tg.TargetGroupArn, tg);
    this.tags.set(tg.TargetGroupArn, input.Tags ?? []);
    return tg;
  }

  /**
   * Sets target group attributes (ModifyTargetGroupAttributes, and CloudFormation's
   * TargetGroupAttributes). "deregistration_delay.timeout_seconds ... The range is 0-3600 seconds":
   * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupAttribute.html
   */
  setTargetGroupAttributes(arn: string, attributes: Record<string, string>): TargetGroup {
    const tg = this.targetGroup(arn);
    const delay = attributes['deregistration_delay.timeout_seconds'];
    if (delay !== undefined && !(/^\d+$/.test(delay) && Number(delay) <= 3600)) {
      throw new AwsError(
        'InvalidConfigurationRequest',
        `The value of 'deregistration_delay.timeout_seconds' must be an integer between 0 and 3600, not '${delay}'`,
      );
    }
    Object.assign(tg.attributes, attributes);
    return tg;
  }

  targetGroup(arn: string): TargetGroup {
    const tg = this.targetGroups.get(arn);
    if (!tg) throw new AwsError('TargetGroupNotFound', `Target groups '[${arn}]' not found`);
    return tg;
  }

  deleteTargetGroup(arn: string): void {
    this.targetGroup(arn);
    if (this.#loadBalancersOf(arn).length > 0) {
      throw new AwsError(
        'ResourceInUse',
        `Target group '${arn}' is currently in use by a listener or a rule`,
      );
    }
    this.targetGroups.delete(arn);
    this.tags.delete(arn);
  }

  createListener(input: {
    LoadBalancerArn: string;
    Protocol?: string;
    Port?: number;
    Certificates?: Array<{ CertificateArn?: string }>;
    SslPolicy?: string;
    DefaultActions: Listener['DefaultActions'];
    Tags?: Tag[];
  }): Listener {
    const lb = this.loadBalancer(input.LoadBalancerArn);
    const protocol = input.Protocol ?? 'HTTP';
    const port = input.Port ?? (protocol === 'HTTPS' ? 443 : 80);
    if (
      [...this.listeners.values()].some((l) => l.LoadBalancerArn === lb.LoadBalancerArn && l.Port === port)
    ) {
      throw new AwsError(
        'DuplicateListener',
        'A listener already exists on this port for this load balancer',
      );
    }
    if (protocol === 'HTTPS' && !input.Certificates?.length) {
      throw new AwsError('CertificateNotFound', 'A certificate must be specified for HTTPS listeners');
    }
    for (const tg of targetGroupArns(input.DefaultActions)) this.targetGroup(tg);
    const lbPath = lb.LoadBalancerArn.split(':loadbalancer/')[1]!;
    const listener: Listener = {
      ListenerArn: this.#cloud.arn(
        'elasticloadbalancing',
        `listener/${lbPath}/${randomBytes(8).toString('hex')}`,
      ),
      LoadBalancerArn: lb.LoadBalancerArn,
      Port: port,
      Protocol: protocol,
      Certificates: input.Certificates,
      SslPolicy: protocol === 'HTTPS' ? (input.SslPolicy ?? 'ELBSecurityPolicy-2016-08') : undefined,
      DefaultActions: input.DefaultActions,
    };
    this.listeners.set(listener.ListenerArn, listener);
    this.tags.set(listener.ListenerArn, input.Tags ?? []);
    return listener;
  }

  listener(arn: string): Listener {
    const l = this.listeners.get(arn);
    if (!l) throw new AwsError('ListenerNotFound', `Listeners '[${arn}]' not found`);
    return l;
  }

  modifyListener(input: {
    ListenerArn: string;
    DefaultActions?: Listener['DefaultActions'];
    Certificates?: Listener['Certificates'];
    Port?: number;
    Protocol?: string;
    SslPolicy?: string;
  }): Listener {
    const l = this.listener(input.ListenerArn);
    if (input.DefaultActions) {
      for (const tg of targetGroupArns(input.DefaultActions)) this.targetGroup(tg);
      l.DefaultActions = input.DefaultActions;
    }
    if (input.Certificates) l.Certificates = input.Certificates;
    if (input.Port) l.Port = input.Port;
    if (input.Protocol) l.Protocol = input.Protocol;
    if (input.SslPolicy) l.SslPolicy = input.SslPolicy;
    return l;
  }

  deleteListener(arn: string): void {
    this.listener(arn);
    for (const r of [...this.rules.values()]) if (r.ListenerArn === arn) this.rules.delete(r.RuleArn);
    this.listeners.delete(arn);
    this.tags.delete(arn);
  }

  createRule(input: {
    ListenerArn: string;
    Priority: number;
    Conditions: unknown[];
    Actions: Listener['DefaultActions'];
    Tags?: Tag[];
  }): ListenerRule {
    const l = this.listener(input.ListenerArn);
    if (
      [...this.rules.values()].some(
        (r) => r.ListenerArn === l.ListenerArn && r.Priority === String(input.Priority),
      )
    ) {
      throw new AwsError('PriorityInUse', `Priority '${input.Priority}' is currently in use`);
    }
    for (const tg of targetGroupArns(input.Actions)) this.targetGroup(tg);
    const path = l.ListenerArn.split(':listener/')[1]!;
    const rule: ListenerRule = {
      RuleArn: this.#cloud.arn(
        'elasticloadbalancing',
        `listener-rule/${path}/${randomBytes(8).toString('hex')}`,
      ),
      ListenerArn: l.ListenerArn,
      Priority: String(input.Priority),
      Conditions: input.Conditions,
      Actions: input.Actions,
    };
    this.rules.set(rule.RuleArn, rule);
    this.tags.set(rule.RuleArn, input.Tags ?? []);
    return rule;
  }

  deleteRule(arn: string): void {
    if (!this.rules.delete(arn)) throw new AwsError('RuleNotFound', `One or more rules not found`);
  }

  #loadBalancersOf(targetGroupArn: string): string[] {
    const lbs = new Set<string>();
    for (const l of this.listeners.values()) {
      if (targetGroupArns(l.DefaultActions).includes(targetGroupArn)) lbs.add(l.LoadBalancerArn);
    }
    for (const r of this.rules.values()) {
      if (targetGroupArns(r.Actions).includes(targetGroupArn))
        lbs.add(this.listeners.get(r.ListenerArn)?.LoadBalancerArn ?? '');
    }
    return [...lbs].filter(Boolean);
  }

  #lbView(lb: LoadBalancer) {
    const { attributes: _a, ...rest } = lb;
    return rest;
  }

  #tgView(tg: TargetGroup) {
    const { attributes: _a, ...rest } = tg;
    return { ...rest, LoadBalancerArns: this.#loadBalancersOf(tg.TargetGroupArn) };
  }

  /** The wire definition registered with the kernel. */
  definition(): ServiceDefinition {
    const page = <T>(items: T[], marker: string | undefined, size: number | undefined) => {
      const start = marker ? Number(Buffer.from(marker, 'base64url').toString()) : 0;
      const n = size ?? 400;
      const slice = items.slice(start, start + n);
      return {
        slice,
        next: start + n < items.length ? Buffer.from(String(start + n)).toString('base64url') : undefined,
      };
    };
    return {
      protocol: 'awsQuery',
      version: '2015-12-01',
      xmlNamespace: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
      operations: {
        // The CLI path for scripts; CloudFormation calls the same model methods.
        CreateLoadBalancer: (input) => ({ LoadBalancers: [this.#lbView(this.createLoadBalancer(input))] }),
        DeleteLoadBalancer: (input) => {
          this.loadBalancer(input.LoadBalancerArn);
          this.deleteLoadBalancer(input.LoadBalancerArn);
          return {};
        },
        CreateTargetGroup: (input) => ({ TargetGroups: [this.#tgView(this.createTargetGroup(input))] }),
        DeleteTargetGroup: (input) => {
          this.deleteTargetGroup(input.TargetGroupArn);
          return {};
        },
        DescribeLoadBalancers: (input) => {
          let list = [...this.loadBalancers.values()];
          if (input.LoadBalancerArns?.length)
            list = input.LoadBalancerArns.map((a: string) => this.loadBalancer(a));
          if (input.Names?.length) {
            list = input.Names.map((n: string) => {
              const lb = [...this.loadBalancers.values()].find((l) => l.LoadBalancerName === n);
              if (!lb) throw new AwsError('LoadBalancerNotFound', `Load balancers '[${n}]' not found`);
              return lb;
            });
          }
          const { slice, next } = page(list, input.Marker, input.PageSize);
          return { LoadBalancers: slice.map((l) => this.#lbView(l)), NextMarker: next };
        },
        DescribeTargetGroups: (input) => {
          let list = [...this.targetGroups.values()];
          if (input.TargetGroupArns?.length)
            list = input.TargetGroupArns.map((a: string) => this.targetGroup(a));
          if (input.Names?.length) list = list.filter((t) => input.Names.includes(t.TargetGroupName));
          if (input.LoadBalancerArn) {
            this.loadBalancer(input.LoadBalancerArn);
            list = list.filter((t) =>
              this.#loadBalancersOf(t.TargetGroupArn).includes(input.LoadBalancerArn),
            );
          }
          const { slice, next } = page(list, input.Marker, input.PageSize);
          return { TargetGroups: slice.map((t) => this.#tgView(t)), NextMarker: next };
        },
        DescribeListeners: (input) => {
          let list = [...this.listeners.values()];
          if (input.ListenerArns?.length) list = input.ListenerArns.map((a: string) => this.listener(a));
          if (input.LoadBalancerArn) {
            this.loadBalancer(input.LoadBalancerArn);
            list = list.filter((l) => l.LoadBalancerArn === input.LoadBalancerArn);
          }
          const { slice, next } = page(list, input.Marker, input.PageSize);
          return { Listeners: slice, NextMarker: next };
        },
        DescribeRules: (input) => ({
          Rules: [
            ...[...this.rules.values()]
              .filter((r) => !input.ListenerArn || r.ListenerArn === input.ListenerArn)
              .map((r) => ({
                RuleArn: r.RuleArn,
                Priority: r.Priority,
                Conditions: r.Conditions,
                Actions: r.Actions,
                IsDefault: false,
              })),
            ...(input.ListenerArn
              ? [
                  {
                    RuleArn: `${input.ListenerArn.replace(':listener/', ':listener-rule/')}/default`,
                    Priority: 'default',
                    Conditions: [],
                    Actions: this.listener(input.ListenerArn).DefaultActions,
                    IsDefault: true,
                  },
                ]
              : []),
          ],
        }),
        // Tags on load balancers, target groups, listeners and rules; up to 20 resources a call.
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_AddTags.html
        AddTags: (input) => {
          const arns: string[] = input.ResourceArns ?? [];
          const add: Tag[] = input.Tags ?? [];
          for (const arn of arns) this.#taggable(arn);
          for (const arn of arns) {
            const merged = new Map((this.tags.get(arn) ?? []).map((t) => [t.Key, t]));
            for (const t of add) merged.set(t.Key, t);
            if (merged.size > MAX_TAGS)
              throw new AwsError(
                'TooManyTags',
                `You've reached the limit on the number of tags for this resource.`,
              );
          }
          for (const arn of arns) {
            const merged = new Map((this.tags.get(arn) ?? []).map((t) => [t.Key, t]));
            for (const t of add) merged.set(t.Key, t);
            this.tags.set(arn, [...merged.values()]);
          }
          return {};
        },
        RemoveTags: (input) => {
          const arns: string[] = input.ResourceArns ?? [];
          for (const arn of arns) this.#taggable(arn);
          for (const arn of arns)
            this.tags.set(
              arn,
              (this.tags.get(arn) ?? []).filter((t) => !(input.TagKeys ?? []).includes(t.Key)),
            );
          return {};
        },
        DescribeTags: (input) => ({
          TagDescriptions: (input.ResourceArns ?? []).map((arn: string) => {
            this.#taggable(arn);
            return { ResourceArn: arn, Tags: this.tags.get(arn) ?? [] };
          }),
        }),
        DescribeLoadBalancerAttributes: (input) => ({
          Attributes: Object.entries(this.loadBalancer(input.LoadBalancerArn).attributes).map(
            ([Key, Value]) => ({ Key, Value }),
          ),
        }),
        ModifyTargetGroupAttributes: (input) => {
          const attributes: Record<string, string> = {};
          for (const a of (input.Attributes ?? []) as Array<{ Key: string; Value?: string }>)
            attributes[a.Key] = String(a.Value ?? '');
          const tg = this.setTargetGroupAttributes(input.TargetGroupArn, attributes);
          return { Attributes: Object.entries(tg.attributes).map(([Key, Value]) => ({ Key, Value })) };
        },
        DescribeTargetGroupAttributes: (input) => ({
          Attributes: Object.entries(this.targetGroup(input.TargetGroupArn).attributes).map(
            ([Key, Value]) => ({ Key, Value }),
          ),
        }),
        DescribeTargetHealth: (input) => {
          this.targetGroup(input.TargetGroupArn);
          return { TargetHealthDescriptions: [] };
        },
      },
    };
  }
}

function targetGroupArns(actions: Listener['DefaultActions'] | undefined): string[] {
  return (actions ?? []).flatMap((a) => [
    ...(a.TargetGroupArn ? [a.TargetGroupArn] : []),
    ...(a.ForwardConfig?.TargetGroups ?? []).map((t) => t.TargetGroupArn ?? '').filter(Boolean),
  ]);
}
