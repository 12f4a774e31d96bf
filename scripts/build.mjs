// Bundles every functions/<name>/index.ts into dist/<name>/index.mjs (+ .map) and checks each
// bundle against the 300 KB budget. It is the one build of the Lambda code: `npm run build`, the
// benchmark (bench/bundles.bench.ts) and `sam build` (BuildMethod: makefile → Makefile → this
// script with --outdir "$ARTIFACTS_DIR") all produce the same bytes. Why each option is here:
// docs/decisions/bundles.md.
//
//   node scripts/build.mjs                      every function into dist/<name>/
//   node scripts/build.mjs load-manifest ...    only those functions
//   node scripts/build.mjs <name> --outdir DIR  one function into DIR (what the Makefile runs)
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BUDGET_BYTES = 300 * 1024;

/**
 * Bundles allowed over the budget, each with a ceiling that still fails the build when crossed and
 * the reason it cannot meet 300 KB today (measured figures: bench/results/bundles.md).
 */
export const KNOWN_OVERAGES = {
  'record-status': {
    limitBytes: 350 * 1024,
    reason:
      'the SDK floor with S3, SQS and EventBridge + logger; status document validated with zod/mini (≈ 22 KB)',
  },
  'close-bastion': {
    limitBytes: 370 * 1024,
    reason:
      'the SDK floor with S3, EC2 and EventBridge + logger; status document and request validated with zod/mini (≈ 26 KB)',
  },
  'reap-bastions': {
    limitBytes: 370 * 1024,
    reason:
      'the SDK floor with S3, EC2 and EventBridge + logger; status document validated with zod/mini (≈ 22 KB)',
  },
  'deploy-stack': {
    limitBytes: 450 * 1024,
    reason:
      'the SDK floor with S3, CloudFormation and SFN, plus RDS (≈ 75 KB) to lift the cluster deletion protection on a confirmed teardown; status document validated with zod/mini (≈ 22 KB)',
  },
  'stack-callback': {
    limitBytes: 450 * 1024,
    reason:
      'the SDK floor with S3, CloudFormation and SFN, plus RDS (≈ 75 KB) to lift the cluster deletion protection on a confirmed teardown; status document validated with zod/mini (≈ 22 KB)',
  },
  'load-manifest': {
    limitBytes: 600 * 1024,
    reason:
      "parses YAML manifests (yaml ≈ 113 KB) and validates them with the manifest schema (zod classic ≈ 93 KB) and AWS rule tables (Aurora versions, ARN forms); Secrets Manager (≈ 20 KB) resolves secret:NAME references; Route 53 (≈ 27 KB, REST-XML) finds the domain's hosted zone (587 KB measured)",
  },
  'roll-service': {
    limitBytes: 690 * 1024,
    reason:
      'reads the manifest (yaml ≈ 113 KB, zod classic ≈ 95 KB, manifest code ≈ 35 KB) and talks to six services (ECS, ECR, S3, CFN, SQS, EventBridge)',
  },
  'open-bastion': {
    limitBytes: 700 * 1024,
    reason:
      'reads the manifest (yaml ≈ 113 KB, zod classic ≈ 95 KB, manifest code ≈ 35 KB) and talks to five services, SSM with ≈ 40 KB of typed errors',
  },
};

/**
 * Credential providers the SDK's default chain imports lazily (`await import(...)`) and only after
 * the environment provider found nothing. Lambda always puts the role's credentials in
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, so in a function they are never
 * reached; left external they cost no bytes, and if ever reached they resolve from the SDK the
 * nodejs runtime ships (its NODE_PATH is searched for ES modules too).
 */
export const LAZY_CREDENTIAL_PROVIDERS = [
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
  '@smithy/credential-provider-imds',
];

const SCHEMA_FILE = /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:[^\\/]+[\\/])*schemas[\\/]schemas_\d+\.js$/;

