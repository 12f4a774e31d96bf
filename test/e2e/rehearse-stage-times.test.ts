import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rehearse } from '#local/rehearse.ts';
import { REPOSITORY_ROOT } from '#local/runtime/index.ts';

// One rehearsal per file: the functions' AWS clients are built once per process, at module scope,
// against the first local cloud's endpoint.
const example = resolve(REPOSITORY_ROOT, 'examples/laravel/stackdrop.yaml');

describe('rehearse stage times on the milestone graph', () => {
  it("shows the database's real start and duration when the app waits for the whole database (a cache)", async () => {
    // Prepare: with a cache the database hands nothing on early; the app starts when it completes.
    const manifest = join(tmpdir(), `stackdrop-rehearse-cache-${process.pid}.yaml`);
    writeFileSync(manifest, `${readFileSync(example, 'utf8')}\ncache:\n  engine: valkey\n`);

    // Act
    const report = await rehearse(manifest, { timeoutMs: 120_000 });

    // Assess: the database starts at the network's core milestone and takes its Aurora minutes.
    expect(report.outcome).toBe('ready');
    const stage = (name: string) => report.stages.find((s) => s.stage === name)!;
    const network = stage('network');
    const database = stage('database');
    expect(database.startMs!).toBeLessThan(network.startMs! + network.durationMs!);
    expect(database.durationMs!).toBeGreaterThan(14 * 60_000);
    const databaseDone = database.startMs! + database.durationMs!;
    expect(stage('app').startMs!).toBeGreaterThanOrEqual(databaseDone);
    expect(report.criticalPath).toEqual(['network', 'database', 'app']);
    expect(report.expectedDurationMs).toBe(stage('app').startMs! + stage('app').durationMs!);
  }, 180_000);
});
