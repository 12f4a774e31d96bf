// Bundles every functions/<name>/index.ts into dist/<name>/index.mjs, as `sam build` does with the
// esbuild Metadata in template.yaml, and reports each bundle's size against the 300 KB budget.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const BUDGET_BYTES = 300 * 1024;
const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);
const names = readdirSync(join(root, 'functions')).filter(
  (name) =>
    existsSync(join(root, 'functions', name, 'index.ts')) && (only.length === 0 || only.includes(name)),
);

let over = 0;
for (const name of names) {
  const outfile = join(root, 'dist', name, 'index.mjs');
  await build({
    entryPoints: [join(root, 'functions', name, 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    // Prefer the SDK's ES modules: CommonJS cannot be tree-shaken.
    mainFields: ['module', 'main'],
    format: 'esm',
    target: 'node24',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
    // ESM bundles of CommonJS dependencies still call require().
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  });
  const size = statSync(outfile).size;
  const flag = size > BUDGET_BYTES ? '  OVER BUDGET' : '';
  if (flag) over++;
  console.log(`${name.padEnd(20)} ${(size / 1024).toFixed(1).padStart(7)} KB${flag}`);
}
if (over > 0) {
  console.error(`${over} bundle(s) exceed ${BUDGET_BYTES / 1024} KB`);
  process.exit(1);
}
