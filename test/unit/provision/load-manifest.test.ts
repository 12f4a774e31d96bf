import { GetObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '#functions/load-manifest/index.ts';
import { s3 } from '#shared/aws.ts';
import { FakeS3 } from '#test/helpers/fake-s3.ts';
import { loadEvent } from '#test/helpers/fixtures.ts';
import { ACME_MANIFEST } from '#test/helpers/manifests.ts';

const s3Mock = mockClient(s3);
let bucket: FakeS3;

function eventFor(key: string, text: string) {
  const versionId = bucket.seed(key, text);
  const event = loadEvent('aws.s3/object-created');
  event.detail.object.key = key;
  event.detail.object['version-id'] = versionId;
  return event;
}

beforeEach(() => {
  s3Mock.reset();
  bucket = new FakeS3(s3Mock);
});

describe('load-manifest', () => {
  it('reads exactly the version the event names and returns the validated manifest', async () => {
    // Prepare
    const event = eventFor('manifests/acme-production.yaml', ACME_MANIFEST);
    bucket.seed('manifests/acme-production.yaml', 'version: 1\nproject: acme\nenvironment: staging\n');

    // Act
    const result = await handler(event);

    // Assess
    expect(s3Mock).toHaveReceivedCommandWith(GetObjectCommand, {
      Key: 'manifests/acme-production.yaml',
      VersionId: event.detail.object['version-id'],
    });
    expect(result).toMatchObject({ ok: true, project: 'acme', environment: 'production', versionId: 'v1' });
    expect(result.ok && result.manifest.database.readers).toBe(1);
  });

  it('lists every problem of an invalid manifest with its line', async () => {
    // Prepare
    const event = eventFor(
      'manifests/acme-production.yaml',
      'version: 1\nproject: acme\nenvironment: production\nnetwork:\n  cidr: 10.0.0.0/33\n  natGateways: some\napp: { allowPlainHttp: true }\n',
    );

    // Act
    const result = await handler(event);

    // Assess
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['network.cidr', 5],
      ['network.natGateways', 6],
    ]);
  });

  it('refuses a manifest too large to carry through provisioning, with its location and a hint', async () => {
    // Prepare: valid field by field (10 commands of 4,003 characters, 30 KB of environment), over
    // 64 KiB of JSON in all.
    const env = Array.from({ length: 25 }, (_, i) => `V_${i}: "${'e'.repeat(1200)}"`).join(', ');
    const command = Array.from({ length: 4 }, () => 'x'.repeat(1000)).join(', ');
    const workers = Array.from({ length: 10 }, (_, i) => `    - { name: w${i}, command: [${command}] }`);
    const text = ACME_MANIFEST.replace(
      'release: [php, artisan, migrate, --force]',
      `environment: { ${env} }`,
    ).replace(/ {2}workers:\n[\s\S]*$/, `  workers:\n${workers.join('\n')}\n`);
    const event = eventFor('manifests/acme-production.yaml', text);

    // Act
    const result = await handler(event);

    // Assess
    expect(result).toMatchObject({ ok: false, project: 'acme', environment: 'production' });
    expect(result.ok ? [] : result.problems).toEqual([
      expect.objectContaining({
        file: 'manifests/acme-production.yaml',
        line: 9,
        col: 16,
        path: 'app.environment',
        message: expect.stringMatching(/more than 64 KiB/),
        hint: expect.stringMatching(/shorten commands or environment values/),
      }),
    ]);
    expect(s3Mock.calls().map((call) => call.args[0].constructor.name)).toEqual(['GetObjectCommand']);
  });

  it('rejects a key that names no project without reading it', async () => {
    // Prepare
    const event = eventFor('manifests/acme.yaml', ACME_MANIFEST);

    // Act
    const result = await handler(event);

    // Assess
    expect(result).toMatchObject({ ok: false, key: 'manifests/acme.yaml' });
    expect(s3Mock).not.toHaveReceivedCommand(GetObjectCommand);
  });

  it('rejects a manifest whose project differs from its file name', async () => {
    // Prepare
    const event = eventFor('manifests/shop-production.yaml', ACME_MANIFEST);

    // Act
    const result = await handler(event);

    // Assess
    expect(result).toMatchObject({ ok: false, project: 'shop', environment: 'production' });
    expect(result.ok ? '' : result.problems[0]?.message).toContain('declares acme-production');
  });
});

describe('load-manifest reads a bounded object', () => {
  it('refuses an object over 1 MiB by its ContentLength without reading the body', async () => {
    // Prepare
    let read = false;
    s3Mock.on(GetObjectCommand).resolves({
      ContentLength: 50 * 1024 * 1024,
      Body: {
        transformToString: async () => {
          read = true;
          return '';
        },
      } as never,
    });
    const event = loadEvent('aws.s3/object-created');
    event.detail.object.key = 'manifests/acme-production.yaml';
    // Act
    const result = await handler(event);
    // Assess
    expect(read).toBe(false);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]!.message).toBe(
      'the object is 52428800 bytes, more than the 1048576 bytes (1 MiB) a manifest may have',
    );
  });

  it('stops reading a body without a length one byte past 1 MiB', async () => {
    // Prepare: an endless stream, as a misbehaving endpoint could send.
    let chunks = 0;
    async function* endless() {
      for (;;) {
        chunks++;
        yield new Uint8Array(65536).fill(0x20);
      }
    }
    s3Mock.on(GetObjectCommand).resolves({ Body: endless() as never });
    const event = loadEvent('aws.s3/object-created');
    event.detail.object.key = 'manifests/acme-production.yaml';
    // Act
    const result = await handler(event);
    // Assess
    expect(chunks).toBe(17);
    expect(!result.ok && result.problems[0]!.message).toContain('larger than the 1048576 bytes');
  });
});
