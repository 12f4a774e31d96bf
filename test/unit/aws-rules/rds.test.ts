import { describe, expect, it } from 'vitest';
import {
  AURORA_DEFAULT_VERSIONS,
  auroraEngineVersions,
  findAuroraEngineVersion,
  isAuroraInstanceClassOffered,
  serverlessScalingProblems,
} from '#shared/aws-rules/rds.ts';
import { DEFAULT_ENGINE_VERSIONS } from '#shared/render.ts';

describe('Aurora rules table (read 2026-12-07)', () => {
  it('knows the versions stackdrop pins, and refuses made-up ones', () => {
    for (const [engine, version] of Object.entries(DEFAULT_ENGINE_VERSIONS)) {
      expect(findAuroraEngineVersion(engine, version)).toBeDefined();
    }
    expect(AURORA_DEFAULT_VERSIONS).toEqual(DEFAULT_ENGINE_VERSIONS);
    expect(findAuroraEngineVersion('aurora-mysql', '99.99.bogus')).toBeUndefined();
    expect(findAuroraEngineVersion('aurora-mysql', '17.7')).toBeUndefined();
    expect(
      auroraEngineVersions('aurora-postgresql').every((v) => v.family.startsWith('aurora-postgresql1')),
    ).toBe(true);
  });

  it('offers db.t4g.medium, db.r7g.large and db.serverless but not micro or t2 classes', () => {
    const v = '8.0.mysql_aurora.3.10.3';
    expect(isAuroraInstanceClassOffered('aurora-mysql', v, 'db.t4g.medium')).toBe(true);
    expect(isAuroraInstanceClassOffered('aurora-mysql', v, 'db.r7g.large')).toBe(true);
    expect(isAuroraInstanceClassOffered('aurora-mysql', v, 'db.serverless')).toBe(true);
    expect(isAuroraInstanceClassOffered('aurora-mysql', v, 'db.t3.micro')).toBe(false);
    expect(isAuroraInstanceClassOffered('aurora-mysql', v, 'db.t2.micro')).toBe(false);
    expect(isAuroraInstanceClassOffered('aurora-postgresql', '17.7', 'db.t3.small')).toBe(false);
  });

  it('checks Serverless v2 ranges as RDS words them', () => {
    const row = findAuroraEngineVersion('aurora-postgresql', '17.7')!;
    expect(serverlessScalingProblems(row, { MinCapacity: 0, MaxCapacity: 8 })).toEqual([]);
    expect(serverlessScalingProblems(row, { MinCapacity: 0.5, MaxCapacity: 0 })).toEqual([
      "Serverless v2 maximum capacity 0.0 isn't valid. The maximum capacity must be at least 1.0.",
    ]);
    expect(serverlessScalingProblems(row, { MinCapacity: 1, MaxCapacity: 300 })[0]).toMatch(/at most 256\.0/);
    expect(
      serverlessScalingProblems(row, { MinCapacity: 1, MaxCapacity: 8, SecondsUntilAutoPause: 600 }),
    ).toEqual(['SecondsUntilAutoPause can only be specified when minimum capacity is 0.']);
    expect(
      serverlessScalingProblems(
        { ...row, serverless: { minCapacity: 0.5, maxCapacity: 256 } },
        { MinCapacity: 0 },
      )[0],
    ).toMatch(/must be at least 0\.5/);
  });
});
