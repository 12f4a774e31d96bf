import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appTemplateBody } from '#shared/synth/app/index.ts';
import { synthesisCorpus } from '#test/helpers/synth-corpus.ts';

/**
 * Writes synthesised app templates for `npm run lint:iac`. By default a documented sample (cfn-lint
 * takes about a second of CPU per large template): the corpus's two extremes (everything on at 20
 * workers / 80 variables / 40 secrets, everything off at 0/0/0) and every eighth manifest, 8 of 56.
 * With `--all`, every manifest of the corpus (56 templates: about 72 s of CPU in cfn-lint, measured
 * 2026-12-07, all passing).
 * Usage: node scripts/write-synth-sample.ts <directory> [--all]
 */
const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/write-synth-sample.ts <directory> [--all]');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
const all = process.argv.includes('--all');
const sample = synthesisCorpus().filter((_, i) => all || i < 2 || i % 8 === 0);
for (const [i, entry] of sample.entries()) {
  writeFileSync(join(dir, `app-${String(i).padStart(2, '0')}.json`), appTemplateBody(entry.manifest));
}
console.log(`wrote ${sample.length} synthesised app templates to ${dir}`);
