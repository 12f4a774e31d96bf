import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rehearse } from '#local/rehearse.ts';
import { REPOSITORY_ROOT } from '#local/runtime/index.ts';

const example = resolve(REPOSITORY_ROOT, 'examples/laravel/stackdrop.yaml');

describe('rehearsal fault scenarios', () => {
  it('"database fails" fails the Aurora cluster itself and the database stack rolls back cleanly', async () => {
    // Act
    const report = await rehearse(example, { faults: ['database fails'] });

    // Assess
    expect(report.outcome).toBe('failed');
    expect(report.stages.find((s) => s.stage === 'database')).toMatchObject({
      status: 'ROLLBACK_COMPLETE',
      failedResource: 'Cluster',
    });
    expect(report.stages.some((s) => s.stage === 'app')).toBe(false);
    expect(report.errors.join('\n')).toContain('InsufficientDBClusterCapacity');
  });
});
