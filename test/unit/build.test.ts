import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BUDGET_BYTES,
  budgetFailure,
  budgetVerdict,
  buildFunction,
  buildOptions,
  eventStreamsLeftOut,
  functionNames,
  inlineSchemaTraitKeys,
  KNOWN_OVERAGES,
  layerBreakdown,
  ROOT,
} from '../../scripts/build.mjs';

mkdirSync(join(ROOT, 'dist'), { recursive: true });
const scratch = mkdtempSync(join(ROOT, 'dist', '.build-test-'));
const fixture = join(ROOT, 'test', 'fixtures', 'build', 'sdk-roundtrip.ts');

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type RoundTripFixture = typeof import('#test/fixtures/build/sdk-roundtrip.ts');
const bundles = new Map<string, Promise<{ path: string; metafile: Metafile }>>();

/**
 * Bundles the round-trip fixture with the shipped options (or with `extra` on top), once per label;
 * returns the output path and esbuild's metafile.
 */
function bundleFixture(label: string, extra: Record<string, unknown> = {}) {
  const existing = bundles.get(label);
  if (existing) return existing;
  const outdir = join(scratch, label);
  const bundled = build({
    ...buildOptions('fixture', outdir, extra),
    entryPoints: [fixture],
    sourcemap: false,
  }).then((result) => ({ path: join(outdir, 'index.mjs'), metafile: result.metafile as Metafile }));
  bundles.set(label, bundled);
  return bundled;
}

/** Loads a bundled round-trip fixture. */
async function importBundle(path: string) {
  return (await import(pathToFileURL(path).href)) as RoundTripFixture;
}

const bundledModules = (metafile: Metafile) => Object.keys(metafile.inputs);

describe('SDK schema keys', () => {
  it('rewrites computed keys that name module-level strings to literal keys', () => {
    // Prepare
    const source = [
      'const _xN = "xmlName";',
      'const _eQN = "ec2QueryName";',
      'export var Tag$ = [3, n0, _T, 0, [_K], [[0, { [_eQN]: `Key`, [_xN]: _k }]]];',
    ].join('\n');

    // Act
    const rewritten = inlineSchemaTraitKeys(source);

    // Assess
    expect(rewritten).toContain('{ "ec2QueryName": `Key`, "xmlName": _k }');
    expect(rewritten).not.toContain('[_xN]');
  });

  it('leaves computed keys alone when their identifier is not a module-level string', () => {
    const source = 'const _n = 3;\nexport var X$ = { [_n]: 1, [other]: 2 };';

    expect(inlineSchemaTraitKeys(source)).toBe(source);
  });

  it('lets esbuild drop the EC2 schemas a function does not use', async () => {
    // Prepare
    const shipped = await bundleFixture('shipped');
    const unshaken = await bundleFixture('unshaken', { plugins: [eventStreamsLeftOut] });

    // Act
    const withRewrite = readFileSync(shipped.path, 'utf8');
    const withoutRewrite = readFileSync(unshaken.path, 'utf8');

    // Assess: WithdrawByoipCidr is an EC2 operation the fixture never calls.
    expect(withoutRewrite).toContain('WithdrawByoipCidr');
    expect(withRewrite).not.toContain('WithdrawByoipCidr');
    expect(withoutRewrite.length - withRewrite.length).toBeGreaterThan(400 * 1024);
  });

  it('serializes and parses every command the functions send exactly like the SDK straight from node_modules', async () => {
    // Prepare
    const fromBundle = await importBundle((await bundleFixture('shipped')).path);
    const direct = await import('#test/fixtures/build/sdk-roundtrip.ts');

    // Act
    const [viaBundle, viaNodeModules] = await Promise.all([fromBundle.roundTrip(), direct.roundTrip()]);

    // Assess
    expect(viaBundle).toEqual(viaNodeModules);
    expect(viaBundle.wire).toHaveLength(17);
    expect(viaBundle.wire[0]?.body).toContain('TagSpecification.1.Tag.1.Key=stackdrop%3Amanaged');
    expect(viaBundle.described.Reservations[0].Instances[0].Tags).toEqual([
      { Key: 'stackdrop:expires-at', Value: '2026-11-26T09:00:00Z' },
    ]);
    expect(viaBundle.wire[2]?.headers).toMatchObject({
      'if-match': '"e-1"',
      'x-amz-meta-writer': 'record-status',
    });
    expect(viaBundle.got).toMatchObject({ Metadata: { writer: 'record-status' }, text: '{"phase":"ready"}' });
    expect(viaBundle.listed.Contents[0]).toMatchObject({ Key: 'status/acme-production.json', Size: 17 });
    expect(viaBundle.wire[7]?.headers['x-amz-target']).toBe('AmazonSQS.SendMessage');
    expect(viaBundle.sent.MessageId).toBe('m-1');
    expect(viaBundle.wire[8]?.body).toBe(
      '{"taskToken":"task-token-1","output":"{\\"stack\\":\\"UPDATE_COMPLETE\\"}"}',
    );
    expect(viaBundle.published.Entries).toEqual([{ EventId: 'ev-1' }]);
    expect(viaBundle.stacks.Stacks[0].Outputs).toEqual([{ OutputKey: 'ServiceName', OutputValue: 'web' }]);
    expect(viaBundle.services.services[0].deployments[0].rolloutState).toBe('COMPLETED');
    expect(viaBundle.cluster.DBCluster.DeletionProtection).toBe(false);
  });
});

