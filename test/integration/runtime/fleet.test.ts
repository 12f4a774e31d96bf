import { beforeAll, describe, expect, it } from 'vitest';
import { type FleetReport, provisionFleet } from '#test/helpers/fleet.ts';

/**
 * Six projects uploaded in the same instant to one stackdrop (issue 17, item 5; the 100-project
 * run is bench/scale.bench.ts; six keeps this file within the suite's time budget and still has
 * writers racing on every shared document). The account has the quota increases six projects
 * need: AWS's defaults (5 VPCs, 5 Elastic IPs per Region) stop the third project.
 */
const COUNT = 6;
const PROJECTS = Array.from({ length: COUNT }, (_, i) => `fleet${i}`);
const QUOTAS = {
  vpcsPerRegion: COUNT,
  internetGatewaysPerRegion: COUNT,
  natGatewaysPerAz: COUNT,
  elasticIpsPerRegion: 2 * COUNT,
};

describe('six projects provisioned at once', () => {
  let fleet: FleetReport;
  beforeAll(async () => {
    fleet = await provisionFleet(PROJECTS, QUOTAS, { timeoutMs: 240_000 });
  }, 300_000);

  it('brings every project to ready, loses no status update and releases every turn', () => {
    expect(fleet.violations).toEqual([]);
    expect(fleet.executions.map((e) => e.status)).toEqual(PROJECTS.map(() => 'SUCCEEDED'));
    // Each status document went through several versions, so the lost-update check had work to do.
    expect(fleet.statusVersions).toBeGreaterThanOrEqual(PROJECTS.length * 5);
  });

  it('retries every lost conditional write until it lands: no writer gives up, no task fails', () => {
    const conflicts = fleet.calls.filter((c) => c.service === 's3' && [409, 412].includes(c.statusCode));
    expect(fleet.lambda.errors).toEqual({});
    expect(fleet.taskFailures).toEqual({});
    // Conflicts only ever happen on documents two writers share within one project: the status
    // document, and a stack's callback record at a milestone (several resource events at once, and
    // the finish-only wait adopting it; docs/provisioning.md, Milestones).
    for (const prefix of new Set(conflicts.map((c) => c.prefix)))
      expect(['status/', 'callbacks/']).toContain(prefix);
  });

  it('provisions each project in the time one takes alone: the makespans differ by under 1 %', () => {
    const spans = fleet.makespansMs;
    expect(Math.max(...spans) / Math.min(...spans)).toBeLessThan(1.01);
    // network → database ∥ edge → app on the published durations: about 19 minutes.
    expect(Math.min(...spans)).toBeGreaterThan(10 * 60_000);
  });

  it('uses the quotas it was granted, and no more than one project’s share of each', () => {
    expect(fleet.quotaPeaks.vpcsPerRegion).toBe(COUNT);
    expect(fleet.quotaPeaks.elasticIpsPerRegion).toBe(2 * COUNT);
    expect(fleet.quotaPeaks.gatewayEndpointsPerRegion).toBe(COUNT);
  });
});
