// Cost of the CloudFormation specification checks: loading @aws-cdk/aws-service-spec's database
// (shared/cfn-spec.ts, once per process) and checking the four production templates against it.
// Each run is a fresh Node process, because the specification is cached per process.
// Run: npm exec -- node bench/cfn-spec.bench.ts
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { median, provenance, range, writeResults } from './lib.ts';

const RUNS = 7;

if (process.argv[2] === '--child') {
  const started = performance.now();
  const { checkTemplateAgainstSpec, loadCfnSpec } = await import('#shared/cfn-spec.ts');
  const { parseCfnTemplate } = await import('#shared/cfn-yaml.ts');
  const { renderStacks } = await import('#shared/render.ts');
  const { stackTemplateText } = await import('#shared/provision/templates.ts');
  const { validateManifestObject } = await import('#shared/manifest/index.ts');
  const { parse } = await import('yaml');
  const example = validateManifestObject(parse(readFileSync('examples/laravel/stackdrop.yaml', 'utf8')));
  const imported = performance.now();
  const spec = loadCfnSpec();
  const loaded = performance.now();
  let problems = 0;
  for (const stack of renderStacks(example)) {
    problems += checkTemplateAgainstSpec(parseCfnTemplate(stackTemplateText(stack)), spec).length;
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

const row = (label: string, values: number[]) =>
  `| ${label} | ${median(values).toFixed(0)} ms | ${range(values, (x) => x.toFixed(0))} ms |`;

const report = `# CloudFormation specification check benchmark

${provenance('cfn-spec').join('\n')}
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
writeResults('cfn-spec', report);
console.log(report);