describe('event streams', () => {
  it('bundles the stand-in instead of the SDK event-stream codec and serde', async () => {
    // Prepare
    const shipped = await bundleFixture('shipped');
    const withSdkEventStreams = await bundleFixture('with-sdk-event-streams', {
      plugins: buildOptions('fixture').plugins?.filter((plugin) => plugin !== eventStreamsLeftOut),
    });

    // Act
    const eventStreamModules = (metafile: Metafile) =>
      bundledModules(metafile).filter((path) => path.includes('/submodules/event-streams/'));

    // Assess
    expect(eventStreamModules(withSdkEventStreams.metafile)).toContain(
      'node_modules/@smithy/core/dist-es/submodules/event-streams/eventstream-codec/EventStreamCodec.js',
    );
    expect(eventStreamModules(shipped.metafile)).toEqual([]);
    expect(bundledModules(shipped.metafile)).toContain('stackdrop-stand-in:event-streams');
  });

  it('fails an event-stream operation with a message naming it, where the SDK itself would parse it', async () => {
    // Prepare
    const fromBundle = await importBundle((await bundleFixture('shipped')).path);
    const direct = await import('#test/fixtures/build/sdk-roundtrip.ts');

    // Act
    const viaBundle = fromBundle.selectObjectContent();
    const viaNodeModules = direct.selectObjectContent();

    // Assess
    await expect(viaBundle).rejects.toThrow(
      "stackdrop's Lambda bundles leave out event-stream support: SelectObjectContent needs it",
    );
    await expect(viaBundle).rejects.toMatchObject({ name: 'EventStreamNotBundledError' });
    await expect(viaNodeModules).resolves.toEqual(['Payload']);
  });
});

