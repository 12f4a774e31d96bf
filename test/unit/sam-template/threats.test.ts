import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCfnTemplate } from '#shared/cfn-yaml.ts';

/**
 * docs/security.md's threat table stays true: every control it names (`file#name`) exists where it
 * says (a logical id, a statement Sid or an output of a template; an identifier in TypeScript),
 * and every actor issue #13 names has a row.
 */

const DOC = readFileSync('docs/security.md', 'utf8');

function threatRows(): { actor: string; controls: string }[] {
  const start = DOC.indexOf('## Threats');
  const section = DOC.slice(start, DOC.indexOf('\n## ', start + 1));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| Actor') && !line.startsWith('|---'))
    .map((line) => {
      const cells = line.split(' | ');
      return { actor: cells[0]!.slice(2), controls: cells[2] ?? '' };
    });
}

/** Logical ids, statement Sids and output names of a template. */
function templateNames(file: string): Set<string> {
  const template = parseCfnTemplate(readFileSync(file, 'utf8'));
  const names = new Set([...Object.keys(template.Resources), ...Object.keys(template.Outputs ?? {})]);
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const sid = (value as Record<string, unknown>).Sid;
      if (typeof sid === 'string') names.add(sid);
      Object.values(value).forEach(visit);
    }
  };
  visit(template.Resources);
  return names;
}

function exists(reference: string): boolean {
  const [file, name] = reference.split('#') as [string, string];
  if (!existsSync(file)) return false;
  if (file.endsWith('.yaml')) return templateNames(file).has(name);
  return new RegExp(`\\b${name}\\b`).test(readFileSync(file, 'utf8'));
}

describe('the threat table of docs/security.md', () => {
  it('has a row for each actor: manifest author, bucket writer, CI role, app container, bastion user', () => {
    const actors = threatRows().map((r) => r.actor);
    for (const actor of ['Manifest author', 'Bucket writer', 'CI role', 'App container', 'Bastion user'])
      expect(
        actors.some((a) => a.startsWith(actor)),
        actor,
      ).toBe(true);
  });

  it('names only controls that exist, at least two per actor', () => {
    const rows = threatRows();
    const missing: string[] = [];
    for (const row of rows) {
      const references = [...row.controls.matchAll(/`([\w./-]+#\w+)`/g)].map((m) => m[1]!);
      expect(references.length, row.actor).toBeGreaterThanOrEqual(2);
      for (const reference of references) if (!exists(reference)) missing.push(`${row.actor}: ${reference}`);
    }
    expect(missing).toEqual([]);
  });

  it('names, for every actor, test files that exist and prove its row', () => {
    const start = DOC.indexOf('Proven by (');
    const list = DOC.slice(start, DOC.indexOf('\n## ', start));
    const files = [...list.matchAll(/`(test\/[\w./-]+\.test\.ts)`/g)].map((m) => m[1]!);
    expect(files.filter((f) => !existsSync(f))).toEqual([]);
    for (const actor of ['Manifest author', 'Bucket writer', 'CI role', 'App container', 'Bastion user'])
      expect(
        list
          .split('\n')
          .some((line) => line.toLowerCase().includes(actor.toLowerCase()) && /`test\//.test(line)),
        actor,
      ).toBe(true);
  });

  it('notices a control that is gone', () => {
    expect(exists('template.yaml#StageRoleBoundary')).toBe(true);
    expect(exists('template.yaml#NoSuchControl')).toBe(false);
    expect(exists('shared/manifest/rules.ts#checkSecretScope')).toBe(true);
    expect(exists('shared/manifest/rules.ts#checkNothing')).toBe(false);
  });
});
