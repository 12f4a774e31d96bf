import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalClock } from '#cli/context.ts';
import { type LocalStackdrop, startStackdrop } from '#local/runtime/index.ts';
import { harness } from '#test/unit/cli/helpers.ts';
import { manifestFor } from './helpers.ts';

/**
 * The clock a person gets from `node local/demo.ts --keep` and `node local/cli.ts`: 'auto'. With
 * the CLI's own polling in real time (5 s), a first provisioning finishes within 30 s of real time
 * yet reports AWS-like durations, and a 30-minute bastion is still open for the next command.
 */

let sd: LocalStackdrop;

beforeAll(async () => {
  sd = await startStackdrop({
    speed: 'auto',
    environmentOverrides: { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT' },
  });
}, 120_000);

afterAll(async () => {
  await sd?.stop();
});

function cli() {
  return harness(
    {
      localClock: readLocalClock,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      pollIntervalMs: 5000,
    },
    { env: { STACKDROP_ENDPOINT: sd.endpoint } },
  );
}

describe("stackdrop --local on the 'auto' clock", () => {
  const h = { current: undefined as ReturnType<typeof cli> | undefined };

  it('deploy --watch ends within 30 s of real time and reports an AWS-like duration', async () => {
    // Prepare
    h.current = cli();
    writeFileSync(join(h.current.deps.cwd, 'acme.yaml'), manifestFor('acme'));
    const started = performance.now();
    // Act
    const result = await h.current.run('--local', 'deploy', 'acme.yaml', '--watch');
    // Assess
    const realSeconds = (performance.now() - started) / 1000;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(realSeconds).toBeLessThanOrEqual(30);
    const [, minutes] = /ready after (\d+)m \d\ds/.exec(result.stdout) ?? [];
    // Aurora alone takes 12–20 minutes on AWS (docs/local-cloud.md): neither seconds nor hours.
    expect(Number(minutes)).toBeGreaterThanOrEqual(10);
    expect(Number(minutes)).toBeLessThan(60);
  }, 60_000);

  it('keeps a 30-minute bastion open between two commands', async () => {
    // Act
    const opened = await h.current!.run('--local', 'bastion', 'open', 'acme', '--ttl', '30m');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const listed = await h.current!.run('--local', 'bastion', 'list', 'acme', '--json');
    // Assess
    expect(opened.code).toBe(0);
    const instanceId = /bastion (i-[0-9a-f]+)/.exec(opened.stdout)![1];
    expect(JSON.parse(listed.stdout).bastions).toEqual([
      expect.objectContaining({ instanceId, expired: false }),
    ]);
  }, 60_000);
});