describe('bundle budget', () => {
  it('passes a bundle within 300 KB', () => {
    expect(budgetVerdict('deploy-router', BUDGET_BYTES)).toEqual({ ok: true, over: false });
  });

  it('fails a bundle over 300 KB that has no allowance', () => {
    expect(budgetVerdict('deploy-router', BUDGET_BYTES + 1)).toMatchObject({ ok: false, over: true });
  });

  it('passes an allowed overage only up to its ceiling', () => {
    const [name, allowance] = Object.entries(KNOWN_OVERAGES)[0]!;

    expect(budgetVerdict(name, allowance.limitBytes)).toMatchObject({ ok: true, over: true });
    expect(budgetVerdict(name, allowance.limitBytes + 1)).toMatchObject({ ok: false, over: true });
  });

  it('names the function, its size, the limit it crossed and what it is made of when it fails', () => {
    const metafile = {
      inputs: {},
      outputs: {
        'dist/deploy-router/index.mjs': {
          bytes: 0,
          inputs: {
            'node_modules/@smithy/core/dist-es/index.js': { bytesInOutput: 200 * 1024 },
            'node_modules/@aws-sdk/client-s3/dist-es/S3Client.js': { bytesInOutput: 60 * 1024 },
            'node_modules/@aws-sdk/checksums/dist-es/index.js': { bytesInOutput: 10 * 1024 },
            'node_modules/@aws-sdk/client-sqs/dist-es/SQSClient.js': { bytesInOutput: 20 * 1024 },
            'node_modules/yaml/dist/index.js': { bytesInOutput: 30 * 1024 },
            'shared/status.ts': { bytesInOutput: 1024 },
          },
        },
      },
    } as unknown as Metafile;

    expect(layerBreakdown(metafile)).toEqual([
      { layer: 'SDK core', bytes: 200 * 1024 },
      { layer: 'S3', bytes: 70 * 1024 },
      { layer: 'yaml', bytes: 30 * 1024 },
      { layer: 'sqs', bytes: 20 * 1024 },
      { layer: 'stackdrop code', bytes: 1024 },
    ]);
    expect(budgetFailure('deploy-router', 321 * 1024, metafile)).toBe(
      'deploy-router is 321.0 KB (328704 bytes), over the 300 KB budget by 21.0 KB. Made of: SDK core 200.0 KB, S3 70.0 KB, yaml 30.0 KB, sqs 20.0 KB, stackdrop code 1.0 KB.',
    );
    const [name, allowance] = Object.entries(KNOWN_OVERAGES)[0]!;
    expect(budgetFailure(name, allowance.limitBytes + 2048, metafile)).toContain(
      `${name} is ${((allowance.limitBytes + 2048) / 1024).toFixed(1)} KB (${allowance.limitBytes + 2048} bytes), over its allowance of ${allowance.limitBytes / 1024} KB (scripts/build.mjs KNOWN_OVERAGES) by 2.0 KB`,
    );
  });

  it('allows overages only for existing functions, each with its reason', () => {
    const names = functionNames();

    for (const [name, allowance] of Object.entries(KNOWN_OVERAGES)) {
      expect(names).toContain(name);
      expect(allowance.reason.length).toBeGreaterThan(20);
      expect(allowance.limitBytes).toBeGreaterThan(BUDGET_BYTES);
    }
  });
});

describe('the manifest is parsed once', () => {
  it.each(['roll-service', 'open-bastion', 'record-status'])(
    '%s bundles neither the YAML parser nor the manifest schema (load-manifest parsed it)',
    async (name) => {
      const { metafile } = await buildFunction(name, { outdir: join(scratch, name) });

      const inputs = Object.keys(metafile.inputs);
      expect(
        inputs.filter((path) => /node_modules\/yaml\/|shared\/manifest\/(parse|schema|rules)\.ts/.test(path)),
      ).toEqual([]);
      // zod classic (the manifest schema's flavour) is left out; zod/mini remains for the status document.
      expect(inputs.filter((path) => /node_modules\/zod\/v4\/classic\//.test(path))).toEqual([]);
    },
    120_000,
  );
});

describe('sam build through the Makefile', () => {
  it('has a build-<LogicalId> target running scripts/build.mjs for every function in template.yaml', () => {
    // Prepare
    const makefile = readFileSync(join(ROOT, 'Makefile'), 'utf8');
    const template = readFileSync(join(ROOT, 'template.yaml'), 'utf8');

    for (const name of functionNames()) {
      // Act
      const logicalId = `${name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}Function`;

      // Assess
      expect(template).toMatch(new RegExp(`\\n  ${logicalId}:\\n    Type: AWS::Serverless::Function`));
      expect(makefile).toContain(`build-${logicalId}:\n\t$(BUILD) ${name} --outdir "$(ARTIFACTS_DIR)"`);
    }
  });
});
