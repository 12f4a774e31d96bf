import { DescribeImagesCommand, type ECRClient, ListTagsForResourceCommand } from '@aws-sdk/client-ecr';
import { TAG_ENVIRONMENT, TAG_MANAGED, TAG_PROJECT } from '../naming.ts';
import { type Push, repositoryArn } from './event.ts';

/** Tag the edge stack puts on the repository: pushes of this image tag deploy. */
export const TAG_DEPLOY_TAG = 'stackdrop:deploy-tag';

/** The stackdrop project a repository belongs to. */
export interface RepositoryOwner {
  project: string;
  environment: string;
  deployTag: string;
}

/**
 * Finds the project owning a repository from the repository's own tags (set by the edge stack),
 * or undefined when the repository is not managed by stackdrop. roll-service's IAM policy only
 * allows reading tags of managed repositories, so AccessDenied also means "not ours".
 */
export async function findRepositoryOwner(
  push: Pick<Push, 'account' | 'region' | 'repository'>,
  deps: { ecr: ECRClient },
): Promise<RepositoryOwner | undefined> {
  let tags: { Key?: string; Value?: string }[];
  try {
    const out = await deps.ecr.send(new ListTagsForResourceCommand({ resourceArn: repositoryArn(push) }));
    tags = out.tags ?? [];
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'RepositoryNotFoundException' || name === 'AccessDeniedException') return undefined;
    throw error;
  }
  const get = (key: string) => tags.find((t) => t.Key === key)?.Value;
  const project = get(TAG_PROJECT);
  const environment = get(TAG_ENVIRONMENT);
  if (get(TAG_MANAGED) !== 'true' || !project || !environment) return undefined;
  // The manifest's default deploy tag, for a repository tagged before the deploy-tag tag existed.
  return { project, environment, deployTag: get(TAG_DEPLOY_TAG) || 'main' };
}

/**
 * The image the deploy tag points to right now. ECR moves a mutable tag to every new push, so this
 * is the newest deploy-tag push, even if its event is still queued behind or was lost (ECR event
 * delivery is best effort).
 */
export async function resolveDeployTag(
  repository: string,
  tag: string,
  deps: { ecr: ECRClient },
): Promise<{ digest: string; pushedAt: Date | undefined } | undefined> {
  try {
    const out = await deps.ecr.send(
      new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }),
    );
    const image = out.imageDetails?.[0];
    if (!image?.imageDigest) return undefined;
    return { digest: image.imageDigest, pushedAt: image.imagePushedAt };
  } catch (error) {
    if ((error as { name?: string }).name === 'ImageNotFoundException') return undefined;
    throw error;
  }
}
