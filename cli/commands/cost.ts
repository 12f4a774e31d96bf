import type { CostEstimate, CostLine } from '#shared/cost.ts';
import type { Style } from '../ui.ts';

const usd = (n: number) => `$${n.toFixed(2)}`;

/** Per line, with live prices: which prices it used. */
function origin(e: CostEstimate, l: CostLine): string {
  if (l.price === 'live') return 'live';
  const rest = l.partlyLive ? 'partly live; the rest: ' : '';
  if (l.price === 'table') return `${rest}dated table ${e.readOn}`;
  return `${rest}price unknown for ${e.region ?? 'the default Region'}: ${e.priceRegion} table`;
}

/** Human lines for a cost estimate: one line per resource group, its items, the total, date and source. */
export function formatCostEstimate(e: CostEstimate, style: Style): string[] {
  // No table for the region: say so, and label the figures as another region's, never as an estimate of this one.
  const where = e.live
    ? `${e.region ?? 'the default Region'}, ${e.live.figures} of ${e.live.of} prices live from the AWS Price List, the rest as marked`
    : e.approximate
      ? `price unknown for ${e.region ?? 'the default Region'}: the figures below are ${e.priceRegion}'s list prices, not its own`
      : e.priceRegion;
  const lines = ['', style.bold(`Monthly cost estimate (USD, ${where})`)];
  const width = Math.max(...e.groups.map((g) => g.group.length));
  for (const g of e.groups) {
    const range = g.monthlyMax > g.monthly ? ` – ${usd(g.monthlyMax)}` : '';
    lines.push(`  ${g.group.padEnd(width)}  ${usd(g.monthly).padStart(9)}${range}`);
    for (const l of g.lines) {
      const cost = l.monthly > 0 ? usd(l.monthly) : '';
      const from = l.price ? `  [${origin(e, l)}]` : '';
      lines.push(style.dim(`    ${l.item}${cost ? `  ${cost}` : ''}${l.note ? `  (${l.note})` : ''}${from}`));
    }
  }
  const range = e.monthlyMax > e.monthly ? ` – ${usd(e.monthlyMax)} at full scale` : '';
  lines.push(`  ${'Total'.padEnd(width)}  ${style.bold(usd(e.monthly).padStart(9))}${range}`);
  for (const u of e.unpriced) lines.push(style.yellow(`  not priced: ${u}`));
  lines.push(style.dim(`  assumed: ${e.assumptions.join('; ')}`));
  if (e.live?.error)
    lines.push(
      style.yellow(`  AWS Price List API: ${e.live.error}; the lines not marked live fall back as marked`),
    );
  if (e.live && e.live.figures > 0)
    lines.push(
      style.dim(`  live prices: AWS Price List Query API (pricing:GetProducts), On-Demand, read now`),
    );
  // The dated table's sources matter only while some line uses it.
  if (e.live && e.groups.every((g) => g.lines.every((l) => l.price === 'live'))) return lines;
  const hosts = [
    ...new Set(e.sources.flatMap((s) => [...s.matchAll(/https:\/\/(?:www\.)?([^/\s]+)/g)].map((m) => m[1]!))),
  ];
  lines.push(
    style.dim(
      `  prices read ${e.readOn}: AWS on-demand list prices as quoted by ${hosts.join(', ')} (URLs in shared/aws-rules/pricing.ts)`,
    ),
  );
  return lines;
}