/**
 * Rewrites `{ [_xN]: v }` to `{ "xmlName": v }` where `_xN` is a module-level string constant.
 * Same object, but esbuild treats a computed key as a possible side effect and so keeps every
 * schema of the service (client-ec2: 540 KB for three commands). aws/aws-sdk-js-v3#7607,
 * evanw/esbuild#4373; the generator fix is smithy-lang/smithy-typescript#1889.
 */
export function inlineSchemaTraitKeys(source) {
  const strings = new Map();
  for (const match of source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)) strings.set(match[1], match[2]);
  return source.replace(/\[(_\w+)\]:/g, (whole, id) => (strings.has(id) ? `${strings.get(id)}:` : whole));
}

/** esbuild plugin applying {@link inlineSchemaTraitKeys} to the SDK clients' generated schemas. */
export const treeShakableSdkSchemas = {
  name: 'tree-shakable-sdk-schemas',
  setup(b) {
    b.onLoad({ filter: SCHEMA_FILE }, async (args) => ({
      contents: inlineSchemaTraitKeys(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};

const SDK_PACKAGE_JSON = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]package\.json$/;

/**
 * Each SDK client imports its whole package.json (≈ 2 KB) to read one field, `version`, for the
 * User-Agent header; the bundle keeps just that field.
 */
export const sdkPackageVersionOnly = {
  name: 'sdk-package-version-only',
  setup(b) {
    b.onLoad({ filter: SDK_PACKAGE_JSON }, async (args) => {
      const { version } = JSON.parse(await readFile(args.path, 'utf8'));
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
  },
};

const EVENT_STREAMS = /^@smithy\/core\/event-streams$/;

/**
 * What `@smithy/core/event-streams` becomes in a bundle: the three names the SDK imports from it
 * (`eventStreamSerdeProvider` and `resolveEventStreamSerdeConfig` statically in S3's and Lambda's
 * client and runtime config, `EventStreamSerde` through `await import()` in every protocol), with
 * client construction unchanged and an error as soon as a stream would be (de)serialised. Should
 * the SDK ever import another name from it, esbuild fails the build ("No matching export").
 */
export const EVENT_STREAMS_STAND_IN = `
class EventStreamNotBundledError extends Error {
  name = 'EventStreamNotBundledError';
  constructor(operation) {
    super(\`stackdrop's Lambda bundles leave out event-stream support: \${operation} needs it\`);
  }
}
const operationOf = (schema) =>
  schema?.getName?.()?.replace(/(Request|Response|Input|Output)$/, '') || 'this event-stream operation';
export class EventStreamSerde {
  async serializeEventStream({ requestSchema }) {
    throw new EventStreamNotBundledError(operationOf(requestSchema));
  }
  async deserializeEventStream({ responseSchema }) {
    throw new EventStreamNotBundledError(operationOf(responseSchema));
  }
}
export const eventStreamSerdeProvider = () => ({
  serialize() {
    throw new EventStreamNotBundledError('this event-stream operation');
  },
  deserialize() {
    throw new EventStreamNotBundledError('this event-stream operation');
  },
});
export const resolveEventStreamSerdeConfig = (input) =>
  Object.assign(input, { eventStreamMarshaller: input.eventStreamSerdeProvider(input) });
`;

/**
 * Every SDK client carries the event-stream codec and serde (≈ 19 KB) although only event-stream
 * operations (S3 SelectObjectContent, Lambda InvokeWithResponseStream, …) use it, and no function
 * sends one: this resolves `@smithy/core/event-streams` to {@link EVENT_STREAMS_STAND_IN}.
 */
export const eventStreamsLeftOut = {
  name: 'event-streams-left-out',
  setup(b) {
    b.onResolve({ filter: EVENT_STREAMS }, () => ({
      path: 'event-streams',
      namespace: 'stackdrop-stand-in',
    }));
    b.onLoad({ filter: /^event-streams$/, namespace: 'stackdrop-stand-in' }, () => ({
      contents: EVENT_STREAMS_STAND_IN,
      loader: 'js',
    }));
  },
};

/** The names of all functions (directories of functions/ with an index.ts), sorted. */
export function functionNames() {
  return readdirSync(join(ROOT, 'functions'))
    .filter((name) => existsSync(join(ROOT, 'functions', name, 'index.ts')))
    .sort();
}

/** The esbuild options one function is bundled with (`extra` is for experiments, not for shipping). */
export function buildOptions(name, outdir = join(ROOT, 'dist', name), extra = {}) {
  return {
    entryPoints: [join(ROOT, 'functions', name, 'index.ts')],
    outfile: join(outdir, 'index.mjs'),
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    // Prefer the SDK's ES modules: CommonJS cannot be tree-shaken.
    mainFields: ['module', 'main'],
    format: 'esm',
    target: 'node24',
    minify: true,
    // The map is a separate file (index.mjs.map), loaded only when a stack trace is printed.
    sourcemap: true,
    legalComments: 'none',
    external: LAZY_CREDENTIAL_PROVIDERS,
    plugins: [treeShakableSdkSchemas, sdkPackageVersionOnly, eventStreamsLeftOut],
    metafile: true,
    logLevel: 'warning',
    // ESM bundles of CommonJS dependencies still call require().
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    ...extra,
  };
}

/** Bundles one function; returns where it went, its size and esbuild's metafile. */
export async function buildFunction(name, { outdir, extra } = {}) {
  const options = buildOptions(name, outdir, extra);
  const result = await build(options);
  const output =
    result.metafile.outputs[Object.keys(result.metafile.outputs).find((o) => o.endsWith('.mjs'))];
  return { name, outfile: options.outfile, bytes: output.bytes, metafile: result.metafile };
}

/** Whether a bundle of `bytes` passes: within budget, or within its documented allowance. */
export function budgetVerdict(name, bytes) {
  if (bytes <= BUDGET_BYTES) return { ok: true, over: false };
  const allowance = KNOWN_OVERAGES[name];
  if (allowance && bytes <= allowance.limitBytes) return { ok: true, over: true, allowance };
  return { ok: false, over: true, allowance };
}

/**
 * The largest contributors to one bundle, grouped by package (or by project directory), in bytes
 * of minified output.
 */
export function topContributors(metafile, limit = 5) {
  const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith('.mjs'))?.[1];
  const byGroup = new Map();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    const pkg = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/)?.[1];
    const group = pkg ?? path.split('/').slice(0, 2).join('/');
    byGroup.set(group, (byGroup.get(group) ?? 0) + input.bytesInOutput);
  }
  return [...byGroup.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([group, bytes]) => ({ group, bytes }));
}

async function main(argv) {
  const outdirAt = argv.indexOf('--outdir');
  const outdir = outdirAt >= 0 ? argv[outdirAt + 1] : undefined;
  if (outdirAt >= 0 && !outdir) throw new Error('--outdir needs a directory');
  const requested = argv.filter((_, i) => outdirAt < 0 || (i !== outdirAt && i !== outdirAt + 1));
  const all = functionNames();
  const unknown = requested.filter((name) => !all.includes(name));
  if (unknown.length > 0)
    throw new Error(`No function named ${unknown.join(', ')} (have: ${all.join(', ')})`);
  if (outdir && requested.length !== 1) throw new Error('--outdir takes exactly one function name');
  let failed = 0;
  for (const name of requested.length > 0 ? requested : all) {
    const { bytes } = await buildFunction(name, outdir ? { outdir } : {});
    const verdict = budgetVerdict(name, bytes);
    const note = !verdict.over
      ? ''
      : verdict.ok
        ? `  over budget, allowed up to ${verdict.allowance.limitBytes / 1024} KB: ${verdict.allowance.reason}`
        : `  OVER BUDGET${verdict.allowance ? ` (allowance ${verdict.allowance.limitBytes / 1024} KB)` : ''}`;
    if (!verdict.ok) failed++;
    console.log(`${name.padEnd(20)} ${(bytes / 1024).toFixed(1).padStart(7)} KB${note}`);
  }
  if (failed > 0) {
    console.error(
      `${failed} bundle(s) exceed ${BUDGET_BYTES / 1024} KB without an allowance in scripts/build.mjs KNOWN_OVERAGES`,
    );
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
