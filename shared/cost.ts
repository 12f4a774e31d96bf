import {
  FALLBACK_PRICE_REGION,
  HOURS_PER_MONTH,
  PRICE_SOURCES,
  PRICES,
  PRICES_READ_ON,
  type PriceTable,
} from './aws-rules/pricing.ts';
import type { LivePrices } from './live-prices.ts';
import type { Manifest } from './manifest/index.ts';
import { type PriceOrigin, type PriceSource, resolvePrices } from './price-origin.ts';

/**
 * A monthly cost estimate for a manifest, per resource group, from the dated price table in
 * shared/aws-rules/pricing.ts. What the manifest fixes (NAT gateways, the load balancer, task
 * sizes and counts, database instances or capacity) is priced exactly; what depends on traffic
 * (NAT data, load balancer capacity units, database storage and I/O, log volume) uses the stated
 * assumptions, printed with the estimate.
 */

/** Traffic assumptions, shown with every estimate. */
export const COST_ASSUMPTIONS = {
  natDataGb: 100,
  albLcu: 1,
  databaseStorageGb: 20,
  databaseIoMillions: 5,
  logIngestGb: 5,
  /** Data a cache holds on average (metered at no less than the engine's minimum). */
  cacheDataGb: 1,
  cacheEcpuMillions: 100,
  kmsRequests: 100_000,
} as const;

export interface CostLine {
  item: string;
  monthly: number;
  /** Most it may cost when autoscaling or serverless capacity goes to its maximum. */
  monthlyMax?: number;
  note?: string;
  /** With live prices: where this line's prices came from (the least certain of them). */
  price?: PriceOrigin;
  /** Some of this line's prices are live, the others as `price` says. */
  partlyLive?: true;
}

export interface CostGroup {
  group: string;
  monthly: number;
  monthlyMax: number;
  lines: CostLine[];
}

export interface CostEstimate {
  /** The region asked for, if any. */
  region?: string;
  /** The region whose prices were used. */
  priceRegion: string;
  /** True when the region has no table of its own and us-east-1's stands in for it. */
  approximate: boolean;
  readOn: string;
  sources: string[];
  currency: 'USD';
  groups: CostGroup[];
  monthly: number;
  monthlyMax: number;
  assumptions: string[];
  /** Lines the table cannot price (e.g. an instance class it does not list). */
  unpriced: string[];
  /** Present when live prices were asked for (`plan --live`): how the Price List API answered. */
  live?: { figures: number; of: number; error?: string };
}

const round = (n: number) => Math.round(n * 100) / 100;

function group(name: string, lines: CostLine[]): CostGroup {
  const monthly = round(lines.reduce((sum, l) => sum + l.monthly, 0));
  const monthlyMax = round(lines.reduce((sum, l) => sum + (l.monthlyMax ?? l.monthly), 0));
  return { group: name, monthly, monthlyMax, lines };
}

function natGatewayCount(m: Manifest): number {
  if (m.network.natGateways === 'none') return 0;
  return m.network.natGateways === 'single' ? 1 : m.network.availabilityZones;
}

function network(m: Manifest, p: PriceTable, src: PriceSource): CostGroup {
  const lines: CostLine[] = [];
  const nats = natGatewayCount(m);
  if (nats > 0) {
    lines.push({
      item: `${nats} NAT gateway${nats === 1 ? '' : 's'} (${m.network.natGateways})`,
      monthly: round(nats * (p.natGateway.hour + p.publicIpv4Hour) * HOURS_PER_MONTH),
      note: `$${p.natGateway.hour}/h each + its Elastic IP $${p.publicIpv4Hour}/h`,
      ...src('natGateway.hour', 'publicIpv4Hour'),
    });
    lines.push({
      item: `NAT data processed (${COST_ASSUMPTIONS.natDataGb} GB assumed)`,
      monthly: round(COST_ASSUMPTIONS.natDataGb * p.natGateway.gb),
      note: `$${p.natGateway.gb}/GB`,
      ...src('natGateway.gb'),
    });
  } else {
    // natGateways: none puts six interface endpoints (ECR ×2, logs, Secrets Manager, SSM, SQS) in each AZ.
    const endpoints = 6 * m.network.availabilityZones;
    lines.push({
      item: `${endpoints} interface VPC endpoints (6 services × ${m.network.availabilityZones} AZs)`,
      monthly: round(endpoints * p.vpcEndpointHour * HOURS_PER_MONTH),
      note: `$${p.vpcEndpointHour}/h per endpoint per AZ, plus data`,
      ...src('vpcEndpointHour'),
    });
  }
  return group('Network', lines);
}

