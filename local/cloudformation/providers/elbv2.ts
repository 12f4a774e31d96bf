import type { Listener } from '../../services/elbv2.ts';
import { randomSuffix } from './generic.ts';
import type { ProviderRequest, ResourceProvider, ResourceTag } from './types.ts';

const num = (v: unknown): number | undefined => (v === undefined ? undefined : Number(v));
const str = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));
const bool = (v: unknown): boolean | undefined => (v === undefined ? undefined : v === true || v === 'true');

function elbTags(request: ProviderRequest): ResourceTag[] {
  const own = (request.properties.Tags as ResourceTag[] | undefined) ?? [];
  return [...request.tags, ...own].map((t) => ({ Key: t.Key, Value: String(t.Value) }));
}

/** Load balancer and target group names: at most 32 characters, as CloudFormation generates them. */
function elbName(request: ProviderRequest): string {
  if (typeof request.properties.Name === 'string') return request.properties.Name;
  const head = `${request.stackName.slice(0, 11)}-${request.logicalId.slice(0, 6)}`.replace(
    /[^A-Za-z0-9-]/g,
    '',
  );
  return `${head}-${randomSuffix(12)}`.replace(/--+/g, '-');
}

function attributeMap(list: unknown): Record<string, string> {
  return Object.fromEntries(
    ((list as { Key: string; Value: unknown }[] | undefined) ?? []).map((a) => [a.Key, String(a.Value)]),
  );
}

function loadBalancerAttributes(request: ProviderRequest, arn: string): Record<string, unknown> {
  const lb = request.cloud.elbv2.loadBalancer(arn);
  return {
    LoadBalancerArn: lb.LoadBalancerArn,
    LoadBalancerName: lb.LoadBalancerName,
    LoadBalancerFullName: lb.LoadBalancerArn.split(':loadbalancer/')[1],
    DNSName: lb.DNSName,
    CanonicalHostedZoneID: lb.CanonicalHostedZoneId,
    SecurityGroups: lb.SecurityGroups,
  };
}

const loadBalancer: ResourceProvider = {
  create(request) {
    const p = request.properties;
    const lb = request.cloud.elbv2.createLoadBalancer({
      Name: elbName(request),
      Subnets: p.Subnets as string[] | undefined,
      SubnetMappings: p.SubnetMappings as { SubnetId: string }[] | undefined,
      SecurityGroups: p.SecurityGroups as string[] | undefined,
      Scheme: str(p.Scheme),
      Type: str(p.Type),
      IpAddressType: str(p.IpAddressType),
      Tags: elbTags(request),
      readyAfterMs: request.cloud.durations.resource(request.type, 'create'),
    });
    Object.assign(lb.attributes, attributeMap(p.LoadBalancerAttributes));
    return {
      physicalId: lb.LoadBalancerArn,
      attributes: loadBalancerAttributes(request, lb.LoadBalancerArn),
    };
  },
  update(request) {
    const lb = request.cloud.elbv2.loadBalancer(request.physicalId);
    const p = request.properties;
    if (p.SecurityGroups) lb.SecurityGroups = p.SecurityGroups as string[];
    Object.assign(lb.attributes, attributeMap(p.LoadBalancerAttributes));
    request.cloud.elbv2.tags.set(lb.LoadBalancerArn, elbTags(request));
    return {
      physicalId: lb.LoadBalancerArn,
      attributes: loadBalancerAttributes(request, lb.LoadBalancerArn),
    };
  },
  delete(request) {
    request.cloud.elbv2.deleteLoadBalancer(request.physicalId);
  },
};

function targetGroupInput(p: Record<string, unknown>) {
  const matcher = p.Matcher as { HttpCode?: string } | undefined;
  return {
    Protocol: str(p.Protocol),
    Port: num(p.Port),
    VpcId: str(p.VpcId),
    TargetType: str(p.TargetType),
    ProtocolVersion: str(p.ProtocolVersion),
    HealthCheckProtocol: str(p.HealthCheckProtocol),
    HealthCheckPort: str(p.HealthCheckPort),
    HealthCheckEnabled: bool(p.HealthCheckEnabled),
    HealthCheckPath: str(p.HealthCheckPath),
    HealthCheckIntervalSeconds: num(p.HealthCheckIntervalSeconds),
    HealthCheckTimeoutSeconds: num(p.HealthCheckTimeoutSeconds),
    HealthyThresholdCount: num(p.HealthyThresholdCount),
    UnhealthyThresholdCount: num(p.UnhealthyThresholdCount),
    Matcher: matcher ? { HttpCode: str(matcher.HttpCode) } : undefined,
  };
}

