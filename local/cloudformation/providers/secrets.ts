import { randomInt } from 'node:crypto';
import { randomSuffix } from './generic.ts';
import type { ProviderRequest, ResourceProvider, ResourceTag } from './types.ts';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** A random password as Secrets Manager's GenerateSecretString options describe it. */
export function generatePassword(options: Record<string, unknown> = {}): string {
  const exclude = String(options.ExcludeCharacters ?? '');
  let alphabet = '';
  if (options.ExcludeLowercase !== true) alphabet += LOWER;
  if (options.ExcludeUppercase !== true) alphabet += UPPER;
  if (options.ExcludeNumbers !== true) alphabet += DIGITS;
  if (options.ExcludePunctuation !== true) alphabet += PUNCTUATION;
  if (options.IncludeSpace === true) alphabet += ' ';
  const allowed = [...alphabet].filter((c) => !exclude.includes(c));
  const length = Number(options.PasswordLength ?? 32);
  return Array.from({ length }, () => allowed[randomInt(allowed.length)]).join('');
}

function secretString(properties: Record<string, unknown>): string | undefined {
  if (typeof properties.SecretString === 'string') return properties.SecretString;
  const generate = properties.GenerateSecretString as Record<string, unknown> | undefined;
  if (!generate) return undefined;
  const password = generatePassword(generate);
  if (typeof generate.SecretStringTemplate === 'string' && typeof generate.GenerateStringKey === 'string') {
    const template = JSON.parse(generate.SecretStringTemplate) as Record<string, unknown>;
    return JSON.stringify({ ...template, [generate.GenerateStringKey]: password });
  }
  return password;
}

function ownTags(request: ProviderRequest): ResourceTag[] {
  const own = (request.properties.Tags as ResourceTag[] | undefined) ?? [];
  return [...request.tags, ...own].map((t) => ({ Key: t.Key, Value: String(t.Value) }));
}

const secret: ResourceProvider = {
  create(request) {
    const p = request.properties;
    const name = typeof p.Name === 'string' ? p.Name : `${request.logicalId}-${randomSuffix(12)}`;
    const s = request.cloud.secretsManager.createSecret({
      Name: name,
      SecretString: secretString(p),
      Description: p.Description as string | undefined,
      KmsKeyId: p.KmsKeyId as string | undefined,
      Tags: ownTags(request),
    });
    return { physicalId: s.ARN, attributes: { Id: s.ARN } };
  },
  update(request) {
    const s = request.cloud.secretsManager.secret(request.physicalId);
    s.Description = request.properties.Description as string | undefined;
    s.Tags = ownTags(request);
    if (typeof request.properties.SecretString === 'string') {
      request.cloud.secretsManager.putSecretValue(s.ARN, { SecretString: request.properties.SecretString });
    }
    return { physicalId: s.ARN, attributes: { Id: s.ARN } };
  },
  delete(request) {
    request.cloud.secretsManager.deleteSecret(request.physicalId, { ForceDeleteWithoutRecovery: true });
  },
};

const parameter: ResourceProvider = {
  create(request) {
    const p = request.properties;
    const name = typeof p.Name === 'string' ? p.Name : `CFN-${request.logicalId}-${randomSuffix(12)}`;
    const type = (p.Type as 'String' | 'StringList' | undefined) ?? 'String';
    request.cloud.ssm.putParameter({
      Name: name,
      Value: String(p.Value ?? ''),
      Type: type,
      DataType: p.DataType as string | undefined,
      Tier: p.Tier as 'Standard' | 'Advanced' | 'Intelligent-Tiering' | undefined,
    });
    return { physicalId: name, attributes: { Type: type, Value: String(p.Value ?? '') } };
  },
  update(request) {
    const p = request.properties;
    const type = (p.Type as 'String' | 'StringList' | undefined) ?? 'String';
    request.cloud.ssm.putParameter({
      Name: request.physicalId,
      Value: String(p.Value ?? ''),
      Type: type,
      Overwrite: true,
      Tier: p.Tier as 'Standard' | 'Advanced' | 'Intelligent-Tiering' | undefined,
    });
    return { physicalId: request.physicalId, attributes: { Type: type, Value: String(p.Value ?? '') } };
  },
  delete(request) {
    request.cloud.ssm.parameters.delete(request.physicalId);
  },
};

/** Providers backed by the Secrets Manager and SSM models. */
export const secretProviders: Record<string, ResourceProvider> = {
  'AWS::SecretsManager::Secret': secret,
  'AWS::SSM::Parameter': parameter,
};
