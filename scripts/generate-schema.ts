// Writes schema/manifest.v1.json from the zod schema (npm run schema). A unit test fails when the
// committed file differs from what this produces, so the two cannot drift apart.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_JSON_SCHEMA_FILE, renderManifestJsonSchema } from '#shared/manifest/json-schema.ts';

const target = join(import.meta.dirname, '..', MANIFEST_JSON_SCHEMA_FILE);
writeFileSync(target, renderManifestJsonSchema());
console.log(`wrote ${MANIFEST_JSON_SCHEMA_FILE}`);