function loadBalancer(m: Manifest, p: PriceTable, src: PriceSource): CostGroup {
  return group('Load balancer', [
    {
      item: 'Application Load Balancer',
      monthly: round(p.alb.hour * HOURS_PER_MONTH),
      note: `$${p.alb.hour}/h`,
      ...src('alb.hour'),
    },
    {
      item: `capacity units (${COST_ASSUMPTIONS.albLcu} LCU assumed)`,
      monthly: round(COST_ASSUMPTIONS.albLcu * p.alb.lcuHour * HOURS_PER_MONTH),
      note: `$${p.alb.lcuHour}/LCU-h`,
      ...src('alb.lcuHour'),
    },
    {
      item: `public IPv4 addresses (${m.network.availabilityZones}, one per AZ)`,
      monthly: round(m.network.availabilityZones * p.publicIpv4Hour * HOURS_PER_MONTH),
      ...src('publicIpv4Hour'),
    },
  ]);
}

function taskHour(cpu: number, memory: number, rate: { vcpuHour: number; gbHour: number }): number {
  return (cpu / 1024) * rate.vcpuHour + (memory / 1024) * rate.gbHour;
}

function fargate(m: Manifest, p: PriceTable, src: PriceSource): CostGroup {
  const arm = m.app.architecture === 'arm64';
  const rate = arm ? p.fargate.arm64 : p.fargate.x86;
  const keys = arm
    ? (['fargate.arm64.vcpuHour', 'fargate.arm64.gbHour'] as const)
    : (['fargate.x86.vcpuHour', 'fargate.x86.gbHour'] as const);
  const lines: CostLine[] = [];
  const task = (name: string, cpu: number, memory: number, count: number, max = count) => {
    if (count === 0 && max === 0) return;
    const hour = taskHour(cpu, memory, rate);
    lines.push({
      item: `${name}: ${count === max ? count : `${count}–${max}`} × ${cpu / 1024} vCPU / ${memory / 1024} GB`,
      monthly: round(count * hour * HOURS_PER_MONTH),
      ...(max !== count ? { monthlyMax: round(max * hour * HOURS_PER_MONTH) } : {}),
      ...src(...keys),
    });
  };
  const web = m.app.web;
  const scaling = web.autoscaling;
  // Autoscaling keeps at least `min` running: that is the floor a month costs.
  task(
    'web',
    web.cpu,
    web.memory,
    scaling ? scaling.min : web.desiredCount,
    scaling ? scaling.max : undefined,
  );
  for (const w of m.app.workers) task(`worker ${w.name}`, w.cpu, w.memory, w.desiredCount);
  if (m.app.scheduler !== false) {
    const s = typeof m.app.scheduler === 'object' ? m.app.scheduler : { cpu: 256, memory: 512 };
    task('scheduler', s.cpu, s.memory, 1);
  }
  const x86Total = lines.reduce((sum, l) => sum + l.monthly, 0);
  const ratio = taskHour(1024, 2048, p.fargate.arm64) / taskHour(1024, 2048, p.fargate.x86);
  if (!arm && x86Total > 0)
    lines.push({
      item: 'arm64 instead of x86 (images built for ARM64)',
      monthly: 0,
      note: `would save about $${round(x86Total * (1 - ratio)).toFixed(2)} a month (${Math.round((1 - ratio) * 100)}% of compute)`,
      ...src('fargate.arm64.vcpuHour', 'fargate.arm64.gbHour'),
    });
  return group(`Fargate (${arm ? 'arm64' : 'x86_64'}, Linux)`, lines);
}

