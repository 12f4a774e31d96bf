import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { formatCostEstimate } from '#cli/commands/cost.ts';
import { makeStyle } from '#cli/ui.ts';
import {
  onDemandUsd,
  type PriceListProduct,
  parsePriceListEntry,
  priceListEndpointRegion,
  priceQueries,
  readPrices,
} from '#shared/aws-rules/price-list.ts';
import { estimateMonthlyCost } from '#shared/cost.ts';
import { fetchLivePrices } from '#shared/live-prices.ts';
import { parseManifestOrThrow } from '#shared/manifest/index.ts';

const manifest = (extra = '') =>
  parseManifestOrThrow(
    `version: 1\nproject: acme\n${extra}\napp: { allowPlainHttp: true${extra.includes('arm64') ? ', architecture: arm64' : ''} }\n`,
    'acme.yaml',
  );

/** A Price List product as GetProducts returns it (one On-Demand offer). */
function product(
  serviceCode: string,
  usagetype: string,
  dimensions: Array<{ usd: string; begin?: string; unit?: string }>,
  attributes: Record<string, string> = {},
): PriceListProduct {
  return {
    product: {
      productFamily: 'x',
      sku: 'SKU',
      attributes: { servicecode: serviceCode, usagetype, ...attributes },
    },
    serviceCode,
    terms: {
      OnDemand: {
        'SKU.JRTCKXETXF': {
          priceDimensions: Object.fromEntries(
            dimensions.map((d, i) => [
              `SKU.JRTCKXETXF.${i}`,
              { unit: d.unit ?? 'Hrs', beginRange: d.begin ?? '0', pricePerUnit: { USD: d.usd } },
            ]),
          ),
        },
      },
    },
  };
}

describe('GetProducts queries', () => {
  it('filters every query by the Region code, and the provisioned database by class, engine and Single-AZ', () => {
    const queries = priceQueries('eu-west-1', { engine: 'aurora-postgresql', instanceClass: 'db.r6g.large' });
    for (const q of queries)
      expect(q.filters).toContainEqual({ Type: 'TERM_MATCH', Field: 'regionCode', Value: 'eu-west-1' });
    const instance = queries.find((q) => q.reads.some((r) => r.key === 'aurora.instanceHour'))!;
    expect(instance.serviceCode).toBe('AmazonRDS');
    expect(instance.filters).toEqual(
      expect.arrayContaining([
        { Type: 'TERM_MATCH', Field: 'instanceType', Value: 'db.r6g.large' },
        { Type: 'TERM_MATCH', Field: 'databaseEngine', Value: 'Aurora PostgreSQL' },
        { Type: 'TERM_MATCH', Field: 'deploymentOption', Value: 'Single-AZ' },
      ]),
    );
    const keys = queries.flatMap((q) => q.reads.map((r) => r.key));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(16);
  });

  it('asks no instance price for Serverless v2, and the ACU price for its engine', () => {
    const queries = priceQueries('us-east-1', { engine: 'aurora-mysql' });
    expect(queries.flatMap((q) => q.reads.map((r) => r.key))).not.toContain('aurora.instanceHour');
    const acu = queries.find((q) => q.reads.some((r) => r.key === 'aurora.acuHour'))!;
    expect(acu.filters).toContainEqual({
      Type: 'TERM_MATCH',
      Field: 'databaseEngine',
      Value: 'Aurora MySQL',
    });
  });

  it('sends the queries to the nearest of the three Price List endpoints', () => {
    expect(priceListEndpointRegion('eu-west-1')).toBe('eu-central-1');
    expect(priceListEndpointRegion('ap-southeast-2')).toBe('ap-south-1');
    expect(priceListEndpointRegion('us-west-2')).toBe('us-east-1');
    expect(priceListEndpointRegion(undefined)).toBe('us-east-1');
  });
});

