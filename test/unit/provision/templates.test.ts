import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { s3 } from '#shared/aws.ts';
import {
  readTemplate,
  TEMPLATE_BODY_LIMIT,
  TemplateNotFoundError,
  templateSource,
  UnpinnedTemplateError,
} from '#shared/provision/templates.ts';
import { renderStacks } from '#shared/render.ts';
import { synthesisCorpus } from '#test/helpers/synth-corpus.ts';

const s3Mock = mockClient(s3);
const deps = { s3, bucket: 'stackdrop-bucket' };

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(PutObjectCommand).resolves({ ETag: '"e"', VersionId: 'v1' });
});
afterEach(() => {
  delete process.env.TEMPLATES_DIR;
});

describe('stage templates', () => {
  it('sends a template within the TemplateBody limit inline, without uploading it', async () => {
    // Act
    const source = await templateSource({ templateFile: 'templates/network.yaml' }, deps);

    // Assess
    expect(source).toEqual({ templateBody: readTemplate('templates/network.yaml') });
    expect(s3Mock).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('reads the templates from TEMPLATES_DIR (the layer) when it holds them', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    writeFileSync(join(dir, 'network.yaml'), 'Resources: {}\n');
    process.env.TEMPLATES_DIR = dir;

    // Act
    const source = await templateSource({ templateFile: 'templates/network.yaml' }, deps);

    // Assess
    expect(source).toEqual({ templateBody: 'Resources: {}\n' });
  });

  it('uploads a template over the limit once under a content address and returns its URL', async () => {
    // Prepare: the app stage's template, synthesised for a large manifest
    const app = renderStacks(synthesisCorpus(1)[0]!.manifest).find((s) => s.stage === 'app')!;
    const big = app.templateBody!;
    expect(Buffer.byteLength(big)).toBeGreaterThan(TEMPLATE_BODY_LIMIT);

    // Act
    const first = await templateSource(app, deps);
    const again = await templateSource(app, deps);

    // Assess
    expect(first).toEqual(again);
    expect(first).toEqual({
      templateUrl: expect.stringMatching(
        /^https:\/\/stackdrop-bucket\.s3\.eu-west-1\.amazonaws\.com\/templates\/[0-9a-f]{32}\/app\.json\?versionId=v1$/,
      ),
    });
    expect(s3Mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'stackdrop-bucket',
      Body: big,
      ContentType: 'application/json',
    });
    expect(s3Mock).toHaveReceivedCommandTimes(PutObjectCommand, 2);
  });

  it('pins the TemplateURL to the version the upload created, so a later overwrite is never deployed', async () => {
    // Prepare
    const body = `{"Resources":{}, "Padding": "${'x'.repeat(TEMPLATE_BODY_LIMIT)}"}`;
    s3Mock.on(PutObjectCommand).resolves({ ETag: '"e"', VersionId: 'v1.a+b' });

    // Act
    const source = await templateSource({ templateFile: 'synthesized/app.json', templateBody: body }, deps);

    // Assess
    expect(source).toEqual({
      templateUrl: expect.stringMatching(/\/templates\/[0-9a-f]{32}\/app\.json\?versionId=v1\.a%2Bb$/),
    });
  });

  it('refuses to pass an unpinned TemplateURL when the bucket returns no version id (versioning suspended)', async () => {
    // Prepare
    const body = `{"Resources":{}, "Padding": "${'x'.repeat(TEMPLATE_BODY_LIMIT)}"}`;
    s3Mock.on(PutObjectCommand).resolves({ ETag: '"e"' });

    // Act
    const source = templateSource({ templateFile: 'synthesized/app.json', templateBody: body }, deps);

    // Assess
    await expect(source).rejects.toThrow(UnpinnedTemplateError);
    await expect(source).rejects.toThrow(/put-bucket-versioning --bucket stackdrop-bucket/);
  });

  it('names a template that is nowhere to be found', () => {
    expect(() => readTemplate('templates/nope.yaml')).toThrow(TemplateNotFoundError);
  });
});