function database(m: Manifest, p: PriceTable, unpriced: string[], src: PriceSource): CostGroup {
  const db = m.database;
  const instances = 1 + db.readers;
  const lines: CostLine[] = [];
  if (db.serverless) {
    const { minCapacity, maxCapacity } = db.serverless;
    lines.push({
      item: `${instances} Serverless v2 instance${instances === 1 ? '' : 's'}, ${minCapacity}–${maxCapacity} ACU`,
      monthly: round(instances * minCapacity * p.aurora.acuHour * HOURS_PER_MONTH),
      monthlyMax: round(instances * maxCapacity * p.aurora.acuHour * HOURS_PER_MONTH),
      note:
        minCapacity === 0
          ? `$${p.aurora.acuHour}/ACU-h; $0 while paused, more while it serves`
          : `$${p.aurora.acuHour}/ACU-h at the minimum`,
      ...src('aurora.acuHour'),
    });
  } else {
    const cls = db.instanceClass ?? 'db.t4g.medium';
    const hour = p.aurora.instanceHour[db.engine]?.[cls];
    if (hour === undefined) unpriced.push(`${cls} (${db.engine}) is not in the price table`);
    else
      lines.push({
        item: `${instances} × ${cls} (writer${db.readers ? ` + ${db.readers} reader${db.readers === 1 ? '' : 's'}` : ''})`,
        monthly: round(instances * hour * HOURS_PER_MONTH),
        note: `$${hour}/h each`,
        ...src('aurora.instanceHour'),
      });
  }
  lines.push({
    item: `storage (${COST_ASSUMPTIONS.databaseStorageGb} GB assumed) and I/O (${COST_ASSUMPTIONS.databaseIoMillions} M requests assumed)`,
    monthly: round(
      COST_ASSUMPTIONS.databaseStorageGb * p.aurora.storageGbMonth +
        COST_ASSUMPTIONS.databaseIoMillions * p.aurora.ioPerMillion,
    ),
    note: `$${p.aurora.storageGbMonth}/GB-month, $${p.aurora.ioPerMillion}/M I/O; backups up to the database size are free`,
    ...src('aurora.storageGbMonth', 'aurora.ioPerMillion'),
  });
  return group(`Aurora (${db.engine})`, lines);
}

function logs(m: Manifest, p: PriceTable, src: PriceSource): CostGroup {
  const gb = COST_ASSUMPTIONS.logIngestGb;
  const keptMonths = Math.min(m.app.logRetentionDays, 365) / 30;
  return group('Logs', [
    {
      item: `CloudWatch Logs (${gb} GB a month assumed, kept ${m.app.logRetentionDays} days)`,
      monthly: round(gb * p.logs.ingestGb + gb * keptMonths * p.logs.storageGbMonth),
      note: `$${p.logs.ingestGb}/GB ingested, $${p.logs.storageGbMonth}/GB-month stored`,
      ...src('logs.ingestGb', 'logs.storageGbMonth'),
    },
  ]);
}

function cache(m: Manifest, p: PriceTable, unpriced: string[]): CostGroup[] {
  if (!m.cache) return [];
  const engine = m.cache.engine;
  const rate = p.elasticacheServerless?.[engine];
  const name = `Cache (ElastiCache Serverless, ${engine === 'redis' ? 'Redis OSS' : 'Valkey'})`;
  if (!rate) {
    unpriced.push(`ElastiCache Serverless (${engine}): price unknown for ${p.region}`);
    return [];
  }
  const gb = Math.max(COST_ASSUMPTIONS.cacheDataGb, rate.minimumGb);
  return [
    group(name, [
      {
        item: `data stored (${COST_ASSUMPTIONS.cacheDataGb} GB assumed; at least ${rate.minimumGb} GB metered)`,
        monthly: round(gb * rate.gbHour * HOURS_PER_MONTH),
        note: `$${rate.gbHour}/GB-h`,
      },
      {
        item: `requests (${COST_ASSUMPTIONS.cacheEcpuMillions} M ECPUs assumed)`,
        monthly: round(COST_ASSUMPTIONS.cacheEcpuMillions * rate.ecpuPerMillion),
        note: `$${rate.ecpuPerMillion}/M ECPUs; 1 ECPU per KB read or written`,
      },
    ]),
  ];
}

