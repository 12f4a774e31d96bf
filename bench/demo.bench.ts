// Real (wall-clock) time of `npm start` (local/demo.ts) and of the end-to-end suite (test/e2e),
// each in fresh processes as a user or CI runs them. Writes bench/results/demo.md.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { median, provenance, ROOT, range, writeResults } from './lib.ts';

const RUNS = 5;
/**
 * Runs of the e2e suite. It is also inside the whole suite that bench/test-suite.bench.ts times
 * (per directory), and on a busy 2-core machine one run takes minutes: once by default.
 */
const E2E_RUNS = Number(process.env.BENCH_E2E_RUNS ?? 1);

function timed(command: string, args: string[]): { ms: number; ok: boolean; output: string } {
  const start = performance.now();
  const run = spawnSync(command, args, {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', CI: '1' },
    encoding: 'utf8',
  });
  return { ms: performance.now() - start, ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const demo: number[] = [];
const e2e: number[] = [];
let failures = 0;
let e2eFailures = 0;
for (let i = 0; i < Math.max(RUNS, E2E_RUNS); i++) {
  if (i < RUNS) {
    const d = timed(process.execPath, ['local/demo.ts']);
    if (!d.ok) {
      failures++;
      process.stderr.write(d.output);
    }
    demo.push(d.ms);
    process.stdout.write(`run ${i + 1}: demo ${seconds(d.ms)}${d.ok ? '' : ' (FAILED)'}\n`);
  }
  if (i < E2E_RUNS) {
    const t = timed(process.execPath, [resolve(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', 'test/e2e']);
    if (!t.ok) {
      e2eFailures++;
      process.stderr.write(t.output.slice(-3000));
    }
    e2e.push(t.ms);
    process.stdout.write(`run ${i + 1}: e2e ${seconds(t.ms)}${t.ok ? '' : ' (FAILED)'}\n`);
  }
}
const lines = [
  '# Demo and end-to-end suite: real time',
  '',
  ...provenance('demo'),
  `- ${RUNS} runs of \`node local/demo.ts\` (what \`npm start\` runs; NO_COLOR) and ${E2E_RUNS} of \`vitest run test/e2e\` (BENCH_E2E_RUNS), each a fresh process.`,
  '  Wall time includes Node start-up, loading the AWS SDK and the functions, and the whole simulated story',
  '  (about an hour of AWS time per demo). The cores are shared with other jobs while this runs.',
  '',
  '## Result',
  '',
  '| measure | median | min – max | target |',
  '|---|---|---|---|',
  `| demo (\`npm start\`), wall time | ${seconds(median(demo))} | ${range(demo, seconds)} | ≤ 20 s |`,
  e2e.length
    ? `| e2e suite (test/e2e), wall time | ${seconds(median(e2e))} | ${range(e2e, seconds)} | < 60 s |`
    : '| e2e suite (test/e2e), wall time | not run (BENCH_E2E_RUNS=0; bench/results/test-suite.md times test/e2e within the whole suite) | — | < 60 s |',
  '',
  failures ? `${failures} run(s) failed; see the benchmark's output.` : 'Every demo run exited 0.',
  e2eFailures
    ? `e2e suite: ${e2eFailures} of ${E2E_RUNS} run(s) had failing tests; see the benchmark's output.`
    : 'Every e2e suite run passed.',
  '',
];
writeResults('demo', lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(failures === 0 && median(demo) <= 20_000 ? 0 : 1);
