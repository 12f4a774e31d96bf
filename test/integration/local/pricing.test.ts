import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientsFor } from '#cli/context.ts';
import { type PriceListProduct, priceQueries } from '#shared/aws-rules/price-list.ts';
import { PRICES } from '#shared/aws-rules/pricing.ts';
import { fetchLivePrices } from '#shared/live-prices.ts';
import { parseManifestOrThrow } from '#shared/manifest/index.ts';
import { errorOf, startTestCloud } from './helpers.ts';

/** The local cloud's AWS Price List Query API, through the real SDK client. */

let cloud: Awaited<ReturnType<typeof startTestCloud>>;
let pricing: PricingClient;

beforeAll(async () => {
  cloud = await startTestCloud();
  // The Price List answers in us-east-1 whatever Region the cloud plays.
  pricing = new PricingClient({ ...cloud.config, region: 'us-east-1' });
}, 60_000);
afterAll(async () => {
  await cloud.stop();
}, 60_000);

const manifest = parseManifestOrThrow(
  'version: 1\nproject: acme\napp: { allowPlainHttp: true }\n',
  'acme.yaml',
);

describe('GetProducts on the local cloud', () => {
  it("answers us-east-1's products as JSON strings in AWS's shape, filtered by region code and family", async () => {
    const out = await pricing.send(
      new GetProductsCommand({
        ServiceCode: 'AmazonEC2',
        Filters: [
          { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' },
          { Type: 'TERM_MATCH', Field: 'productFamily', Value: 'NAT Gateway' },
        ],
        FormatVersion: 'aws_v1',
      }),
    );
    expect(out.FormatVersion).toBe('aws_v1');
    const products = ((out.PriceList ?? []) as unknown[]).map(
      (e) => JSON.parse(String(e)) as PriceListProduct,
    );
    expect(products.map((p) => p.product.attributes.usagetype).sort()).toEqual([
      'NatGateway-Bytes',
      'NatGateway-Hours',
    ]);
    const hours = products.find((p) => p.product.attributes.usagetype === 'NatGateway-Hours');
    const [offer] = Object.values(hours!.terms.OnDemand ?? {});
    const [dimension] = Object.values(offer!.priceDimensions);
    expect(dimension).toMatchObject({
      unit: 'Hrs',
      pricePerUnit: { USD: String(PRICES['us-east-1']!.natGateway.hour) },
    });
  });

  it('answers an empty PriceList for a region code it has no product for', async () => {
    const out = await pricing.send(
      new GetProductsCommand({
        ServiceCode: 'AmazonEC2',
        Filters: [{ Type: 'TERM_MATCH', Field: 'regionCode', Value: 'eu-west-1' }],
      }),
    );
    expect(out.PriceList).toEqual([]);
  });

  it('pages with MaxResults and NextToken', async () => {
    const query = {
      ServiceCode: 'AmazonECS',
      Filters: [{ Type: 'CONTAINS' as const, Field: 'usagetype', Value: 'Fargate-' }],
    };
    const first = await pricing.send(new GetProductsCommand({ ...query, MaxResults: 3 }));
    expect(first.PriceList).toHaveLength(3);
    const second = await pricing.send(
      new GetProductsCommand({ ...query, MaxResults: 3, NextToken: first.NextToken! }),
    );
    expect(second.PriceList).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
  });

  it('refuses MaxResults outside 1–100 and an unknown filter type, as InvalidParameterException', async () => {
    const tooMany = await errorOf(
      pricing.send(new GetProductsCommand({ ServiceCode: 'AmazonEC2', MaxResults: 101 })),
    );
    expect(tooMany.name).toBe('InvalidParameterException');
    const badType = await errorOf(
      pricing.send(
        new GetProductsCommand({
          ServiceCode: 'AmazonEC2',
          // biome-ignore lint/suspicious/noExplicitAny: a type the model does not list, as a raw caller could send
          Filters: [{ Type: 'STARTS_WITH' as any, Field: 'usagetype', Value: 'Nat' }],
        }),
      ),
    );
    expect(badType.name).toBe('InvalidParameterException');
  });

  it("answers every query stackdrop makes for us-east-1 with the dated table's figures", async () => {
    const live = await fetchLivePrices(pricing, 'us-east-1', manifest);
    expect(live.error).toBeUndefined();
    const t = PRICES['us-east-1']!;
    expect(live.values).toEqual({
      'natGateway.hour': t.natGateway.hour,
      'natGateway.gb': t.natGateway.gb,
      publicIpv4Hour: t.publicIpv4Hour,
      vpcEndpointHour: t.vpcEndpointHour,
      'alb.hour': t.alb.hour,
      'alb.lcuHour': t.alb.lcuHour,
      'fargate.x86.vcpuHour': t.fargate.x86.vcpuHour,
      'fargate.x86.gbHour': t.fargate.x86.gbHour,
      'fargate.arm64.vcpuHour': t.fargate.arm64.vcpuHour,
      'fargate.arm64.gbHour': t.fargate.arm64.gbHour,
      'aurora.instanceHour': t.aurora.instanceHour['aurora-mysql']['db.t4g.medium'],
      'aurora.acuHour': t.aurora.acuHour,
      'aurora.storageGbMonth': t.aurora.storageGbMonth,
      'aurora.ioPerMillion': t.aurora.ioPerMillion,
      'logs.ingestGb': t.logs.ingestGb,
      'logs.storageGbMonth': t.logs.storageGbMonth,
    });
    expect(Object.keys(live.values)).toHaveLength(
      priceQueries('us-east-1', { engine: 'aurora-mysql', instanceClass: 'db.t4g.medium' }).flatMap(
        (q) => q.reads,
      ).length,
    );
  });

  it("answers a fixture region's sourced figures only (Singapore's NAT gateway)", async () => {
    const live = await fetchLivePrices(pricing, 'ap-southeast-1', manifest);
    expect(live).toEqual({
      region: 'ap-southeast-1',
      values: { 'natGateway.hour': 0.059, 'natGateway.gb': 0.059 },
    });
  });

  it("answers Tokyo's sourced ALB, NAT gateway and interface endpoint hours", async () => {
    const live = await fetchLivePrices(pricing, 'ap-northeast-1', manifest);
    expect(live.values).toEqual({ 'alb.hour': 0.0243, 'natGateway.hour': 0.062, vpcEndpointHour: 0.014 });
  });

  it('reports an endpoint it cannot reach, and reads nothing (the CLI falls back)', async () => {
    // The CLI's own client against a closed port on this machine.
    const client = clientsFor({
      stack: 'stackdrop',
      local: true,
      endpoint: 'http://127.0.0.1:9',
      region: 'eu-west-1',
    }).pricing;
    const live = await fetchLivePrices(client, 'eu-west-1', manifest);
    expect(live.values).toEqual({});
    expect(live.error).toMatch(/ECONNREFUSED/);
  });
});
