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
  const engine = new CloudFormationEngine(cloud, providerFor);
  cloud.registerService('cloudformation', cloudFormationService(engine));
  return engine;
}
