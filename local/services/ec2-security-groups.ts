/**
 * EC2 security groups and their individual rules: creation with the default egress rule, what
 * blocks deletion, expanding IpPermissions into rules, authorize/revoke with EC2's duplicate and
 * missing-rule errors, and the DescribeSecurityGroups view. Split from ec2.ts.
 */
import { parseIpv4Cidr } from '#shared/aws-rules/cidr.ts';
import { AwsError } from '../errors.ts';
import type { Ec2Model } from './ec2.ts';
import type {
  IpPermission,
  SecurityGroup,
  SecurityGroupRule,
  TagSpecification,
  Tags,
} from './ec2-records.ts';
import { newId } from './ec2-records.ts';

function sameRule(a: SecurityGroupRule, b: SecurityGroupRule): boolean {
  return (
    a.IsEgress === b.IsEgress &&
    a.IpProtocol === b.IpProtocol &&
    a.FromPort === b.FromPort &&
    a.ToPort === b.ToPort &&
    a.CidrIpv4 === b.CidrIpv4 &&
    a.CidrIpv6 === b.CidrIpv6 &&
    a.PrefixListId === b.PrefixListId &&
    a.ReferencedGroupInfo?.GroupId === b.ReferencedGroupInfo?.GroupId
  );
}

// ---- security groups -------------------------------------------------------------------
export function createSecurityGroup(
  this: Ec2Model,
  input: {
    GroupName: string;
    Description: string;
    VpcId: string;
    TagSpecifications?: TagSpecification[];
    tags?: Tags;
    withVpc?: boolean;
  },
): SecurityGroup {
  this.vpc(input.VpcId);
  // "VPC security groups per Region" (L-E79EC296, 2,500), default groups included.
  if (!input.withVpc)
    this.cloud.quotas.enforce(
      'securityGroupsPerRegion',
      this.securityGroups.size,
      () =>
        new AwsError('SecurityGroupLimitExceeded', 'The maximum number of security groups has been reached.'),
    );
  if (!input.GroupName || !input.Description) {
    throw new AwsError(
      'MissingParameter',
      'The request must contain the parameter groupName and groupDescription',
    );
  }
  for (const g of this.securityGroups.values()) {
    if (g.VpcId === input.VpcId && g.GroupName === input.GroupName) {
      throw new AwsError(
        'InvalidGroup.Duplicate',
        `The security group '${input.GroupName}' already exists for VPC '${input.VpcId}'`,
      );
    }
  }
  const group: SecurityGroup = {
    GroupId: newId('sg'),
    GroupName: input.GroupName,
    Description: input.Description,
    VpcId: input.VpcId,
    rules: [],
  };
  group.rules.push(
    this.rule(group.GroupId, true, { IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv4: '0.0.0.0/0' }),
  );
  this.securityGroups.set(group.GroupId, group);
  this.applyTagSpecs(group.GroupId, 'security-group', input.TagSpecifications, input.tags);
  return group;
}

