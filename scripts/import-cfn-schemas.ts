/**
 * Copies the CloudFormation resource provider schemas that stackdrop needs from the installed
 * cfn-lint (which ships the registry schemas per region) into `local/cloudformation/registry/`.
 *
 *   node scripts/import-cfn-schemas.ts          # write the snapshot
 *   node scripts/import-cfn-schemas.ts --check  # exit 1 if the snapshot differs from cfn-lint
 *
 * The types: every `AWS::X::Y` named in the stage templates, template.yaml (plus what the SAM
 * transform expands it to), the CloudFormation providers and the tests. Why cfn-lint: it is the
 * only source on this machine with the registry schemas' patterns, enums and ranges
 * (`@aws-cdk/aws-service-spec` has types only); see docs/local-cloud.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REGISTRY_DIR = join(root, 'local/cloudformation/registry');
/** The region whose provider list is copied (the local cloud's default region). */
const REGION = 'eu_west_1';

/** Types the SAM transform creates from template.yaml (local/runtime/sam.ts runs the same shapes). */
const SAM_EXPANDS_TO = [
  'AWS::Lambda::Function',
  'AWS::Lambda::Permission',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Lambda::LayerVersion',
  'AWS::Lambda::Version',
  'AWS::IAM::Role',
  'AWS::StepFunctions::StateMachine',
  'AWS::Events::Rule',
  'AWS::Scheduler::Schedule',
];

export interface CfnLint {
  version: string;
  schemas: string;
}

/** The installed cfn-lint (version and schema directory), or undefined when it is not installed. */
export function findCfnLint(): CfnLint | undefined {
  try {
    const out = execFileSync(
      'python3',
      [
        '-c',
        'import cfnlint, os; from cfnlint.version import __version__ as v; print(v); print(os.path.dirname(cfnlint.__file__))',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    ).trim();
    const [version, dir] = out.split('\n');
    if (!version || !dir) return undefined;
    const schemas = join(dir, 'data/schemas');
    return existsSync(join(schemas, 'providers', `${REGION}.py`)) ? { version, schemas } : undefined;
  } catch {
    return undefined;
  }
}

function filesUnder(dir: string, pattern: RegExp, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) filesUnder(path, pattern, out);
    else if (pattern.test(entry.name)) out.push(path);
  }
  return out;
}

/** Every resource type the project's templates, providers and tests name. */
export function wantedTypes(): string[] {
  const sources = [
    ...filesUnder(join(root, 'templates'), /\.ya?ml$/),
    join(root, 'template.yaml'),
    ...filesUnder(join(root, 'local/cloudformation'), /\.ts$/),
    ...filesUnder(join(root, 'test'), /\.(ts|ya?ml|json)$/),
  ];
  const types = new Set(SAM_EXPANDS_TO);
  for (const file of sources) {
    for (const m of readFileSync(file, 'utf8').matchAll(/AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g)) types.add(m[0]);
  }
  return [...types].sort();
}

interface PatchOp {
  op: string;
  path: string;
  value?: unknown;
}

function pointer(path: string): string[] {
  return path
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/**
 * cfn-lint adds its own constraints to the registry schemas it ships (`patches/extensions`:
 * formats such as `ipv4-network`, ranges and enums it takes from the service APIs' Smithy models,
 * hand-written rules). Those are the services' API rules, which AWS applies when the resource
 * handler calls the service, not schema rules CloudFormation validates: undo them so the snapshot
 * is the registry schema. An `add` is removed, a `replace` gets the value its `test` expected; a
 * `remove` cannot be undone and stays (it only ever loosens the schema).
 */
export function undoExtensions(schema: Record<string, unknown>, patches: PatchOp[][]): number {
  let undone = 0;
  for (const ops of [...patches].reverse()) {
    const tests = new Map(ops.filter((o) => o.op === 'test').map((o) => [o.path, o.value]));
    for (const op of [...ops].reverse()) {
      const parts = pointer(op.path);
      const last = parts.pop()!;
      let parent: unknown = schema;
      for (const part of parts) parent = (parent as Record<string, unknown> | undefined)?.[part];
      if (!parent || typeof parent !== 'object') continue;
      const container = parent as Record<string, unknown> & unknown[];
      if (op.op === 'add') {
        if (Array.isArray(container)) {
          const i = container.findIndex((v) => JSON.stringify(v) === JSON.stringify(op.value));
          if (i >= 0) container.splice(i, 1);
          else continue;
        } else if (JSON.stringify(container[last]) === JSON.stringify(op.value)) delete container[last];
        else continue;
        undone++;
      } else if (op.op === 'replace' && tests.has(op.path)) {
        container[last] = tests.get(op.path);
        undone++;
      }
    }
  }
  return undone;
}

function extensionPatches(lint: CfnLint, type: string): PatchOp[][] {
  const dir = join(lint.schemas, 'patches', 'extensions', 'all', type.toLowerCase().replaceAll('::', '_'));
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as PatchOp[])
    .filter((ops) => Array.isArray(ops));
}

