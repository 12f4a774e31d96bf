import type { PriceKey } from './aws-rules/price-list.ts';
import type { PriceTable } from './aws-rules/pricing.ts';
import type { LivePrices } from './live-prices.ts';
import type { Manifest } from './manifest/index.ts';

/**
 * Where a price came from: `live` — the AWS Price List API today; `table` — the dated table in
 * shared/aws-rules/pricing.ts for this region; `stand-in` — no figure for this region, so another
 * region's table figure stands in (the estimate says "price unknown for <region>").
 */
export type PriceOrigin = 'live' | 'table' | 'stand-in';

/** Marks a cost line with the origin of the prices it uses (nothing without live prices). */
export type PriceSource = (...keys: PriceKey[]) => { price?: PriceOrigin; partlyLive?: true };

const RANK: Record<PriceOrigin, number> = { live: 0, table: 1, 'stand-in': 2 };

function setPath(table: PriceTable, key: PriceKey, value: number): void {
  const parts = key.split('.');
  let at = table as unknown as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) at = at[part] as Record<string, unknown>;
  at[parts.at(-1)!] = value;
}

/**
 * The table a manifest is priced from: the dated table with each live figure laid over it, and a
 * source marker that reports, per line, the least certain origin among the figures it uses.
 */
export function resolvePrices(
  base: PriceTable,
  ownTable: boolean,
  m: Manifest,
  live: LivePrices | undefined,
): { prices: PriceTable; src: PriceSource; origins: Map<PriceKey, PriceOrigin> } {
  const prices = structuredClone(base);
  const origins = new Map<PriceKey, PriceOrigin>();
  if (!live) return { prices, src: () => ({}), origins };
  for (const [key, value] of Object.entries(live.values) as Array<[PriceKey, number]>) {
    if (key === 'aurora.instanceHour') {
      const cls = m.database.instanceClass ?? 'db.t4g.medium';
      prices.aurora.instanceHour[m.database.engine] = {
        ...prices.aurora.instanceHour[m.database.engine],
        [cls]: value,
      };
    } else setPath(prices, key, value);
  }
  const origin = (key: PriceKey): PriceOrigin =>
    live.values[key] !== undefined ? 'live' : ownTable ? 'table' : 'stand-in';
  const src: PriceSource = (...keys) => {
    let worst: PriceOrigin = 'live';
    let someLive = false;
    for (const key of keys) {
      const o = origin(key);
      origins.set(key, o);
      if (RANK[o] > RANK[worst]) worst = o;
      someLive ||= o === 'live';
    }
    return { price: worst, ...(someLive && worst !== 'live' ? { partlyLive: true as const } : {}) };
  };
  return { prices, src, origins };
}
