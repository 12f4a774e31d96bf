import { PENDING_WINDOW_DAYS } from '#shared/aws-rules/kms.ts';
import { generatedName } from './generic.ts';
import type { ProviderRequest, ResourceProvider } from './types.ts';

/**
 * AWS::KMS::Key, AWS::KMS::Alias and AWS::ElastiCache::ServerlessCache backed by the KMS and
 * ElastiCache models. Read 2026-12-07:
 * - AWS::KMS::Key: Ref is the key id; without KeyPolicy CloudFormation applies the default key
 *   policy; on delete the key is scheduled for deletion after PendingWindowInDays (7–30, default
 *   30), not deleted: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html
 * - AWS::ElastiCache::ServerlessCache: Ref is the name; GetAtt Endpoint.Address/Port,
 *   ReaderEndpoint.Address/Port, ARN, FullEngineVersion, Status:
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-elasticache-serverlesscache.html
 */

/** The role CloudFormation acts as for this stack (its own or its root's), the key's creator. */
function creator(request: ProviderRequest): string | undefined {
  const engine = request.cloud.cloudformation;
  let stack = engine.findStack(request.stackId);
  while (stack && !stack.roleArn && stack.parentId) stack = engine.findStack(stack.parentId);
  return stack?.roleArn;
}

const policyText = (policy: unknown): string | undefined =>
  policy === undefined ? undefined : typeof policy === 'string' ? policy : JSON.stringify(policy);

function kmsTags(request: ProviderRequest) {
  const own = (request.properties.Tags as Array<{ Key: string; Value: unknown }> | undefined) ?? [];
  return [...request.tags, ...own].map((t) => ({ TagKey: t.Key, TagValue: String(t.Value) }));
}

function keyAttributes(request: ProviderRequest, keyId: string) {
  const key = request.cloud.kms.resolve(keyId);
  return { Arn: key.Arn, KeyId: key.KeyId };
}

const key: ResourceProvider = {
  create(request) {
    const p = request.properties;
    const { kms } = request.cloud;
    const created = kms.createKey({
      Policy: policyText(p.KeyPolicy),
      Description: p.Description as string | undefined,
      KeySpec: p.KeySpec as string | undefined,
      KeyUsage: p.KeyUsage as string | undefined,
      BypassPolicyLockoutSafetyCheck: p.BypassPolicyLockoutSafetyCheck === true,
      Tags: kmsTags(request),
      principalArn: creator(request),
    });
    // Tags given to CreateKey are authorized as kms:TagResource too.
    const tags = kmsTags(request);
    if (tags.length > 0) kms.tagResource({ KeyId: created.KeyId, Tags: tags });
    if (p.EnableKeyRotation === true)
      kms.enableKeyRotation({
        KeyId: created.KeyId,
        RotationPeriodInDays:
          p.RotationPeriodInDays === undefined ? undefined : Number(p.RotationPeriodInDays),
      });
    if (p.Enabled === false) kms.disableKey({ KeyId: created.KeyId });
    return { physicalId: created.KeyId, attributes: keyAttributes(request, created.KeyId) };
  },
  update(request) {
    const p = request.properties;
    const { kms } = request.cloud;
    const id = request.physicalId;
    const policy = policyText(p.KeyPolicy);
    if (policy !== undefined)
      kms.putKeyPolicy({
        KeyId: id,
        Policy: policy,
        BypassPolicyLockoutSafetyCheck: p.BypassPolicyLockoutSafetyCheck === true,
        principalArn: creator(request),
      });
    if (p.Enabled === false) kms.disableKey({ KeyId: id });
    else kms.enableKey({ KeyId: id });
    if (p.EnableKeyRotation === true)
      kms.enableKeyRotation({
        KeyId: id,
        RotationPeriodInDays:
          p.RotationPeriodInDays === undefined ? undefined : Number(p.RotationPeriodInDays),
      });
    else kms.disableKeyRotation({ KeyId: id });
    kms.resolve(id).Description = String(p.Description ?? '');
    return { physicalId: id, attributes: keyAttributes(request, id) };
  },
  delete(request) {
    const { kms } = request.cloud;
    if (!kms.keys.has(request.physicalId) || kms.keys.get(request.physicalId)?.KeyState === 'PendingDeletion')
      return;
    const window = request.properties.PendingWindowInDays;
    kms.scheduleKeyDeletion({
      KeyId: request.physicalId,
      PendingWindowInDays: window === undefined ? PENDING_WINDOW_DAYS.default : Number(window),
    });
  },
};

const alias: ResourceProvider = {
  create(request) {
    const name = String(request.properties.AliasName);
    request.cloud.kms.createAlias({ AliasName: name, TargetKeyId: String(request.properties.TargetKeyId) });
    return { physicalId: name, attributes: {} };
  },
  update(request) {
    request.cloud.kms.aliases.set(
      request.physicalId,
      request.cloud.kms.resolve(request.properties.TargetKeyId).KeyId,
    );
    return { physicalId: request.physicalId, attributes: {} };
  },
  delete(request) {
    if (request.cloud.kms.aliases.has(request.physicalId))
      request.cloud.kms.deleteAlias({ AliasName: request.physicalId });
  },
};

const TYPE = 'AWS::ElastiCache::ServerlessCache';

const serverlessCache: ResourceProvider = {
  create(request) {
    const p = request.properties;
    const name =
      typeof p.ServerlessCacheName === 'string'
        ? p.ServerlessCacheName
        : generatedName(request.stackName, request.logicalId, { max: 40 }).toLowerCase();
    const own = (p.Tags as Array<{ Key: string; Value: unknown }> | undefined) ?? [];
    const cache = request.cloud.elastiCache.createServerlessCache({
      ServerlessCacheName: name,
      Engine: String(p.Engine ?? ''),
      MajorEngineVersion: p.MajorEngineVersion === undefined ? undefined : String(p.MajorEngineVersion),
      Description: p.Description as string | undefined,
      KmsKeyId: p.KmsKeyId as string | undefined,
      SecurityGroupIds: p.SecurityGroupIds as string[] | undefined,
      SubnetIds: p.SubnetIds as string[] | undefined,
      Tags: [...request.tags, ...own].map((t) => ({ Key: t.Key, Value: String(t.Value) })),
      // The engine already waits the type's create duration; the cache is ready when it returns.
      readyAfterMs: 0,
    });
    return {
      physicalId: cache.ServerlessCacheName,
      attributes: {
        ARN: cache.ARN,
        CreateTime: cache.CreateTime.toISOString(),
        Status: cache.Status,
        FullEngineVersion: cache.FullEngineVersion,
        'Endpoint.Address': cache.Endpoint.Address,
        'Endpoint.Port': String(cache.Endpoint.Port),
        'ReaderEndpoint.Address': cache.ReaderEndpoint.Address,
        'ReaderEndpoint.Port': String(cache.ReaderEndpoint.Port),
      },
    };
  },
  delete(request) {
    if (request.cloud.elastiCache.caches.has(request.physicalId))
      request.cloud.elastiCache.deleteServerlessCache({
        ServerlessCacheName: request.physicalId,
        goneAfterMs: 0,
      });
  },
};

export const kmsProviders: Record<string, ResourceProvider> = {
  'AWS::KMS::Key': key,
  'AWS::KMS::Alias': alias,
  [TYPE]: serverlessCache,
};