/** The generated files (name → text) for the given cfn-lint. */
export function buildSnapshot(lint: CfnLint, date: string): Map<string, string> {
  const providers = readFileSync(join(lint.schemas, 'providers', `${REGION}.py`), 'utf8');
  const hashes = new Map(
    [...providers.matchAll(/"(AWS::[^"]+)": "([0-9a-f]+)"/g)].map((m) => [m[1]!, m[2]!]),
  );
  const comment = `Generated by scripts/import-cfn-schemas.ts from cfn-lint ${lint.version} (${REGION.replaceAll('_', '-')} registry schemas, cfn-lint's own extensions undone) on ${date}. Do not edit.`;
  const files = new Map<string, string>();
  const index: Record<string, string> = {};
  for (const type of wantedTypes()) {
    const hash = hashes.get(type);
    if (!hash) continue; // not a registry type (a typo a test makes on purpose, or a SAM type)
    const schema = JSON.parse(readFileSync(join(lint.schemas, 'resources', `${hash}.json`), 'utf8'));
    undoExtensions(schema, extensionPatches(lint, type));
    const file = `${type.replaceAll('::', '-')}.json`;
    index[type] = file;
    files.set(file, `${JSON.stringify({ $comment: comment, ...schema }, null, 1)}\n`);
  }
  files.set(
    'index.json',
    `${JSON.stringify({ $comment: comment, cfnLintVersion: lint.version, region: REGION, date, types: index }, null, 1)}\n`,
  );
  return files;
}

/** The committed snapshot's date (to rebuild it identically when checking for drift). */
export function snapshotDate(): string | undefined {
  const index = join(REGISTRY_DIR, 'index.json');
  return existsSync(index) ? (JSON.parse(readFileSync(index, 'utf8')) as { date: string }).date : undefined;
}

/** Files that differ between the committed snapshot and the installed cfn-lint. */
export function drift(lint: CfnLint): string[] {
  const expected = buildSnapshot(lint, snapshotDate() ?? '');
  const present = existsSync(REGISTRY_DIR) ? readdirSync(REGISTRY_DIR) : [];
  const differ = [...expected].filter(
    ([file, text]) => !present.includes(file) || readFileSync(join(REGISTRY_DIR, file), 'utf8') !== text,
  );
  const extra = present.filter((file) => !expected.has(file));
  return [...differ.map(([file]) => file), ...extra];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const lint = findCfnLint();
  if (!lint) {
    console.error('cfn-lint is not installed (pip install cfn-lint): nothing to import.');
    process.exit(1);
  }
  if (process.argv.includes('--check')) {
    const changed = drift(lint);
    if (changed.length > 0) {
      console.error(`registry snapshot differs from cfn-lint ${lint.version}: ${changed.join(', ')}`);
      process.exit(1);
    }
    console.log(`registry snapshot matches cfn-lint ${lint.version}`);
  } else {
    const files = buildSnapshot(lint, new Date().toISOString().slice(0, 10));
    rmSync(REGISTRY_DIR, { recursive: true, force: true });
    mkdirSync(REGISTRY_DIR, { recursive: true });
    for (const [file, text] of files) writeFileSync(join(REGISTRY_DIR, file), text);
    console.log(`wrote ${files.size - 1} schemas from cfn-lint ${lint.version} to ${REGISTRY_DIR}`);
  }
}