function key(m: Manifest, p: PriceTable, unpriced: string[]): CostGroup[] {
  const choice = m.security.kmsKey;
  if (choice === 'aws-managed') return [];
  if (!p.kms) {
    unpriced.push(`the KMS key: price unknown for ${p.region}`);
    return [];
  }
  const requests = {
    item: `requests (${COST_ASSUMPTIONS.kmsRequests.toLocaleString('en-US')} assumed)`,
    monthly: round((COST_ASSUMPTIONS.kmsRequests / 10_000) * p.kms.requestsPer10k),
    note: `$${p.kms.requestsPer10k} per 10,000; task starts, bucket, queue and log reads and writes`,
  };
  return [
    group('KMS key', [
      choice === 'create'
        ? {
            item: 'customer-managed key (security.kmsKey: create)',
            monthly: p.kms.keyMonth,
            note: `$${p.kms.keyMonth}/month; each yearly rotation adds $${p.kms.rotationMonth}/month`,
          }
        : { item: 'your key (security.kmsKey: <arn>)', monthly: 0, note: 'billed where the key lives' },
      requests,
    ]),
  ];
}

/**
 * The monthly cost of a manifest's resources in a region: from the dated table (us-east-1's where a
 * region has none), or, given `live` prices from the AWS Price List, from those figure by figure,
 * each line saying which it used.
 */
export function estimateMonthlyCost(m: Manifest, region?: string, live?: LivePrices): CostEstimate {
  const own = region ? PRICES[region] : undefined;
  const base = own ?? PRICES[FALLBACK_PRICE_REGION]!;
  const { prices: p, src, origins } = resolvePrices(base, Boolean(own), m, live);
  const unpriced: string[] = [];
  const groups = [
    network(m, p, src),
    loadBalancer(m, p, src),
    fargate(m, p, src),
    database(m, p, unpriced, src),
    ...cache(m, p, unpriced),
    ...key(m, p, unpriced),
    logs(m, p, src),
  ];
  // Every line of a live estimate says where its prices came from: one that names no Price List
  // figure is priced from the dated table alone (this region's, or another's standing in).
  if (live) for (const l of groups.flatMap((g) => g.lines)) l.price ??= own ? 'table' : 'stand-in';
  return {
    ...(region ? { region } : {}),
    priceRegion: base.region,
    // With live prices a region without a table is approximate only where a figure fell back.
    approximate: live ? groups.some((g) => g.lines.some((l) => l.price === 'stand-in')) : !own,
    readOn: PRICES_READ_ON,
    sources: Object.values(PRICE_SOURCES),
    currency: 'USD',
    groups,
    monthly: round(groups.reduce((sum, g) => sum + g.monthly, 0)),
    monthlyMax: round(groups.reduce((sum, g) => sum + g.monthlyMax, 0)),
    assumptions: [
      `${COST_ASSUMPTIONS.natDataGb} GB through NAT, ${COST_ASSUMPTIONS.albLcu} load balancer capacity unit on average`,
      `${COST_ASSUMPTIONS.databaseStorageGb} GB of database storage, ${COST_ASSUMPTIONS.databaseIoMillions} million I/O requests`,
      ...(m.cache
        ? [
            `${COST_ASSUMPTIONS.cacheDataGb} GB in the cache, ${COST_ASSUMPTIONS.cacheEcpuMillions} million ECPUs`,
          ]
        : []),
      ...(m.security.kmsKey !== 'aws-managed'
        ? [`${COST_ASSUMPTIONS.kmsRequests.toLocaleString('en-US')} KMS requests`]
        : []),
      `${COST_ASSUMPTIONS.logIngestGb} GB of logs a month; on-demand prices, no free tier, no data transfer out`,
    ],
    unpriced,
    ...(live
      ? {
          live: {
            figures: [...origins.values()].filter((o) => o === 'live').length,
            of: origins.size,
            ...(live.error ? { error: live.error } : {}),
          },
        }
      : {}),
  };
}
