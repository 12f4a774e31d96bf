import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openErrorMessage, READ_CAP, readCapped } from '#cli/manifest-file.ts';
import { harness, VALID_MANIFEST } from './helpers.ts';

const ENTRY = fileURLToPath(new URL('../../../cli/index.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stackdrop-input-'));

/** Runs the real `stackdrop` process, killed after `limitMs` so a hang fails instead of stalling the suite. */
function runReal(args: string[], limitMs: number, input?: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number; killed: boolean }>(
    (resolve) => {
      const started = Date.now();
      const child = spawn(process.execPath, [ENTRY, ...args], {
        cwd: dir,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let killed = false;
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, limitMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr, ms: Date.now() - started, killed });
      });
      if (input !== undefined) child.stdin.end(input);
      else child.stdin.end();
    },
  );
}

let socketServer: ReturnType<typeof createServer> | undefined;

beforeAll(async () => {
  spawnSync('mkfifo', [join(dir, 'pipe.yaml')]);
  mkdirSync(join(dir, 'manifests'));
  symlinkSync(join(dir, 'loop-b.yaml'), join(dir, 'loop-a.yaml'));
  symlinkSync(join(dir, 'loop-a.yaml'), join(dir, 'loop-b.yaml'));
  writeFileSync(join(dir, 'ok.yaml'), VALID_MANIFEST);
  socketServer = createServer();
  await new Promise<void>((resolve) => socketServer!.listen(join(dir, 'socket.yaml'), resolve));
}, 30_000);

afterAll(() => {
  socketServer?.close();
});

describe('stackdrop validate reads only regular files, bounded', () => {
  // Startup of a TypeScript process on a busy machine takes a few seconds; the work itself must not.
  it('refuses /dev/zero at once with exit 1 instead of reading forever', async () => {
    // Act
    const result = await runReal(['validate', '/dev/zero'], 20_000);
    // Assess
    expect(result.killed).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      '✗ /dev/zero is a device, not a manifest file: pass a .yaml or .json file.',
    ]);
  }, 30_000);

  it('refuses a FIFO at once with exit 1 instead of blocking on it', async () => {
    const result = await runReal(['validate', 'pipe.yaml'], 20_000);
    expect(result.killed).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('pipe.yaml is a named pipe (FIFO), not a manifest file');
  }, 30_000);

  it('takes well under a second for /dev/zero and a FIFO (the work itself, without process start-up)', async () => {
    // Process start-up on a busy machine varies by seconds; the reading must not add to it.
    const h = harness({ cwd: dir });
    for (const file of ['/dev/zero', '/dev/urandom', 'pipe.yaml']) {
      const started = performance.now();
      const result = await h.run('validate', file);
      expect(result.code, file).toBe(1);
      expect(performance.now() - started, file).toBeLessThan(1000);
    }
  });

  it.each([
    ['a directory', 'manifests', 'manifests is a directory, not a manifest file: name the file inside it'],
    ['a symlink loop', 'loop-a.yaml', 'loop-a.yaml is a symbolic link that loops back on itself'],
    ['a socket', 'socket.yaml', 'socket.yaml is a socket or device, not a manifest file'],
    ['a missing file', 'nope.yaml', 'No manifest at nope.yaml: check the path'],
    ['a file below a file', 'ok.yaml/x.yaml', 'No manifest at ok.yaml/x.yaml: a part of the path'],
  ])('refuses %s with one clear line, exit 1', async (_, file, fragment) => {
    // Prepare
    const h = harness({ cwd: dir });
    // Act
    const result = await h.run('validate', file);
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(fragment);
    expect(result.stderr).not.toMatch(/\((EISDIR|ELOOP|ENXIO|ENOTDIR)\)/);
  });

  it('explains an unreadable file with the permission to fix (root reads any file, so by its code)', () => {
    expect(openErrorMessage('EACCES', 'locked.yaml')).toBe(
      "Cannot read locked.yaml: permission denied. Check the file's permissions (ls -l locked.yaml).",
    );
  });

  it('reads a manifest from stdin with -', async () => {
    const result = await runReal(['validate', '-'], 20_000, VALID_MANIFEST);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('✓ - is valid: acme/production');
  }, 30_000);

  it('stops reading an endless stdin one byte past 1 MiB and refuses it', async () => {
    // Prepare: a stream that never ends by itself.
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 65536;
        this.push(Buffer.alloc(65536, 0x61));
      },
    });
    // Act
    const bytes = await readCapped(endless);
    // Assess
    expect(bytes.length).toBe(READ_CAP);
    expect(produced).toBeLessThan(READ_CAP + 4 * 65536);
  });

  it('reports a file over 1 MiB as too large without reading it all', async () => {
    writeFileSync(join(dir, 'big.yaml'), Buffer.alloc(5 * 1024 * 1024, 0x20));
    const h = harness({ cwd: dir });
    const result = await h.run('validate', 'big.yaml');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the file is larger than the 1048576 bytes (1 MiB) a manifest may have');
  });
});
