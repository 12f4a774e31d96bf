// `npm start`: an honest preview until the local cloud can run the whole flow offline. It validates
// a manifest (the Laravel example by default) and prints the four stacks stackdrop would deploy,
// with their parameters, tags and dependencies. No AWS call is made and nothing is created.
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProblem, type Manifest, parseManifest } from '#shared/manifest/index.ts';
import type { Stage } from '#shared/naming.ts';
import {
  COMMAND_DELIMITER,
  DEFAULT_ENGINE_VERSIONS,
  parsePendingOutput,
  RenderError,
  type RenderedStack,
  renderStacks,
} from '#shared/render.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const EXAMPLE_MANIFEST = 'examples/laravel/stackdrop.yaml';

export interface DemoOptions {
  /** Manifest to preview, relative to the repository root or absolute. */
  manifest?: string;
  write?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
  tty?: boolean;
}

type Paint = (s: string) => string;

function palette(color: boolean): { bold: Paint; dim: Paint; red: Paint; green: Paint; cyan: Paint } {
  const wrap =
    (open: number, close: number): Paint =>
    (s) =>
      color ? `\u001b[${open}m${s}\u001b[${close}m` : s;
  return { bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), green: wrap(32, 39), cyan: wrap(36, 39) };
}

/** Stages grouped into waves that can run at the same time: [[network], [database, edge], [app]]. */
export function deploymentWaves(stacks: Pick<RenderedStack, 'stage' | 'dependsOn'>[]): Stage[][] {
  const done = new Set<Stage>();
  const waves: Stage[][] = [];
  let left = [...stacks];
  while (left.length > 0) {
    const wave = left.filter((s) => s.dependsOn.every((d) => done.has(d))).map((s) => s.stage);
    if (wave.length === 0)
      throw new Error(`stages depend on each other in a cycle: ${left.map((s) => s.stage)}`);
    waves.push(wave);
    for (const stage of wave) done.add(stage);
    left = left.filter((s) => !wave.includes(s.stage));
  }
  return waves;
}

/** Parameters of unused slots (a worker, variable or secret slot whose Name is empty) are not shown. */
function visibleParameters(parameters: Record<string, string>): [string, string][] {
  return Object.entries(parameters).filter(([name]) => {
    const slot = /^(Worker|Env|Secret)(\d+)/.exec(name);
    return !slot || parameters[`${slot[1]}${slot[2]}Name`] !== '';
  });
}

function showValue(value: string, paint: ReturnType<typeof palette>): string {
  const pending = parsePendingOutput(value);
  if (pending) return paint.cyan(`${value}  ← output of the ${pending.stage} stack`);
  if (value === '') return paint.dim('(empty)');
  if (value.includes(COMMAND_DELIMITER)) return `[${value.split(COMMAND_DELIMITER).join(', ')}]`;
  return value;
}

function summary(m: Manifest): string[] {
  const { network, database, app, bastion } = m;
  const web = app.web;
  const scaling = web.autoscaling ? `, autoscaling ${web.autoscaling.min}–${web.autoscaling.max}` : '';
  const capacity = database.serverless
    ? `Serverless v2 ${database.serverless.minCapacity}–${database.serverless.maxCapacity} ACUs`
    : database.instanceClass;
  const workers = app.workers.map((w) => `${w.name} (${w.command.join(' ')})`).join(', ') || 'none';
  const scheduler = app.scheduler === false ? 'none' : 'on';
  return [
    `project ${m.project}, environment ${m.environment}`,
    `network   ${network.cidr} over ${network.availabilityZones} AZs, NAT ${network.natGateways}`,
    `database  ${database.engine} ${database.engineVersion ?? `${DEFAULT_ENGINE_VERSIONS[database.engine]} (pinned)`}, ${capacity}, ${database.readers} reader(s)`,
    `app       image from ECR ${app.repository}:${app.deployTag}; web ${web.cpu} CPU / ${web.memory} MiB × ${web.desiredCount}${scaling}`,
    `          workers: ${workers}; scheduler: ${scheduler}; release: ${app.release?.join(' ') ?? 'none'}`,
    `          ${app.domain ? `https://${app.domain}` : app.certificateArn ? 'HTTPS on the load balancer name' : 'HTTP on the load balancer name (no certificate)'}`,
    `bastion   ${bastion.access}, at most ${bastion.maxTtlMinutes} minutes`,
  ];
}

/** Prints the preview; returns the process exit code (0 valid, 1 invalid manifest). */
export function runDemo(options: DemoOptions = {}): number {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const env = options.env ?? process.env;
  const tty = options.tty ?? Boolean(process.stdout.isTTY);
  const paint = palette(tty && env.NO_COLOR === undefined && env.TERM !== 'dumb');
  const out = (line = '') => write(`${line}\n`);
  const file = resolve(ROOT, options.manifest ?? EXAMPLE_MANIFEST);
  const shown = relative(process.cwd(), file) || file;

  out(paint.bold('stackdrop — preview'));
  out('This is a preview: it validates a manifest and shows the stacks stackdrop would deploy for it.');
  out('No AWS call is made and nothing is created. The offline run on the local cloud, which deploys');
  out('these stacks, pushes an image and rolls it out on one machine, replaces this preview.');
  out();

  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    out(paint.red(`Cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`));
    return 1;
  }
  const result = parseManifest(bytes, shown);
  if (!result.ok) {
    out(paint.red(`${shown} is not a valid manifest (${result.problems.length} problem(s)):`));
    for (const problem of result.problems) out(formatProblem(problem));
    return 1;
  }
  const manifest = result.manifest;
  out(`${paint.green('✓')} ${shown} is a valid manifest`);
  for (const line of summary(manifest)) out(`  ${line}`);
  out();

  let stacks: RenderedStack[];
  try {
    stacks = renderStacks(manifest, { outputs: {}, imageUri: '' });
  } catch (error) {
    if (!(error instanceof RenderError)) throw error;
    out(paint.red(`${shown} cannot be turned into stacks:`));
    for (const problem of error.problems) out(`  ${problem}`);
    return 1;
  }

  const waves = deploymentWaves(stacks);
  out(paint.bold(`Stacks, in order: ${waves.map((wave) => wave.join(' ∥ ')).join(' → ')}`));
  out(paint.dim('(∥: deployed at the same time; <stage.Output>: filled in from that stack once it exists)'));
  stacks.forEach((stack, index) => {
    const parameters = visibleParameters(stack.parameters);
    const hidden = Object.keys(stack.parameters).length - parameters.length;
    const width = Math.max(...parameters.map(([name]) => name.length));
    out();
    out(paint.bold(`${index + 1}. ${stack.stage}: ${stack.stackName}`));
    out(`   template   ${stack.templateFile}`);
    out(`   needs      ${stack.dependsOn.length > 0 ? stack.dependsOn.join(', ') : '—'}`);
    out(`   tags       ${stack.tags.map((t) => `${t.Key}=${t.Value}`).join(', ')}`);
    out(
      `   parameters${hidden > 0 ? paint.dim(` (${hidden} more for unused worker, variable and secret slots, not shown)`) : ''}`,
    );
    for (const [name, value] of parameters) out(`     ${name.padEnd(width)}  ${showValue(value, paint)}`);
  });
  out();
  out(
    `ImageUri is empty until the first push of ${manifest.app.repository}:${manifest.app.deployTag}: the services start with 0 tasks, so the app stack never waits for an image.`,
  );
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = runDemo(process.argv[2] ? { manifest: resolve(process.cwd(), process.argv[2]) } : {});
}
