import type { PriceKey, PriceListProduct } from '#shared/aws-rules/price-list.ts';
import { PRICE_LIST_ENGINE } from '#shared/aws-rules/price-list.ts';
import { PRICE_SOURCES, PRICES, PRICES_READ_ON } from '#shared/aws-rules/pricing.ts';

/**
 * The local cloud's price list: products in the shape GetProducts answers (product.attributes with
 * servicecode, regionCode, usagetype…; terms.OnDemand.<offer>.priceDimensions.<rate>.pricePerUnit.USD),
 * built from figures with a source only — never invented:
 * - us-east-1: every figure of the dated table in shared/aws-rules/pricing.ts (its sources there);
 * - other Regions: the figures below, each read from the page named with it on 2026-12-07.
 * A Region with no figure answers an empty PriceList, as AWS does for an unknown region code.
 */

/** Region figures beyond us-east-1's table, with where each was read (2026-12-07). */
export const REGIONAL_PRICES: Record<
  string,
  { location: string; usagePrefix: string; figures: Partial<Record<PriceKey, number>>; sources: string[] }
> = {
  'ap-southeast-1': {
    location: 'Asia Pacific (Singapore)',
    usagePrefix: 'APS1-',
    // "ap-southeast-1 (Singapore) is $0.059/hr and $0.059/GB"
    figures: { 'natGateway.hour': 0.059, 'natGateway.gb': 0.059 },
    sources: ['https://basavytix.com/blog/aws-nat-gateway-pricing (NAT gateway, read 2026-12-07)'],
  },
  'ap-northeast-1': {
    location: 'Asia Pacific (Tokyo)',
    usagePrefix: 'APN1-',
    // "ALB $0.0243/hr + LCU", "NAT Gateway (per AZ) $0.062/hr", "VPC Endpoint (Interface type) costs $0.014/hr"
    figures: { 'alb.hour': 0.0243, 'natGateway.hour': 0.062, vpcEndpointHour: 0.014 },
    sources: [
      'https://mint041223techblog.netlify.app/en/blog/ecs-fixed-cost-alb-nat/ (Tokyo ALB, NAT gateway, interface endpoint; read 2026-12-07)',
    ],
  },
};

/** What each figure is, as the Price List names it. */
const PRODUCTS: Record<
  Exclude<PriceKey, 'aurora.instanceHour'>,
  {
    serviceCode: string;
    productFamily: string;
    usageType: string;
    unit: string;
    perUnit?: number;
    ecsPrefix?: true;
    attributes?: Record<string, string>;
  }
> = {
  'natGateway.hour': {
    serviceCode: 'AmazonEC2',
    productFamily: 'NAT Gateway',
    usageType: 'NatGateway-Hours',
    unit: 'Hrs',
  },
  'natGateway.gb': {
    serviceCode: 'AmazonEC2',
    productFamily: 'NAT Gateway',
    usageType: 'NatGateway-Bytes',
    unit: 'GB',
  },
  publicIpv4Hour: {
    serviceCode: 'AmazonVPC',
    productFamily: 'VpcPublicIPv4Address',
    usageType: 'PublicIPv4:InUseAddress',
    unit: 'Hrs',
  },
  vpcEndpointHour: {
    serviceCode: 'AmazonVPC',
    productFamily: 'VpcEndpoint',
    usageType: 'VpcEndpoint-Hours',
    unit: 'Hrs',
  },
  'alb.hour': {
    serviceCode: 'AWSELB',
    productFamily: 'Load Balancer-Application',
    usageType: 'LoadBalancerUsage',
    unit: 'Hrs',
  },
  'alb.lcuHour': {
    serviceCode: 'AWSELB',
    productFamily: 'Load Balancer-Application',
    usageType: 'LCUUsage',
    unit: 'LCU-Hrs',
  },
  'fargate.x86.vcpuHour': {
    serviceCode: 'AmazonECS',
    productFamily: 'Compute',
    usageType: 'Fargate-vCPU-Hours:perCPU',
    unit: 'hours',
    ecsPrefix: true,
  },
  'fargate.x86.gbHour': {
    serviceCode: 'AmazonECS',
    productFamily: 'Compute',
    usageType: 'Fargate-GB-Hours',
    unit: 'hours',
    ecsPrefix: true,
  },
  'fargate.arm64.vcpuHour': {
    serviceCode: 'AmazonECS',
    productFamily: 'Compute',
    usageType: 'Fargate-ARM-vCPU-Hours:perCPU',
    unit: 'hours',
    ecsPrefix: true,
  },
  'fargate.arm64.gbHour': {
    serviceCode: 'AmazonECS',
    productFamily: 'Compute',
    usageType: 'Fargate-ARM-GB-Hours',
    unit: 'hours',
    ecsPrefix: true,
  },
  'aurora.acuHour': {
    serviceCode: 'AmazonRDS',
    productFamily: 'ServerlessV2',
    usageType: 'Aurora:ServerlessV2Usage',
    unit: 'ACU-Hr',
  },
  'aurora.storageGbMonth': {
    serviceCode: 'AmazonRDS',
    productFamily: 'Database Storage',
    usageType: 'Aurora:StorageUsage',
    unit: 'GB-Mo',
  },
  // The Price List prices I/O per request; the table holds the price of a million.
  'aurora.ioPerMillion': {
    serviceCode: 'AmazonRDS',
    productFamily: 'System Operation',
    usageType: 'Aurora:StorageIOUsage',
    unit: 'IOs',
    perUnit: 1e-6,
  },
  'logs.ingestGb': {
    serviceCode: 'AmazonCloudWatch',
    productFamily: 'Data Payload',
    usageType: 'DataProcessing-Bytes',
    unit: 'GB',
  },
  'logs.storageGbMonth': {
    serviceCode: 'AmazonCloudWatch',
    productFamily: 'Storage Snapshot',
    usageType: 'TimedStorage-ByteHrs',
    unit: 'GB-Mo',
  },
};

