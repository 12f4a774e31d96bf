import type { CloudFormationEngine } from '../engine.ts';
import { autoScalingProviders } from './autoscaling.ts';
import { cdnProviders } from './cdn.ts';
import { dnsProviders } from './dns.ts';
import { ec2Providers } from './ec2.ts';
import { ecsProviders } from './ecs.ts';
import { elbv2Providers } from './elbv2.ts';
import { genericProvider } from './generic.ts';
import { kmsProviders } from './kms.ts';
import { logsProviders } from './logs.ts';
import { nestedStackProvider } from './nested-stack.ts';
import { rdsProviders } from './rds.ts';
import { secretProviders } from './secrets.ts';
import { storageProviders } from './storage.ts';
import type { ResourceProvider } from './types.ts';

const modelProviders: Record<string, ResourceProvider> = {
  ...ec2Providers,
  ...storageProviders,
  ...ecsProviders,
  ...secretProviders,
  ...rdsProviders,
  ...elbv2Providers,
  ...logsProviders,
  ...autoScalingProviders,
  ...dnsProviders,
  ...cdnProviders,
  ...kmsProviders,
};

const nested = new WeakMap<CloudFormationEngine, ResourceProvider>();

/** The provider of a resource type: a service-model provider where one exists, else the generic one. */
export function providerFor(type: string, engine: CloudFormationEngine): ResourceProvider {
  if (type === 'AWS::CloudFormation::Stack') {
    let provider = nested.get(engine);
    if (!provider) {
      provider = nestedStackProvider(engine);
      nested.set(engine, provider);
    }
    return provider;
  }
  return modelProviders[type] ?? genericProvider;
}
