import { randomBytes } from 'node:crypto';
import {
  ALL_AWS_MANAGED_RULE_GROUPS,
  CLOUDFRONT_CERTIFICATE_REGION,
  CLOUDFRONT_WEB_ACL_REGION,
  MANAGED_RULE_GROUPS,
  RATE_RULE_WCU,
  WEB_ACL_WCU_MAX,
} from '#shared/aws-rules/edge.ts';
import { AwsError } from '../errors.ts';
import type { LocalCloud } from '../kernel.ts';

/**
 * CloudFront distributions and AWS WAF web ACLs, as far as CloudFormation makes them (no API is
 * served): the checks the services apply on create, ids and names in AWS's forms. Read 2026-12-07:
 * - Distribution ids `E…`, domain names `d….cloudfront.net`; an alternate domain name needs a
 *   certificate that covers it, from ACM in us-east-1 (InvalidViewerCertificate):
 *   https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html
 *   https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateDistribution.html (errors)
 * - A distribution's WebACLId is a CLOUDFRONT-scoped web ACL (WAFv2 ARN):
 *   https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html
 * - CLOUDFRONT scope is created in us-east-1 only; REGIONAL web ACLs associate with resources of
 *   their Region (AssociateWebACL); managed rule groups must exist; a web ACL holds at most 5,000
 *   WCU (WAFLimitsExceededException):
 *   https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html,
 *   https://docs.aws.amazon.com/waf/latest/APIReference/API_AssociateWebACL.html,
 *   https://docs.aws.amazon.com/waf/latest/developerguide/aws-waf-capacity-units.html
 * A distribution takes `durations` 'AWS::CloudFront::Distribution' to deploy (5 min: "≤ 5 min
 * since 2020", reference/aws-facts.md).
 */

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const random = (n: number, chars = UPPER) => [...randomBytes(n)].map((b) => chars[b % chars.length]).join('');

export interface Distribution {
  Id: string;
  Arn: string;
  DomainName: string;
  aliases: string[];
  webAclArn?: string;
}

export interface WebAcl {
  Name: string;
  Id: string;
  Scope: 'CLOUDFRONT' | 'REGIONAL';
  Arn: string;
  Capacity: number;
  associations: Set<string>;
}

interface RuleLike {
  Name?: string;
  Priority?: number;
  Statement?: {
    ManagedRuleGroupStatement?: { VendorName?: string; Name?: string };
    RateBasedStatement?: unknown;
  };
}

