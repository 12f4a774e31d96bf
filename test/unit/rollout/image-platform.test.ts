import { describe, expect, it } from 'vitest';
import {
  checkImagePlatform,
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST_V1,
  DOCKER_MANIFEST_V2,
  imagePlatforms,
  OCI_IMAGE_INDEX,
} from '#shared/image-platform.ts';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

/** What `docker buildx build --platform linux/amd64 --push` pushes with its default provenance. */
const buildxIndex = JSON.stringify({
  schemaVersion: 2,
  mediaType: OCI_IMAGE_INDEX,
  manifests: [
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: digest('a'),
      size: 673,
      platform: { architecture: 'amd64', os: 'linux' },
    },
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: digest('b'),
      size: 566,
      annotations: {
        'vnd.docker.reference.digest': digest('a'),
        'vnd.docker.reference.type': 'attestation-manifest',
      },
      platform: { architecture: 'unknown', os: 'unknown' },
    },
  ],
});

const dockerList = JSON.stringify({
  schemaVersion: 2,
  mediaType: DOCKER_MANIFEST_LIST,
  manifests: [
    {
      mediaType: DOCKER_MANIFEST_V2,
      digest: digest('c'),
      size: 528,
      platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
    },
    {
      mediaType: DOCKER_MANIFEST_V2,
      digest: digest('d'),
      size: 528,
      platform: { architecture: 'amd64', os: 'linux' },
    },
  ],
});

const single = JSON.stringify({
  schemaVersion: 2,
  mediaType: DOCKER_MANIFEST_V2,
  config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 7023, digest: digest('e') },
  layers: [],
});

describe('the platforms of a pushed image', () => {
  it('reads an image index, leaving out buildx attestation manifests', () => {
    expect(imagePlatforms(buildxIndex, OCI_IMAGE_INDEX)).toEqual({
      kind: 'index',
      platforms: ['linux/amd64'],
      digests: { 'linux/amd64': digest('a') },
    });
  });

  it('warns that a linux/amd64-only index lacks linux/arm64 for an arm64 app, with the fix', () => {
    const check = checkImagePlatform(buildxIndex, OCI_IMAGE_INDEX, 'arm64');
    expect(check.status).toBe('missing');
    expect(check.message).toBe(
      "the image's manifest lacks linux/arm64 (it offers linux/amd64): Fargate cannot start app.architecture arm64 tasks from it; rebuild with docker buildx build --platform linux/arm64 --push",
    );
    expect(checkImagePlatform(buildxIndex, OCI_IMAGE_INDEX, 'x86_64').status).toBe('ok');
  });

  it('matches linux/arm64/v8 in a Docker manifest list for arm64, and linux/amd64 for x86_64', () => {
    expect(checkImagePlatform(dockerList, DOCKER_MANIFEST_LIST, 'arm64')).toMatchObject({
      status: 'ok',
      platforms: ['linux/arm64/v8', 'linux/amd64'],
    });
    expect(checkImagePlatform(dockerList, undefined, 'x86_64').status).toBe('ok');
  });

  it('cannot tell the platform of a single-platform image manifest and says so', () => {
    const check = checkImagePlatform(single, DOCKER_MANIFEST_V2, 'arm64');
    expect(check.status).toBe('unknown');
    expect(check.message).toContain('docker buildx build --platform linux/arm64');
  });

  it('reads the architecture a Docker schema 1 manifest names', () => {
    const v1 = JSON.stringify({ schemaVersion: 1, name: 'acme', tag: 'main', architecture: 'amd64' });
    expect(checkImagePlatform(v1, DOCKER_MANIFEST_V1, 'arm64')).toMatchObject({
      status: 'missing',
      platforms: ['linux/amd64'],
    });
  });

  it('says an index with no runnable platform offers none', () => {
    const onlyAttestations = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_IMAGE_INDEX,
      manifests: [{ digest: digest('f'), platform: { architecture: 'unknown', os: 'unknown' } }],
    });
    expect(checkImagePlatform(onlyAttestations, OCI_IMAGE_INDEX, 'x86_64').message).toContain(
      'it offers no platform',
    );
  });
});
