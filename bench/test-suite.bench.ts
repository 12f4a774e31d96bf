// Wall time of the whole test suite (`npx vitest run`, what `npm test` runs), 5 runs, each a fresh
// process; per-directory time from vitest's JSON report. Writes bench/results/test-suite.md.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { median, provenance, ROOT, range, writeResults } from './lib.ts';

const RUNS = Number(process.env.BENCH_SUITE_RUNS ?? 5);
const TARGET_S = 180;

interface Report {
  numTotalTests: number;
  numFailedTests: number;
  testResults: Array<{ name: string; startTime: number; endTime: number; status: string }>;
}

const walls: number[] = [];
const failures: number[] = [];
const tests: number[] = [];
const byDir = new Map<string, number[]>();
const scratch = mkdtempSync(join(tmpdir(), 'suite-bench-'));
for (let i = 0; i < RUNS; i++) {
  const out = join(scratch, `run-${i}.json`);
  const start = performance.now();
  spawnSync(join(ROOT, 'node_modules/.bin/vitest'), ['run', '--reporter=json', `--outputFile=${out}`], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  walls.push((performance.now() - start) / 1000);
  const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
  failures.push(report.numFailedTests);
  tests.push(report.numTotalTests);
  const dirs = new Map<string, number>();
  for (const file of report.testResults) {
    const parts = relative(ROOT, file.name).split('/');
    const dir = parts.slice(0, parts[1] === 'unit' || parts[1] === 'integration' ? 3 : 2).join('/');
    dirs.set(dir, (dirs.get(dir) ?? 0) + (file.endTime - file.startTime) / 1000);
  }
  for (const [dir, s] of dirs) byDir.set(dir, [...(byDir.get(dir) ?? []), s]);
  process.stdout.write(
    `run ${i + 1}: ${walls.at(-1)!.toFixed(1)} s, ${report.numTotalTests} tests, ${report.numFailedTests} failed\n`,
  );
}
rmSync(scratch, { recursive: true, force: true });

const fmt = (xs: number[]) => `${median(xs).toFixed(1)} s | ${range(xs, (x) => x.toFixed(1))} s`;
const wall = median(walls);
const lines = [
  '# Full test suite: wall time',
  '',
  ...provenance('test-suite', '(runs `vitest run --reporter=json` — the suite `npm test` runs)'),
  `- ${RUNS} runs, each a fresh process; wall time includes vitest start-up and collection. The cores are shared with`,
  '  other jobs while this runs, which accounts for most of the spread.',
  '',
  '## Result',
  '',
  '| measure | median | min – max |',
  '|---|---|---|',
  `| whole suite, wall time (target ≤ 3 min) | ${fmt(walls)} |`,
  ...[...byDir.entries()]
    .sort((a, b) => median(b[1]) - median(a[1]))
    .map(([dir, xs]) => `| ${dir}, summed file time | ${fmt(xs)} |`),
  '',
  `Tests per run: ${[...new Set(tests)].join(', ')}; failed per run: ${failures.join(', ')}.`,
  `Target ≤ ${TARGET_S} s: ${wall <= TARGET_S ? `met (${(TARGET_S - wall).toFixed(0)} s to spare)` : `missed by ${(wall - TARGET_S).toFixed(0)} s`}.`,
  'File times are summed per directory; files run in parallel (vitest forks, one per core), so they add up to more than',
  'the wall time.',
  '',
];
writeResults('test-suite', lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(wall <= TARGET_S ? 0 : 1);