export function securityGroup(this: Ec2Model, id: string): SecurityGroup {
  const g = this.securityGroups.get(id);
  if (!g) throw new AwsError('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
  return g;
}

/**
 * Deletes a group; DependencyViolation "resource sg-… has a dependent object" while a network
 * interface uses it or another group's rule references it.
 * https://docs.aws.amazon.com/vpc/latest/userguide/deleting-security-groups.html
 */
export function deleteSecurityGroup(this: Ec2Model, id: string): void {
  const g = this.securityGroup(id);
  if (g.GroupName === 'default')
    throw new AwsError('CannotDelete', 'the specified group: "default" name: cannot be deleted by a user');
  const used = this.networkInterfaces.list().some((n) => n.Groups.some((x) => x.GroupId === id));
  const referenced = [...this.securityGroups.values()].some(
    (o) => o.GroupId !== id && o.rules.some((r) => r.ReferencedGroupInfo?.GroupId === id),
  );
  if (used || referenced) {
    throw new AwsError('DependencyViolation', `resource ${id} has a dependent object`);
  }
  this.securityGroups.delete(id);
  this.tags.delete(id);
}

export function rule(
  this: Ec2Model,
  groupId: string,
  egress: boolean,
  r: Omit<SecurityGroupRule, 'SecurityGroupRuleId' | 'GroupId' | 'GroupOwnerId' | 'IsEgress'>,
): SecurityGroupRule {
  return {
    SecurityGroupRuleId: newId('sgr'),
    GroupId: groupId,
    GroupOwnerId: this.cloud.accountId,
    IsEgress: egress,
    ...r,
  };
}

/** Expands IpPermissions into one rule per CIDR / group / prefix list, as AWS stores them. */
export function expand(
  this: Ec2Model,
  groupId: string,
  egress: boolean,
  perms: IpPermission[],
): SecurityGroupRule[] {
  const out: SecurityGroupRule[] = [];
  for (const p of perms) {
    const proto = p.IpProtocol === 'all' ? '-1' : String(p.IpProtocol ?? '-1').toLowerCase();
    const base = {
      IpProtocol: proto,
      FromPort: proto === '-1' ? -1 : (p.FromPort ?? -1),
      ToPort: proto === '-1' ? -1 : (p.ToPort ?? -1),
    };
    for (const r of p.IpRanges ?? []) {
      // Canonicalised ("AWS canonicalizes IPv4 and IPv6 CIDRs"), malformed refused:
      // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html
      const cidr = parseIpv4Cidr(r.CidrIp ?? '');
      if (!cidr) throw new AwsError('InvalidParameterValue', `CIDR block ${r.CidrIp} is malformed`);
      out.push(this.rule(groupId, egress, { ...base, CidrIpv4: cidr.canonical, Description: r.Description }));
    }
    for (const r of p.Ipv6Ranges ?? [])
      out.push(this.rule(groupId, egress, { ...base, CidrIpv6: r.CidrIpv6, Description: r.Description }));
    for (const r of p.PrefixListIds ?? [])
      out.push(
        this.rule(groupId, egress, { ...base, PrefixListId: r.PrefixListId, Description: r.Description }),
      );
    for (const r of p.UserIdGroupPairs ?? []) {
      this.securityGroup(r.GroupId ?? '');
      out.push(
        this.rule(groupId, egress, {
          ...base,
          ReferencedGroupInfo: { GroupId: r.GroupId!, UserId: r.UserId ?? this.cloud.accountId },
          Description: r.Description,
        }),
      );
    }
  }
  return out;
}

/**
 * Adds ingress or egress rules; InvalidPermission.Duplicate when one already exists;
 * RulesPerSecurityGroupLimitExceeded past "Inbound or outbound rules per security group"
 * (L-0EA8095F, 60), counted per direction and per IP version, a group or prefix-list reference
 * counting for both (https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html).
 */
export function authorize(
  this: Ec2Model,
  groupId: string,
  egress: boolean,
  perms: IpPermission[],
): SecurityGroupRule[] {
  const g = this.securityGroup(groupId);
  const rules = this.expand(groupId, egress, perms);
  const after = [...g.rules.filter((r) => r.IsEgress === egress), ...rules];
  const v4 = after.filter((r) => !r.CidrIpv6).length;
  const v6 = after.filter((r) => !r.CidrIpv4).length;
  this.cloud.quotas.enforce(
    'rulesPerSecurityGroup',
    Math.max(v4, v6) - 1,
    () =>
      new AwsError(
        'RulesPerSecurityGroupLimitExceeded',
        'The maximum number of rules per security group has been reached.',
      ),
  );
  for (const r of rules) {
    if (g.rules.some((x) => sameRule(x, r))) {
      const peer = r.CidrIpv4 ?? r.CidrIpv6 ?? r.PrefixListId ?? r.ReferencedGroupInfo?.GroupId;
      throw new AwsError(
        'InvalidPermission.Duplicate',
        `the specified rule "peer: ${peer}, ${r.IpProtocol.toUpperCase()}, from port: ${r.FromPort}, to port: ${r.ToPort}, ALLOW" already exists`,
      );
    }
  }
  g.rules.push(...rules);
  return rules;
}

/** Removes rules (by permission or rule id); InvalidPermission.NotFound when absent. */
export function revoke(
  this: Ec2Model,
  groupId: string,
  egress: boolean,
  perms: IpPermission[] = [],
  ruleIds: string[] = [],
): void {
  const g = this.securityGroup(groupId);
  for (const id of ruleIds) {
    if (!g.rules.some((r) => r.SecurityGroupRuleId === id && r.IsEgress === egress)) {
      throw new AwsError(
        'InvalidSecurityGroupRuleId.NotFound',
        `The security group rule ID '${id}' does not exist`,
      );
    }
  }
  const wanted = this.expand(groupId, egress, perms);
  for (const w of wanted) {
    if (!g.rules.some((r) => sameRule(r, w))) {
      throw new AwsError(
        'InvalidPermission.NotFound',
        'The specified rule does not exist in this security group.',
      );
    }
  }
  g.rules = g.rules.filter(
    (r) => !ruleIds.includes(r.SecurityGroupRuleId) && !wanted.some((w) => sameRule(r, w)),
  );
}

export function groupView(this: Ec2Model, g: SecurityGroup) {
  const perms = (egress: boolean): IpPermission[] => {
    const byKey = new Map<string, IpPermission>();
    for (const r of g.rules.filter((x) => x.IsEgress === egress)) {
      const key = `${r.IpProtocol}|${r.FromPort}|${r.ToPort}`;
      let p = byKey.get(key);
      if (!p) {
        p = {
          IpProtocol: r.IpProtocol,
          ...(r.IpProtocol === '-1' ? {} : { FromPort: r.FromPort, ToPort: r.ToPort }),
          IpRanges: [],
          Ipv6Ranges: [],
          PrefixListIds: [],
          UserIdGroupPairs: [],
        };
        byKey.set(key, p);
      }
      if (r.CidrIpv4) p.IpRanges!.push({ CidrIp: r.CidrIpv4, Description: r.Description });
      if (r.CidrIpv6) p.Ipv6Ranges!.push({ CidrIpv6: r.CidrIpv6, Description: r.Description });
      if (r.PrefixListId) p.PrefixListIds!.push({ PrefixListId: r.PrefixListId, Description: r.Description });
      if (r.ReferencedGroupInfo) {
        p.UserIdGroupPairs!.push({
          GroupId: r.ReferencedGroupInfo.GroupId,
          UserId: r.ReferencedGroupInfo.UserId,
          Description: r.Description,
        });
      }
    }
    return [...byKey.values()];
  };
  return {
    GroupId: g.GroupId,
    GroupName: g.GroupName,
    Description: g.Description,
    VpcId: g.VpcId,
    OwnerId: this.cloud.accountId,
    SecurityGroupArn: this.cloud.arn('ec2', `security-group/${g.GroupId}`),
    IpPermissions: perms(false),
    IpPermissionsEgress: perms(true),
    Tags: this.tagsOf(g.GroupId),
  };
}
