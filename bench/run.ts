// Runs every bench/*.bench.ts in turn (each writes bench/results/<name>.md), then writes
// bench/results/summary.md (bench/summary.ts); fails if any benchmark does.
// `npm run bench -- makespan rollout` runs only the benchmarks whose file name contains a filter.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const filter = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filter.length === 0 || filter.some((name) => f.includes(name)))
  .sort();
const failed: string[] = [];
const started = performance.now();
for (const file of files) {
  console.log(`\n== ${file}`);
  const t = performance.now();
  const run = spawnSync(process.execPath, [join(dir, file)], { stdio: 'inherit' });
  if (run.status !== 0) failed.push(file);
  console.log(`== ${file}: exit ${run.status}, ${((performance.now() - t) / 1000).toFixed(0)} s`);
}
console.log('\n== summary.ts');
spawnSync(process.execPath, [join(dir, 'summary.ts')], { stdio: 'inherit' });
console.log(
  `\n${files.length - failed.length} benchmark(s) passed, ${failed.length} failed${failed.length ? ` (${failed.join(', ')})` : ''} in ${((performance.now() - started) / 1000).toFixed(0)} s; results in bench/results/`,
);
process.exit(failed.length > 0 ? 1 : 0);
