import type { EcsService } from '../../services/ecs.ts';
import { generatedName } from './generic.ts';
import type { ProviderRequest, ResourceProvider, ResourceTag } from './types.ts';

/** Keys whose values are free-form maps (their keys are data, not property names). */
const OPAQUE_MAPS = new Set([
  'Options',
  'DockerLabels',
  'SystemControls',
  'Labels',
  'DriverOpts',
  'SecretOptions',
]);

/** CloudFormation's PascalCase property shapes as the ECS API's camelCase shapes. */
export function camelKeys(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => camelKeys(v));
  if (!value || typeof value !== 'object') return value;
  if (key && OPAQUE_MAPS.has(key)) return { ...value };
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), camelKeys(v, k)]),
  );
}

function ecsTags(request: ProviderRequest): { key: string; value: string }[] {
  const own = (request.properties.Tags as ResourceTag[] | undefined) ?? [];
  // aws: tags are reserved in ECS; CloudFormation only propagates the stack's own tags.
  return [...request.tags.filter((t) => !t.Key.startsWith('aws:')), ...own].map((t) => ({
    key: t.Key,
    value: String(t.Value),
  }));
}

const cluster: ResourceProvider = {
  create(request) {
    const p = request.properties;
    const name =
      typeof p.ClusterName === 'string' ? p.ClusterName : generatedName(request.stackName, request.logicalId);
    const c = request.cloud.ecs.createCluster({
      clusterName: name,
      tags: ecsTags(request),
      settings: camelKeys(p.ClusterSettings) as unknown[] | undefined,
      capacityProviders: p.CapacityProviders as string[] | undefined,
    });
    return { physicalId: c.clusterName, attributes: { Arn: c.clusterArn } };
  },
  update(request) {
    const c = request.cloud.ecs.cluster(request.physicalId);
    c.settings = camelKeys(request.properties.ClusterSettings) as unknown[] | undefined;
    c.capacityProviders = request.properties.CapacityProviders as string[] | undefined;
    c.tags = ecsTags(request);
    return { physicalId: c.clusterName, attributes: { Arn: c.clusterArn } };
  },
  delete(request) {
    request.cloud.ecs.deleteCluster(request.physicalId);
  },
};

const taskDefinition: ResourceProvider = {
  create(request) {
    const { Tags: _tags, Family, ...rest } = request.properties;
    const family =
      typeof Family === 'string'
        ? Family
        : generatedName(request.stackName, request.logicalId).replace(/[^A-Za-z0-9_-]/g, '-');
    const input = camelKeys(rest) as Record<string, unknown>;
    const { taskDefinition: td } = request.cloud.ecs.registerTaskDefinition({
      ...input,
      family,
      containerDefinitions: (input.containerDefinitions as Record<string, unknown>[] | undefined) ?? [],
      tags: ecsTags(request),
    });
    return { physicalId: td.taskDefinitionArn, attributes: { TaskDefinitionArn: td.taskDefinitionArn } };
  },
  delete(request) {
    request.cloud.ecs.deregisterTaskDefinition(request.physicalId);
  },
};

function serviceInput(request: ProviderRequest) {
  const p = camelKeys(request.properties) as Record<string, unknown>;
  return {
    cluster: p.cluster as string | undefined,
    taskDefinition: String(p.taskDefinition ?? ''),
    desiredCount: p.desiredCount === undefined ? 1 : Number(p.desiredCount),
    launchType: p.launchType as string | undefined,
    platformVersion: p.platformVersion as string | undefined,
    networkConfiguration: p.networkConfiguration,
    loadBalancers: p.loadBalancers as unknown[] | undefined,
    deploymentConfiguration: p.deploymentConfiguration as EcsService['deploymentConfiguration'] | undefined,
    healthCheckGracePeriodSeconds: p.healthCheckGracePeriodSeconds as number | undefined,
    enableExecuteCommand: p.enableExecuteCommand as boolean | undefined,
    propagateTags: p.propagateTags as string | undefined,
    capacityProviderStrategy: p.capacityProviderStrategy as unknown[] | undefined,
  };
}

/** Waits like CloudFormation for the service to reach a steady state (its deployment settles). */
async function steady(
  request: ProviderRequest,
  service: EcsService,
  failOnCircuitBreaker: boolean,
): Promise<void> {
  const state = await request.cloud.ecs.waitForDeployment(service.clusterArn, service.serviceArn);
  if (state === 'FAILED' && failOnCircuitBreaker) {
    throw new Error(
      `Resource handler returned message: "Error occurred during operation 'ECS Deployment Circuit Breaker was triggered'." (HandlerErrorCode: GeneralServiceException)`,
    );
  }
}

