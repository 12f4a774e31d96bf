/**
 * What a Fargate task pulls for each container: an image of a local ECR repository resolved to the
 * task definition's platform. An image index or manifest list without that platform cannot be
 * pulled: the task stops with CannotPullContainerError (stop code TaskFailedToStart), which a
 * service's circuit breaker counts like any failed start. A single-platform image is pulled as it
 * is (its platform is in its config, which the local ECR does not hold).
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_cannot_pull_image.html
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/docker-push-multi-architecture-image.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html (read 2026-12-07)
 */
import { imagePlatforms, matchingPlatform, ociPlatform } from '#shared/image-platform.ts';
import { taskStartDenial } from '../iam/ecs.ts';
import type { LocalCloud } from '../kernel.ts';
import type { EcrImage } from './ecr.ts';

export interface TaskImages {
  containerDefinitions: Array<{ image?: string }>;
  runtimePlatform?: { cpuArchitecture?: string };
  executionRoleArn?: string;
}

const ECR_IMAGE = /^[^/]+\.dkr\.ecr\.[^/]+\.amazonaws\.com\/([^@:]+)(?:@(sha256:[0-9a-f]+)|:([^@]+))?$/;

/** The platform a task of this task definition runs on (`linux/amd64` unless it says ARM64). */
export function taskPlatform(td: TaskImages): string {
  return ociPlatform(td.runtimePlatform?.cpuArchitecture === 'ARM64' ? 'ARM64' : 'X86_64');
}

/**
 * The image a task pulls for `imageUri` on `platform`: the ECR image itself, or the index entry of
 * that platform. `image` is undefined for images the local ECR does not hold (public images, the
 * placeholder before the first push); `failure` says why an index cannot be pulled.
 */
export function pulledImage(
  cloud: LocalCloud,
  imageUri: string,
  platform: string,
): { image?: EcrImage; failure?: string } {
  const match = ECR_IMAGE.exec(imageUri);
  if (!match) return {};
  const repo = cloud.ecr.repositories.get(match[1]!);
  const image = repo?.images.find((i) =>
    match[2] ? i.imageDigest === match[2] : i.imageTags.includes(match[3] ?? 'latest'),
  );
  if (!repo || !image) return {};
  const found = imagePlatforms(image.imageManifest, image.imageManifestMediaType);
  if (found.kind === 'single') return { image };
  const entry = matchingPlatform(found.platforms, platform);
  if (!entry) {
    const described = platform === 'linux/arm64' ? 'linux/arm64/v8' : platform;
    return {
      failure: `CannotPullContainerError: pull image manifest has been retried 5 time(s): image Manifest does not contain descriptor matching platform '${described}'`,
    };
  }
  return { image: repo.images.find((i) => i.imageDigest === found.digests[entry]) ?? image };
}

/** Why a task of this task definition cannot pull its images, or undefined when it can. */
export function imagePullFailure(cloud: LocalCloud, td: TaskImages): string | undefined {
  const platform = taskPlatform(td);
  for (const c of td.containerDefinitions) {
    const failure = pulledImage(cloud, c.image ?? '', platform).failure;
    if (failure) return failure;
  }
  return undefined;
}

/**
 * Why a task cannot start: its images cannot be pulled for its platform, or its execution role may
 * not read its secrets (local/iam/ecs.ts); undefined when it starts.
 */
export async function taskStartFailure(
  cloud: LocalCloud,
  td: TaskImages & { containerDefinitions: Array<Record<string, unknown>> },
  taskId: string,
): Promise<string | undefined> {
  return imagePullFailure(cloud, td) ?? (await taskStartDenial(cloud, td, taskId));
}
