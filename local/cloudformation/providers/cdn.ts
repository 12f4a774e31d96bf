import type { ResourceProvider } from './types.ts';

/**
 * AWS::CloudFront::Distribution, AWS::WAFv2::WebACL and AWS::WAFv2::WebACLAssociation on the
 * local CloudFront / WAF model (local/services/edge-services.ts), with the values CloudFormation
 * returns (read 2026-12-07):
 * - Distribution: Ref is the id (E…), GetAtt DomainName d….cloudfront.net and Id.
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudfront-distribution.html
 * - WebACL: Ref is `Name|Id|Scope`, GetAtt Arn, Id, Capacity, LabelNamespace.
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-wafv2-webacl.html
 * Cache policies, origin request policies and origin access controls keep the generic provider.
 */

interface DistributionConfig {
  Aliases?: string[];
  ViewerCertificate?: { AcmCertificateArn?: string; CloudFrontDefaultCertificate?: boolean };
  WebACLId?: string;
}

const distribution: ResourceProvider = {
  create(request) {
    const config = (request.properties.DistributionConfig ?? {}) as DistributionConfig;
    const d = request.cloud.cloudfront.createDistribution(config);
    return { physicalId: d.Id, attributes: { Id: d.Id, DomainName: d.DomainName } };
  },
  update(request) {
    const d = request.cloud.cloudfront.distributions.get(request.physicalId)!;
    const config = (request.properties.DistributionConfig ?? {}) as DistributionConfig;
    d.aliases = config.Aliases ?? [];
    d.webAclArn = config.WebACLId;
    return { physicalId: d.Id, attributes: { Id: d.Id, DomainName: d.DomainName } };
  },
  delete(request) {
    request.cloud.cloudfront.deleteDistribution(request.physicalId);
  },
};

const webAcl: ResourceProvider = {
  create(request) {
    const p = request.properties;
    const acl = request.cloud.wafv2.createWebAcl({
      Name: String(p.Name),
      Scope: String(p.Scope),
      Rules: (p.Rules as never[] | undefined) ?? [],
    });
    return {
      physicalId: `${acl.Name}|${acl.Id}|${acl.Scope}`,
      attributes: {
        Arn: acl.Arn,
        Id: acl.Id,
        Capacity: acl.Capacity,
        LabelNamespace: `awswaf:${request.cloud.accountId}:webacl:${acl.Name}:`,
      },
    };
  },
  delete(request) {
    request.cloud.wafv2.deleteWebAcl(String(request.attributes.Arn));
  },
};

const webAclAssociation: ResourceProvider = {
  create(request) {
    const WebACLArn = String(request.properties.WebACLArn);
    const ResourceArn = String(request.properties.ResourceArn);
    request.cloud.wafv2.associateWebAcl({ WebACLArn, ResourceArn });
    return { physicalId: `${ResourceArn}|${WebACLArn}`, attributes: {} };
  },
  delete(request) {
    request.cloud.wafv2.disassociateWebAcl({ ResourceArn: String(request.properties.ResourceArn) });
  },
};

export const cdnProviders: Record<string, ResourceProvider> = {
  'AWS::CloudFront::Distribution': distribution,
  'AWS::WAFv2::WebACL': webAcl,
  'AWS::WAFv2::WebACLAssociation': webAclAssociation,
};
