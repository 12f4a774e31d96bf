import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type ContextEntry,
  type EvaluationResult,
  type IAMClient,
  SimulateCustomPolicyCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeParametersCommand, GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { partitionOf } from '#shared/aws-rules/arn.ts';
import { resolvedPolicyDocument } from '#shared/cfn-resolve.ts';
import { parseCfnTemplate } from '#shared/cfn-yaml.ts';
import type { Manifest } from '#shared/manifest/index.ts';
import { projectSecretName, secretShortName } from '#shared/manifest/secret-refs.ts';
import { parseSecretReference, secretNamePrefix } from '#shared/manifest/secrets.ts';
import { planStacks, REPO_ROOT } from '../stacks.ts';
import type { PreflightCheck } from './preflight.ts';

/**
 * Whether the task execution role, as the app stage will write its policy, may read each secret
 * the manifest names (and decrypt it with a customer-managed KMS key), asked of IAM's policy
 * simulator before anything is created. ECS reads secrets with the execution role at task start;
 * a denied read stops every task with ResourceInitializationError.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html (read 2026-12-07)
 *
 * The policy is the app template's `ExecutionSecretsPolicy` resolved with this manifest's
 * parameters; the cap is template.yaml's `StageRoleBoundary` (the role's permissions boundary).
 * When the role exists already (the edge stack is up), SimulatePrincipalPolicy adds its other
 * policies; before that, SimulateCustomPolicy evaluates the documents alone.
 */

export interface SecretPreflightClients {
  secretsManager: SecretsManagerClient;
  ssm: SSMClient;
  iam: IAMClient;
  sts: STSClient;
}

export interface SecretPreflightOptions {
  region: string;
  /** The execution role's ARN when the edge stack exists (its `ExecutionRoleArn` output). */
  executionRoleArn?: string;
  /** Reads a repository file (template.yaml); default: this checkout. */
  readTemplate?: (file: string) => Promise<string>;
}

const errorName = (error: unknown) => (error as { name?: string })?.name ?? 'Error';
const errorMessage = (error: unknown) => ((error as Error)?.message ?? String(error)).split('\n')[0]!;

/** A secret as it exists: its full ARN and, when not the AWS managed key, the KMS key that encrypts it. */
interface FoundSecret {
  arn: string;
  service: 'secretsmanager' | 'ssm';
  /** Customer-managed key id, key ARN or alias (absent: the AWS managed key). */
  kmsKeyId?: string;
}

async function findSecret(reference: string, m: Manifest, c: SecretPreflightClients): Promise<FoundSecret> {
  const short = secretShortName(reference);
  if (!short && reference.includes(':ssm:')) {
    const name = parseSecretReference(reference)?.name ?? reference.split(':parameter')[1] ?? '';
    await c.ssm.send(new GetParameterCommand({ Name: name }));
    const described = await c.ssm.send(
      new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: [name] }] }),
    );
    const keyId = described.Parameters?.[0]?.KeyId;
    return {
      arn: reference,
      service: 'ssm',
      ...(keyId && keyId !== 'alias/aws/ssm' ? { kmsKeyId: keyId } : {}),
    };
  }
  const id = short ? projectSecretName(m.project, m.environment, short) : reference;
  const out = await c.secretsManager.send(new DescribeSecretCommand({ SecretId: id }));
  if (out.DeletedDate)
    throw Object.assign(new Error('it is scheduled for deletion'), { name: 'ScheduledForDeletion' });
  const arn = out.ARN ?? reference;
  // DescribeSecret omits KmsKeyId for the AWS managed key aws/secretsmanager.
  const keyId = out.KmsKeyId && !/alias\/aws\/secretsmanager$/.test(out.KmsKeyId) ? out.KmsKeyId : undefined;
  return { arn, service: 'secretsmanager', ...(keyId ? { kmsKeyId: keyId } : {}) };
}