describe('price extraction', () => {
  it('reads the On-Demand USD price, skipping a free first tier', () => {
    expect(onDemandUsd(product('AmazonEC2', 'NatGateway-Hours', [{ usd: '0.0450000000' }]))).toBe(0.045);
    const tiered = product('AmazonCloudWatch', 'DataProcessing-Bytes', [
      { usd: '0.5000000000', begin: '5' },
      { usd: '0.0000000000', begin: '0' },
    ]);
    expect(onDemandUsd(tiered)).toBe(0.5);
  });

  it('matches usage types with a Region prefix, not I/O-Optimized, Spot or Windows variants', () => {
    const [, , , , fargate] = priceQueries('eu-west-1', { engine: 'aurora-mysql' });
    const found = readPrices(fargate!, [
      product('AmazonECS', 'EU-SpotUsage-Fargate-vCPU-Hours:perCPU', [{ usd: '0.01' }]),
      product('AmazonECS', 'EU-Fargate-Windows-vCPU-Hours:perCPU', [{ usd: '0.09' }]),
      product('AmazonECS', 'EU-Fargate-vCPU-Hours:perCPU', [{ usd: '0.04656' }]),
      product('AmazonECS', 'EU-Fargate-ARM-GB-Hours', [{ usd: '0.00409' }]),
    ]);
    expect(found).toEqual({ 'fargate.x86.vcpuHour': 0.04656, 'fargate.arm64.gbHour': 0.00409 });
    const instance = priceQueries('us-east-1', { engine: 'aurora-mysql', instanceClass: 'db.r6g.large' }).at(
      -1,
    )!;
    expect(
      readPrices(instance, [
        product('AmazonRDS', 'InstanceUsageIOOptimized:db.r6g.large', [{ usd: '0.377' }]),
        product('AmazonRDS', 'InstanceUsage:db.r6g.large', [{ usd: '0.29' }]),
      ]),
    ).toEqual({ 'aurora.instanceHour': 0.29 });
  });

  it("reads the load balancer's hour, not a trust store's (TS-LoadBalancerUsage)", () => {
    const alb = priceQueries('us-east-1', { engine: 'aurora-mysql' }).find(
      (q) => q.serviceCode === 'AWSELB',
    )!;
    expect(
      readPrices(alb, [
        product('AWSELB', 'TS-LoadBalancerUsage', [{ usd: '0.0056' }]),
        product('AWSELB', 'LoadBalancerUsage', [{ usd: '0.0225' }]),
        product('AWSELB', 'LCUUsage', [{ usd: '0.008', unit: 'LCU-Hrs' }]),
      ]),
    ).toEqual({ 'alb.hour': 0.0225, 'alb.lcuHour': 0.008 });
    const euAlb = priceQueries('eu-west-1', { engine: 'aurora-mysql' }).find(
      (q) => q.serviceCode === 'AWSELB',
    )!;
    expect(
      readPrices(euAlb, [
        product('AWSELB', 'EU-TS-LoadBalancerUsage', [{ usd: '0.0063' }]),
        product('AWSELB', 'EU-LoadBalancerUsage', [{ usd: '0.0252' }]),
      ]),
    ).toEqual({ 'alb.hour': 0.0252 });
  });

  it('turns the per-request I/O price into the price of a million', () => {
    const storage = priceQueries('us-east-1', { engine: 'aurora-mysql' }).find((q) =>
      q.reads.some((r) => r.key === 'aurora.ioPerMillion'),
    )!;
    expect(
      readPrices(storage, [
        product('AmazonRDS', 'Aurora:StorageIOUsage', [{ usd: '0.0000002000', unit: 'IOs' }]),
        product('AmazonRDS', 'Aurora:StorageUsage', [{ usd: '0.1000000000', unit: 'GB-Mo' }]),
      ]),
    ).toEqual({ 'aurora.ioPerMillion': 0.2, 'aurora.storageGbMonth': 0.1 });
  });

  it('parses PriceList entries given as JSON strings, and ignores what is not a product', () => {
    const p = product('AWSELB', 'LCUUsage', [{ usd: '0.008' }]);
    expect(parsePriceListEntry(JSON.stringify(p))).toEqual(p);
    expect(parsePriceListEntry('{"nope":1}')).toBeUndefined();
    expect(parsePriceListEntry('not json')).toBeUndefined();
  });
});

