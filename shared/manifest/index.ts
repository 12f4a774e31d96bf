import { type Manifest, ManifestObjectSchema } from './schema.ts';

export type { Manifest, ManifestInput } from './schema.ts';

/**
 * Validates an already-parsed manifest object. Provisional: the manifest module replaces this with
 * file:line:col diagnostics and cross-field rules (parseManifest).
 */
export function validateManifestObject(value: unknown): Manifest {
  return ManifestObjectSchema.parse(value);
}
