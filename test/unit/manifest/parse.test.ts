import { describe, expect, it } from 'vitest';
import {
  formatProblem,
  MAX_MANIFEST_BYTES,
  ManifestInvalidError,
  parseManifest,
  parseManifestOrThrow,
  validateManifestObject,
} from '#shared/manifest/index.ts';
import { problemsOf as allProblemsOf, fixture } from './helpers.ts';

/**
 * These cases are about parsing and positions. Most inputs are fragments without a certificate, so
 * the HTTPS rule (app.certificateArn or app.allowPlainHttp, tested in rules.test.ts) is left out.
 */
const problemsOf = (result: Parameters<typeof allProblemsOf>[0]) =>
  allProblemsOf(result).filter((p) => p.path !== 'app.certificateArn');

const at = (problems: { path: string; line?: number; col?: number }[]) =>
  problems.map((p) => `${p.line}:${p.col} ${p.path}`);

describe('positions of problems', () => {
  it('reports every problem of a YAML file at once, each at its line and column', () => {
    // Act
    const problems = problemsOf(parseManifest(fixture('invalid/many-problems.yaml'), 'acme.yaml'));

    // Assess
    expect(at(problems)).toEqual([
      '2:10 project',
      '4:9 network.cidr',
      '6:12 database.readers',
      '10:13 app.web.memory',
      '12:14 app.environment.APP_KEY',
      '13:3 app.colour',
    ]);
    expect(problems.every((p) => p.file === 'acme.yaml' && p.message !== '' && p.hint !== '')).toBe(true);
  });

  it('maps the same problems in a JSON file to JSON positions', () => {
    // Act
    const problems = problemsOf(parseManifest(fixture('invalid/many-problems.json'), 'acme.json'));

    // Assess
    expect(at(problems)).toEqual([
      '3:14 project',
      '5:13 network.cidr',
      '7:28 database.readers',
      '9:37 app.web.memory',
      '10:33 app.environment.APP_KEY',
      '11:5 app.colour',
    ]);
  });

  it('points at the parent map when a required key is missing', () => {
    // Act
    const problems = problemsOf(
      parseManifest('version: 1\nproject: acme\napp:\n  workers:\n    - name: default\n', 'm.yaml'),
    );

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({
        line: 5,
        col: 7,
        path: 'app.workers[0].command',
        message: 'command is required',
      }),
    ]);
  });

  it('points at the start of the file when a top-level key is missing', () => {
    // Act
    const problems = problemsOf(parseManifest('version: 1\n', 'm.yaml'));

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({ line: 1, col: 1, path: 'project', message: 'project is required' }),
    ]);
  });

  it('points at the key of an empty value', () => {
    // Act
    const problems = problemsOf(parseManifest('version: 1\nproject: acme\nnetwork:\n', 'm.yaml'));

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({
        line: 3,
        col: 1,
        path: 'network',
        message: 'expected a map of keys, found nothing',
      }),
    ]);
    expect(problems[0]!.hint).toMatch(/remove the key to use the default/);
  });

  it('suggests the key that was probably meant', () => {
    // Act
    const problems = problemsOf(
      parseManifest('version: 1\nproject: acme\nnetwork: { availabilityZone: 2 }\n', 'm.yaml'),
    );

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({
        line: 3,
        col: 12,
        path: 'network.availabilityZone',
        message: 'unknown key "availabilityZone"',
        hint: 'did you mean availabilityZones?',
      }),
    ]);
  });

  it('explains quoted numbers and YAML 1.1 booleans', () => {
    // Act
    const problems = problemsOf(
      parseManifest(
        'version: 1\nproject: acme\napp:\n  redirectWww: yes\n  web: { cpu: "1024", memory: 2048 }\n',
        'm.yaml',
      ),
    );

    // Assess
    expect(problems.map((p) => [p.path, p.hint])).toEqual([
      ['app.redirectWww', 'write true or false without quotes (YAML 1.2 reads yes/no/on/off as text)'],
      ['app.web.cpu', 'write 1024 without quotes'],
    ]);
  });

  it('says which version this stackdrop reads', () => {
    // Act
    const problems = problemsOf(parseManifest('version: 2\nproject: acme\n', 'm.yaml'));

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({
        line: 1,
        col: 10,
        path: 'version',
        message: 'must be 1',
        hint: expect.stringMatching(/reads manifest version 1/),
      }),
    ]);
  });

  it('lists the allowed values of a union', () => {
    // Act
    const problems = problemsOf(
      parseManifest('version: 1\nproject: acme\napp: { logRetentionDays: 4 }\n', 'm.yaml'),
    );

    // Assess
    expect(problems[0]!.message).toBe('expected 1, 3, 5, 7, 14, 30, 60, 90, 180 or 365, found 4');
  });

  it('says what a union accepts when the value fits none of it', () => {
    // Act
    const problems = problemsOf(
      parseManifest('version: 1\nproject: acme\napp: { scheduler: 5 }\n', 'm.yaml'),
    );

    // Assess
    expect(problems[0]!.message).toBe('expected true or false, or a map of keys, found 5');
  });

  it('reports problems inside the scheduler map rather than just "not a boolean"', () => {
    // Act
    const problems = problemsOf(
      parseManifest('version: 1\nproject: acme\napp:\n  scheduler: { cpu: 256, every: 1m }\n', 'm.yaml'),
    );

    // Assess
    expect(problems).toEqual([expect.objectContaining({ path: 'app.scheduler.every', line: 4, col: 26 })]);
  });

  it('never echoes environment values in problems', () => {
    // Act
    const problems = problemsOf(
      parseManifest(
        'version: 1\nproject: acme\napp:\n  environment: { MAIL_FROM: "base64:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0" }\n',
        'm.yaml',
      ),
    );

    // Assess
    expect(JSON.stringify(problems)).not.toContain('c2VjcmV0');
  });
});

