import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { optionalEnv } from '#shared/env.ts';

/**
 * How templates reach CloudFormation. They ship with stackdrop itself: `sam deploy` packages
 * templates/ as a Lambda layer (mounted at /opt, named by TEMPLATES_DIR), so the stacks always
 * get the templates of the deployed stackdrop version and the function bundles stay small. A
 * template within CloudFormation's 51,200-byte TemplateBody limit is sent inline; a larger one is
 * put, content-addressed, under templates/<sha256>/ in the stackdrop bucket and passed as
 * TemplateURL (limit 1 MB) pinned with `?versionId=`. Only deploy-stack and stack-callback may write
 * templates/ (the bucket policy), and the pin keeps even a later overwrite from being deployed.
 */

export const TEMPLATE_BODY_LIMIT = 51_200;

export class TemplateNotFoundError extends Error {
  override name = 'TemplateNotFoundError';
}

/** A template uploaded to a bucket that returned no version id (versioning suspended). */
export class UnpinnedTemplateError extends Error {
  override name = 'UnpinnedTemplateError';
}

const CHECKOUT_TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url));

/** Directory holding the stage templates: the layer in Lambda, templates/ in a checkout. */
export function templatesDir(): string {
  return optionalEnv('TEMPLATES_DIR', CHECKOUT_TEMPLATES);
}

/**
 * The text of a stage template (`templates/app.yaml` → `<dir>/app.yaml`). Where the configured
 * directory is absent (the local cloud runs the handlers from a checkout with SAM's environment),
 * the checkout's templates/ is used.
 */
export function readTemplate(templateFile: string): string {
  const candidates = [...new Set([templatesDir(), CHECKOUT_TEMPLATES])].map((dir) =>
    join(dir, basename(templateFile)),
  );
  const found = candidates.find((path) => existsSync(path));
  if (!found)
    throw new TemplateNotFoundError(`Template ${templateFile} not found in ${candidates.join(' or ')}`);
  return readFileSync(found, 'utf8');
}

/** A rendered stack's template text: the synthesised body (app stage), or its file's text. */
export function stackTemplateText(stack: { templateFile: string; templateBody?: string }): string {
  return stack.templateBody ?? readTemplate(stack.templateFile);
}

/** HTTPS URL CloudFormation reads an object of the bucket from (path-style on a custom endpoint). */
export function objectUrl(bucket: string, key: string): string {
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  if (endpoint) return `${endpoint.replace(/\/$/, '')}/${bucket}/${key}`;
  const region = process.env.AWS_REGION ?? 'us-east-1';
  return `https://${bucket}.s3.${region}.amazonaws.com/${key}`;
}

/**
 * TemplateBody for a small template; otherwise uploads it and returns its TemplateURL. A
 * synthesised template (the app stage) brings its text; a static one is read from its file.
 */
export async function templateSource(
  stack: { templateFile: string; templateBody?: string },
  deps: { s3: S3Client; bucket: string },
): Promise<{ templateBody: string } | { templateUrl: string }> {
  const { templateFile } = stack;
  const body = stackTemplateText(stack);
  if (Buffer.byteLength(body, 'utf8') <= TEMPLATE_BODY_LIMIT) return { templateBody: body };
  const digest = createHash('sha256').update(body).digest('hex').slice(0, 32);
  const key = `templates/${digest}/${basename(templateFile)}`;
  const put = await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.bucket,
      Key: key,
      Body: body,
      ContentType: templateFile.endsWith('.json') ? 'application/json' : 'application/x-yaml',
    }),
  );
  // Pinned to the version just written: an object swapped under the same key afterwards is never
  // what CloudFormation reads. The bucket is versioned (template.yaml); should versioning ever be
  // suspended, S3 returns no version id and an unpinned URL would be the swap the pin prevents.
  if (!put.VersionId)
    throw new UnpinnedTemplateError(
      `s3://${deps.bucket}/${key} was stored without a version id, so it cannot be pinned: turn versioning back on for the stackdrop bucket (aws s3api put-bucket-versioning --bucket ${deps.bucket} --versioning-configuration Status=Enabled) and deploy again`,
    );
  return { templateUrl: `${objectUrl(deps.bucket, key)}?versionId=${encodeURIComponent(put.VersionId)}` };
}
