// Cost of the CloudFormation specification checks: loading @aws-cdk/aws-service-spec's database
// (shared/cfn-spec.ts, once per process) and checking the four production templates against it.
// Each run is a fresh Node process, because the specification is cached per process.
// Run: npm exec -- node bench/cfn-spec.bench.ts
import { execSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const RUNS = 7;

if (process.argv[2] === '--child') {
  const started = performance.now();
  const { checkTemplateAgainstSpec, loadCfnSpec } = await import('#shared/cfn-spec.ts');
  const { parseCfnTemplate } = await import('#shared/cfn-yaml.ts');
  const { templatePath } = await import('#shared/render.ts');
  const imported = performance.now();
  const spec = loadCfnSpec();
  const loaded = performance.now();
  let problems = 0;
  for (const stage of ['network', 'database', 'edge', 'app'] as const) {
    problems += checkTemplateAgainstSpec(
      parseCfnTemplate(readFileSync(templatePath(stage), 'utf8')),
      spec,
    ).length;
  }
  const checked = performance.now();
  console.log(
    JSON.stringify({
      importMs: imported - started,
      loadMs: loaded - imported,
      checkMs: checked - loaded,
      problems,
    }),
  );
  process.exit(0);
}

const runs: { importMs: number; loadMs: number; checkMs: number; problems: number }[] = [];
for (let run = 0; run < RUNS; run++) {
  const child = spawnSync(process.execPath, [import.meta.filename, '--child'], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`run ${run} failed: ${child.stderr}`);
  runs.push(JSON.parse(child.stdout.trim().split('\n').pop()!));
}
if (runs.some((r) => r.problems !== 0)) throw new Error('the templates disagree with the specification');

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)]!,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
  };
};
const row = (label: string, values: number[]) => {
  const s = stats(values);
  return `| ${label} | ${s.median.toFixed(0)} ms | ${s.min.toFixed(0)} – ${s.max.toFixed(0)} ms |`;
};
let commit = 'unknown';
try {
  commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .trim();
} catch {}

const report = `# CloudFormation specification check benchmark

- Date: ${new Date().toISOString()}
- Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}
- Commit: ${commit} (plus working-tree changes)
- Command: \`npm exec -- node bench/cfn-spec.bench.ts\`
- Scenario: a fresh Node process imports \`shared/cfn-spec.ts\`, loads the specification from
  \`@aws-cdk/aws-service-spec\` (gunzip + JSON parse of db.json.gz), then parses the four production
  templates and checks every resource type, property and GetAtt attribute. The machine is shared
  with other processes while the benchmark runs.

## Result (${RUNS} runs)

| step | median | min – max |
|---|---|---|
${row(
  'import modules',
  runs.map((r) => r.importMs),
)}
${row(
  'load specification (once per process)',
  runs.map((r) => r.loadMs),
)}
${row(
  'parse + check the 4 templates',
  runs.map((r) => r.checkMs),
)}

Reading: the specification is loaded once per process and cached, so each test file that checks
templates pays the load once; the total is what one such test file spends before its assertions.
`;
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'cfn-spec.md'), report);
console.log(report);
