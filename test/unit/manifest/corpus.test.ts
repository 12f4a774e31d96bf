import { describe, expect, it } from 'vitest';
import { parseDeployableManifest as parseManifest } from '#shared/manifest/deployable.ts';
import { buildCorpus } from './corpus.ts';

const corpus = buildCorpus();

describe('malformed manifest corpus', () => {
  it('holds at least 200 cases', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
  });

  it.each(corpus.map((c) => [c.name, c] as const))('rejects %s with a located, explained problem', (_, c) => {
    // Act
    const result = parseManifest(c.input, c.file);

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.length).toBeGreaterThan(0);
    for (const problem of result.problems) {
      expect(problem.file).toBe(c.file);
      expect(problem.message.trim()).not.toBe('');
      expect(problem.hint.trim()).not.toBe('');
      expect(problem.message).not.toMatch(/internal error/);
    }
    if (c.positioned) {
      expect(result.problems[0]!.line).toBeGreaterThanOrEqual(1);
      expect(result.problems[0]!.col).toBeGreaterThanOrEqual(1);
    }
    if (c.path !== undefined) expect(result.problems.map((p) => p.path)).toContain(c.path);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