const LOCATIONS: Record<string, string> = { 'us-east-1': 'US East (N. Virginia)' };

function product(
  region: string,
  location: string,
  sku: string,
  serviceCode: string,
  productFamily: string,
  attributes: Record<string, string>,
  usd: number,
  unit: string,
): PriceListProduct {
  const offer = `${sku}.JRTCKXETXF`; // AWS's On-Demand offer term code
  return {
    product: {
      productFamily,
      sku,
      attributes: {
        servicecode: serviceCode,
        regionCode: region,
        location,
        locationType: 'AWS Region',
        ...attributes,
      },
    },
    serviceCode,
    terms: {
      OnDemand: {
        [offer]: {
          priceDimensions: {
            [`${offer}.6YS6EN2CT7`]: {
              unit,
              beginRange: '0',
              endRange: 'Inf',
              pricePerUnit: { USD: String(Number(usd.toPrecision(10))) },
            },
          },
        },
      },
    },
  };
}

function figuresOf(region: string):
  | {
      location: string;
      prefix: string;
      ecsPrefix: string;
      figures: Array<[PriceKey, number]>;
      instances: Array<[string, string, number]>;
    }
  | undefined {
  if (region === 'us-east-1') {
    const t = PRICES['us-east-1']!;
    const figures: Array<[PriceKey, number]> = [
      ['natGateway.hour', t.natGateway.hour],
      ['natGateway.gb', t.natGateway.gb],
      ['publicIpv4Hour', t.publicIpv4Hour],
      ['vpcEndpointHour', t.vpcEndpointHour],
      ['alb.hour', t.alb.hour],
      ['alb.lcuHour', t.alb.lcuHour],
      ['fargate.x86.vcpuHour', t.fargate.x86.vcpuHour],
      ['fargate.x86.gbHour', t.fargate.x86.gbHour],
      ['fargate.arm64.vcpuHour', t.fargate.arm64.vcpuHour],
      ['fargate.arm64.gbHour', t.fargate.arm64.gbHour],
      ['aurora.acuHour', t.aurora.acuHour],
      ['aurora.storageGbMonth', t.aurora.storageGbMonth],
      ['aurora.ioPerMillion', t.aurora.ioPerMillion],
      ['logs.ingestGb', t.logs.ingestGb],
      ['logs.storageGbMonth', t.logs.storageGbMonth],
    ];
    const instances = Object.entries(t.aurora.instanceHour).flatMap(([engine, classes]) =>
      Object.entries(classes).map(([cls, usd]) => [engine, cls, usd] as [string, string, number]),
    );
    // In us-east-1 only ECS prefixes its usage types (USE1-Fargate-…).
    return { location: LOCATIONS['us-east-1']!, prefix: '', ecsPrefix: 'USE1-', figures, instances };
  }
  const r = REGIONAL_PRICES[region];
  if (!r) return undefined;
  return {
    location: r.location,
    prefix: r.usagePrefix,
    ecsPrefix: r.usagePrefix,
    figures: Object.entries(r.figures) as Array<[PriceKey, number]>,
    instances: [],
  };
}

/** Every product of the local price list, across Regions. */
export function priceListProducts(): PriceListProduct[] {
  const all: PriceListProduct[] = [];
  for (const region of ['us-east-1', ...Object.keys(REGIONAL_PRICES)]) {
    const f = figuresOf(region)!;
    let n = 0;
    const sku = () => `LOCAL${region.replaceAll('-', '').toUpperCase()}${String(++n).padStart(4, '0')}`;
    for (const [key, usd] of f.figures) {
      if (key === 'aurora.instanceHour') continue;
      const d = PRODUCTS[key];
      const usagetype = `${d.ecsPrefix ? f.ecsPrefix : f.prefix}${d.usageType}`;
      const attributes: Record<string, string> = { usagetype, ...(d.attributes ?? {}) };
      if (key === 'aurora.acuHour') {
        // One Serverless v2 product per engine, at the same price.
        for (const engine of Object.values(PRICE_LIST_ENGINE))
          all.push(
            product(
              region,
              f.location,
              sku(),
              d.serviceCode,
              d.productFamily,
              { ...attributes, databaseEngine: engine },
              usd,
              d.unit,
            ),
          );
        continue;
      }
      all.push(
        product(
          region,
          f.location,
          sku(),
          d.serviceCode,
          d.productFamily,
          attributes,
          usd * (d.perUnit ?? 1),
          d.unit,
        ),
      );
    }
    for (const [engine, cls, usd] of f.instances)
      all.push(
        product(
          region,
          f.location,
          sku(),
          'AmazonRDS',
          'Database Instance',
          {
            usagetype: `${f.prefix}InstanceUsage:${cls}`,
            instanceType: cls,
            databaseEngine: PRICE_LIST_ENGINE[engine as keyof typeof PRICE_LIST_ENGINE],
            deploymentOption: 'Single-AZ',
          },
          usd,
          'Hrs',
        ),
      );
  }
  return all;
}

/** Where the local price list's figures come from (docs/local-cloud.md lists them too). */
export const PRICE_LIST_FIXTURE_SOURCES = [
  `us-east-1: shared/aws-rules/pricing.ts, read ${PRICES_READ_ON} (${Object.keys(PRICE_SOURCES).length} sources)`,
  ...Object.entries(REGIONAL_PRICES).flatMap(([region, r]) => r.sources.map((s) => `${region}: ${s}`)),
];
