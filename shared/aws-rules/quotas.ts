/**
 * Default AWS service quotas that bite real users, with their Service Quotas codes. ONE place:
 * the local cloud enforces them (overridable per cloud) and serves them over the Service Quotas
 * API; a preflight (`stackdrop plan --live`) can read the same codes.
 *
 * Read 2026-12-07 from:
 * - Amazon VPC quotas: https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html
 * - Elastic IP addresses per Region (service code ec2):
 *   https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-eips
 * - Elastic Load Balancing quotas: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
 * - Amazon RDS / Aurora quotas: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/CHAP_Limits.html
 * - AWS PrivateLink quotas (gateway endpoints): https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-limits-endpoints.html
 * - AWS Fargate quotas (service code fargate): https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html
 *   and https://docs.aws.amazon.com/general/latest/gr/ecs-service.html; the vCPU-based quota
 *   replaced task counts in 2022 (https://aws.amazon.com/blogs/containers/migrating-fargate-service-quotas-to-vcpu-based-quotas/).
 */

export const QUOTAS_READ_ON = '2026-12-07';

export interface QuotaDefinition {
  /** Service Quotas service code: `vpc`, `ec2`, `elasticloadbalancing`, `rds`. */
  serviceCode: string;
  serviceName: string;
  quotaCode: string;
  quotaName: string;
  defaultValue: number;
  adjustable: boolean;
  /** How the quota is counted, in the words of the quotas page. */
  scope: string;
  source: string;
}

const VPC_PAGE = 'https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html';
const ELB_PAGE =
  'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html';
const RDS_PAGE = 'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/CHAP_Limits.html';
const PRIVATELINK_PAGE = 'https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-limits-endpoints.html';
const FARGATE_PAGE = 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html';
const VPC = { serviceCode: 'vpc', serviceName: 'Amazon Virtual Private Cloud (Amazon VPC)' };

export const QUOTAS = {
  vpcsPerRegion: {
    ...VPC,
    quotaCode: 'L-F678F1CE',
    quotaName: 'VPCs per Region',
    defaultValue: 5,
    adjustable: true,
    scope: 'per Region',
    source: VPC_PAGE,
  },
  subnetsPerVpc: {
    ...VPC,
    quotaCode: 'L-407747CB',
    quotaName: 'Subnets per VPC',
    defaultValue: 200,
    adjustable: true,
    scope: 'per VPC',
    source: VPC_PAGE,
  },
  cidrBlocksPerVpc: {
    ...VPC,
    quotaCode: 'L-83CA0A9D',
    quotaName: 'IPv4 CIDR blocks per VPC',
    defaultValue: 5,
    adjustable: true,
    scope: 'per VPC; the primary and every secondary block count',
    source: VPC_PAGE,
  },
  internetGatewaysPerRegion: {
    ...VPC,
    quotaCode: 'L-A4707A72',
    quotaName: 'Internet gateways per Region',
    defaultValue: 5,
    adjustable: true,
    scope: 'per Region',
    source: VPC_PAGE,
  },
  natGatewaysPerAz: {
    ...VPC,
    quotaCode: 'L-FE5A380F',
    quotaName: 'NAT gateways per Availability Zone',
    defaultValue: 5,
    adjustable: true,
    scope: 'per Availability Zone; pending, available and deleting gateways count',
    source: VPC_PAGE,
  },
  securityGroupsPerRegion: {
    ...VPC,
    quotaCode: 'L-E79EC296',
    quotaName: 'VPC security groups per Region',
    defaultValue: 2500,
    adjustable: true,
    scope: 'per Region (default groups included)',
    source: VPC_PAGE,
  },
  rulesPerSecurityGroup: {
    ...VPC,
    quotaCode: 'L-0EA8095F',
    quotaName: 'Inbound or outbound rules per security group',
    defaultValue: 60,
    adjustable: true,
    scope: 'per security group, inbound and outbound separately, IPv4 and IPv6 separately',
    source: VPC_PAGE,
  },
  securityGroupsPerNetworkInterface: {
    ...VPC,
    quotaCode: 'L-2AFB9258',
    quotaName: 'Security groups per network interface',
    defaultValue: 5,
    adjustable: true,
    scope: 'per network interface',
    source: VPC_PAGE,
  },
  gatewayEndpointsPerRegion: {
    ...VPC,
    quotaCode: 'L-1B52E74A',
    quotaName: 'Gateway VPC endpoints per Region',
    defaultValue: 20,
    adjustable: true,
    scope: 'per Region (up to 255 per VPC); interface endpoints have their own per-VPC quota',
    source: PRIVATELINK_PAGE,
  },
  elasticIpsPerRegion: {
    serviceCode: 'ec2',
    serviceName: 'Amazon Elastic Compute Cloud (Amazon EC2)',
    quotaCode: 'L-0263D0A3',
    quotaName: 'EC2-VPC Elastic IPs',
    defaultValue: 5,
    adjustable: true,
    scope: 'per Region',
    source: VPC_PAGE,
  },
  albsPerRegion: {
    serviceCode: 'elasticloadbalancing',
    serviceName: 'Elastic Load Balancing (ELB)',
    quotaCode: 'L-53DA6B97',
    quotaName: 'Application Load Balancers per Region',
    defaultValue: 50,
    adjustable: true,
    scope: 'per Region',
    source: ELB_PAGE,
  },
  dbClusters: {
    serviceCode: 'rds',
    serviceName: 'Amazon Relational Database Service (Amazon RDS)',
    quotaCode: 'L-952B80B8',
    quotaName: 'DB clusters',
    defaultValue: 40,
    adjustable: true,
    scope: 'per Region',
    source: RDS_PAGE,
  },
  dbInstances: {
    serviceCode: 'rds',
    serviceName: 'Amazon Relational Database Service (Amazon RDS)',
    quotaCode: 'L-7B6409FD',
    quotaName: 'DB instances',
    defaultValue: 40,
    adjustable: true,
    scope: 'per Region',
    source: RDS_PAGE,
  },
  fargateOnDemandVcpus: {
    serviceCode: 'fargate',
    serviceName: 'AWS Fargate',
    quotaCode: 'L-3032A538',
    quotaName: 'Fargate On-Demand vCPU resource count',
    // The Service Quotas AWS default; "new AWS accounts might have initial lower quotas that can
    // increase over time" (the ECS quotas page): new accounts often start far lower.
    defaultValue: 4000,
    adjustable: true,
    scope: 'per Region; the vCPUs of every Fargate On-Demand task running at once (task cpu / 1024)',
    source: FARGATE_PAGE,
  },
} as const satisfies Record<string, QuotaDefinition>;

export type QuotaName = keyof typeof QUOTAS;

/** The definition for a quota code or a friendly name, or undefined. */
export function findQuota(codeOrName: string): (QuotaDefinition & { name: QuotaName }) | undefined {
  for (const [name, q] of Object.entries(QUOTAS) as Array<[QuotaName, QuotaDefinition]>) {
    if (name === codeOrName || q.quotaCode === codeOrName) return { ...q, name };
  }
  return undefined;
}
