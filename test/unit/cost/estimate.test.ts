import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCostEstimate } from '#cli/commands/cost.ts';
import { makeStyle } from '#cli/ui.ts';
import { PRICES_READ_ON } from '#shared/aws-rules/pricing.ts';
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
});
