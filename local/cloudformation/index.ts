import type { LocalCloud } from '../kernel.ts';
import { cloudFormationService } from './api.ts';
import { CloudFormationEngine } from './engine.ts';
import { providerFor } from './providers/index.ts';

export { CloudFormationEngine } from './engine.ts';

/** Creates the CloudFormation engine for a cloud and serves it under the `cloudformation` signing name. */
export function installCloudFormation(cloud: LocalCloud): CloudFormationEngine {
  const engine = new CloudFormationEngine(cloud, providerFor);
  cloud.registerService('cloudformation', cloudFormationService(engine));
  return engine;
}
