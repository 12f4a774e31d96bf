import { type AppArchitecture, inspectImagePlatform } from '../image-platform.ts';
import type { DeployRecord } from '../status.ts';
import type { RolloutDeps } from './deploy.ts';
import { describeError } from './retry.ts';

/**
 * The pushed image's platforms against the app's architecture, recorded with the deploy so
 * `stackdrop deploys` and `status` can say why Fargate could not start it. A read that fails is
 * logged and skipped: the rollout itself decides the outcome.
 */
export async function imagePlatformOf(
  record: DeployRecord,
  architecture: AppArchitecture,
  deps: Pick<RolloutDeps, 'ecr' | 'logger'>,
): Promise<DeployRecord['imagePlatform']> {
  try {
    const found = await inspectImagePlatform(
      deps.ecr,
      record.repository,
      { imageDigest: record.digest },
      architecture,
    );
    if (!found) return undefined;
    const { digest: _digest, ...check } = found;
    if (check.status === 'missing')
      deps.logger.warn('The pushed image lacks the app platform', {
        repository: record.repository,
        digest: record.digest,
        wanted: check.wanted,
        platforms: check.platforms,
      });
    return check;
  } catch (error) {
    deps.logger.warn('Could not read the pushed image manifest', {
      repository: record.repository,
      digest: record.digest,
      error: describeError(error),
    });
    return undefined;
  }
}
