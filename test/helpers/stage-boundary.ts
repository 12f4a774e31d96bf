import { resolve } from 'node:path';
import type { LocalCloud } from '#local/kernel.ts';
import { REPOSITORY_ROOT } from '#local/runtime/index.ts';
import { planFromTemplate } from '#local/runtime/sam.ts';

/**
 * Puts template.yaml's managed policies (the stage roles' permissions boundary, StageRoleBoundary)
 * into a cloud that runs a stage template without deploying stackdrop itself: IAM refuses a role
 * whose boundary the account does not hold, as AWS does.
 */
export function stageRoleBoundary(cloud: LocalCloud): void {
  const plan = planFromTemplate({
    templatePath: resolve(REPOSITORY_ROOT, 'template.yaml'),
    region: cloud.region,
    accountId: cloud.accountId,
    endpoint: cloud.endpoint,
  });
  for (const policy of plan.iam.managedPolicies) cloud.iam.policies.put(policy);
}
