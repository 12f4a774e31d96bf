import { NormalizedSchema } from '@smithy/core/schema';

/**
 * Operation shapes come from the SDK v3 clients' own schemas (`<Operation>$` exports), so the
 * wire format the local cloud reads and writes is exactly what those clients expect.
 */
export type SdkModule = Record<string, unknown>;

/** SDK package per SigV4 signing name. */
export const sdkPackages: Record<string, string> = {
  'application-autoscaling': '@aws-sdk/client-application-auto-scaling',
  cloudformation: '@aws-sdk/client-cloudformation',
  ec2: '@aws-sdk/client-ec2',
  ecr: '@aws-sdk/client-ecr',
  ecs: '@aws-sdk/client-ecs',
  elasticache: '@aws-sdk/client-elasticache',
  elasticloadbalancing: '@aws-sdk/client-elastic-load-balancing-v2',
  events: '@aws-sdk/client-eventbridge',
  iam: '@aws-sdk/client-iam',
  kms: '@aws-sdk/client-kms',
  lambda: '@aws-sdk/client-lambda',
  logs: '@aws-sdk/client-cloudwatch-logs',
  monitoring: '@aws-sdk/client-cloudwatch',
  pricing: '@aws-sdk/client-pricing',
  rds: '@aws-sdk/client-rds',
  s3: '@aws-sdk/client-s3',
  scheduler: '@aws-sdk/client-scheduler',
  secretsmanager: '@aws-sdk/client-secrets-manager',
  servicequotas: '@aws-sdk/client-service-quotas',
  states: '@aws-sdk/client-sfn',
  sqs: '@aws-sdk/client-sqs',
  ssm: '@aws-sdk/client-ssm',
  sts: '@aws-sdk/client-sts',
  tagging: '@aws-sdk/client-resource-groups-tagging-api',
};

const modules = new Map<string, Promise<SdkModule>>();

/** Loads (once) the SDK module that holds a service's schemas. */
export function loadSdk(pkg: string): Promise<SdkModule> {
  let m = modules.get(pkg);
  if (!m) {
    m = import(pkg) as Promise<SdkModule>;
    modules.set(pkg, m);
  }
  return m;
}

export interface OperationSchemas {
  input: NormalizedSchema;
  output: NormalizedSchema;
}

/** Input and output schemas of one operation, or undefined if the SDK does not know it. */
export function operationSchemas(sdk: SdkModule, operation: string): OperationSchemas | undefined {
  const op = sdk[`${operation}$`];
  // Operation schema tuple: [9, namespace, name, traits, input, output].
  if (!Array.isArray(op) || op[0] !== 9) return undefined;
  return { input: NormalizedSchema.of(op[4]), output: NormalizedSchema.of(op[5]) };
}
