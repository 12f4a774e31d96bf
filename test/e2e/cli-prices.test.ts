import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalClock } from '#cli/context.ts';
import { harness } from '#test/unit/cli/helpers.ts';
import { type E2eWorld, startWorld } from './helpers.ts';

/**
 * `plan`'s cost estimate through the CLI: with --live, prices from the local cloud's AWS Price List
 * (us-east-1's dated figures, Singapore's sourced NAT gateway figures, nothing for Ireland), each
 * line saying which prices it used; without --live, the dated table, offline.
 */

let world: E2eWorld;

beforeAll(async () => {
  world = await startWorld();
}, 120_000);

afterAll(async () => {
  await world?.stop();
}, 60_000);

const MANIFEST = 'version: 1\nproject: prices\napp: { allowPlainHttp: true }\n';

function cli() {
  const h = harness(
    { localClock: readLocalClock, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 15))) },
    { env: { STACKDROP_ENDPOINT: world.sd.endpoint } },
  );
  writeFileSync(join(h.deps.cwd, 'prices.yaml'), MANIFEST);
  return h;
}

/** The estimate's item lines (each ends with where its prices came from). */
const itemLines = (stdout: string) =>
  stdout
    .slice(stdout.indexOf('Monthly cost estimate'))
    .split('\n')
    .filter((l) => /^ {4}\S/.test(l));

describe('plan --live prices on the local cloud', () => {
  it('shows live prices in us-east-1, every line marked live', async () => {
    const result = await cli().run('--local', '--region', 'us-east-1', 'plan', 'prices.yaml', '--live');
    expect(result.stderr).not.toContain('Error');
    expect(result.stdout).toContain(
      'Monthly cost estimate (USD, us-east-1, 14 of 14 prices live from the AWS Price List',
    );
    const lines = itemLines(result.stdout);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(line).toMatch(/ \[live\]$/);
    expect(result.stdout).toContain('2 NAT gateways (per-az)  $73.00');
    expect(result.stdout).not.toContain('price unknown');
    expect(result.stdout).not.toContain('prices read 2026-12-07');
  }, 120_000);

  it("shows a fixture region's own prices where it has them, the fallback label on the rest", async () => {
    const result = await cli().run('--local', '--region', 'ap-southeast-1', 'plan', 'prices.yaml', '--live');
    expect(result.stderr).not.toContain('Error');
    expect(result.stdout).toContain('ap-southeast-1, 2 of 14 prices live from the AWS Price List');
    // Singapore's $0.059/GB, read from the Price List.
    expect(result.stdout).toContain('NAT data processed (100 GB assumed)  $5.90  ($0.059/GB)  [live]');
    // The gateways' hours are Singapore's, their Elastic IPs are not: the line is not wholly live.
    expect(result.stdout).toContain(
      '($0.059/h each + its Elastic IP $0.005/h)  [partly live; the rest: price unknown for ap-southeast-1: us-east-1 table]',
    );
    expect(result.stdout).toMatch(
      /Application Load Balancer .*\[price unknown for ap-southeast-1: us-east-1 table\]/,
    );
  }, 120_000);

  it('labels every line as a fallback in a region the price list lacks', async () => {
    const result = await cli().run('--local', '--region', 'eu-west-1', 'plan', 'prices.yaml', '--live');
    expect(result.stderr).not.toContain('Error');
    expect(result.stdout).toContain('eu-west-1, 0 of 14 prices live from the AWS Price List');
    for (const line of itemLines(result.stdout))
      expect(line).toMatch(/ \[price unknown for eu-west-1: us-east-1 table\]$/);
    // The API answered (with nothing): no error to report.
    expect(result.stdout).not.toContain('AWS Price List API:');
  }, 120_000);

  it("gives the live estimate with each line's origin in --json", async () => {
    const result = await cli().run(
      '--local',
      '--region',
      'ap-southeast-1',
      'plan',
      'prices.yaml',
      '--live',
      '--json',
    );
    expect(result.stderr).not.toContain('Error');
    const cost = JSON.parse(result.stdout).cost as {
      region: string;
      approximate: boolean;
      live: { figures: number; of: number };
      groups: Array<{ group: string; lines: Array<{ item: string; price: string; monthly: number }> }>;
    };
    expect(cost).toMatchObject({ region: 'ap-southeast-1', approximate: true, live: { figures: 2, of: 14 } });
    const network = cost.groups.find((g) => g.group === 'Network')!;
    expect(network.lines.map((l) => l.price)).toEqual(['stand-in', 'live']);
    expect(network.lines[1]!.monthly).toBe(5.9);
  }, 120_000);
});

describe('plan without --live', () => {
  it('prices from the dated table without touching any endpoint', async () => {
    const h = harness(
      {
        clientsFor: () => {
          throw new Error('the offline plan must not build AWS clients');
        },
      },
      { env: { AWS_REGION: 'us-east-1' } },
    );
    writeFileSync(join(h.deps.cwd, 'prices.yaml'), MANIFEST);
    const result = await h.run('plan', 'prices.yaml');
    expect(result.stderr).not.toContain('Error');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Monthly cost estimate (USD, us-east-1)');
    expect(result.stdout).not.toMatch(/\[live\]|\[dated table/);
    const json = JSON.parse((await h.run('plan', 'prices.yaml', '--json')).stdout);
    expect(json.cost.live).toBeUndefined();
    expect(json.cost.priceRegion).toBe('us-east-1');
  });
});
