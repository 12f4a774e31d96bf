import { createHash, randomBytes } from 'node:crypto';
import { INDEX_MEDIA_TYPES, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from '#shared/image-platform.ts';
import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';

type Tag = { Key: string; Value: string };

export interface EcrImage {
  imageDigest: string;
  imageTags: string[];
  imageManifest: string;
  imageManifestMediaType: string;
  imageSizeInBytes: number;
  imagePushedAt: Date;
}

export interface EcrRepository {
  repositoryName: string;
  repositoryArn: string;
  repositoryUri: string;
  registryId: string;
  createdAt: Date;
  imageTagMutability: 'MUTABLE' | 'IMMUTABLE';
  imageScanningConfiguration: { scanOnPush: boolean };
  encryptionConfiguration: { encryptionType: string; kmsKey?: string };
  tags: Tag[];
  images: EcrImage[];
}

const OCI_MANIFEST = OCI_IMAGE_MANIFEST;

const repositoryNotFound = (name: string, registry: string) =>
  new AwsError(
    'RepositoryNotFoundException',
    `The repository with name '${name}' does not exist in the registry with id '${registry}'`,
  );

/**
 * ECR: repositories, tags, and image pushes that record the manifest digest and emit
 * *ECR Image Action* (PUSH, SUCCESS) — through `PutImage` or `pushImage()` / `POST /_local/ecr/push`.
 */
export class EcrModel {
  readonly #cloud: LocalCloud;
  readonly repositories = new Map<string, EcrRepository>();

  constructor(cloud: LocalCloud) {
    this.#cloud = cloud;
  }

  createRepository(input: {
    repositoryName: string;
    tags?: Tag[];
    imageTagMutability?: 'MUTABLE' | 'IMMUTABLE';
    imageScanningConfiguration?: { scanOnPush?: boolean };
    encryptionConfiguration?: { encryptionType?: string; kmsKey?: string };
  }): EcrRepository {
    const name = input.repositoryName;
    if (
      !name ||
      !/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(name) ||
      name.length < 2 ||
      name.length > 256
    ) {
      throw new AwsError(
        'InvalidParameterException',
        `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''`,
      );
    }
    const registry = this.#cloud.accountId;
    if (this.repositories.has(name)) {
      throw new AwsError(
        'RepositoryAlreadyExistsException',
        `The repository with name '${name}' already exists in the registry with id '${registry}'`,
      );
    }
    const kmsKey = input.encryptionConfiguration?.kmsKey;
    if (input.encryptionConfiguration?.encryptionType === 'KMS' && kmsKey) {
      // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html (KmsException), read 2026-12-07.
      const problem = this.#cloud.kms.problem(kmsKey);
      if (problem) throw new AwsError('KmsException', `KMS error: ${problem.code}: ${problem.message}`);
    }
    const repo: EcrRepository = {
      repositoryName: name,
      repositoryArn: this.#cloud.arn('ecr', `repository/${name}`),
      repositoryUri: `${registry}.dkr.ecr.${this.#cloud.region}.amazonaws.com/${name}`,
      registryId: registry,
      createdAt: this.#cloud.clock.date(),
      imageTagMutability: input.imageTagMutability ?? 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: input.imageScanningConfiguration?.scanOnPush ?? false },
      encryptionConfiguration: {
        encryptionType: input.encryptionConfiguration?.encryptionType ?? 'AES256',
        kmsKey: input.encryptionConfiguration?.kmsKey,
      },
      tags: input.tags ?? [],
      images: [],
    };
    this.repositories.set(name, repo);
    return repo;
  }

  repository(name: string): EcrRepository {
    const r = this.repositories.get(name);
    if (!r) throw repositoryNotFound(name, this.#cloud.accountId);
    return r;
  }

  deleteRepository(name: string, force = false): EcrRepository {
    const r = this.repository(name);
    if (!force && r.images.length > 0) {
      throw new AwsError(
        'RepositoryNotEmptyException',
        `The repository with name '${name}' in registry with id '${r.registryId}' cannot be deleted because it still contains images`,
      );
    }
    this.repositories.delete(name);
    return r;
  }

  /** Records an image (tag moves to it) and emits *ECR Image Action* PUSH SUCCESS. */
  putImage(input: {
    repositoryName: string;
    imageManifest: string;
    imageManifestMediaType?: string;
    imageTag?: string;
    imageDigest?: string;
  }): EcrImage {
    const repo = this.repository(input.repositoryName);
    const mediaType = input.imageManifestMediaType ?? manifestMediaType(input.imageManifest) ?? OCI_MANIFEST;
    const digest = `sha256:${createHash('sha256').update(input.imageManifest).digest('hex')}`;
    // An image index or manifest list may name only images the repository holds.
    // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutImage.html (read 2026-12-07)
    if (INDEX_MEDIA_TYPES.has(mediaType)) {
      const missing = referencedDigests(input.imageManifest).filter(
        (d) => !repo.images.some((i) => i.imageDigest === d),
      );
      if (missing.length > 0) {
        throw new AwsError(
          'ReferencedImagesNotFoundException',
          `The manifest list is referencing images that do not exist in the repository: ${missing.join(', ')}`,
        );
      }
    }
    if (input.imageDigest && input.imageDigest !== digest) {
      throw new AwsError(
        'ImageDigestDoesNotMatchException',
        `Invalid parameter at 'imageDigest' failed to satisfy constraint: 'digest does not match manifest'`,
      );
    }
    let image = repo.images.find((i) => i.imageDigest === digest);
    if (image && input.imageTag && image.imageTags.includes(input.imageTag)) {
      throw new AwsError(
        'ImageAlreadyExistsException',
        `Image with digest '${digest}' and tag '${input.imageTag}' already exists in the repository with name '${repo.repositoryName}' in registry with id '${repo.registryId}'`,
      );
    }
    if (input.imageTag) {
      const holder = repo.images.find((i) => i.imageTags.includes(input.imageTag!));
      if (holder && repo.imageTagMutability === 'IMMUTABLE') {
        throw new AwsError(
          'ImageTagAlreadyExistsException',
          `The image tag '${input.imageTag}' already exists in the '${repo.repositoryName}' repository and cannot be overwritten because the repository is immutable.`,
        );
      }
      if (holder) holder.imageTags = holder.imageTags.filter((t) => t !== input.imageTag);
    }
    if (!image) {
      image = {
        imageDigest: digest,
        imageTags: [],
        imageManifest: input.imageManifest,
        imageManifestMediaType: mediaType,
        imageSizeInBytes: manifestSize(input.imageManifest),
        imagePushedAt: this.#cloud.clock.date(),
      };
      repo.images.push(image);
    }
    if (input.imageTag) image.imageTags.push(input.imageTag);
    this.#emitImageAction('PUSH', repo.repositoryName, digest, input.imageTag, {
      'manifest-media-type': image.imageManifestMediaType,
      'artifact-media-type': 'application/vnd.oci.image.config.v1+json',
    });
    return image;
  }

  /**
   * A `docker push` in one call: builds a manifest unless given one. With `platforms`, pushes what
   * `docker buildx build --platform … --push` does: one image manifest per platform by digest, then
   * the OCI image index naming them, tagged.
   */
  pushImage(input: {
    repositoryName: string;
    imageTag?: string;
    imageDigest?: string;
    imageManifest?: string;
    platforms?: string[];
  }): {
    repositoryName: string;
    imageDigest: string;
    imageTag?: string;
    imageUri: string;
  } {
    const single = () =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          size: 1469,
          digest: `sha256:${randomBytes(32).toString('hex')}`,
        },
        layers: [
          {
            mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
            size: 3_623_807,
            digest: `sha256:${randomBytes(32).toString('hex')}`,
          },
        ],
      });
    let manifest = input.imageManifest;
    if (!manifest && input.platforms?.length) {
      const manifests = input.platforms.map((platform) => {
        const body = single();
        const child = this.putImage({ repositoryName: input.repositoryName, imageManifest: body });
        const [os, architecture, variant] = platform.split('/');
        return {
          mediaType: OCI_MANIFEST,
          digest: child.imageDigest,
          size: Buffer.byteLength(body),
          platform: { os, architecture, ...(variant ? { variant } : {}) },
        };
      });
      manifest = JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests });
    }
    const image = this.putImage({
      repositoryName: input.repositoryName,
      imageManifest: manifest ?? single(),
      imageTag: input.imageTag,
      imageDigest: input.imageDigest,
    });
    const repo = this.repository(input.repositoryName);
    return {
      repositoryName: repo.repositoryName,
      imageDigest: image.imageDigest,
      imageTag: input.imageTag,
      imageUri: `${repo.repositoryUri}@${image.imageDigest}`,
    };
  }

  #findImage(repo: EcrRepository, id: { imageDigest?: string; imageTag?: string }): EcrImage | undefined {
    return repo.images.find(
      (i) =>
        (!id.imageDigest || i.imageDigest === id.imageDigest) &&
        (!id.imageTag || i.imageTags.includes(id.imageTag)),
    );
  }

  #repoView(r: EcrRepository) {
    const { tags: _tags, images: _images, ...rest } = r;
    return rest;
  }

  #tagsFor(arn: string): Tag[] {
    const r = [...this.repositories.values()].find((x) => x.repositoryArn === arn);
    if (!r) throw repositoryNotFound(arn.split('repository/').pop() ?? arn, this.#cloud.accountId);
    return r.tags;
  }

  /** The wire definition registered with the kernel. */
  /** An `ECR Image Action` event on the default bus, as ECR sends it for a push or a delete. */
  #emitImageAction(
    action: 'PUSH' | 'DELETE',
    repositoryName: string,
    digest: string,
    tag: string | undefined,
    extra: Record<string, string> = {},
  ): void {
    this.#cloud.eventBus.emit({
      source: 'aws.ecr',
      detailType: 'ECR Image Action',
      resources: [],
      detail: {
        result: 'SUCCESS',
        'repository-name': repositoryName,
        'image-digest': digest,
        'action-type': action,
        ...(tag ? { 'image-tag': tag } : {}),
        ...extra,
      },
    });
  }

  definition(): ServiceDefinition {
    return {
      protocol: 'awsJson1_1',
      targetPrefix: 'AmazonEC2ContainerRegistry_V20150921',
      operations: {
        CreateRepository: (input) => ({ repository: this.#repoView(this.createRepository(input)) }),
        DeleteRepository: (input) => ({
          repository: this.#repoView(this.deleteRepository(input.repositoryName, input.force)),
        }),
        DescribeRepositories: (input) => {
          const names: string[] | undefined = input.repositoryNames;
          const repos = names?.length
            ? names.map((n) => this.repository(n))
            : [...this.repositories.values()];
          return { repositories: repos.map((r) => this.#repoView(r)) };
        },
        ListTagsForResource: (input) => ({ tags: this.#tagsFor(input.resourceArn) }),
        TagResource: (input) => {
          const list = this.#tagsFor(input.resourceArn);
          for (const t of input.tags ?? []) {
            const i = list.findIndex((x) => x.Key === t.Key);
            if (i >= 0) list.splice(i, 1);
            list.push(t);
          }
          return {};
        },
        UntagResource: (input) => {
          const list = this.#tagsFor(input.resourceArn);
          for (let i = list.length - 1; i >= 0; i--)
            if ((input.tagKeys ?? []).includes(list[i]!.Key)) list.splice(i, 1);
          return {};
        },
        PutImage: (input) => {
          const image = this.putImage(input);
          const repo = this.repository(input.repositoryName);
          return {
            image: {
              registryId: repo.registryId,
              repositoryName: repo.repositoryName,
              imageId: { imageDigest: image.imageDigest, imageTag: input.imageTag },
              imageManifest: image.imageManifest,
              imageManifestMediaType: image.imageManifestMediaType,
            },
          };
        },
        DescribeImages: (input) => {
          const repo = this.repository(input.repositoryName);
          const ids: Array<{ imageDigest?: string; imageTag?: string }> | undefined = input.imageIds;
          const images = ids?.length
            ? ids.map((id) => {
                const img = this.#findImage(repo, id);
                if (!img) {
                  throw new AwsError(
                    'ImageNotFoundException',
                    `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${repo.repositoryName}' in the registry with id '${repo.registryId}'`,
                  );
                }
                return img;
              })
            : repo.images.filter((i) => input.filter?.tagStatus !== 'TAGGED' || i.imageTags.length > 0);
          return {
            imageDetails: images.map((i) => ({
              registryId: repo.registryId,
              repositoryName: repo.repositoryName,
              imageDigest: i.imageDigest,
              imageTags: i.imageTags.length ? i.imageTags : undefined,
              imageSizeInBytes: i.imageSizeInBytes,
              imagePushedAt: i.imagePushedAt,
              imageManifestMediaType: i.imageManifestMediaType,
              artifactMediaType: 'application/vnd.oci.image.config.v1+json',
            })),
          };
        },
        ListImages: (input) => {
          const repo = this.repository(input.repositoryName);
          return {
            imageIds: repo.images.flatMap((i) =>
              i.imageTags.length
                ? i.imageTags.map((t) => ({ imageDigest: i.imageDigest, imageTag: t }))
                : [{ imageDigest: i.imageDigest }],
            ),
          };
        },
        BatchGetImage: (input) => {
          const repo = this.repository(input.repositoryName);
          const images = [];
          const failures = [];
          // A client names the manifest formats it understands; ECR returns the stored one when it is
          // among them. ECR converts Docker V2 Schema 2 and OCI manifests into each other (and into
          // Schema 1) when pulled by tag; the local cloud converts nothing and reports the image as
          // not found instead, so a caller that omits a format it needs fails here too.
          // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_BatchGetImage.html
          // https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-manifest-formats.html (read 2026-12-07)
          const accepted = input.acceptedMediaTypes as string[] | undefined;
          for (const id of (input.imageIds ?? []) as Array<{ imageDigest?: string; imageTag?: string }>) {
            const img = this.#findImage(repo, id);
            if (img && accepted?.length && !accepted.includes(img.imageManifestMediaType)) {
              failures.push({
                imageId: id,
                failureCode: 'ImageNotFound',
                failureReason: `The image's manifest is ${img.imageManifestMediaType}, which is not among the accepted media types (the local cloud converts no manifest)`,
              });
            } else if (img) {
              images.push({
                registryId: repo.registryId,
                repositoryName: repo.repositoryName,
                imageId: { imageDigest: img.imageDigest, imageTag: id.imageTag ?? img.imageTags[0] },
                imageManifest: img.imageManifest,
                imageManifestMediaType: img.imageManifestMediaType,
              });
            } else {
              failures.push({
                imageId: id,
                failureCode: id.imageTag ? 'ImageTagDoesNotMatchDigest' : 'ImageNotFound',
                failureReason: 'Requested image not found',
              });
            }
          }
          return { images, failures };
        },
        BatchDeleteImage: (input) => {
          const repo = this.repository(input.repositoryName);
          const imageIds = [];
          const failures = [];
          for (const id of (input.imageIds ?? []) as Array<{ imageDigest?: string; imageTag?: string }>) {
            const img = this.#findImage(repo, id);
            if (!img) {
              failures.push({
                imageId: id,
                failureCode: 'ImageNotFound',
                failureReason: 'Requested image not found',
              });
              continue;
            }
            if (id.imageTag && !id.imageDigest && img.imageTags.length > 1) {
              img.imageTags = img.imageTags.filter((t) => t !== id.imageTag);
            } else {
              repo.images = repo.images.filter((i) => i !== img);
            }
            imageIds.push({ imageDigest: img.imageDigest, imageTag: id.imageTag });
            this.#emitImageAction('DELETE', repo.repositoryName, img.imageDigest, id.imageTag);
          }
          return { imageIds, failures };
        },
        GetAuthorizationToken: () => ({
          authorizationData: [
            {
              authorizationToken: Buffer.from('AWS:local-cloud-token').toString('base64'),
              expiresAt: new Date(this.#cloud.clock.now() + 12 * 3600_000),
              proxyEndpoint: `https://${this.#cloud.accountId}.dkr.ecr.${this.#cloud.region}.amazonaws.com`,
            },
          ],
        }),
      },
    };
  }
}

/** The `mediaType` a manifest names for itself (PutImage reads it when the request names none). */
function manifestMediaType(manifest: string): string | undefined {
  try {
    const type = (JSON.parse(manifest) as { mediaType?: unknown }).mediaType;
    return typeof type === 'string' ? type : undefined;
  } catch {
    return undefined;
  }
}

/** The digests an image index or manifest list names. */
function referencedDigests(manifest: string): string[] {
  try {
    const m = JSON.parse(manifest) as { manifests?: Array<{ digest?: string }> };
    return (m.manifests ?? []).map((d) => d.digest ?? '').filter(Boolean);
  } catch {
    return [];
  }
}

function manifestSize(manifest: string): number {
  try {
    const m = JSON.parse(manifest) as { config?: { size?: number }; layers?: Array<{ size?: number }> };
    return (m.config?.size ?? 0) + (m.layers ?? []).reduce((n, l) => n + (l.size ?? 0), 0);
  } catch {
    return Buffer.byteLength(manifest);
  }
}
