// Real (wall-clock) time of the `stackdrop` command as a person runs it, each in a fresh process:
// start-up (`--version`), `validate`, `rehearse --estimate`, and a full `rehearse` with the
// "deploy crashes" fault (a private local cloud, stackdrop deployed on it, provisioning and a failed
// deploy on the virtual clock). Writes bench/results/cli.md.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { median, provenance, ROOT, range, writeResults } from './lib.ts';

const BIN = resolve(ROOT, 'bin/stackdrop.mjs');
const MANIFEST = 'examples/laravel/stackdrop.yaml';
const RUNS = 5;

const CASES: Array<{ name: string; args: string[]; exit: number }> = [
  { name: '`stackdrop --version` (start-up)', args: ['--version'], exit: 0 },
  { name: '`stackdrop validate`', args: ['validate', MANIFEST], exit: 0 },
  { name: '`stackdrop rehearse --estimate`', args: ['rehearse', MANIFEST, '--estimate'], exit: 0 },
  {
    name: '`stackdrop rehearse --fault "deploy crashes"`',
    args: ['rehearse', MANIFEST, '--fault', 'deploy crashes'],
    exit: 2,
  },
];

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

let failures = 0;
const rows: string[] = [];
for (const c of CASES) {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const run = spawnSync(process.execPath, [BIN, ...c.args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' },
      encoding: 'utf8',
    });
    times.push(performance.now() - start);
    if (run.status !== c.exit) {
      failures++;
      process.stderr.write(`${c.name}: exit ${run.status}, expected ${c.exit}\n${run.stderr.slice(-2000)}\n`);
    }
  }
  process.stdout.write(`${c.name}: ${times.map(seconds).join(', ')}\n`);
  rows.push(`| ${c.name} | ${seconds(median(times))} | ${range(times, seconds)} |`);
}

const lines = [
  '# The stackdrop command: real time',
  '',
  ...provenance('cli'),
  `- ${RUNS} runs of each, every run a fresh \`node bin/stackdrop.mjs …\` process on ${MANIFEST} (NO_COLOR).`,
  '  The full rehearsal starts a local cloud, deploys stackdrop from template.yaml, provisions the four',
  '  stacks and runs a failing deploy (about 25 minutes of simulated AWS time). The cores are shared with',
  '  other jobs while this runs.',
  '',
  '## Result',
  '',
  '| command | median | min – max |',
  '|---|---|---|',
  ...rows,
  '',
  failures
    ? `${failures} run(s) ended with an unexpected exit code.`
    : 'Every run ended with the expected exit code.',
  '',
];
writeResults('cli', lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(failures === 0 ? 0 : 1);