describe('hostile and broken input', () => {
  it('refuses a file over 1 MiB before parsing it', () => {
    // Prepare
    const big = `version: 1\nproject: acme\n# ${'x'.repeat(MAX_MANIFEST_BYTES)}\n`;

    // Act
    const problems = problemsOf(parseManifest(Buffer.from(big), 'big.yaml'));

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/more than the 1048576 bytes/);
  });

  it('refuses a string over 1 MiB in UTF-8 even when it is shorter in characters', () => {
    // Act
    const problems = problemsOf(parseManifest(`project: ${'é'.repeat(MAX_MANIFEST_BYTES / 2)}`, 'big.yaml'));

    // Assess
    expect(problems[0]!.message).toMatch(/more than the/);
  });

  it('names the first byte that is not UTF-8 and where it is', () => {
    // Prepare: "café" in Latin-1 on line 2
    const bytes = Buffer.concat([
      Buffer.from('version: 1\nproject: caf'),
      Buffer.from([0xe9]),
      Buffer.from('\n'),
    ]);

    // Act
    const problems = problemsOf(parseManifest(bytes, 'latin1.yaml'));

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({
        line: 2,
        col: 13,
        message: 'byte 0xe9 at offset 23 is not UTF-8',
        hint: expect.stringMatching(/save the file as UTF-8/),
      }),
    ]);
  });

  it('refuses overlong and surrogate UTF-8 encodings', () => {
    for (const bad of [
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe2, 0x82],
    ]) {
      const problems = problemsOf(parseManifest(Buffer.from([0x61, 0x3a, 0x20, ...bad]), 'x.yaml'));
      expect(problems[0]!.message).toMatch(/is not UTF-8/);
    }
  });

  it('recognises UTF-16', () => {
    // Prepare
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('version: 1\n', 'utf16le')]);

    // Act
    const problems = problemsOf(parseManifest(utf16, 'u16.yaml'));

    // Assess
    expect(problems[0]!.message).toMatch(/UTF-16/);
  });

  it('accepts a UTF-8 byte order mark, in bytes and in a string', () => {
    const yaml = '\uFEFFversion: 1\nproject: acme\napp: { allowPlainHttp: true }\n';
    expect(parseManifest(Buffer.from(yaml), 'bom.yaml').ok).toBe(true);
    expect(parseManifest(yaml, 'bom.yaml').ok).toBe(true);
    const json = '\uFEFF{"version": 1, "project": "acme", "app": {"allowPlainHttp": true}}';
    expect(parseManifest(Buffer.from(json), 'bom.json').ok).toBe(true);
  });

  it('refuses a string with a lone surrogate', () => {
    // Act
    const problems = problemsOf(parseManifest('version: 1\nproject: a\uD800b\n', 'x.yaml'));

    // Assess
    expect(problems[0]).toMatchObject({
      line: 2,
      col: 11,
      message: expect.stringMatching(/not valid Unicode/),
    });
  });

  it('stops an alias bomb', () => {
    // Prepare
    const rows = ['version: 1', 'project: acme', 'a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [name, prev] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
      ['f', 'e'],
    ]) {
      rows.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }

    // Act
    const problems = problemsOf(parseManifest(rows.join('\n'), 'bomb.yaml'));

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({ message: 'aliases expand to too much data', line: 4, col: 8 }),
    ]);
  });

  it('allows a few plain aliases', () => {
    // Act
    const result = parseManifest(
      'version: 1\nproject: acme\napp:\n  allowPlainHttp: true\n  release: &migrate [php, artisan, migrate, --force]\n  workers: [{ name: once, command: *migrate, desiredCount: 0 }]\n',
      'alias.yaml',
    );

    // Assess
    expect(result.ok).toBe(true);
  });

  it('refuses duplicate keys, pointing at the second', () => {
    // Act
    const problems = problemsOf(parseManifest('version: 1\nproject: acme\nproject: other\n', 'dup.yaml'));

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({
        line: 3,
        col: 1,
        path: 'project',
        message: 'duplicate key "project"',
        hint: expect.stringMatching(/at line 2/),
      }),
    ]);
  });

  it('refuses duplicate keys in JSON, which JSON.parse would silently accept', () => {
    // Act
    const problems = problemsOf(
      parseManifest('{"version": 1, "project": "a1", "project": "b2"}', 'dup.json'),
    );

    // Assess
    expect(problems[0]).toMatchObject({ line: 1, col: 33, message: 'duplicate key "project"' });
  });

  it('refuses several YAML documents in one file', () => {
    // Act
    const problems = problemsOf(
      parseManifest('version: 1\nproject: acme\n---\nversion: 1\nproject: evil\n', 'multi.yaml'),
    );

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({ line: 3, message: 'the file holds 2 YAML documents' }),
    ]);
  });

  it('refuses a top level that is not a map', () => {
    for (const source of ['- version: 1\n', 'just text\n', '42\n', '[1, 2]\n']) {
      const problems = problemsOf(parseManifest(source, 'x.yaml'));
      expect(problems).toEqual([
        expect.objectContaining({ line: 1, col: 1, message: expect.stringMatching(/must be a map of keys/) }),
      ]);
    }
  });

  it('refuses an empty file and a file of comments', () => {
    for (const source of ['', '   \n', '# nothing\n', '---\n']) {
      expect(problemsOf(parseManifest(source, 'e.yaml'))[0]!.message).toBe('the file is empty');
    }
  });

  it('refuses deep flow nesting quickly, before the YAML parser sees it', () => {
    // Prepare
    const deep = `version: 1\nproject: acme\napp: ${'['.repeat(500_000)}${']'.repeat(500_000)}\n`;

    // Act
    const problems = problemsOf(parseManifest(deep, 'deep.yaml'));

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({ line: 3, col: 38, message: 'nesting is deeper than 32 levels' }),
    ]);
  });

  it('does not count brackets inside quotes and comments as nesting', () => {
    // Act
    const result = parseManifest(
      `version: 1\nproject: acme # ${'['.repeat(40)}\napp:\n  allowPlainHttp: true\n  environment: { NOTE: "${'['.repeat(40)}", OTHER: '${'{'.repeat(40)}' }\n`,
      'q.yaml',
    );

    // Assess
    expect(result.ok).toBe(true);
  });

  it('refuses deep block nesting', () => {
    // Prepare
    const lines = ['version: 1', 'project: acme'];
    for (let depth = 0; depth < 40; depth++) lines.push(`${'  '.repeat(depth)}k${depth}:`);
    lines.push(`${'  '.repeat(40)}v: 1`);

    // Act
    const problems = problemsOf(parseManifest(lines.join('\n'), 'deep.yaml'));

    // Assess
    expect(problems[0]!.message).toBe('nesting is deeper than 32 levels');
  });

  it('refuses a file with more YAML tokens than any manifest has, before composing it', () => {
    // Act
    const problems = problemsOf(
      parseManifest(`version: 1\nproject: acme\n${']'.repeat(1_000_000)}`, 'junk.yaml'),
    );

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({ line: 3, message: 'the file has more than 20,000 YAML tokens' }),
    ]);
  });

  it('refuses deep nesting written as compact sequences on one line', () => {
    // Act
    const problems = problemsOf(
      parseManifest(`version: 1\nproject: acme\napp:\n  ${'- '.repeat(5000)}x\n`, 'd.yaml'),
    );

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({ line: 4, message: 'nesting is deeper than 32 levels' }),
    ]);
  });

  it('accepts a long manifest full of comments', () => {
    // Prepare
    const source = `${fixture('valid/full.yaml').toString('utf8')}${'# a comment line\n'.repeat(3000)}`;

    // Act
    const result = parseManifest(source, 'long.yaml');

    // Assess
    expect(result.ok).toBe(true);
  });

  it('refuses control characters in the source, with their position', () => {
    // Act
    const problems = problemsOf(parseManifest('version: 1\nproject: ac\u0000me\n', 'c.yaml'));

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({ line: 2, col: 12, message: 'control character U+0000 is not allowed' }),
    ]);
  });

  it('refuses control characters that arrive through escapes', () => {
    // Act
    const problems = problemsOf(
      parseManifest('version: 1\nproject: acme\napp:\n  release: ["php\\u0000", x]\n', 'c.yaml'),
    );

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({
        line: 4,
        col: 13,
        message: 'control character U+0000 is not allowed in a value',
      }),
    ]);
  });

  it('refuses invisible bidirectional controls', () => {
    // Act
    const problems = problemsOf(parseManifest('version: 1\nproject: acme\u202E\n', 'b.yaml'));

    // Assess
    expect(problems[0]!.message).toMatch(/bidirectional-text control U\+202E/);
  });

  it('refuses huge numbers without losing the position', () => {
    // Act
    const problems = problemsOf(
      parseManifest(
        'version: 1\nproject: acme\ndatabase: { readers: 1e400, backupRetentionDays: 123456789012345678901234567890 }\n',
        'n.yaml',
      ),
    );

    // Assess
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['database.readers', 'expected a number, found an infinite number'],
      ['database.backupRetentionDays', 'must be at most 35, found 1.2345678901234568e+29'],
    ]);
  });

  it('refuses __proto__ and constructor keys without polluting any prototype', () => {
    // Act
    const yaml = parseManifest(
      'version: 1\nproject: acme\n__proto__: { polluted: true }\napp: { constructor: { polluted: true } }\n',
      'p.yaml',
    );
    const json = parseManifest(
      '{"version": 1, "project": "acme", "__proto__": {"polluted": true}}',
      'p.json',
    );

    // Assess
    expect(problemsOf(yaml).map((p) => [p.line, p.col, p.message])).toEqual([
      [3, 1, 'the key __proto__ is not allowed'],
    ]);
    expect(problemsOf(json).map((p) => p.message)).toEqual(['the key __proto__ is not allowed']);
    expect(
      problemsOf(parseManifest('{"version": 1, "project": "acme", "app": {"constructor": 1}}', 'c.json'))[0]!
        .path,
    ).toBe('app.constructor');
    expect(
      problemsOf(
        parseManifest(
          '{"version": 1, "project": "acme", "app": {"environment": {"__proto__": "x"}}}',
          'e.json',
        ),
      ),
    ).toEqual([expect.objectContaining({ line: 1, col: 59, message: 'the key __proto__ is not allowed' })]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses YAML tags', () => {
    // Act
    const problems = problemsOf(parseManifest('version: 1\nproject: !Ref Project\n', 't.yaml'));

    // Assess
    expect(problems[0]).toMatchObject({ line: 2, col: 10, hint: expect.stringMatching(/remove the tag/) });
  });

  it('explains JSON syntax errors at their position', () => {
    // Act
    const problems = problemsOf(parseManifest('{\n  "version": 1,\n  "project": "acme",\n}\n', 'm.json'));

    // Assess
    expect(problems).toEqual([
      expect.objectContaining({ line: 4, col: 1, message: expect.stringMatching(/^invalid JSON/) }),
    ]);
  });

  it('detects JSON by content when the name has no extension', () => {
    // Act
    const problems = problemsOf(parseManifest('{"version": 1, "project": "acme",}', 'stdin'));

    // Assess
    expect(problems[0]!.message).toMatch(/^invalid JSON/);
  });

  it('caps the number of problems reported for a hostile file', () => {
    // Prepare
    const source = [
      'version: 1',
      'project: acme',
      ...Array.from({ length: 300 }, (_, i) => `junk${i}: 1`),
    ].join('\n');

    // Act
    const problems = allProblemsOf(parseManifest(source, 'junk.yaml'));

    // Assess
    expect(problems).toHaveLength(101);
    // 300 unknown keys and no certificate (the HTTPS rule): 301 problems, 100 shown.
    expect(problems[100]!.message).toBe('… and 201 more problems');
  });
});

