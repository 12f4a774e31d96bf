import type { ECRClient } from '@aws-sdk/client-ecr';
import { inspectImagePlatform } from '#shared/image-platform.ts';
import type { Manifest } from '#shared/manifest/index.ts';
import type { PreflightCheck } from './preflight.ts';

/**
 * `plan --live`: does the image the deploy tag points to now offer app.architecture's platform?
 * Fargate cannot start a task from an image index without it (CannotPullContainerError), so a
 * missing platform fails the preflight; a single-platform image (whose platform only its config
 * says) passes with a reminder. Read with BatchGetImage (shared/image-platform.ts).
 */
export async function imagePlatformCheck(m: Manifest, c: { ecr: ECRClient }): Promise<PreflightCheck[]> {
  const repository = m.app.repository;
  const tag = m.app.deployTag;
  const image = `${repository}:${tag}`;
  let found: Awaited<ReturnType<typeof inspectImagePlatform>>;
  try {
    found = await inspectImagePlatform(c.ecr, repository, { imageTag: tag }, m.app.architecture);
  } catch (error) {
    if ((error as { name?: string }).name === 'RepositoryNotFoundException')
      return [
        { check: 'image platform', ok: true, detail: `${repository} does not exist yet: nothing pushed` },
      ];
    throw error;
  }
  if (!found) return [{ check: 'image platform', ok: true, detail: `no ${image} pushed yet` }];
  if (found.status === 'missing') {
    return [
      {
        check: 'image platform',
        ok: false,
        detail: `${image} (${found.digest.slice(0, 19)}): ${found.message}`,
        fix: `push ${image} built with \`docker buildx build --platform ${found.wanted} --push\`, or set app.architecture to the platform the image has`,
      },
    ];
  }
  return [{ check: 'image platform', ok: true, detail: `${image}: ${found.message}` }];
}