export class EdgeServicesModel {
  readonly distributions = new Map<string, Distribution>();
  readonly webAcls = new Map<string, WebAcl>();
  readonly #cloud: LocalCloud;

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
  }

  createDistribution(config: {
    Aliases?: string[];
    ViewerCertificate?: { AcmCertificateArn?: string; CloudFrontDefaultCertificate?: boolean };
    WebACLId?: string;
  }): Distribution {
    const aliases = config.Aliases ?? [];
    const certificate = config.ViewerCertificate?.AcmCertificateArn;
    if (aliases.length > 0 && !certificate)
      throw new AwsError(
        'InvalidViewerCertificate',
        'To add an alternate domain name (CNAME) to a CloudFront distribution, you must attach a trusted certificate that validates your authorization to use the domain name.',
      );
    if (certificate && certificate.split(':')[3] !== CLOUDFRONT_CERTIFICATE_REGION)
      throw new AwsError(
        'InvalidViewerCertificate',
        "The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, or doesn't include a valid certificate chain.",
      );
    if (config.WebACLId) {
      const acl = [...this.webAcls.values()].find((a) => a.Arn === config.WebACLId);
      if (acl?.Scope !== 'CLOUDFRONT')
        throw new AwsError(
          'InvalidWebACLId',
          `Web ACL is not accessible by the requester or not a CLOUDFRONT web ACL: ${config.WebACLId}`,
        );
    }
    const Id = `E${random(13)}`;
    const d: Distribution = {
      Id,
      Arn: `arn:aws:cloudfront::${this.#cloud.accountId}:distribution/${Id}`,
      DomainName: `d${random(13, 'abcdefghijklmnopqrstuvwxyz0123456789')}.cloudfront.net`,
      aliases,
      ...(config.WebACLId ? { webAclArn: config.WebACLId } : {}),
    };
    this.distributions.set(Id, d);
    return d;
  }

  deleteDistribution(id: string): void {
    this.distributions.delete(id);
  }

  createWebAcl(input: { Name: string; Scope: string; Rules?: RuleLike[] }): WebAcl {
    const scope = input.Scope === 'CLOUDFRONT' ? 'CLOUDFRONT' : 'REGIONAL';
    if (scope === 'CLOUDFRONT' && this.#cloud.region !== CLOUDFRONT_WEB_ACL_REGION)
      throw new AwsError(
        'WAFInvalidParameterException',
        'Error reason: The scope is not valid., field: SCOPE_VALUE, parameter: CLOUDFRONT',
      );
    let capacity = 0;
    const priorities = new Set<number>();
    for (const rule of input.Rules ?? []) {
      if (rule.Priority !== undefined && priorities.has(rule.Priority))
        throw new AwsError(
          'WAFInvalidParameterException',
          `Error reason: Duplicate priority., field: RULE_PRIORITY, parameter: ${rule.Priority}`,
        );
      if (rule.Priority !== undefined) priorities.add(rule.Priority);
      const managed = rule.Statement?.ManagedRuleGroupStatement;
      if (managed) {
        if (managed.VendorName !== 'AWS' || !ALL_AWS_MANAGED_RULE_GROUPS.has(String(managed.Name)))
          throw new AwsError(
            'WAFNonexistentItemException',
            'AWS WAF couldn’t perform the operation because your resource doesn’t exist.',
          );
        capacity += MANAGED_RULE_GROUPS[managed.Name as keyof typeof MANAGED_RULE_GROUPS] ?? 50;
      }
      if (rule.Statement?.RateBasedStatement) capacity += RATE_RULE_WCU;
    }
    if (capacity > WEB_ACL_WCU_MAX)
      throw new AwsError(
        'WAFLimitsExceededException',
        `AWS WAF couldn’t perform the operation because you exceeded your resource limit: the web ACL needs ${capacity} WCU, more than ${WEB_ACL_WCU_MAX}.`,
      );
    for (const a of this.webAcls.values())
      if (a.Name === input.Name && a.Scope === scope)
        throw new AwsError(
          'WAFDuplicateItemException',
          'AWS WAF couldn’t perform the operation because some resource in your request is a duplicate of an existing one.',
        );
    const Id = [8, 4, 4, 4, 12].map((n) => random(n, 'abcdef0123456789')).join('-');
    const acl: WebAcl = {
      Name: input.Name,
      Id,
      Scope: scope,
      Arn: `arn:aws:wafv2:${this.#cloud.region}:${this.#cloud.accountId}:${scope === 'CLOUDFRONT' ? 'global' : 'regional'}/webacl/${input.Name}/${Id}`,
      Capacity: capacity,
      associations: new Set(),
    };
    this.webAcls.set(acl.Arn, acl);
    return acl;
  }

  deleteWebAcl(arn: string): void {
    const acl = this.webAcls.get(arn);
    if (acl && acl.associations.size > 0)
      throw new AwsError(
        'WAFAssociatedItemException',
        'AWS WAF couldn’t perform the operation because your resource is being used by another resource or it’s associated with another resource.',
      );
    this.webAcls.delete(arn);
  }

  associateWebAcl(input: { WebACLArn: string; ResourceArn: string }): void {
    const webAclArn = input.WebACLArn;
    const resourceArn = input.ResourceArn;
    const acl = this.webAcls.get(webAclArn);
    if (!acl)
      throw new AwsError(
        'WAFNonexistentItemException',
        'AWS WAF couldn’t perform the operation because your resource doesn’t exist.',
      );
    if (
      acl.Scope !== 'REGIONAL' ||
      !resourceArn.startsWith(`arn:aws:elasticloadbalancing:${this.#cloud.region}:`)
    )
      throw new AwsError(
        'WAFInvalidParameterException',
        `Error reason: The ARN isn’t valid., field: RESOURCE_ARN, parameter: ${resourceArn}`,
      );
    if (!this.#cloud.elbv2.loadBalancers.has(resourceArn))
      throw new AwsError(
        'WAFNonexistentItemException',
        'AWS WAF couldn’t perform the operation because your resource doesn’t exist.',
      );
    for (const other of this.webAcls.values()) other.associations.delete(resourceArn);
    acl.associations.add(resourceArn);
  }

  disassociateWebAcl(input: { ResourceArn: string }): void {
    const resourceArn = input.ResourceArn;
    for (const acl of this.webAcls.values()) acl.associations.delete(resourceArn);
  }
}
