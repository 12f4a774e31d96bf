import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

describe('npx stackdrop on the system Node', () => {
  it('prints no npm engine warning: the command runs on the repository’s own Node (the node devDependency)', () => {
    // Prepare: a fresh npm cache, where npm checks the engines (it stays quiet once it has a cache).
    const home = mkdtempSync(join(tmpdir(), 'stackdrop-npx-'));
    // Act: npx from the system PATH, as a person types it, without node_modules/.bin first.
    const result = spawnSync('npx', ['--no-install', 'stackdrop', '--version'], {
      cwd: ROOT,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home },
      encoding: 'utf8',
      timeout: 60_000,
    });
    // Assess
    expect(result.stdout.trim()).toBe('0.1.0');
    expect(result.stderr).not.toContain('EBADENGINE');
  }, 90_000);
});
