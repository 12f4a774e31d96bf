import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANIFEST_JSON_SCHEMA_FILE, renderManifestJsonSchema } from '#shared/manifest/json-schema.ts';
import { SUPPORTED_ENGINE_VERSIONS } from '#shared/manifest/limits.ts';
import { DEFAULT_ENGINE_VERSIONS } from '#shared/render.ts';

const root = join(import.meta.dirname, '..', '..', '..');

type Node = {
  description?: string;
  properties?: Record<string, Node>;
  items?: Node;
  anyOf?: Node[];
  additionalProperties?: Node | boolean;
  required?: string[];
};

/** Every property path of the schema, e.g. `app.web.autoscaling.min`, `app.workers[].name`. */
function fieldPaths(node: Node, prefix = ''): { path: string; node: Node }[] {
  const out: { path: string; node: Node }[] = [];
  const visit = (n: Node, p: string) => {
    for (const [key, child] of Object.entries(n.properties ?? {})) {
      const path = p ? `${p}.${key}` : key;
      out.push({ path, node: child });
      visit(child, path);
      if (child.items) visit(child.items, `${path}[]`);
      for (const branch of child.anyOf ?? []) visit(branch, path);
    }
  };
  visit(node, prefix);
  return out;
}

const committed = readFileSync(join(root, MANIFEST_JSON_SCHEMA_FILE), 'utf8');
const schema = JSON.parse(committed) as Node;

describe('editor JSON Schema', () => {
  it('is committed exactly as npm run schema generates it', () => {
    expect(committed).toBe(renderManifestJsonSchema());
  });

  it('describes every field, so editors show help', () => {
    const undocumented = fieldPaths(schema)
      .filter(({ node }) => !node.description)
      .map(({ path }) => path);
    expect(undocumented).toEqual([]);
  });

  it('requires only version and project at the top level (everything else has a default)', () => {
    expect(schema.required).toEqual(['version', 'project']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('offers app.architecture x86_64 or arm64, x86_64 by default, and caps workers only by AWS limits', () => {
    const app = (schema.properties as Record<string, { properties: Record<string, Record<string, unknown>> }>)
      .app!.properties;
    expect(app.architecture).toMatchObject({ enum: ['x86_64', 'arm64'], default: 'x86_64' });
    expect(app.workers).not.toHaveProperty('maxItems');
  });

  it('accepts the engine versions stackdrop pins as explicit engineVersion values', () => {
    for (const [engine, version] of Object.entries(DEFAULT_ENGINE_VERSIONS)) {
      expect(
        SUPPORTED_ENGINE_VERSIONS[engine as keyof typeof SUPPORTED_ENGINE_VERSIONS].pattern.test(version),
      ).toBe(true);
    }
  });
});

describe('docs/manifest.md', () => {
  const docs = readFileSync(join(root, 'docs', 'manifest.md'), 'utf8');

  it('documents every field of the schema', () => {
    const missing = fieldPaths(schema)
      .map(({ path }) => path)
      .filter((path) => path !== '$schema')
      .filter((path) => !docs.includes(`\`${path}\``));
    expect(missing).toEqual([]);
  });

  it('names the engine versions stackdrop pins', () => {
    for (const version of Object.values(DEFAULT_ENGINE_VERSIONS)) expect(docs).toContain(`\`${version}\``);
  });
});