/** The key ARN a KmsKeyId names (a bare key id lives in the secret's account and Region); undefined for an alias. */
function keyArnOf(keyId: string, secretArn: string): string | undefined {
  if (/^arn:[^:]+:kms:[^:]+:\d{12}:key\//.test(keyId)) return keyId;
  if (keyId.startsWith('alias/') || keyId.includes(':alias/')) return undefined;
  const [, partition, , region, account] = secretArn.split(':');
  return `arn:${partition}:kms:${region}:${account}:key/${keyId}`;
}

interface Policies {
  identity: string;
  boundary?: string;
}

async function policiesAsWritten(
  m: Manifest,
  account: string,
  options: SecretPreflightOptions,
): Promise<Policies> {
  const read = options.readTemplate ?? ((file: string) => readFile(resolve(REPO_ROOT, file), 'utf8'));
  const app = planStacks(m).find((s) => s.stage === 'app');
  if (!app) throw new Error('the manifest renders no app stage');
  const scope = {
    region: options.region,
    accountId: account,
    partition: partitionOf(options.region),
  };
  const identity = resolvedPolicyDocument('ExecutionSecretsPolicy', {
    ...scope,
    // The app stage's template is synthesised from the manifest (shared/synth/app).
    template: parseCfnTemplate(app.templateBody ?? (await read(app.templateFile))),
    parameters: app.parameters,
  });
  if (!identity) throw new Error('the app template has no ExecutionSecretsPolicy');
  const boundary = resolvedPolicyDocument('StageRoleBoundary', {
    ...scope,
    template: parseCfnTemplate(await read('template.yaml')),
    parameters: {},
  });
  return { identity: JSON.stringify(identity), ...(boundary ? { boundary: JSON.stringify(boundary) } : {}) };
}

async function simulate(
  c: SecretPreflightClients,
  policies: Policies,
  roleArn: string | undefined,
  action: string,
  resource: string,
  context: ContextEntry[] = [],
): Promise<EvaluationResult | undefined> {
  const common = {
    PolicyInputList: [policies.identity],
    ...(policies.boundary ? { PermissionsBoundaryPolicyInputList: [policies.boundary] } : {}),
    ActionNames: [action],
    ResourceArns: [resource],
    ...(context.length ? { ContextEntries: context } : {}),
  };
  const out = roleArn
    ? await c.iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: roleArn, ...common }))
    : await c.iam.send(new SimulateCustomPolicyCommand(common));
  return out.EvaluationResults?.[0];
}

function denialCause(result: EvaluationResult | undefined): string {
  if (result?.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary === false)
    return "the stage roles' permissions boundary (template.yaml StageRoleBoundary) does not allow it";
  return result?.EvalDecision === 'explicitDeny' ? 'a policy denies it explicitly' : 'no statement allows it';
}

/** One check per secret: it exists, and the execution role may read (and decrypt) it. */
export async function secretReadChecks(
  m: Manifest,
  c: SecretPreflightClients,
  options: SecretPreflightOptions,
): Promise<PreflightCheck[]> {
  const entries = Object.entries(m.app.secrets);
  if (entries.length === 0) return [];
  const found = new Map<string, FoundSecret>();
  const checks = new Map<string, PreflightCheck>();
  for (const [name, reference] of entries) {
    try {
      found.set(name, await findSecret(reference, m, c));
    } catch (error) {
      checks.set(name, {
        check: `secret ${name}`,
        ok: false,
        detail: `${reference} cannot be read (${errorName(error)}: ${errorMessage(error)})`,
        fix:
          errorName(error) === 'ScheduledForDeletion'
            ? `restore it: aws secretsmanager restore-secret --secret-id ${reference}`
            : 'create it (aws secretsmanager create-secret / aws ssm put-parameter) or fix the ARN in app.secrets',
      });
    }
  }
  if (found.size > 0) {
    // The policy is written with every reference resolved to its ARN (as load-manifest does).
    const resolved: Manifest = {
      ...m,
      app: {
        ...m.app,
        secrets: Object.fromEntries(entries.map(([n, r]) => [n, found.get(n)?.arn ?? r])),
      },
    };
    const account = (await c.sts.send(new GetCallerIdentityCommand({}))).Account ?? '';
    const policies = await policiesAsWritten(resolved, account, options);
    const role = options.executionRoleArn;
    for (const [name, secret] of found) {
      checks.set(name, await readCheck(name, secret, resolved, c, policies, role, options.region));
    }
  }
  return entries.map(([name]) => checks.get(name)!);
}

