import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faultScenarios, formatRehearsal, rehearse, UnknownFaultScenarioError } from '#local/rehearse.ts';
import { REPOSITORY_ROOT } from '#local/runtime/index.ts';

const example = resolve(REPOSITORY_ROOT, 'examples/laravel/stackdrop.yaml');

describe('rehearse', () => {
  it('reports the plan, the expected duration, the critical path and a crashing deploy rolled back', async () => {
    // Act
    const report = await rehearse(example, { faults: ['deploy crashes'] });

    // Assess
    expect(report.outcome).toBe('ready');
    expect(report.stages.map((s) => [s.stage, s.status])).toEqual([
      ['network', 'CREATE_COMPLETE'],
      ['database', 'CREATE_COMPLETE'],
      ['edge', 'CREATE_COMPLETE'],
      ['app', 'CREATE_COMPLETE'],
    ]);
    expect(report.stages.find((s) => s.stage === 'database')?.resourceTypes['AWS::RDS::DBCluster']).toBe(1);
    expect(report.criticalPath).toEqual(['network', 'database']);
    expect(report.expectedDurationMs).toBeGreaterThan(14 * 60_000);
    expect(report.expectedDurationMs).toBeLessThan(15 * 60_000);
    expect(report.deploy?.outcome).toBe('failed');
    expect(report.errors.join('\n')).toContain('circuit breaker');
    expect(formatRehearsal(report)).toContain('Expected AWS duration');
  });

  it('refuses an unknown fault scenario and names the valid ones', () => {
    // Act
    const act = () => faultScenarios(['disk full']);

    // Assess
    expect(act).toThrow(UnknownFaultScenarioError);
    expect(act).toThrow(/"database fails"/);
  });
});
