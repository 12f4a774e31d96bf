import { execFile } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '#local/runtime/index.ts';
import { harness } from '#test/unit/cli/helpers.ts';

/**
 * `stackdrop rehearse` end to end: the manifest runs on a private local cloud with stackdrop's own
 * template, state machines and functions, with a fault injected. One rehearsal in-process (JSON, a
 * provisioning fault), one through the real binary (the report a person reads, a deploy fault). The local runtime allows one runtime per
 * vitest file, so this file holds only these.
 */

const BIN = fileURLToPath(new URL('../../bin/stackdrop.mjs', import.meta.url));
const EXAMPLE = resolve(REPOSITORY_ROOT, 'examples/laravel/stackdrop.yaml');

/** Simulated durations move by a second between runs: seconds are masked in snapshots (width kept). */
function stable(text: string): string {
  return text
    .replace(/\b(\d+m )\d\ds\b/g, '$1··s')
    .replace(/\b\d\ds\b/g, '··s')
    .replace(/\b\ds\b/g, '·s');
}

describe('stackdrop rehearse', () => {
  it('rehearses a database failure: the failed resource and its reason, exit 2, as JSON', async () => {
    // Prepare
    const h = harness();
    copyFileSync(EXAMPLE, join(h.deps.cwd, 'stackdrop.yaml'));

    // Act
    const result = await h.run('rehearse', 'stackdrop.yaml', '--fault', 'database fails', '--json');

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report).sort()).toEqual(
      [
        'criticalPath',
        'environment',
        'errors',
        'expectedDurationMs',
        'faults',
        'manifest',
        'manifestProblems',
        'outcome',
        'project',
        'simulated',
        'stages',
        'transitions',
        'wallMs',
      ].sort(),
    );
    expect(report).toMatchObject({
      manifest: 'stackdrop.yaml',
      project: 'acme',
      environment: 'production',
      faults: ['database fails'],
      manifestProblems: [],
      outcome: 'failed',
      simulated: true,
    });
    const database = report.stages.find((s: { stage: string }) => s.stage === 'database');
    expect(database).toMatchObject({
      status: 'ROLLBACK_COMPLETE',
      reason: expect.stringContaining('Rehearsal fault'),
    });
    expect(report.stages.map((s: { stage: string }) => s.stage)).not.toContain('app');
    expect(report.errors[0]).toMatch(/^database: /);
  });

  it('prints a report a person reads in a CI log, through the real binary', async () => {
    // Act
    const failure = await promisify(execFile)(
      process.execPath,
      [BIN, 'rehearse', 'examples/laravel/stackdrop.yaml', '--fault', 'deploy crashes'],
      { cwd: REPOSITORY_ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME } },
    ).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

    // Assess
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toBe('');
    expect(failure?.stdout).not.toContain('\u001b');
    // 14m 24s from the published durations, give or take a second of simulated time.
    expect(failure?.stdout).toMatch(
      /Expected first provisioning on AWS: 14m 2[3-5]s; critical path network → database\n/,
    );
    expect(stable(failure!.stdout)).toMatchInlineSnapshot(`
      "Rehearsal of examples/laravel/stackdrop.yaml (acme/production, fault: "deploy crashes")
      Run offline on stackdrop's own state machines and functions, with published AWS durations on a virtual clock.

      Plan
        STAGE     STATUS                  STARTS    TAKES  RESOURCES
        network   CREATE_COMPLETE             ·s   2m ··s   38  6× subnet, 6× route table association, 4× route table, 4× security group
        database  CREATE_COMPLETE            ··s  14m ··s    5  2× Aurora instance, 1× Aurora cluster, 1× cluster parameter group, 1× database subnet group
        edge      CREATE_COMPLETE         2m ··s   2m ··s   14  2× listener, 2× IAM role, 2× SQS queue, 1× image repository
        app       CREATE_COMPLETE         4m ··s   2m ··s   19  10× alarm, 4× task definition, 3× ECS service, 1× dashboard

      Expected first provisioning on AWS: 14m ··s; critical path network → database
      Deploy on push: failed after 3m ··s

      Errors the real run would hit
        ✗ deploy: web: ECS deployment circuit breaker: Rehearsal fault: tasks failed their health checks (exit code 137); stopped task: container app exited with code 1: Rehearsal fault: tasks failed their health checks (exit code 137)

      Outcome: provisioning ready; the deploy failed — the services keep running the previous image
      "
    `);
  });
});
