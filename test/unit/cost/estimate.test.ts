import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCostEstimate } from '#cli/commands/cost.ts';
import { makeStyle } from '#cli/ui.ts';
import { PRICES, PRICES_READ_ON } from '#shared/aws-rules/pricing.ts';
import { estimateMonthlyCost } from '#shared/cost.ts';
import { parseManifestOrThrow } from '#shared/manifest/index.ts';
import { harness } from '#test/unit/cli/helpers.ts';

/** A manifest with plain HTTP accepted (no certificate), plus `extra` YAML; `app` maps get it too. */
const manifest = (extra = '') =>
  parseManifestOrThrow(
    `version: 1\nproject: acme\n${extra.includes('app:') ? extra.replace('app:\n', 'app:\n  allowPlainHttp: true\n') : `${extra}\napp: { allowPlainHttp: true }`}\n`,
    'acme.yaml',
  );
const group = (e: ReturnType<typeof estimateMonthlyCost>, name: string) =>
  e.groups.find((g) => g.group.startsWith(name))!;

describe('monthly cost estimate', () => {
  it('prices one NAT gateway per AZ with its Elastic IP, at 730 hours a month', () => {
    const e = estimateMonthlyCost(
      manifest('network: { availabilityZones: 3 }\ndatabase: { readers: 2 }'),
      'us-east-1',
    );
    // 3 × ($0.045 + $0.005) × 730
    expect(group(e, 'Network').lines[0]).toMatchObject({ item: '3 NAT gateways (per-az)', monthly: 109.5 });
    expect(e.approximate).toBe(false);
    expect(e.readOn).toBe(PRICES_READ_ON);
  });

  it('prices no NAT gateway but six interface endpoints per AZ with natGateways: none', () => {
    const e = estimateMonthlyCost(manifest('network: { natGateways: none }'), 'us-east-1');
    expect(group(e, 'Network').lines).toEqual([
      expect.objectContaining({ item: '12 interface VPC endpoints (6 services × 2 AZs)', monthly: 87.6 }),
    ]);
  });

  it('prices web tasks at the autoscaling minimum, with the maximum as the top of the range', () => {
    const e = estimateMonthlyCost(
      manifest(
        'app:\n  scheduler: false\n  web: { cpu: 1024, memory: 2048, autoscaling: { min: 3, max: 6 } }',
      ),
      'us-east-1',
    );
    const web = group(e, 'Fargate').lines[0]!;
    // (1 × 0.04048 + 2 × 0.004445) × 730 = 36.0408 per task
    expect(web).toMatchObject({ item: 'web: 3–6 × 1 vCPU / 2 GB', monthly: 108.12, monthlyMax: 216.24 });
    expect(group(e, 'Fargate').lines.at(-1)!.note).toMatch(
      /would save about \$\d+\.\d\d a month \(20% of compute\)/,
    );
  });

  it('prices Serverless v2 as an ACU range, $0 at the floor when it may pause', () => {
    const e = estimateMonthlyCost(
      manifest(
        'database: { serverless: { minCapacity: 0, maxCapacity: 4 }, readers: 0, engineVersion: 8.0.mysql_aurora.3.10.3 }',
      ),
      'us-east-1',
    );
    const line = group(e, 'Aurora').lines[0]!;
    expect(line).toMatchObject({ monthly: 0, monthlyMax: 350.4 });
    expect(line.note).toContain('$0 while paused');
  });

  it('says when a region has no price table and which prices stand in', () => {
    const e = estimateMonthlyCost(manifest(), 'ap-southeast-2');
    expect(e).toMatchObject({ region: 'ap-southeast-2', priceRegion: 'us-east-1', approximate: true });
  });

  it('prints "price unknown for <region>" for a region without a table, with no guessed uplift', () => {
    const lines = formatCostEstimate(estimateMonthlyCost(manifest(), 'eu-west-1'), makeStyle(false));
    expect(lines[1]).toBe(
      "Monthly cost estimate (USD, price unknown for eu-west-1: the figures below are us-east-1's list prices, not its own)",
    );
    expect(lines.join('\n')).not.toMatch(/higher|typically/);
  });

  it('names an instance class the table does not price instead of guessing', () => {
    const e = estimateMonthlyCost(manifest('database: { instanceClass: db.r7g.large }'), 'us-east-1');
    expect(e.unpriced).toEqual(['db.r7g.large (aurora-mysql) is not in the price table']);
  });

  it('is printed by plan with the total, the date and the sources, and in --json', async () => {
    const h = harness();
    writeFileSync(
      join(h.deps.cwd, 'acme.yaml'),
      'version: 1\nproject: acme\napp: { allowPlainHttp: true }\n',
    );
    const text = await h.run('--region', 'us-east-1', 'plan', 'acme.yaml');
    const json = await h.run('--region', 'us-east-1', 'plan', 'acme.yaml', '--json');
    expect(text.stdout).toContain('Monthly cost estimate (USD, us-east-1)');
    expect(text.stdout).toMatch(/ {2}Total +\$\d+\.\d\d/);
    expect(text.stdout).toContain(
      `prices read ${PRICES_READ_ON}: AWS on-demand list prices as quoted by vantage.sh`,
    );
    expect(JSON.parse(json.stdout).cost).toMatchObject({ priceRegion: 'us-east-1', currency: 'USD' });
  });

  it('prices a Valkey cache: data stored per GB-hour (at least 100 MB metered) and ECPUs', () => {
    const e = estimateMonthlyCost(manifest('cache: { engine: valkey }'), 'us-east-1');
    const cache = group(e, 'Cache');
    expect(cache.group).toBe('Cache (ElastiCache Serverless, Valkey)');
    // 1 GB × $0.084 × 730 h; 100 M ECPUs × $0.0023
    expect(cache.lines).toEqual([
      expect.objectContaining({
        item: 'data stored (1 GB assumed; at least 0.1 GB metered)',
        monthly: 61.32,
      }),
      expect.objectContaining({ item: 'requests (100 M ECPUs assumed)', monthly: 0.23 }),
    ]);
    expect(e.assumptions).toContain('1 GB in the cache, 100 million ECPUs');
  });

  it('prices a Redis OSS cache at its own rates and its 1 GB minimum', () => {
    const e = estimateMonthlyCost(manifest('cache: { engine: redis }'), 'us-east-1');
    const cache = group(e, 'Cache');
    expect(cache.group).toBe('Cache (ElastiCache Serverless, Redis OSS)');
    // 1 GB × $0.125 × 730 h + 100 M × $0.0034
    expect(cache.monthly).toBe(91.59);
  });

  it('prices a created key at $1 a month plus requests, your own key at requests only, AWS managed keys not at all', () => {
    const created = group(estimateMonthlyCost(manifest('security: { kmsKey: create }'), 'us-east-1'), 'KMS');
    expect(created.lines.map((l) => [l.item, l.monthly])).toEqual([
      ['customer-managed key (security.kmsKey: create)', 1],
      ['requests (100,000 assumed)', 0.3],
    ]);
    expect(created.lines[0]!.note).toContain('each yearly rotation adds $1/month');
    const own = estimateMonthlyCost(
      manifest(
        'security: { kmsKey: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }',
      ),
      'us-east-1',
    );
    expect(group(own, 'KMS').monthly).toBe(0.3);
    expect(estimateMonthlyCost(manifest(), 'us-east-1').groups.map((g) => g.group)).not.toContain('KMS key');
  });

  it('says "price unknown" for the cache and the key in a region table that has no such prices', () => {
    const { elasticacheServerless: _cache, kms: _kms, ...rest } = PRICES['us-east-1']!;
    PRICES['xx-test-1'] = { ...rest, region: 'xx-test-1' };
    try {
      const e = estimateMonthlyCost(
        manifest('cache: { engine: valkey }\nsecurity: { kmsKey: create }'),
        'xx-test-1',
      );
      expect(e.unpriced).toEqual([
        'ElastiCache Serverless (valkey): price unknown for xx-test-1',
        'the KMS key: price unknown for xx-test-1',
      ]);
      expect(e.groups.map((g) => g.group)).not.toContain('KMS key');
    } finally {
      delete PRICES['xx-test-1'];
    }
  });

  it('prices the tasks of an arm64 app at the arm64 rates, with no "would save" line', () => {
    const x86 = group(estimateMonthlyCost(manifest(), 'us-east-1'), 'Fargate');
    const arm = group(estimateMonthlyCost(manifest('app:\n  architecture: arm64\n'), 'us-east-1'), 'Fargate');
    expect(x86.group).toBe('Fargate (x86_64, Linux)');
    expect(arm.group).toBe('Fargate (arm64, Linux)');
    // scheduler: 0.25 vCPU × $0.03238 + 0.5 GB × $0.00356, 730 h
    expect(arm.lines.find((l) => l.item.startsWith('scheduler'))?.monthly).toBe(7.21);
    expect(arm.lines.some((l) => l.item.startsWith('arm64 instead'))).toBe(false);
    expect(arm.monthly).toBeLessThan(x86.monthly);
  });
});