describe('reporting', () => {
  it('formats a problem like a compiler message', () => {
    expect(
      formatProblem({
        file: 'acme.yaml',
        line: 4,
        col: 9,
        path: 'network.cidr',
        message: 'has host bits set',
        hint: 'write 10.40.0.0/16',
      }),
    ).toBe('acme.yaml:4:9: network.cidr: has host bits set\n  hint: write 10.40.0.0/16');
    expect(formatProblem({ file: 'big.yaml', path: '', message: 'too large', hint: 'check' })).toBe(
      'big.yaml: too large\n  hint: check',
    );
  });

  it('throws ManifestInvalidError with every problem from parseManifestOrThrow', () => {
    // Act
    const act = () => parseManifestOrThrow(fixture('invalid/many-problems.yaml'), 'acme.yaml');

    // Assess
    expect(act).toThrow(ManifestInvalidError);
    try {
      act();
    } catch (error) {
      // The six of the fixture, and no certificate (the HTTPS rule).
      expect((error as ManifestInvalidError).problems).toHaveLength(7);
      expect((error as Error).message).toMatch(
        /^acme\.yaml is not a valid stackdrop manifest \(7 problems\):\nacme\.yaml:2:10: project:/,
      );
    }
  });

  it('returns the manifest from parseManifestOrThrow when it is valid', () => {
    expect(
      parseManifestOrThrow('version: 1\nproject: acme\napp: { allowPlainHttp: true }\n', 'm.yaml').app
        .repository,
    ).toBe('acme-production');
  });

  it('applies the cross-field rules in validateManifestObject too', () => {
    // Act
    const act = () => validateManifestObject({ version: 1, project: 'acme', database: { readers: 2 } });

    // Assess
    expect(act).toThrow(/database\.readers: 2 readers do not fit in 2 availability zones/);
  });
});
