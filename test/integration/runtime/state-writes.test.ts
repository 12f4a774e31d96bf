import { GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2eWorld, ENVIRONMENT, manifestFor, provision, startWorld } from '#test/e2e/helpers.ts';

/**
 * Only stackdrop writes its state (issue #13, finding 2), on the local cloud running template.yaml:
 * the bucket policy's denies are enforced by the local S3 (local/services/s3-policy.ts), and the
 * app template travels through templates/ pinned to the version deploy-stack wrote.
 */
describe('the stackdrop bucket on the local cloud', () => {
  let world: E2eWorld;
  beforeAll(async () => {
    world = await startWorld();
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  it('refuses a foreign principal’s writes to templates/, status/, turns/ and callbacks/ but takes its manifests', async () => {
    // Prepare: the session signs as the local user, not as any stackdrop role.
    const { s3, bucket } = world.session;
    const put = (Key: string) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'swapped' }));

    // Act & Assess
    for (const key of [
      'templates/0123456789abcdef0123456789abcdef/app.yaml',
      `status/acme-${ENVIRONMENT}.json`,
      `turns/acme-${ENVIRONMENT}.json`,
      'callbacks/some-token.json',
    ]) {
      await expect(put(key), key).rejects.toMatchObject({
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      });
    }
    await expect(
      s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: `status/acme-${ENVIRONMENT}.json` })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(put('manifests/notes.txt')).resolves.toMatchObject({ VersionId: expect.any(String) });
  });

  it('deploys the app template deploy-stack uploaded, never a version written after it', async () => {
    // Prepare: whoever got past the bucket policy (an administrator who removed it, say) swaps
    // every template deploy-stack uploads, right after the upload.
    const { sd } = world;
    const s3 = sd.cloud.s3;
    const original = s3.putObject.bind(s3);
    const swapped: string[] = [];
    s3.putObject = (bucketName, key, body, options) => {
      const written = original(bucketName, key, body, options);
      if (key.startsWith('templates/') && !String(body).includes('# swapped')) {
        swapped.push(key);
        original(bucketName, key, `${String(body)}\n# swapped\n`, { contentType: 'application/x-yaml' });
      }
      return written;
    };

    // Act: 30 variables of 1 KB (within the 32 KiB environment budget) make the synthesised app
    // template larger than TemplateBody takes.
    const variables = Array.from({ length: 30 }, (_, i) => `    SETTING_${i}: "${'v'.repeat(1000)}"`).join(
      '\n',
    );
    const manifest = manifestFor('pinned').replace(/^ {2}environment:\n/m, `  environment:\n${variables}\n`);
    expect(manifest).toContain('SETTING_29');
    let ready: Awaited<ReturnType<typeof provision>>;
    try {
      ready = await provision(world, 'pinned', manifest);
    } finally {
      s3.putObject = original;
    }

    // Assess
    expect(ready.phase, JSON.stringify((ready as { error?: unknown }).error ?? ready).slice(0, 1500)).toBe(
      'ready',
    );
    expect(swapped.some((key) => key.endsWith('/app.json'))).toBe(true);
    const deployed = await world.session.cfn.send(
      new GetTemplateCommand({ StackName: `stackdrop-pinned-${ENVIRONMENT}-app` }),
    );
    expect(deployed.TemplateBody).toBeDefined();
    expect(deployed.TemplateBody).not.toContain('# swapped');
  }, 120_000);
});
