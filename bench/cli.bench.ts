// Real (wall-clock) time of the `stackdrop` command as a person runs it, each in a fresh process:
// start-up (`--version`), `validate`, `rehearse --estimate`, and a full `rehearse` with the
// "deploy crashes" fault (a private local cloud, stackdrop deployed on it, provisioning and a failed
// deploy on the virtual clock). Writes bench/results/cli.md.
import { execSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
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

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
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
  rows.push(
    `| ${c.name} | ${seconds(median(times))} | ${seconds(Math.min(...times))} – ${seconds(Math.max(...times))} |`,
  );
}

let commit = 'unknown';
try {
  commit = execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
} catch {}
const lines = [
  '# The stackdrop command: real time',
  '',
  `- Date: ${new Date().toISOString()}`,
  `- Machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`,
  `- Commit: ${commit} (plus working-tree changes)`,
  '- Command: `npm exec -- node bench/cli.bench.ts`',
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
writeFileSync(resolve(ROOT, 'bench/results/cli.md'), lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(failures === 0 ? 0 : 1);
