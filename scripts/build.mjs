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
  // Every function that reads or writes the status document starts at ≈ 265 KB: SDK core ≈ 172–178
  // KB (smithy core with the JSON, query and XML protocols, @aws-sdk/core, SigV4, the HTTP
  // handler), the S3 client ≈ 71 KB (endpoint rules 18 KB, schemas 12 KB, checksums 12 KB, S3
  // middleware 10 KB, XML builder 5 KB, multi-region signer 4 KB, errors 5 KB) and the Powertools
  // Logger ≈ 20 KB. What each adds on top is its reason. Measured: docs/decisions/bundles.md.
  'record-status': {
    limitBytes: 335 * 1024,
    reason:
      'SDK core 172.7 + S3 71.7 + zod/mini 22.2 (status document) + Powertools 20.4 + SQS 17.2 (deferred pushes to the deploy queue) + EventBridge 13.3 (provisioning events) + own code 10.2 KB',
  },
  'reap-bastions': {
    limitBytes: 355 * 1024,
    reason:
      'SDK core 177.1 + S3 71.0 + EC2 31.2 + zod/mini 22.2 (status document) + Powertools 20.4 + EventBridge 13.3 (Bastion Expired) + own code 12.4 KB',
  },
  'close-bastion': {
    limitBytes: 355 * 1024,
    reason:
      'SDK core 177.1 + S3 71.0 + EC2 32.8 + zod/mini 25.9 (status document, request) + Powertools 20.4 + EventBridge 13.3 + own code 8.7 KB',
  },
  'stack-callback': {
    limitBytes: 435 * 1024,
    reason:
      'SDK core 177.0 + RDS 74.8 (ModifyDBCluster lifts the cluster deletion protection; 40 KB of it are the 151 typed RDS errors the SDK registers and cannot shake) + S3 73.3 + CloudFormation 23.9 + zod/mini 22.3 + Powertools 20.4 + SFN 18.0 + own code 16.9 KB',
  },
  'deploy-stack': {
    limitBytes: 462 * 1024,
    reason:
      'SDK core 177.0 + RDS 75.4 (ModifyDBCluster, as stack-callback) + S3 71.8 + own code 49.2 (stack driver, milestones, template rendering, the app template synthesised from the manifest: shared/synth/app) + CloudFormation 23.9 + zod/mini 22.3 + Powertools 20.4 + SFN 17.2 KB',
  },
  'roll-service': {
    limitBytes: 450 * 1024,
    reason:
      'SDK core 178.0 + S3 71.1 + ECS 35.6 + Powertools 29.2 (Logger, batch) + own code 27.8 (with its poll schedule) + zod/mini 26.8 + ECR 25.7 + CloudFormation 21.5 + SQS 16.9 + EventBridge 13.4 KB: six services; the manifest comes parsed (parsed/), no YAML or manifest schema',
  },
  'open-bastion': {
    limitBytes: 460 * 1024,
    reason:
      'SDK core 177.2 + S3 71.1 + SSM 64.7 (one GetParameter; 39 KB of it are typed SSM errors the SDK registers and cannot shake) + EC2 40.6 + zod/mini 25.9 + CloudFormation 20.9 + Powertools 20.4 + own code 18.2 + EventBridge 13.3 KB; the manifest comes parsed (parsed/)',
  },
  'load-manifest': {
    limitBytes: 616 * 1024,
    reason:
      "SDK core 171.7 + yaml 112.0 (the manifest is YAML; parsed here once, for every later state and function) + zod classic 94.4 (the manifest schema, its messages) + own code 95.6 (manifest parse, rules, problems, AWS rule tables, stack rendering, the app template synthesised to check AWS's template and task definition limits) + S3 68.0 + Route 53 34.9 (REST-XML; finds the domain's hosted zone) + Powertools 20.4 + Secrets Manager 11.9 (secret:NAME) KB",
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

/**
 * The layers a bundle is made of, in bytes of minified output: what an allowance's reason names.
 * `SDK core` is what every client needs (smithy core, @aws-sdk/core, SigV4, the HTTP handler, the
 * environment credential provider); `S3` is what the S3 client adds on top (its endpoint rules,
 * checksums, S3 middleware, XML builder, multi-region signer).
 */
export function layerBreakdown(metafile) {
  const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith('.mjs'))?.[1];
  const layers = new Map();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    const pkg = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/)?.[1];
    let layer;
    if (!pkg) layer = path.startsWith('stackdrop-stand-in:') ? 'SDK core' : 'stackdrop code';
    else if (
      /^@aws-sdk\/client-s3$|^@aws-sdk\/(checksums|middleware-sdk-s3|xml-builder|signature-v4-multi-region)$/.test(
        pkg,
      )
    )
      layer = 'S3';
    else if (pkg.startsWith('@aws-sdk/client-')) layer = pkg.slice('@aws-sdk/client-'.length);
    else if (pkg.startsWith('@aws-sdk/') || pkg.startsWith('@smithy/') || pkg === '@aws/lambda-invoke-store')
      layer = 'SDK core';
    else if (pkg.startsWith('@aws-lambda-powertools/')) layer = 'Powertools';
    else layer = pkg;
    layers.set(layer, (layers.get(layer) ?? 0) + input.bytesInOutput);
  }
  return [...layers.entries()].sort((a, b) => b[1] - a[1]).map(([layer, bytes]) => ({ layer, bytes }));
}

/** One line for a log or a report: `SDK core 181.2 KB, S3 72.1 KB, …`. */
export function describeLayers(metafile, limit = 8) {
  return layerBreakdown(metafile)
    .slice(0, limit)
    .map(({ layer, bytes }) => `${layer} ${(bytes / 1024).toFixed(1)} KB`)
    .join(', ');
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

/**
 * What the build prints for a bundle that fails its budget: the function, its size, the limit it
 * crossed and by how much, and the layers it is made of (so the regression is found at a glance).
 */
export function budgetFailure(name, bytes, metafile) {
  const allowance = KNOWN_OVERAGES[name];
  const limit = allowance ? allowance.limitBytes : BUDGET_BYTES;
  const over = allowance
    ? `its allowance of ${limit / 1024} KB (scripts/build.mjs KNOWN_OVERAGES)`
    : `the ${BUDGET_BYTES / 1024} KB budget`;
  return `${name} is ${(bytes / 1024).toFixed(1)} KB (${bytes} bytes), over ${over} by ${((bytes - limit) / 1024).toFixed(1)} KB. Made of: ${describeLayers(metafile)}.`;
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
  const failures = [];
  for (const name of requested.length > 0 ? requested : all) {
    const { bytes, metafile } = await buildFunction(name, outdir ? { outdir } : {});
    const verdict = budgetVerdict(name, bytes);
    const size = `${(bytes / 1024).toFixed(1)} KB`;
    const note = !verdict.over
      ? ''
      : verdict.ok
        ? `  over budget, allowed up to ${verdict.allowance.limitBytes / 1024} KB: ${verdict.allowance.reason}`
        : `  OVER BUDGET${verdict.allowance ? ` (allowance ${verdict.allowance.limitBytes / 1024} KB)` : ''}`;
    if (!verdict.ok) failures.push(budgetFailure(name, bytes, metafile));
    console.log(`${name.padEnd(20)} ${size.padStart(10)}${note}`);
  }
  if (failures.length > 0) {
    console.error(
      `\n${failures.length} bundle(s) over budget (DESIGN.md §6: each function ≤ ${BUDGET_BYTES / 1024} KB; see docs/decisions/bundles.md):\n${failures.map((f) => `  - ${f}`).join('\n')}`,
    );
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