const service: ResourceProvider = {
  create(request) {
    const name =
      typeof request.properties.ServiceName === 'string'
        ? request.properties.ServiceName
        : generatedName(request.stackName, request.logicalId);
    const s = request.cloud.ecs.createService({
      ...serviceInput(request),
      serviceName: name,
      tags: ecsTags(request),
    });
    return {
      physicalId: s.serviceArn,
      attributes: { ServiceArn: s.serviceArn, Name: s.serviceName },
      stabilize: steady(request, s, true),
    };
  },
  update(request) {
    const input = serviceInput(request);
    const s = request.cloud.ecs.updateService({
      cluster: input.cluster,
      service: request.physicalId,
      taskDefinition: input.taskDefinition,
      desiredCount: input.desiredCount,
      networkConfiguration: input.networkConfiguration,
      deploymentConfiguration: input.deploymentConfiguration,
      healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds,
      enableExecuteCommand: input.enableExecuteCommand,
      loadBalancers: input.loadBalancers,
      forceNewDeployment: request.properties.ForceNewDeployment !== undefined,
    });
    s.tags = ecsTags(request);
    // CloudFormation reports UPDATE_COMPLETE even when the circuit breaker rolled the deployment back.
    return {
      physicalId: s.serviceArn,
      attributes: { ServiceArn: s.serviceArn, Name: s.serviceName },
      stabilize: steady(request, s, false),
    };
  },
  async delete(request) {
    const s = request.cloud.ecs.services.get(request.physicalId);
    if (!s || s.status === 'INACTIVE') return;
    if (s.status === 'ACTIVE') {
      request.cloud.ecs.deleteService({ cluster: s.clusterArn, service: s.serviceArn, force: true });
    }
    // As on AWS, the delete completes only once the service has drained to INACTIVE; a service of
    // the same name cannot be created again before that.
    // (Read through a function: TypeScript would keep the narrowing above across the awaits.)
    const status = () => s.status;
    while (status() !== 'INACTIVE') await request.cloud.clock.sleep(1_000);
  },
};

/** Providers backed by the ECS model. */
export const ecsProviders: Record<string, ResourceProvider> = {
  'AWS::ECS::Cluster': cluster,
  'AWS::ECS::TaskDefinition': taskDefinition,
  'AWS::ECS::Service': service,
};

function ecrTags(request: ProviderRequest): ResourceTag[] {
  const own = (request.properties.Tags as ResourceTag[] | undefined) ?? [];
  return [...request.tags.filter((t) => !t.Key.startsWith('aws:')), ...own].map((t) => ({
    Key: t.Key,
    Value: String(t.Value),
  }));
}

const repository: ResourceProvider = {
  create(request) {
    const p = camelKeys(request.properties) as Record<string, unknown>;
    const name =
      typeof p.repositoryName === 'string'
        ? p.repositoryName
        : generatedName(request.stackName, request.logicalId, { lowercase: true, max: 256 });
    const repo = request.cloud.ecr.createRepository({
      repositoryName: name,
      tags: ecrTags(request),
      imageTagMutability: p.imageTagMutability as 'MUTABLE' | 'IMMUTABLE' | undefined,
      imageScanningConfiguration: p.imageScanningConfiguration as { scanOnPush?: boolean } | undefined,
      encryptionConfiguration: p.encryptionConfiguration as
        | { encryptionType?: string; kmsKey?: string }
        | undefined,
    });
    // ECR checks the key and makes a grant as its caller: kms:DescribeKey and kms:CreateGrant
    // (https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html, read 2026-12-07).
    const kmsKey = repo.encryptionConfiguration.kmsKey;
    if (repo.encryptionConfiguration.encryptionType === 'KMS' && kmsKey) {
      request.cloud.kms.describeKey({ KeyId: kmsKey, viaService: 'ecr' });
      request.cloud.kms.createGrant({
        KeyId: kmsKey,
        GranteePrincipal: 'ecr.amazonaws.com',
        viaService: 'ecr',
      });
    }
    return {
      physicalId: repo.repositoryName,
      attributes: { Arn: repo.repositoryArn, RepositoryUri: repo.repositoryUri },
    };
  },
  update(request) {
    const repo = request.cloud.ecr.repository(request.physicalId);
    const p = camelKeys(request.properties) as Record<string, unknown>;
    repo.imageTagMutability = (p.imageTagMutability as 'MUTABLE' | 'IMMUTABLE' | undefined) ?? 'MUTABLE';
    repo.imageScanningConfiguration = {
      scanOnPush: (p.imageScanningConfiguration as { scanOnPush?: boolean } | undefined)?.scanOnPush === true,
    };
    repo.tags = ecrTags(request);
    return {
      physicalId: repo.repositoryName,
      attributes: { Arn: repo.repositoryArn, RepositoryUri: repo.repositoryUri },
    };
  },
  delete(request) {
    const empty = request.properties.EmptyOnDelete === true || request.properties.EmptyOnDelete === 'true';
    request.cloud.ecr.deleteRepository(request.physicalId, empty);
  },
};

ecsProviders['AWS::ECR::Repository'] = repository;
