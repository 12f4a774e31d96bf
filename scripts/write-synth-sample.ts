import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appTemplateBody } from '#shared/synth/app/index.ts';
import { synthesisCorpus } from '#test/helpers/synth-corpus.ts';

/**
 * Writes a documented sample of synthesised app templates for `npm run lint:iac` (cfn-lint takes
 * about a second per large template, so not all 56): the corpus's two extremes (everything on at
 * 20 workers / 80 variables / 40 secrets, everything off at 0/0/0) and every eighth manifest.
 * Usage: node scripts/write-synth-sample.ts <directory>
 */
const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/write-synth-sample.ts <directory>');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
const sample = synthesisCorpus().filter((_, i) => i < 2 || i % 8 === 0);
for (const [i, entry] of sample.entries()) {
  writeFileSync(join(dir, `app-${String(i).padStart(2, '0')}.json`), appTemplateBody(entry.manifest));
}
console.log(`wrote ${sample.length} synthesised app templates to ${dir}`);