async function readCheck(
  name: string,
  secret: FoundSecret,
  m: Manifest,
  c: SecretPreflightClients,
  policies: Policies,
  role: string | undefined,
  region: string,
): Promise<PreflightCheck> {
  const check = `secret ${name}`;
  const who = role
    ? `the execution role ${role.slice(role.lastIndexOf('/') + 1)}`
    : 'the execution role (as it will be written)';
  // ECS names the secret by its first seven ARN fields, so a JSON key or version suffix is ignored.
  const resource = secret.service === 'ssm' ? secret.arn : secret.arn.split(':').slice(0, 7).join(':');
  const action = secret.service === 'ssm' ? 'ssm:GetParameters' : 'secretsmanager:GetSecretValue';
  const read = await simulate(c, policies, role, action, resource);
  if (read?.EvalDecision !== 'allowed') {
    const external = !parseSecretReference(secret.arn)?.name.startsWith(
      secret.service === 'ssm'
        ? `/${secretNamePrefix(m.project, m.environment)}`
        : secretNamePrefix(m.project, m.environment),
    );
    return {
      check,
      ok: false,
      detail: `exists, but ${who} would be refused ${action} on it (${read?.EvalDecision ?? 'no answer'}: ${denialCause(read)}): every task would stop with ResourceInitializationError`,
      fix:
        read?.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary === false
          ? `the execution role may read only secrets of this account in ${region}: create the secret here (aws secretsmanager create-secret --name ${secretNamePrefix(m.project, m.environment)}${name} --region ${region})`
          : external && !m.app.externalSecrets
            ? `move it under ${secretNamePrefix(m.project, m.environment)} or set app.externalSecrets: true to grant this reference`
            : 'check the reference in app.secrets names the secret exactly (a Secrets Manager ARN ends in -XXXXXX)',
    };
  }
  if (!secret.kmsKeyId) return { check, ok: true, detail: `exists, and ${who} may read it` };
  const keyArn = keyArnOf(secret.kmsKeyId, secret.arn);
  if (!keyArn) {
    const listed = m.app.secretsKmsKeyArns.length > 0;
    return {
      check,
      ok: listed,
      detail: `exists; it is encrypted with the customer-managed key ${secret.kmsKeyId}, an alias this check cannot resolve${listed ? '' : ', and app.secretsKmsKeyArns lists no key: kms:Decrypt would be refused'}`,
      ...(listed
        ? {}
        : {
            fix: `add the key's ARN (aws kms describe-key --key-id ${secret.kmsKeyId}) to app.secretsKmsKeyArns`,
          }),
    };
  }
  const via = `${secret.service}.${region}.amazonaws.com`;
  const decrypt = await simulate(c, policies, role, 'kms:Decrypt', keyArn, [
    { ContextKeyName: 'kms:ViaService', ContextKeyType: 'string', ContextKeyValues: [via] },
  ]);
  if (decrypt?.EvalDecision === 'allowed')
    return { check, ok: true, detail: `exists, and ${who} may read it and decrypt it with ${keyArn}` };
  return {
    check,
    ok: false,
    detail: `exists, but it is encrypted with the customer-managed key ${keyArn} and ${who} would be refused kms:Decrypt (${decrypt?.EvalDecision ?? 'no answer'}): every task would stop with ResourceInitializationError`,
    fix: `add ${keyArn} to app.secretsKmsKeyArns (the key's policy must also let this account's IAM policies use it)`,
  };
}