describe('fetching live prices', () => {
  const pricing = mockClient(PricingClient);
  beforeEach(() => pricing.reset());

  it('reads every page of a query and keeps what each query found', async () => {
    pricing.on(GetProductsCommand).resolves({ PriceList: [] });
    pricing
      .on(GetProductsCommand, { ServiceCode: 'AmazonEC2' })
      .resolvesOnce({
        PriceList: [JSON.stringify(product('AmazonEC2', 'EU-NatGateway-Hours', [{ usd: '0.048' }]))],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        PriceList: [JSON.stringify(product('AmazonEC2', 'EU-NatGateway-Bytes', [{ usd: '0.048' }]))],
      });
    const live = await fetchLivePrices(
      new PricingClient({ region: 'eu-central-1' }),
      'eu-west-1',
      manifest(),
    );
    expect(live).toEqual({
      region: 'eu-west-1',
      values: { 'natGateway.hour': 0.048, 'natGateway.gb': 0.048 },
    });
    expect(pricing).toHaveReceivedCommandWith(GetProductsCommand, {
      ServiceCode: 'AmazonEC2',
      NextToken: 'page-2',
    });
  });

  it('reports the refusal when the API cannot be used, and reads nothing', async () => {
    pricing
      .on(GetProductsCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const live = await fetchLivePrices(new PricingClient({ region: 'us-east-1' }), 'us-east-1', manifest());
    expect(live).toEqual({ region: 'us-east-1', values: {}, error: 'AccessDeniedException: not authorized' });
  });
});

describe('the estimate with live prices', () => {
  const ALL = {
    'natGateway.hour': 0.048,
    'natGateway.gb': 0.048,
    publicIpv4Hour: 0.005,
    vpcEndpointHour: 0.011,
    'alb.hour': 0.0252,
    'alb.lcuHour': 0.008,
    'fargate.x86.vcpuHour': 0.04656,
    'fargate.x86.gbHour': 0.00511,
    'fargate.arm64.vcpuHour': 0.03725,
    'fargate.arm64.gbHour': 0.00409,
    'aurora.instanceHour': 0.091,
    'aurora.acuHour': 0.13,
    'aurora.storageGbMonth': 0.11,
    'aurora.ioPerMillion': 0.22,
    'logs.ingestGb': 0.57,
    'logs.storageGbMonth': 0.03,
  } as const;

  it("prices a region without a table from today's figures, every line marked live", () => {
    const e = estimateMonthlyCost(manifest(), 'eu-west-1', { region: 'eu-west-1', values: ALL });
    expect(e.approximate).toBe(false);
    // The figures the estimate uses: NAT (not endpoints) and provisioned instances (not ACUs).
    expect(e.live).toEqual({ figures: 14, of: 14 });
    const lines = e.groups.flatMap((g) => g.lines);
    expect(lines.every((l) => l.price === 'live')).toBe(true);
    // 2 NAT gateways × ($0.048 + $0.005) × 730
    expect(lines[0]).toMatchObject({ item: '2 NAT gateways (per-az)', monthly: 77.38 });
  });

  it('marks each line by where its prices came from: live, the dated table, or unknown for the region', () => {
    const partial = { region: 'eu-west-1', values: { 'natGateway.hour': 0.048, 'natGateway.gb': 0.048 } };
    const e = estimateMonthlyCost(manifest(), 'eu-west-1', partial);
    const network = e.groups[0]!.lines;
    // NAT hours also pay the Elastic IP, which the API did not answer: the line is not wholly live.
    expect(network.map((l) => l.price)).toEqual(['stand-in', 'live']);
    expect(network.map((l) => l.partlyLive)).toEqual([true, undefined]);
    expect(e.approximate).toBe(true);
    const text = formatCostEstimate(e, makeStyle(false)).join('\n');
    expect(text).toContain('NAT data processed (100 GB assumed)  $4.80  ($0.048/GB)  [live]');
    expect(text).toContain('[partly live; the rest: price unknown for eu-west-1: us-east-1 table]');
    expect(text).toContain(
      'Application Load Balancer  $16.43  ($0.0225/h)  [price unknown for eu-west-1: us-east-1 table]',
    );
    const east = estimateMonthlyCost(manifest(), 'us-east-1', {
      region: 'us-east-1',
      values: {},
      error: 'x: y',
    });
    const eastText = formatCostEstimate(east, makeStyle(false)).join('\n');
    expect(eastText).toContain('[dated table 2026-12-07]');
    expect(eastText).toContain('AWS Price List API: x: y; the lines not marked live fall back as marked');
    expect(eastText).not.toContain('[live]');
  });

  it('prices an instance class the dated table lacks once the API answers it', () => {
    const m = manifest('database: { instanceClass: db.r7g.large }');
    expect(estimateMonthlyCost(m, 'us-east-1').unpriced).toHaveLength(1);
    const e = estimateMonthlyCost(m, 'us-east-1', {
      region: 'us-east-1',
      values: { 'aurora.instanceHour': 0.348 },
    });
    expect(e.unpriced).toEqual([]);
    // writer + 1 reader × $0.348 × 730
    expect(e.groups[3]!.lines[0]).toMatchObject({ monthly: 508.08, price: 'live' });
  });

  it('prices arm64 tasks at the arm64 rate', () => {
    const x86 = estimateMonthlyCost(manifest(), 'us-east-1');
    const arm = estimateMonthlyCost(manifest('# arm64'), 'us-east-1');
    expect(arm.groups[2]!.group).toBe('Fargate (arm64, Linux)');
    expect(arm.groups[2]!.monthly).toBeLessThan(x86.groups[2]!.monthly);
    expect(arm.groups[2]!.lines.some((l) => l.item.startsWith('arm64 instead'))).toBe(false);
  });

  it('marks every line of a live estimate, also those of groups the Price List queries do not cover', () => {
    const m = parseManifestOrThrow(
      'version: 1\nproject: acme\napp: { allowPlainHttp: true }\nsecurity: { kmsKey: create }\ncache: { engine: valkey }\n',
      'acme.yaml',
    );
    for (const [region, fallback] of [
      ['us-east-1', 'table'],
      ['eu-west-1', 'stand-in'],
    ] as const) {
      const e = estimateMonthlyCost(m, region, { region, values: {} });
      for (const l of e.groups.flatMap((g) => g.lines)) expect(l.price, l.item).toBe(fallback);
    }
  });

  it('keeps the offline estimate unmarked', () => {
    const e = estimateMonthlyCost(manifest(), 'us-east-1');
    expect(e.live).toBeUndefined();
    expect(e.groups.flatMap((g) => g.lines).some((l) => 'price' in l)).toBe(false);
  });
});
