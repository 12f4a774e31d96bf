import { GetProductsCommand, type PricingClient } from '@aws-sdk/client-pricing';
import {
  type PriceKey,
  type PriceListProduct,
  type PriceQuery,
  parsePriceListEntry,
  priceQueries,
  readPrices,
} from './aws-rules/price-list.ts';
import type { Manifest } from './manifest/index.ts';

/**
 * Today's On-Demand prices for a manifest's resources in a Region, read from the AWS Price List
 * Query API (shared/aws-rules/price-list.ts says which product answers which figure). What the API
 * does not answer stays out of `values`, and the estimate falls back per figure.
 */
export interface LivePrices {
  /** The Region priced. */
  region: string;
  values: Partial<Record<PriceKey, number>>;
  /** Why some or all figures could not be read (the first error), if any. */
  error?: string;
}

/** Pages read per query at most: a filtered query answers one or two pages. */
const MAX_PAGES = 5;

async function products(client: PricingClient, query: PriceQuery): Promise<PriceListProduct[]> {
  const found: PriceListProduct[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await client.send(
      new GetProductsCommand({
        ServiceCode: query.serviceCode,
        Filters: query.filters,
        FormatVersion: 'aws_v1',
        MaxResults: 100,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const entry of (out.PriceList ?? []) as unknown[]) {
      const p = parsePriceListEntry(entry);
      if (p) found.push(p);
    }
    token = out.NextToken;
    if (!token) break;
  }
  return found;
}

/** Asks the Price List Query API for every figure the manifest's estimate uses, in parallel. */
export async function fetchLivePrices(
  client: PricingClient,
  region: string,
  m: Manifest,
): Promise<LivePrices> {
  const queries = priceQueries(region, {
    engine: m.database.engine,
    ...(m.database.serverless ? {} : { instanceClass: m.database.instanceClass ?? 'db.t4g.medium' }),
  });
  const values: Partial<Record<PriceKey, number>> = {};
  const errors: string[] = [];
  await Promise.all(
    queries.map(async (q) => {
      try {
        Object.assign(values, readPrices(q, await products(client, q)));
      } catch (error) {
        const e = error as { name?: string; message?: string };
        errors.push(`${e.name ?? 'Error'}: ${e.message ?? String(error)}`);
      }
    }),
  );
  return { region, values, ...(errors.length ? { error: errors[0] } : {}) };
}
