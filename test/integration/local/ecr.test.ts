import { createHash } from 'node:crypto';
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ListTagsForResourceCommand,
  PutImageCommand,
  TagResourceCommand,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '#local/events/bus.ts';
import { errorOf, startTestCloud } from './helpers.ts';

let env: Awaited<ReturnType<typeof startTestCloud>>;
let ecr: ECRClient;

beforeAll(async () => {
  env = await startTestCloud();
  ecr = new ECRClient(env.config);
});
afterAll(() => env.stop());

const manifest = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: 100, digest: 'sha256:c0' },
  layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 900, digest: 'sha256:l0' }],
});

describe('ECR over awsJson 1.1', () => {
  it('creates and describes repositories with tags', async () => {
    const created = await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'acme',
        tags: [{ Key: 'stackdrop:deploy-tag', Value: 'main' }],
        imageScanningConfiguration: { scanOnPush: true },
      }),
    );
    await ecr.send(
      new TagResourceCommand({
        resourceArn: created.repository!.repositoryArn,
        tags: [{ Key: 'stackdrop:project', Value: 'acme' }],
      }),
    );

    const described = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['acme'] }));
    const tags = await ecr.send(
      new ListTagsForResourceCommand({ resourceArn: created.repository!.repositoryArn }),
    );
    const dup = await errorOf(ecr.send(new CreateRepositoryCommand({ repositoryName: 'acme' })));
    const missing = await errorOf(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['nope'] })));

    expect(created.repository).toMatchObject({
      repositoryArn: 'arn:aws:ecr:eu-west-1:000000000000:repository/acme',
      repositoryUri: '000000000000.dkr.ecr.eu-west-1.amazonaws.com/acme',
      imageScanningConfiguration: { scanOnPush: true },
    });
    expect(described.repositories?.[0]?.createdAt).toBeInstanceOf(Date);
    expect(tags.tags).toEqual([
      { Key: 'stackdrop:deploy-tag', Value: 'main' },
      { Key: 'stackdrop:project', Value: 'acme' },
    ]);
    expect(dup.name).toBe('RepositoryAlreadyExistsException');
    expect(missing.name).toBe('RepositoryNotFoundException');
  });

  it('records a pushed image by digest and emits ECR Image Action PUSH SUCCESS', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'acme-push' }));
    const events: BusEvent[] = [];
    const unsubscribe = env.cloud.eventBus.subscribe((e) => events.push(e));

    const put = await ecr.send(
      new PutImageCommand({ repositoryName: 'acme-push', imageManifest: manifest, imageTag: 'main' }),
    );
    unsubscribe();
    const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    const described = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'acme-push', imageIds: [{ imageTag: 'main' }] }),
    );
    const batch = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: 'acme-push',
        imageIds: [{ imageDigest: digest }, { imageTag: 'missing' }],
      }),
    );
    const again = await errorOf(
      ecr.send(
        new PutImageCommand({ repositoryName: 'acme-push', imageManifest: manifest, imageTag: 'main' }),
      ),
    );

    expect(put.image?.imageId).toEqual({ imageDigest: digest, imageTag: 'main' });
    expect(described.imageDetails?.[0]).toMatchObject({
      imageDigest: digest,
      imageTags: ['main'],
      imageSizeInBytes: 1000,
    });
    expect(batch.images?.[0]?.imageManifest).toBe(manifest);
    expect(batch.failures?.[0]?.failureCode).toBeDefined();
    expect(again.name).toBe('ImageAlreadyExistsException');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      source: 'aws.ecr',
      'detail-type': 'ECR Image Action',
      resources: [],
      detail: {
        'action-type': 'PUSH',
        result: 'SUCCESS',
        'repository-name': 'acme-push',
        'image-digest': digest,
        'image-tag': 'main',
      },
    });
  });

  it('moves a mutable tag to a newly pushed image', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'acme-move' }));
    const first = env.cloud.ecr.pushImage({ repositoryName: 'acme-move', imageTag: 'main' });
    const second = env.cloud.ecr.pushImage({ repositoryName: 'acme-move', imageTag: 'main' });

    const images = await ecr.send(new DescribeImagesCommand({ repositoryName: 'acme-move' }));

    expect(second.imageDigest).not.toBe(first.imageDigest);
    expect(second.imageUri).toBe(
      `000000000000.dkr.ecr.eu-west-1.amazonaws.com/acme-move@${second.imageDigest}`,
    );
    expect(images.imageDetails?.find((i) => i.imageDigest === second.imageDigest)?.imageTags).toEqual([
      'main',
    ]);
    expect(images.imageDetails?.find((i) => i.imageDigest === first.imageDigest)?.imageTags).toBeUndefined();
  });
});
