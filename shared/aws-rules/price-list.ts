/**
 * How stackdrop reads its prices from the AWS Price List Query API (`pricing:GetProducts`): which
 * service code, filters and usage types hold each figure of the price table in pricing.ts, and how
 * an On-Demand price is read out of a GetProducts answer. ONE place for these rules; `plan --live`
 * (shared/live-prices.ts) and the local cloud's Price List (local/services/pricing.ts) both read it.
 *
 * Sources (read 2026-12-07):
 * - Using the AWS Price List Query API / AWS Price List concepts (service, product, SKU, attribute,
 *   terms): https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/price-changes.html
 * - GetProducts (ServiceCode required; Filters; FormatVersion aws_v1; MaxResults 1–100; NextToken;
 *   PriceList is a list of JSON strings, one product with its terms each):
 *   https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_GetProducts.html
 * - Filter (Type TERM_MATCH, EQUALS, CONTAINS — a substring —, ANY_OF, NONE_OF; Field is
 *   `ServiceCode` or an attribute name, 1–1024 characters):
 *   https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_pricing_Filter.html
 * - The Query API answers at three endpoints only, whatever Region is priced: us-east-1,
 *   eu-central-1 and ap-south-1 (api.pricing.<region>.amazonaws.com); the product's own Region is
 *   the `regionCode` attribute.
 *
 * Usage types carry a Region prefix outside us-east-1 (and ECS's even there: `USE1-Fargate-…`,
 * `EU-NatGateway-Hours`, `APS1-LCUUsage`), so each figure is matched by the usage type's suffix.
 */

/** Where the Price List Query API answers (any of them prices every Region). */
export const PRICE_LIST_ENDPOINT_REGIONS = ['us-east-1', 'eu-central-1', 'ap-south-1'] as const;

/** The Price List endpoint nearest a Region (every endpoint serves every Region's prices). */
export function priceListEndpointRegion(region: string | undefined): string {
  if (!region) return 'us-east-1';
  if (/^(eu|me|af|il)-/.test(region)) return 'eu-central-1';
  if (/^ap-/.test(region)) return 'ap-south-1';
  return 'us-east-1';
}

/** Every figure of a price table, by its path in pricing.ts's PriceTable. */
export const PRICE_KEYS = [
  'natGateway.hour',
  'natGateway.gb',
  'publicIpv4Hour',
  'vpcEndpointHour',
  'alb.hour',
  'alb.lcuHour',
  'fargate.x86.vcpuHour',
  'fargate.x86.gbHour',
  'fargate.arm64.vcpuHour',
  'fargate.arm64.gbHour',
  'aurora.instanceHour',
  'aurora.acuHour',
  'aurora.storageGbMonth',
  'aurora.ioPerMillion',
  'logs.ingestGb',
  'logs.storageGbMonth',
] as const;
export type PriceKey = (typeof PRICE_KEYS)[number];

export type FilterType = 'TERM_MATCH' | 'EQUALS' | 'CONTAINS' | 'ANY_OF' | 'NONE_OF';
export interface PriceListFilter {
  Type: FilterType;
  Field: string;
  Value: string;
}

/** One GetProducts request and what to read from its answer. */
export interface PriceQuery {
  serviceCode: string;
  filters: PriceListFilter[];
  /** Which product answers which figure: its usage type must match (Region prefix allowed). */
  reads: Array<{ key: PriceKey; usageType: RegExp; scale?: number }>;
}

/** The Aurora engine names the Price List uses in `databaseEngine`. */
export const PRICE_LIST_ENGINE = {
  'aurora-mysql': 'Aurora MySQL',
  'aurora-postgresql': 'Aurora PostgreSQL',
} as const;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * A usage type with or without a Region prefix: letters and a digit (`USE1-`, `APS2-`, `CAN1-`)
 * or eu-west-1's legacy `EU-`. A prefix without a digit names something else (`TS-LoadBalancerUsage`
 * is a trust store's hour, not the load balancer's).
 */
const usage = (suffix: string) => new RegExp(`^(?:(?:[A-Z]{2,4}\\d|EU)-)?${escapeRegExp(suffix)}$`);
const term = (Field: string, Value: string): PriceListFilter => ({ Type: 'TERM_MATCH', Field, Value });
const contains = (Field: string, Value: string): PriceListFilter => ({ Type: 'CONTAINS', Field, Value });

/**
 * The GetProducts requests that price a manifest in a Region: one per product group, filtered by
 * `regionCode` so the answer holds that Region's products only (an unknown Region answers none).
 */
