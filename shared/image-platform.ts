/**
 * Whether a pushed image runs on the app's CPU architecture, read from the manifest ECR stores.
 *
 * A multi-platform image is an OCI image index or a Docker manifest list whose `manifests[]` each
 * name a `platform` (`docker buildx build --push` makes one, even for one platform, when it adds its
 * provenance attestation). A single-platform image manifest does not say its platform: that is in
 * its config blob, which BatchGetImage does not return, so such an image is reported as unknown.
 * Fargate refuses to start a task whose image index lacks the task definition's platform
 * (CannotPullContainerError), and a single-platform image built for the other architecture exits
 * with "exec format error".
 * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_BatchGetImage.html
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/docker-push-multi-architecture-image.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_cannot_pull_image.html
 * https://repost.aws/knowledge-center/ecs-task-exec-format-error (read 2026-12-07)
 */
import { BatchGetImageCommand, type ECRClient } from '@aws-sdk/client-ecr';

export const OCI_IMAGE_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_IMAGE_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_V1 = 'application/vnd.docker.distribution.manifest.v1+json';

/** What BatchGetImage is asked to return: the stored index or list itself, never a converted manifest. */
export const ACCEPTED_MANIFEST_MEDIA_TYPES = [
  OCI_IMAGE_INDEX,
  DOCKER_MANIFEST_LIST,
  OCI_IMAGE_MANIFEST,
  DOCKER_MANIFEST_V2,
];

export const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([OCI_IMAGE_INDEX, DOCKER_MANIFEST_LIST]);

export type AppArchitecture = 'x86_64' | 'arm64';

/** The OCI platform (GOARCH names) of an ECS cpuArchitecture / the manifest's app.architecture. */
export function ociPlatform(architecture: AppArchitecture | 'X86_64' | 'ARM64'): string {
  return architecture.toLowerCase() === 'arm64' ? 'linux/arm64' : 'linux/amd64';
}

export interface ImagePlatforms {
  /** index: the manifest lists platforms; single: one image whose platform only its config says. */
  kind: 'index' | 'single';
  /** `os/architecture[/variant]` of each runnable entry (attestation manifests left out). */
  platforms: string[];
  /** The digest of each entry, by platform (what a pull of that platform resolves to). */
  digests: Record<string, string>;
}

interface Descriptor {
  mediaType?: string;
  digest?: string;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

/** The platforms an image manifest (index, list or single image) offers. */
export function imagePlatforms(manifest: string, mediaType?: string): ImagePlatforms {
  let parsed: { mediaType?: string; manifests?: Descriptor[]; architecture?: string };
  try {
    parsed = JSON.parse(manifest) as typeof parsed;
  } catch {
    return { kind: 'single', platforms: [], digests: {} };
  }
  const type = mediaType ?? parsed.mediaType ?? '';
  if (INDEX_MEDIA_TYPES.has(type) || Array.isArray(parsed.manifests)) {
    const platforms: string[] = [];
    const digests: Record<string, string> = {};
    for (const m of parsed.manifests ?? []) {
      const p = m.platform;
      // buildx's provenance and SBOM attestations sit in the index as unknown/unknown.
      if (!p?.os || !p.architecture || p.os === 'unknown' || p.architecture === 'unknown') continue;
      if (m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue;
      const name = [p.os, p.architecture, p.variant].filter(Boolean).join('/');
      platforms.push(name);
      if (m.digest) digests[name] = m.digest;
    }
    return { kind: 'index', platforms, digests };
  }
  // A Docker schema 1 manifest still names its architecture.
  if (type === DOCKER_MANIFEST_V1 && parsed.architecture)
    return { kind: 'single', platforms: [`linux/${parsed.architecture}`], digests: {} };
  return { kind: 'single', platforms: [], digests: {} };
}

/** The entry of `platforms` a task of `wanted` (`linux/arm64`, `linux/amd64`) pulls, if any. */
export function matchingPlatform(platforms: string[], wanted: string): string | undefined {
  // linux/arm64 matches linux/arm64/v8 too (v8 is arm64's only variant Fargate runs).
  return platforms.find((p) => p === wanted || p.startsWith(`${wanted}/`));
}

export interface ImagePlatformCheck {
  /** ok: the image offers the platform; missing: it does not; unknown: a single-platform image. */
  status: 'ok' | 'missing' | 'unknown';
  wanted: string;
  platforms: string[];
  /** One sentence for a person, with the fix when the platform is missing. */
  message: string;
}

/** Checks an image manifest against the app's architecture. */
export function checkImagePlatform(
  manifest: string,
  mediaType: string | undefined,
  architecture: AppArchitecture,
): ImagePlatformCheck {
  const wanted = ociPlatform(architecture);
  const found = imagePlatforms(manifest, mediaType);
  if (found.kind === 'single' && found.platforms.length === 0) {
    return {
      status: 'unknown',
      wanted,
      platforms: [],
      message: `the image is a single-platform manifest, whose platform only its config says; make sure it was built for ${wanted} (docker buildx build --platform ${wanted})`,
    };
  }
  if (matchingPlatform(found.platforms, wanted)) {
    return { status: 'ok', wanted, platforms: found.platforms, message: `the image offers ${wanted}` };
  }
  return {
    status: 'missing',
    wanted,
    platforms: found.platforms,
    message: `the image's manifest lacks ${wanted} (it offers ${found.platforms.join(', ') || 'no platform'}): Fargate cannot start app.architecture ${architecture} tasks from it; rebuild with docker buildx build --platform ${wanted} --push`,
  };
}

/**
 * Reads an image's manifest from ECR (BatchGetImage, accepting index and list media types so ECR
 * returns what was pushed) and checks it against the architecture. Undefined when ECR has no such image.
 */
export async function inspectImagePlatform(
  ecr: ECRClient,
  repositoryName: string,
  image: { imageDigest?: string; imageTag?: string },
  architecture: AppArchitecture,
): Promise<(ImagePlatformCheck & { digest: string }) | undefined> {
  const out = await ecr.send(
    new BatchGetImageCommand({
      repositoryName,
      imageIds: [image],
      acceptedMediaTypes: ACCEPTED_MANIFEST_MEDIA_TYPES,
    }),
  );
  const found = out.images?.[0];
  if (!found?.imageManifest) return undefined;
  return {
    ...checkImagePlatform(found.imageManifest, found.imageManifestMediaType, architecture),
    digest: found.imageId?.imageDigest ?? image.imageDigest ?? '',
  };
}