function targetGroupAttributes(request: ProviderRequest, arn: string): Record<string, unknown> {
  const tg = request.cloud.elbv2.targetGroup(arn);
  return {
    TargetGroupArn: tg.TargetGroupArn,
    TargetGroupName: tg.TargetGroupName,
    TargetGroupFullName: tg.TargetGroupArn.split(':')[5],
    LoadBalancerArns: [],
  };
}

const targetGroup: ResourceProvider = {
  create(request) {
    const tg = request.cloud.elbv2.createTargetGroup({
      Name: elbName(request),
      ...targetGroupInput(request.properties),
      Tags: elbTags(request),
    });
    request.cloud.elbv2.setTargetGroupAttributes(
      tg.TargetGroupArn,
      attributeMap(request.properties.TargetGroupAttributes),
    );
    return { physicalId: tg.TargetGroupArn, attributes: targetGroupAttributes(request, tg.TargetGroupArn) };
  },
  update(request) {
    const tg = request.cloud.elbv2.targetGroup(request.physicalId);
    const input = targetGroupInput(request.properties);
    for (const [key, value] of Object.entries(input))
      if (value !== undefined) (tg as unknown as Record<string, unknown>)[key] = value;
    request.cloud.elbv2.setTargetGroupAttributes(
      tg.TargetGroupArn,
      attributeMap(request.properties.TargetGroupAttributes),
    );
    request.cloud.elbv2.tags.set(tg.TargetGroupArn, elbTags(request));
    return { physicalId: tg.TargetGroupArn, attributes: targetGroupAttributes(request, tg.TargetGroupArn) };
  },
  delete(request) {
    request.cloud.elbv2.deleteTargetGroup(request.physicalId);
  },
};

const listener: ResourceProvider = {
  create(request) {
    const p = request.properties;
    const l = request.cloud.elbv2.createListener({
      LoadBalancerArn: String(p.LoadBalancerArn ?? ''),
      Protocol: str(p.Protocol),
      Port: num(p.Port),
      Certificates: p.Certificates as { CertificateArn?: string }[] | undefined,
      SslPolicy: str(p.SslPolicy),
      DefaultActions: (p.DefaultActions as Listener['DefaultActions'] | undefined) ?? [],
    });
    return { physicalId: l.ListenerArn, attributes: { ListenerArn: l.ListenerArn } };
  },
  update(request) {
    const p = request.properties;
    request.cloud.elbv2.modifyListener({
      ListenerArn: request.physicalId,
      DefaultActions: p.DefaultActions as Listener['DefaultActions'] | undefined,
      Certificates: p.Certificates as { CertificateArn?: string }[] | undefined,
      Port: num(p.Port),
      Protocol: str(p.Protocol),
      SslPolicy: str(p.SslPolicy),
    });
    return { physicalId: request.physicalId, attributes: request.attributes };
  },
  delete(request) {
    if (request.cloud.elbv2.listeners.has(request.physicalId))
      request.cloud.elbv2.deleteListener(request.physicalId);
  },
};

const listenerRule: ResourceProvider = {
  create(request) {
    const p = request.properties;
    const rule = request.cloud.elbv2.createRule({
      ListenerArn: String(p.ListenerArn ?? ''),
      Priority: Number(p.Priority),
      Conditions: (p.Conditions as unknown[] | undefined) ?? [],
      Actions: (p.Actions as Listener['DefaultActions'] | undefined) ?? [],
    });
    return { physicalId: rule.RuleArn, attributes: { RuleArn: rule.RuleArn, IsDefault: false } };
  },
  update(request) {
    const rule = request.cloud.elbv2.rules.get(request.physicalId);
    if (rule) {
      rule.Conditions = (request.properties.Conditions as unknown[] | undefined) ?? [];
      rule.Actions = (request.properties.Actions as Listener['DefaultActions'] | undefined) ?? [];
    }
    return { physicalId: request.physicalId, attributes: request.attributes };
  },
  delete(request) {
    if (request.cloud.elbv2.rules.has(request.physicalId)) request.cloud.elbv2.deleteRule(request.physicalId);
  },
};

/** Providers backed by the ELBv2 model. */
export const elbv2Providers: Record<string, ResourceProvider> = {
  'AWS::ElasticLoadBalancingV2::LoadBalancer': loadBalancer,
  'AWS::ElasticLoadBalancingV2::TargetGroup': targetGroup,
  'AWS::ElasticLoadBalancingV2::Listener': listener,
  'AWS::ElasticLoadBalancingV2::ListenerRule': listenerRule,
};
