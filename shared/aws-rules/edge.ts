/**
 * AWS's rules for the edge stage's domain, CDN and firewall (Route 53, ACM, CloudFront, WAF), in
 * one place: the manifest validator, the edge template's documentation and the local cloud read
 * them from here. Each cites the page it was copied from (read 2026-12-07).
 */

/**
 * Route 53 hosted zone ids: `Z` then upper-case letters and digits, at most 32 characters (the
 * API's ResourceId is 32 characters at most; ids returned look like `Z1D633PJN98FT9`). A
 * `/hostedzone/` prefix, as ListHostedZones returns it, is stripped before use.
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHostedZone.html
 */
export const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;

/**
 * CloudFront's hosted zone id for alias records to a distribution: always Z2FDTNDATAQYW2.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-route53-recordset-aliastarget.html
 */
export const CLOUDFRONT_HOSTED_ZONE_ID = 'Z2FDTNDATAQYW2';

/**
 * A certificate for a CloudFront alias must be in US East (N. Virginia).
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html
 */
export const CLOUDFRONT_CERTIFICATE_REGION = 'us-east-1';
export const CLOUDFRONT_CERTIFICATE_SOURCE =
  'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html';

/**
 * A CLOUDFRONT-scoped web ACL is created in us-east-1 only ("To work with CloudFront, you must
 * also specify the Region US East (N. Virginia)"); a REGIONAL one protects an ALB in its Region.
 * https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html
 */
export const CLOUDFRONT_WEB_ACL_REGION = 'us-east-1';
export const WEB_ACL_SCOPE_SOURCE =
  'https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html';

/**
 * Rate-based rule limits: the lowest limit is 10 requests per evaluation window; the API model
 * caps `Limit` at 2,000,000,000; windows are 60, 120, 300 (default) and 600 seconds.
 * https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html
 * https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html
 */
export const RATE_LIMIT_MIN = 10;
export const RATE_LIMIT_MAX = 2_000_000_000;
export const RATE_LIMIT_WINDOW_SECONDS = 300;
export const RATE_LIMIT_SOURCE =
  'https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html';

/**
 * AWS Managed Rules rule groups (vendor AWS) that need no `ManagedRuleGroupConfigs` and carry no
 * subscription fee beyond WAF's, with their web ACL capacity units (WCU):
 * baseline https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html,
 * use-case https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-use-case.html,
 * IP reputation https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-ip-rep.html.
 * Bot Control, account takeover/creation fraud prevention and anti-DDoS need configuration and a
 * subscription: not offered here.
 */
export const MANAGED_RULE_GROUPS = {
  AWSManagedRulesCommonRuleSet: 700,
  AWSManagedRulesAdminProtectionRuleSet: 100,
  AWSManagedRulesKnownBadInputsRuleSet: 200,
  AWSManagedRulesSQLiRuleSet: 200,
  AWSManagedRulesLinuxRuleSet: 200,
  AWSManagedRulesUnixRuleSet: 100,
  AWSManagedRulesWindowsRuleSet: 200,
  AWSManagedRulesPHPRuleSet: 100,
  AWSManagedRulesWordPressRuleSet: 100,
  AWSManagedRulesAmazonIpReputationList: 25,
  AWSManagedRulesAnonymousIpList: 50,
} as const;
export type ManagedRuleGroup = keyof typeof MANAGED_RULE_GROUPS;
export const MANAGED_RULE_GROUP_NAMES = Object.keys(MANAGED_RULE_GROUPS) as ManagedRuleGroup[];

/**
 * Web ACL capacity: WAF's base price covers 1,500 WCU; a web ACL holds at most 5,000.
 * https://docs.aws.amazon.com/waf/latest/developerguide/aws-waf-capacity-units.html
 */
export const WEB_ACL_WCU_INCLUDED = 1_500;
export const WEB_ACL_WCU_MAX = 5_000;
/** A rate-based rule aggregating on IP alone costs 2 WCU (same page). */
export const RATE_RULE_WCU = 2;

/**
 * CloudFront managed policy ids (stable across accounts).
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
 */
export const CACHING_OPTIMIZED_POLICY_ID = '658327ea-f89d-4fab-a63d-7e88639e58f6';

/**
 * The Authorization header reaches the origin only through the cache policy (it must be in the
 * cache key; an origin request policy that forwards it is refused with HTTP 400).
 * https://repost.aws/knowledge-center/cloudfront-authorization-header
 */
export const AUTHORIZATION_IN_CACHE_KEY_SOURCE =
  'https://repost.aws/knowledge-center/cloudfront-authorization-header';

/**
 * Every AWS managed rule group name WAF knows (the ones above plus those that need configuration
 * and a subscription), for the local cloud: a name outside this list does not exist.
 * https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-list.html
 */
export const ALL_AWS_MANAGED_RULE_GROUPS = new Set<string>([
  ...MANAGED_RULE_GROUP_NAMES,
  'AWSManagedRulesBotControlRuleSet',
  'AWSManagedRulesATPRuleSet',
  'AWSManagedRulesACFPRuleSet',
  'AWSManagedRulesAntiDDoSRuleSet',
]);
