/**
 * On-demand list prices stackdrop's cost estimate (`stackdrop plan`) multiplies by a manifest's
 * resources. ONE place, dated, with where each figure was read.
 *
 * Read 2026-12-07. AWS's own pricing pages (aws.amazon.com/<service>/pricing) could not be reached
 * from where this table was written; every figure below is AWS's published us-east-1 list price
 * as quoted by the pages named next to it, cross-checked where two pages quote the same figure.
 * Prices change: refresh this table from the AWS Price List API (`aws pricing get-products`) or
 * the pricing pages, and update PRICES_READ_ON.
 *
 * Only us-east-1 has a table: no per-region figure for the other regions could be read from a
 * public price page on 2026-12-07 (AWS's pricing pages render their regional tables in the
 * browser, and the pages quoting AWS quote us-east-1 only). Rather than guess, the estimate for
 * any other region says "price unknown for <region>" and labels the figures as us-east-1's.
 * Add a region here only with figures read from its price pages (or `aws pricing get-products`).
 * `plan --live` reads today's figures from the Price List API instead (price-list.ts says where
 * each one is), and falls back to this table figure by figure.
 */

export const PRICES_READ_ON = '2026-12-07';

/** Hours in the month AWS's pricing examples use (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;

export const PRICE_SOURCES = {
  fargate: 'https://www.vantage.sh/blog/fargate-pricing (AWS Fargate pricing, us-east-1)',
  natGateway:
    'https://cloudburn.io/blog/aws-nat-gateway-pricing and https://basavytix.com/blog/aws-nat-gateway-pricing (Amazon VPC pricing, us-east-1)',
  alb: 'https://cloud-horizons.com/blog/alb-the-line-item-nobody-watches/ (Elastic Load Balancing pricing, us-east-1)',
  aurora:
    'https://store-v2-khaki.vercel.app/rds-vs-aurora-cost-calculator.html and https://www.jusdb.com/blog/aws-rds-vs-aurora-vs-serverless-cost-comparison (Amazon Aurora pricing, us-east-1)',
  auroraServerless: 'https://c3x.dev/blog/aws-aurora-serverless-v2-cost/ (Aurora Serverless v2, us-east-1)',
  logs: 'https://help-toolz.com/blog/why-your-aws-bill-is-3x-your-estimate (Amazon CloudWatch pricing, us-east-1)',
  vpcEndpoint:
    'https://help-toolz.com/blog/why-your-aws-bill-is-3x-your-estimate and https://egresscost.com/nat-gateway (AWS PrivateLink pricing, us-east-1)',
  publicIpv4: 'https://cloudburn.io/blog/aws-nat-gateway-pricing (public IPv4 address charge)',
  elasticacheServerless:
    'https://www.usage.ai/blogs/aws/database-savings-plans/elasticache/serverless-pricing/ (Valkey and Redis OSS rates, us-east-1), https://thinkwithwp.com/blogs/database/unlock-on-demand-cost-optimized-performance-with-amazon-elasticache-serverless (AWS Database Blog: Redis OSS rates, 1 GB minimum) and https://cur.vantage.sh/aws/amazonelasticache (100 MB minimum for Valkey) (Amazon ElastiCache pricing)',
  kms: 'https://aws.amazon.com/kms/pricing/ ($1 per key-month, rotation) and https://www.wring.co/blog/aws-kms-pricing-guide ($0.03 per 10,000 requests) (AWS KMS pricing, us-east-1)',
} as const;

export interface PriceTable {
  region: string;
  fargate: {
    x86: { vcpuHour: number; gbHour: number };
    arm64: { vcpuHour: number; gbHour: number };
  };
  natGateway: { hour: number; gb: number };
  alb: { hour: number; lcuHour: number };
  /** Per public IPv4 address per hour (NAT gateways' Elastic IPs, the load balancer's addresses). */
  publicIpv4Hour: number;
  /** Interface VPC endpoint, per endpoint per AZ per hour. */
  vpcEndpointHour: number;
  aurora: {
    /** Per instance-hour by engine and class; a class missing here gets no price (said so). */
    instanceHour: Record<'aurora-mysql' | 'aurora-postgresql', Record<string, number>>;
    acuHour: number;
    storageGbMonth: number;
    ioPerMillion: number;
  };
  logs: { ingestGb: number; storageGbMonth: number };
  /**
   * ElastiCache Serverless by engine: data stored per GB-hour (metered at no less than
   * `minimumGb`) and requests per million ECPUs. Optional: a table without it says "price unknown".
   */
  elasticacheServerless?: Record<
    'valkey' | 'redis',
    { gbHour: number; ecpuPerMillion: number; minimumGb: number }
  >;
  /** A customer-managed KMS key per month, each rotation's extra per month, requests per 10,000. */
  kms?: { keyMonth: number; rotationMonth: number; requestsPer10k: number };
}

export const PRICES: Record<string, PriceTable> = {
  'us-east-1': {
    region: 'us-east-1',
    fargate: {
      x86: { vcpuHour: 0.04048, gbHour: 0.004445 },
      arm64: { vcpuHour: 0.03238, gbHour: 0.00356 },
    },
    natGateway: { hour: 0.045, gb: 0.045 },
    alb: { hour: 0.0225, lcuHour: 0.008 },
    publicIpv4Hour: 0.005,
    vpcEndpointHour: 0.01,
    aurora: {
      instanceHour: {
        'aurora-mysql': { 'db.t4g.medium': 0.082, 'db.r6g.large': 0.29, 'db.r6g.4xlarge': 2.32 },
        'aurora-postgresql': { 'db.t4g.medium': 0.09, 'db.r6g.large': 0.3, 'db.r6g.4xlarge': 2.4 },
      },
      acuHour: 0.12,
      storageGbMonth: 0.1,
      ioPerMillion: 0.2,
    },
    logs: { ingestGb: 0.5, storageGbMonth: 0.03 },
    elasticacheServerless: {
      valkey: { gbHour: 0.084, ecpuPerMillion: 0.0023, minimumGb: 0.1 },
      redis: { gbHour: 0.125, ecpuPerMillion: 0.0034, minimumGb: 1 },
    },
    kms: { keyMonth: 1, rotationMonth: 1, requestsPer10k: 0.03 },
  },
};

/** The region whose prices stand in for a region without a table. */
export const FALLBACK_PRICE_REGION = 'us-east-1';
