import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harness } from '#test/unit/cli/helpers.ts';
import { manifestText } from './full-manifest.ts';

/**
 * Issue 15's largest manifest through the commands a user runs before deploying: validate, plan
 * and rehearse (a private local cloud in us-east-1, where a firewall in front of CloudFront can
 * exist). Its own file: a rehearsal's local cloud must not share a process with another one.
 */
describe('the largest manifest issue 15 names, before deploying', () => {
  it('validates, plans without empty slots and rehearses to ready', async () => {
    const h = harness({}, { env: { AWS_REGION: 'us-east-1' } });
    writeFileSync(join(h.deps.cwd, 'big.yaml'), manifestText());
    const validated = await h.run('validate', 'big.yaml');
    expect(validated.code, validated.stdout + validated.stderr).toBe(0);
    const planned = await h.run('plan', 'big.yaml');
    expect(planned.code, planned.stdout + planned.stderr).toBe(0);
    expect(planned.stdout).not.toContain('(empty)');
    expect(planned.stdout).toMatch(/jobs-20/);
    const rehearsed = await h.run('rehearse', 'big.yaml');
    expect(rehearsed.code, rehearsed.stdout + rehearsed.stderr).toBe(0);
    expect(rehearsed.stdout).toContain('Outcome: ready');
    expect(rehearsed.stdout).toMatch(/22× ECS service/);
  }, 300_000);
});
