import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../../bin/stackdrop.mjs', import.meta.url));

/** Runs the real launcher in a child process, as `npx stackdrop` would, with no AWS settings at all. */
function stackdrop(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? mkdtempSync(join(tmpdir(), 'stackdrop-bin-')),
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the stackdrop binary', () => {
  it('prints help with examples, exit 0', () => {
    const result = stackdrop(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: stackdrop [options] [command]');
    expect(result.stdout).toContain('$ stackdrop deploy stackdrop.yaml --watch');
  });

  it('writes a starter manifest with init and accepts it with validate', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'stackdrop-bin-'));
    const init = stackdrop(['init', '--project', 'shop', '--yes'], { cwd });
    expect(init.code).toBe(0);
    expect(readFileSync(join(cwd, 'stackdrop.yaml'), 'utf8')).toContain('project: shop');
    const validate = stackdrop(['validate', 'stackdrop.yaml'], { cwd });
    expect(validate).toEqual({ code: 0, stdout: '✓ stackdrop.yaml is valid: shop/production\n', stderr: '' });
  });

  it('reports manifest problems without escape codes when not on a terminal, exit 1', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'stackdrop-bin-'));
    writeFileSync(
      join(cwd, 'bad.yaml'),
      'version: 1\nproject: acme\nnetwork:\n  availabilityZones: 7\napp: { allowPlainHttp: true }\n',
    );
    const result = stackdrop(['validate', 'bad.yaml'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^✗ bad\.yaml: 1 problem\nbad\.yaml:4:22: network\.availabilityZones: /);
    expect(result.stderr).not.toContain('\u001b');
  });

  it('exits 3 with an explanation when the local cloud is not listening', () => {
    const result = stackdrop(['--endpoint-url', 'http://127.0.0.1:9', 'status']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /Cannot reach http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\): is the local cloud running\?/,
    );
  });
});
