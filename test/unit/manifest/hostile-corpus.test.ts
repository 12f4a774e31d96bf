import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifestFile } from '#cli/manifest-file.ts';
import { parseDeployableManifest as parseManifest } from '#shared/manifest/deployable.ts';
import { buildHostileCorpus, type HostileCase } from './hostile-corpus.ts';

const corpus = buildHostileCorpus();
const dir = mkdtempSync(join(tmpdir(), 'stackdrop-hostile-'));
let socket: Server | undefined;

/** The path a special-file case reads. */
function specialPath(c: HostileCase): string {
  switch (c.special) {
    case 'directory':
      return join(dir, 'manifests');
    case 'fifo':
      return join(dir, 'pipe.yaml');
    case 'symlink-loop':
      return join(dir, 'loop-a.yaml');
    case 'socket':
      return join(dir, 'socket.yaml');
    case 'missing':
      return join(dir, 'missing.yaml');
    default:
      return c.special!;
  }
}

beforeAll(async () => {
  mkdirSync(join(dir, 'manifests'));
  spawnSync('mkfifo', [join(dir, 'pipe.yaml')]);
  symlinkSync(join(dir, 'loop-b.yaml'), join(dir, 'loop-a.yaml'));
  symlinkSync(join(dir, 'loop-a.yaml'), join(dir, 'loop-b.yaml'));
  socket = createServer();
  await new Promise<void>((resolve) => socket!.listen(join(dir, 'socket.yaml'), resolve));
}, 30_000);

afterAll(() => {
  socket?.close();
});

/** Every message a case produced: the one-line error of a special file, or each problem. */
async function outcome(c: HostileCase): Promise<{ ok: boolean; messages: string[] }> {
  if (c.special) {
    try {
      const result = await readManifestFile(specialPath(c), specialPath(c));
      return {
        ok: result.ok,
        messages: result.ok ? [] : result.problems.map((p) => `${p.message} ${p.hint}`),
      };
    } catch (error) {
      return { ok: false, messages: [(error as Error).message] };
    }
  }
  const result = parseManifest(c.input!, c.file ?? 'm.yaml');
  return {
    ok: result.ok,
    messages: result.ok ? [] : result.problems.map((p) => `${p.message} ${p.hint}`),
  };
}

describe('hostile-input corpus (issue 14)', () => {
  it('holds at least 300 cases across every group the issue names', () => {
    const groups = new Set(corpus.map((c) => c.group));
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    expect([...groups].sort()).toEqual(['arn', 'aws naming', 'boundary', 'encoding', 'special file', 'yaml']);
    expect(new Set(corpus.map((c) => `${c.group}: ${c.name}`)).size).toBe(corpus.length);
  });

  it.each(corpus.map((c) => [`${c.group}: ${c.name}`, c] as const))('%s', async (_, c) => {
    // Act
    const started = performance.now();
    const { ok, messages } = await outcome(c);
    // Assess: the verdict, a message that says what is wrong, and no crash or slow path.
    expect(performance.now() - started).toBeLessThan(2000);
    if (c.verdict === 'accept') {
      expect(messages).toEqual([]);
      expect(ok).toBe(true);
      return;
    }
    expect(ok).toBe(false);
    expect(messages.join('\n')).toContain(c.fragment);
    for (const m of messages) {
      expect(m).not.toMatch(/internal error|undefined|\[object Object\]|NaN/);
      expect(m.length).toBeLessThan(1200);
    }
  });
});
