import {
  guardProvider,
  requireBoundaryPolicy,
  stackManagedPolicyResolver,
  stackRoleResolver,
} from '../iam/cloudformation.ts';
import type { LocalCloud } from '../kernel.ts';
import { cloudFormationService } from './api.ts';
import { CloudFormationEngine } from './engine.ts';
import { providerFor } from './providers/index.ts';

export { CloudFormationEngine } from './engine.ts';

/**
 * The cloud's CloudFormation engine, served under the `cloudformation` signing name. `LocalCloud`
 * installs it when it is built; a later call returns that same engine (one engine per cloud).
 */
export function installCloudFormation(cloud: LocalCloud): CloudFormationEngine {
  // Undefined only while the LocalCloud constructor itself is installing it.
  const existing = cloud.cloudformation as CloudFormationEngine | undefined;
  if (existing) return existing;
  // Each resource operation is authorized as the stack's service role (local/iam/cloudformation.ts).
  const engine = new CloudFormationEngine(cloud, (type, e) =>
    type === 'AWS::CloudFormation::Stack'
      ? providerFor(type, e)
      : guardProvider(cloud, e, type, requireBoundaryPolicy(cloud, type, providerFor(type, e))),
  );
  cloud.iam.roles.addResolver(stackRoleResolver(engine));
  cloud.iam.policies.addResolver(stackManagedPolicyResolver(engine));
  cloud.registerService('cloudformation', cloudFormationService(engine));
  return engine;
}
