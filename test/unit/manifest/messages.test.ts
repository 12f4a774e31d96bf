import { describe, expect, it } from 'vitest';
import { countProblems, parseManifest, problemsHeader } from '#shared/manifest/index.ts';

/** The problems of a manifest that must be invalid. */
function problemsOf(input: string | Uint8Array, file = 'stackdrop.yaml') {
  const result = parseManifest(input, file);
  if (result.ok) throw new Error('expected the manifest to be invalid');
  // The HTTPS rule's problem (no certificate, plain HTTP not accepted) is not what these cases test.
  return result.problems.filter((p) => !p.message.startsWith('no certificate:'));
}

const BASE = 'version: 1\nproject: acme\n';

describe('manifest problems read as a person would want', () => {
  it('names UTF-16 without a byte order mark instead of listing U+0000 characters', () => {
    const problems = problemsOf(Buffer.from(BASE, 'utf16le'));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toBe(
      'the file is UTF-16 (little-endian) without a byte order mark, not UTF-8',
    );
    expect(problems[0]!.hint).toContain('save the file as UTF-8');
  });

  it('names big-endian UTF-16 and UTF-32 without a byte order mark too', () => {
    const be = Buffer.from(BASE, 'utf16le').swap16();
    expect(problemsOf(be)[0]!.message).toContain('UTF-16 (big-endian)');
    const utf32 = Buffer.alloc(BASE.length * 4);
    for (let i = 0; i < BASE.length; i++) utf32[i * 4] = BASE.charCodeAt(i);
    expect(problemsOf(utf32)[0]!.message).toContain('UTF-32 (little-endian)');
  });

  it('reports an undefined alias as such, at the alias', () => {
    const problems = problemsOf('version: 1\nproject: *nope\n');
    expect(problems).toEqual([
      expect.objectContaining({
        line: 2,
        col: 10,
        message: 'the alias *nope refers to no anchor',
        hint: 'define the anchor (&nope) on a value above this line, or write the value out',
      }),
    ]);
  });

  it('still reports an alias bomb as too much data', () => {
    const bomb = `version: 1\nproject: acme\na: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from(
      { length: 12 },
      (_, i) =>
        `b${i}: &b${i} [${Array(10)
          .fill(i === 0 ? '*a' : `*b${i - 1}`)
          .join(', ')}]`,
    ).join('\n')}\n`;
    expect(problemsOf(bomb)[0]!.message).toBe('aliases expand to too much data');
  });

  it('explains CR-only line endings instead of a syntax error', () => {
    const problems = problemsOf('version: 1\rproject: acme\rnetwork:\r  cidr: 10.40.0.0/16\r');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toBe('the file uses carriage returns (CR) alone as line endings');
    expect(problems[0]!.hint).toContain('LF (Unix) or CRLF (Windows)');
  });

  it('accepts CRLF line endings', () => {
    expect(
      parseManifest('version: 1\r\nproject: acme\r\napp: { allowPlainHttp: true }\r\n', 'a.yaml').ok,
    ).toBe(true);
  });

  it('explains indentation with non-breaking spaces, on its line', () => {
    const problems = problemsOf('version: 1\nproject: acme\nnetwork:\n\u00a0\u00a0cidr: 10.40.0.0/16\n');
    expect(problems).toEqual([
      expect.objectContaining({
        line: 4,
        message:
          'the line is indented with a non-breaking space (U+00A0), which YAML does not count as indentation',
      }),
    ]);
  });

  it('cuts a 10,000-character name in the message and says how long it was', () => {
    const problems = problemsOf(`version: 1\nproject: ${'a'.repeat(10_000)}\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain('…" (10000 characters) is not valid');
    for (const p of problems) expect(p.message.length + p.hint.length + p.path.length).toBeLessThan(600);
  });

  it('cuts a 1,000-character key in the message and path', () => {
    const problems = problemsOf(`version: 1\nproject: acme\n${'k'.repeat(1000)}: 1\n`);
    expect(problems[0]!.message).toContain('(1000 characters)');
    expect(problems[0]!.path.length).toBeLessThan(100);
  });

  it('suggests the key a transposition away (projcet → project), also on the missing key', () => {
    const problems = problemsOf('version: 1\nprojcet: acme\n');
    expect(problems.map((p) => [p.path, p.message, p.hint.split('. ')[0]])).toEqual([
      ['project', 'project is required', 'you wrote projcet: rename it to project'],
      ['projcet', 'unknown key "projcet"', 'did you mean project?'],
    ]);
  });

  it('says a missing version is required rather than "must be 1"', () => {
    const problems = problemsOf('project: acme\n');
    expect(problems).toEqual([
      expect.objectContaining({
        path: 'version',
        message: 'version is required',
        hint: 'start the manifest with the line version: 1 (the manifest format this stackdrop reads)',
      }),
    ]);
    expect(problemsOf('version: 2\nproject: acme\n')[0]!.message).toBe('must be 1');
  });

  it('counts the problems in the header as the list does', () => {
    const lines = Array.from({ length: 150 }, (_, i) => `    bad-${i}: x`).join('\n');
    const problems = problemsOf(`${BASE}app:\n  allowPlainHttp: true\n  environment:\n${lines}\n`);
    expect(problems).toHaveLength(101);
    expect(countProblems(problems)).toBe(150);
    expect(problemsHeader('a.yaml', problems)).toBe('a.yaml: 150 problems (the first 100 listed)');
    expect(problems.at(-1)!.message).toBe('… and 50 more problems');
  });

  it('counts every control character, listing the first ten', () => {
    const problems = problemsOf(`${BASE}x: "${'\u0001'.repeat(25)}"\n`);
    expect(problemsHeader('a.yaml', problems)).toBe('a.yaml: 25 problems (the first 10 listed)');
  });

  it('hints to quote an unquoted deployTag: 1.10, showing it as typed', () => {
    const problems = problemsOf(`${BASE}app:\n  allowPlainHttp: true\n  deployTag: 1.10\n`);
    expect(problems[0]!.hint).toBe(
      'YAML reads 1.10 as the number 1.1: quote it to keep it as text, exactly as typed: deployTag: "1.10"',
    );
  });

  it('hints to quote a tag YAML reads as true/false', () => {
    const problems = problemsOf(`${BASE}app:\n  allowPlainHttp: true\n  deployTag: true\n`);
    expect(problems[0]!.hint).toContain('YAML reads true as a true/false value: quote it');
  });
});
