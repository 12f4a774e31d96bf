// Builds bench/results/summary.md from the latest bench/results/*.md: one row per issue-9 target,
// its latest figure, met / missed by how much, and the command that produced it. Run by
// bench/run.ts after the benchmarks (or alone: `npm exec -- node bench/summary.ts`).
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RESULTS = join(import.meta.dirname, 'results');

interface Row {
  target: string;
  figure: string;
  verdict: string;
  source: string;
}

function read(name: string): string | undefined {
  const path = join(RESULTS, `${name}.md`);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

function dateOf(text: string | undefined): string {
  return (
    /- Date: (\S+)/
      .exec(text ?? '')?.[1]
      ?.slice(0, 16)
      .replace('T', ' ') ?? '?'
  );
}

/** First capture of a pattern in a results file, or undefined. */
function grab(text: string | undefined, pattern: RegExp): string | undefined {
  return text ? pattern.exec(text)?.[1] : undefined;
}

const num = (s: string | undefined) => (s === undefined ? Number.NaN : Number(s.replace(/,/g, '')));
const missing = (file: string) => ({ figure: `not found in results/${file}.md`, verdict: '—' });

function verdictAtMost(value: number, limit: number, unit: string, digits = 1): string {
  if (Number.isNaN(value)) return '—';
  return value <= limit ? 'met' : `missed by ${(value - limit).toFixed(digits)} ${unit}`.trim();
}

const rows: Row[] = [];
const add = (target: string, file: string, figure: string | undefined, verdict: string) =>
  rows.push({
    target,
    ...(figure === undefined ? missing(file) : { figure, verdict }),
    source: `\`npm exec -- node bench/${file}.bench.ts\` (${dateOf(read(file))})`,
  });

// Makespan, detection, transitions (local cloud runtime, four manifest shapes).
const matrix = read('makespan-matrix');
const worstRatio = num(grab(matrix, /Worst ratio stackdrop \/ nested stacks over every run: ([\d.]+)/));
add(
  'makespan ≤ 0.80 × nested stacks (2/3 AZ, with/without readers, worst run)',
  'makespan-matrix',
  Number.isNaN(worstRatio) ? undefined : `${worstRatio.toFixed(4)}×`,
  verdictAtMost(worstRatio, 0.8, '×', 4),
);
const worstPath = num(grab(matrix, /Worst ratio stackdrop \/ critical path over every run: ([\d.]+)/));
add(
  'makespan ≤ 1.05 × resource-level critical path (2/3 AZ, with/without readers, worst run)',
  'makespan-matrix',
  Number.isNaN(worstPath) ? undefined : `${worstPath.toFixed(4)}×`,
  verdictAtMost(worstPath, 1.05, '×', 4),
);
const teardown = matrix
  ? [
      ...matrix.matchAll(
        /^\| ([^|]+) \| ([\d.]+) min \([^|]+\) \| [\d.]+ min [^|]+\| [\d.]+ min [^|]+\| [\d.]+ min [^|]+\| [\d.]+ min [^|]+\| [\d.]+ [^|]+\| (\d+) /gm,
      ),
    ].map((m) => `${m[1]!.trim()}: ${m[2]} min, ${m[3]} transitions`)
  : [];
add(
  'teardown makespan and transitions (reported)',
  'makespan-matrix',
  teardown.length ? teardown.join('; ') : undefined,
  'reported (no target)',
);
const makespan = read('makespan');
const exampleRatio = num(grab(makespan, /ratio stackdrop \/ nested stacks \(target ≤ 0\.80\) \| ([\d.]+)/));
add(
  'makespan ≤ 0.80 × nested stacks (example manifest)',
  'makespan',
  Number.isNaN(exampleRatio) ? undefined : `${exampleRatio.toFixed(4)}× (median)`,
  verdictAtMost(exampleRatio, 0.8, '×', 4),
);
const detection = num(grab(matrix, /Worst detection latency: ([\d.]+) s/));
add(
  'stage completion detection latency ≤ 2 s (simulated, worst stage, 1× and 10×)',
  'makespan-matrix',
  Number.isNaN(detection) ? undefined : `${detection.toFixed(1)} s`,
  verdictAtMost(detection, 2, 's'),
);
const transitions = num(grab(matrix, /Most transitions in a provisioning: (\d+)/));
const flat = grab(matrix, /flat from 1× to 10×: (yes|no)/);
add(
  'state transitions per provisioning ≤ 60, flat 1× → 10× (local cloud runtime)',
  'makespan-matrix',
  Number.isNaN(transitions) ? undefined : `${transitions} at most; flat: ${flat}`,
  transitions <= 60 && flat === 'yes'
    ? 'met'
    : `missed${transitions > 60 ? ` by ${transitions - 60}` : ''}${flat !== 'yes' ? ' (not flat)' : ''}`,
);
const harness = read('provision-transitions');
const harnessWorst = num(grab(harness, /Worst run: (\d+)/));
add(
  'state transitions ≤ 60 (ASL harness, incl. a lost event)',
  'provision-transitions',
  Number.isNaN(harnessWorst) ? undefined : `${harnessWorst} worst run`,
  verdictAtMost(harnessWorst, 60, ''),
);

// Deploys on the virtual clock (ECS timed from the service settings).
const deploy = read('deploy');
const webRollout = num(grab(deploy, /web rollout ≤ 90 s [^|]*\| (\d+) s \|/));
add(
  'web rollout ≤ 90 s simulated (example manifest)',
  'deploy',
  Number.isNaN(webRollout) ? undefined : `${webRollout} s`,
  verdictAtMost(webRollout, 90, 's', 0),
);
const breaker = num(grab(deploy, /circuit-breaker failure detected ≤ 5 min [^|]*\| (\d+) s \|/));
add(
  'circuit-breaker failure detected ≤ 5 min simulated',
  'deploy',
  Number.isNaN(breaker) ? undefined : `${breaker} s`,
  verdictAtMost(breaker, 300, 's', 0),
);
const pushes = deploy
  ? [
      ...deploy.matchAll(
        /^\| (release (?:excluded|included), 250 MB image) \| \d+ \| (\d+) s \| (\d+) s \([^)]*\) \| ([\d.]+ s) \(/gm,
      ),
    ].map((m) => `${m[1]}: ${m[2]} s (recorded ${m[3]} s, ${m[4]} after ECS settled)`)
  : [];
const repeats = grab(deploy, /pushed (\d+) times each/);
add(
  `push → every service COMPLETED, example manifest (reported${repeats ? `; median of ${repeats} pushes` : ''})`,
  'deploy',
  pushes.length ? pushes.join('; ') : undefined,
  'reported (no target)',
);

// Rollout.
const rollout = read('rollout');
const warm = grab(rollout, /warm: event → first UpdateService \| ([^|]+) \|/);
const cold = grab(rollout, /cold: event → first UpdateService, init included \| ([^|]+) \|/);
add(
  'ECR push → UpdateService, warm / cold (reported)',
  'rollout',
  warm && cold ? `${warm.trim()} warm / ${cold.trim()} cold (median)` : undefined,
  'reported (no target)',
);
const rollouts = grab(rollout, /rollouts \(web services updated\) \| ([^|]+) \|/);
const newest = grab(rollout, /repositories on their newest digest \| ([^|]+) \|/);
const burstWall = grab(rollout, /wall time, median \(min – max\) \| ([^|]+) \|/);
const allFifty = rollouts?.split(',').every((x) => x.trim() === '50');
add(
  '1,000 pushes over 50 repositories: 50 rollouts, none lost; wall time',
  'rollout',
  rollouts && burstWall
    ? `rollouts ${rollouts.trim()}; newest ${newest?.trim()}; ${burstWall.trim()}`
    : undefined,
  allFifty ? 'met (wall time reported)' : 'missed (a rollout lost)',
);

// Bundles.
const bundles = read('bundles');
if (bundles) {
  const sizes = [
    ...bundles.matchAll(
      /^\| ([a-z-]+) \| [\d.]+ \| \*\*([\d.]+)\*\* \| [^|]+ \| [\d.]+ \| [^|]+ \| ([^|]+) \|/gm,
    ),
  ].map((m) => ({ fn: m[1]!, kb: Number(m[2]), contributors: m[3]!.trim() }));
  const inits = [...bundles.matchAll(/^\| ([a-z-]+) \| [^|]+ \| \*\*([\d.]+)\*\* \(/gm)].map((m) => ({
    fn: m[1]!,
    ms: Number(m[2]),
  }));
  const over = sizes.filter((s) => s.kb > 300).sort((a, b) => b.kb - a.kb);
  add(
    'each function bundle ≤ 300 KB',
    'bundles',
    sizes.length
      ? `${sizes.length - over.length} of ${sizes.length} within; largest ${over[0]?.fn ?? sizes[0]?.fn} ${Math.max(...sizes.map((s) => s.kb)).toFixed(1)} KB`
      : undefined,
    over.length
      ? `missed by up to ${(over[0]!.kb - 300).toFixed(1)} KB (${over.length} bundles over); what stands in the way, layer by layer, in bench/results/bundles.md (largest, ${over[0]!.fn}: ${over[0]!.contributors} KB)`
      : 'met',
  );
  const slowest = [...inits].sort((a, b) => b.ms - a.ms)[0];
  const runLoad = grab(bundles, /1-minute load during the runs: median ([\d.]+)/);
  const cores = grab(bundles, /Load average \(1 \/ 5 \/ 15 min, (\d+) cores\)/);
  add(
    'each function cold init ≤ 100 ms',
    'bundles',
    slowest
      ? `slowest ${slowest.fn} ${slowest.ms.toFixed(1)} ms (median${/\| shipped: CPU \|/.test(bundles) ? ' CPU time of the import: the machine was busy, see the results file for its wall times' : ''}); load average during the runs ${runLoad ?? '?'} on ${cores ?? '?'} cores`
      : undefined,
    slowest ? verdictAtMost(slowest.ms, 100, 'ms') : '—',
  );
} else {
  add('each function bundle ≤ 300 KB', 'bundles', undefined, '—');
  add('each function cold init ≤ 100 ms', 'bundles', undefined, '—');
}

// Reaper.
const reaper = read('reaper');
const calls = grab(reaper, /API calls per pass \| (\d+)/);
const reaperWall = grab(reaper, /wall time, median \| ([^|]+) \|/);
const reaped = grab(reaper, /instances terminated \/ expiries recorded \| ([^|]+) \|/);
add(
  'reaper over 10,000 instances, 200 expired (API calls, wall time)',
  'reaper',
  calls && reaperWall
    ? `${calls} calls, ${reaperWall.trim()} (median); terminated / recorded ${reaped?.trim()}`
    : undefined,
  reaped?.trim() === '200 / 200' ? 'met (all 200 reaped; figures reported)' : 'missed',
);

// Demo and test suite.
const demo = read('demo');
const demoWall = grab(demo, /demo \(`npm start`\), wall time \| ([\d.]+) s/);
const demoFailed = grab(demo, /(\d+) run\(s\) failed/);
add(
  '`npm start` demo ≤ 20 s',
  'demo',
  demoWall ? `${demoWall} s (median)${demoFailed ? `; ${demoFailed} run(s) failed` : ''}` : undefined,
  demoFailed ? `not met: ${demoFailed} run(s) failed` : verdictAtMost(num(demoWall), 20, 's'),
);
const suite = read('test-suite');
const suiteWall = grab(suite, /whole suite, wall time \(target ≤ 3 min\) \| ([\d.]+) s/);
const suiteFailed = grab(suite, /failed per run: ([\d, ]+)\./);
add(
  'full test suite (`npx vitest run`) ≤ 3 min',
  'test-suite',
  suiteWall ? `${suiteWall} s (median); failed tests per run: ${suiteFailed ?? '?'}` : undefined,
  verdictAtMost(num(suiteWall), 180, 's', 0),
);

// stackdrop's own scale: 100 projects uploaded at once.
const scale = read('scale');
const ready = grab(scale, /executions succeeded, status `ready` \| (\d+ \/ \d+) \|/);
const invariants = grab(scale, /\| all invariants \| ([^|]+) \|/);
const scaleWall = grab(scale, /\| wall time, \d+ projects[^|]*\| ([^|]+) \|/);
add(
  '100 projects at once: all ready, no lost status update, every turn released',
  'scale',
  ready ? `${ready} ready; invariants ${invariants?.trim()}; ${scaleWall?.trim()} wall` : undefined,
  ready && invariants?.trim() === 'hold' && ready.split(' / ')[0] === ready.split(' / ')[1]
    ? 'met'
    : 'not met',
);
const newestResult = Math.max(
  ...[
    'makespan-matrix',
    'makespan',
    'rollout',
    'bundles',
    'reaper',
    'demo',
    'test-suite',
    'provision-transitions',
    'scale',
  ]
    .map((f) => join(RESULTS, `${f}.md`))
    .filter(existsSync)
    .map((p) => statSync(p).mtimeMs),
);
const lines = [
  '# Benchmarks: every target, the latest figure',
  '',
  `- Generated: ${new Date().toISOString()} by \`npm run bench\` (bench/run.ts → bench/summary.ts) from bench/results/*.md;`,
  `  newest result written ${new Date(newestResult).toISOString()}. Each row names the benchmark that produced it and when.`,
  '- Machine and spread: see each results file (medians over ≥ 5 runs; ratios measured side by side in one run).',
  '',
  '| target | latest figure | verdict | command (date) |',
  '|---|---|---|---|',
  ...rows.map((r) => `| ${r.target} | ${r.figure} | ${r.verdict} | ${r.source} |`),
  '',
];
writeFileSync(join(RESULTS, 'summary.md'), lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