export function priceQueries(
  region: string,
  database: { engine: keyof typeof PRICE_LIST_ENGINE; instanceClass?: string },
): PriceQuery[] {
  const where = term('regionCode', region);
  const engine = PRICE_LIST_ENGINE[database.engine];
  const queries: PriceQuery[] = [
    {
      serviceCode: 'AmazonEC2',
      filters: [where, term('productFamily', 'NAT Gateway')],
      reads: [
        { key: 'natGateway.hour', usageType: usage('NatGateway-Hours') },
        { key: 'natGateway.gb', usageType: usage('NatGateway-Bytes') },
      ],
    },
    {
      serviceCode: 'AmazonVPC',
      filters: [where, contains('usagetype', 'PublicIPv4:InUseAddress')],
      reads: [{ key: 'publicIpv4Hour', usageType: usage('PublicIPv4:InUseAddress') }],
    },
    {
      serviceCode: 'AmazonVPC',
      filters: [where, contains('usagetype', 'VpcEndpoint-Hours')],
      reads: [{ key: 'vpcEndpointHour', usageType: usage('VpcEndpoint-Hours') }],
    },
    {
      serviceCode: 'AWSELB',
      filters: [where, term('productFamily', 'Load Balancer-Application')],
      reads: [
        { key: 'alb.hour', usageType: usage('LoadBalancerUsage') },
        { key: 'alb.lcuHour', usageType: usage('LCUUsage') },
      ],
    },
    {
      serviceCode: 'AmazonECS',
      filters: [where, contains('usagetype', 'Fargate-')],
      reads: [
        { key: 'fargate.x86.vcpuHour', usageType: usage('Fargate-vCPU-Hours:perCPU') },
        { key: 'fargate.x86.gbHour', usageType: usage('Fargate-GB-Hours') },
        { key: 'fargate.arm64.vcpuHour', usageType: usage('Fargate-ARM-vCPU-Hours:perCPU') },
        { key: 'fargate.arm64.gbHour', usageType: usage('Fargate-ARM-GB-Hours') },
      ],
    },
    {
      serviceCode: 'AmazonRDS',
      filters: [where, term('productFamily', 'ServerlessV2'), term('databaseEngine', engine)],
      reads: [{ key: 'aurora.acuHour', usageType: usage('Aurora:ServerlessV2Usage') }],
    },
    {
      serviceCode: 'AmazonRDS',
      // Aurora Standard storage and I/O (I/O-Optimized clusters have other usage types and no I/O charge).
      filters: [where, contains('usagetype', 'Aurora:Storage')],
      reads: [
        { key: 'aurora.storageGbMonth', usageType: usage('Aurora:StorageUsage') },
        // Priced per request; the table holds the price of a million.
        { key: 'aurora.ioPerMillion', usageType: usage('Aurora:StorageIOUsage'), scale: 1_000_000 },
      ],
    },
    {
      serviceCode: 'AmazonCloudWatch',
      filters: [where, contains('usagetype', 'DataProcessing-Bytes')],
      reads: [{ key: 'logs.ingestGb', usageType: usage('DataProcessing-Bytes') }],
    },
    {
      serviceCode: 'AmazonCloudWatch',
      filters: [where, contains('usagetype', 'TimedStorage-ByteHrs')],
      reads: [{ key: 'logs.storageGbMonth', usageType: usage('TimedStorage-ByteHrs') }],
    },
  ];
  if (database.instanceClass)
    queries.push({
      serviceCode: 'AmazonRDS',
      filters: [
        where,
        term('productFamily', 'Database Instance'),
        term('instanceType', database.instanceClass),
        term('databaseEngine', engine),
        term('deploymentOption', 'Single-AZ'),
      ],
      // `InstanceUsage:<class>` is Aurora Standard; `InstanceUsageIOOptimized:<class>` does not match.
      reads: [{ key: 'aurora.instanceHour', usageType: usage(`InstanceUsage:${database.instanceClass}`) }],
    });
  return queries;
}

/** One product of a GetProducts answer, as the PriceList JSON string describes it. */
export interface PriceListProduct {
  product: { productFamily?: string; sku?: string; attributes: Record<string, string> };
  serviceCode?: string;
  terms: {
    OnDemand?: Record<
      string,
      {
        priceDimensions: Record<
          string,
          { unit?: string; beginRange?: string; endRange?: string; pricePerUnit: Record<string, string> }
        >;
      }
    >;
  };
}

/** Parses one PriceList entry (a JSON string on the wire; the SDK may hand over a wrapper or an object). */
export function parsePriceListEntry(entry: unknown): PriceListProduct | undefined {
  try {
    const value = typeof entry === 'string' ? JSON.parse(entry) : entry;
    const parsed =
      typeof value === 'object' && value !== null && !('product' in value)
        ? JSON.parse(String(value))
        : value;
    if (typeof parsed?.product?.attributes !== 'object') return undefined;
    return parsed as PriceListProduct;
  } catch {
    return undefined;
  }
}

/**
 * The On-Demand USD price per unit of a product. A tiered price (CloudWatch Logs, NAT data in
 * some Regions) gives its first paid tier: the estimate assumes no free tier.
 */
export function onDemandUsd(p: PriceListProduct): number | undefined {
  const dimensions = Object.values(p.terms.OnDemand ?? {}).flatMap((t) => Object.values(t.priceDimensions));
  const prices = dimensions
    .map((d) => ({ begin: Number(d.beginRange ?? 0), usd: Number(d.pricePerUnit.USD) }))
    .filter((d) => Number.isFinite(d.usd))
    .sort((a, b) => a.begin - b.begin);
  if (prices.length === 0) return undefined;
  return (prices.find((d) => d.usd > 0) ?? prices[0]!).usd;
}

/** Reads a query's figures from its products: the first product whose usage type matches each read. */
export function readPrices(
  query: PriceQuery,
  products: PriceListProduct[],
): Partial<Record<PriceKey, number>> {
  const found: Partial<Record<PriceKey, number>> = {};
  for (const read of query.reads) {
    for (const p of products) {
      if (!read.usageType.test(p.product.attributes.usagetype ?? '')) continue;
      const usd = onDemandUsd(p);
      if (usd === undefined) continue;
      // Rounded to what a person reads: per-request prices × 1e6 carry float noise.
      found[read.key] = Number((usd * (read.scale ?? 1)).toPrecision(10));
      break;
    }
  }
  return found;
}
