import * as z from 'zod';
import { ManifestObjectSchema } from './schema.ts';

/** Where the generated schema lives in the repository. */
export const MANIFEST_JSON_SCHEMA_FILE = 'schema/manifest.v1.json';

/**
 * The editor JSON Schema of manifest v1, from the same zod schema the validator uses (input side,
 * so fields with defaults are optional). Cross-field rules cannot be expressed in it; the
 * descriptions say what they are.
 */
export function manifestJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ManifestObjectSchema, {
    io: 'input',
    target: 'draft-7',
    unrepresentable: 'throw',
  }) as Record<string, unknown>;
  const { $schema, ...rest } = schema;
  return { $schema, title: 'stackdrop manifest v1', ...rest };
}

/** The committed file's exact text: pretty-printed JSON with a trailing newline. */
export function renderManifestJsonSchema(): string {
  return `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`;
}
