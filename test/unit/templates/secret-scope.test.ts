import { describe, expect, it } from 'vitest';
import { type Decision, evaluatePolicies } from '#local/iam/evaluate.ts';
import type { PolicyDocument } from '#local/iam/policies.ts';
import { type ManifestInput, validateManifestObject } from '#shared/manifest/index.ts';
import { renderStacks } from '#shared/render.ts';

/**
 * Secrets scoped to the project (issue #13, finding 3), judged by IAM: the execution role's
 * policy as the synthesised app stage writes it, evaluated with local/iam/evaluate.ts (the local
 * cloud's evaluator), reads the project's own secrets and parameters and nothing else of the
 * account, unless the manifest opts a reference in with app.externalSecrets.
 */

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const SM = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:`;
const SSM = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/`;
const DATABASE_SECRET = `${SM}rds!cluster-0a1b-AbCdEf`;
const EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/stackdrop/stages/stackdrop-acme-production-edge-ExecutionRole-1A2B`;

/** The app stage's ExecutionSecretsPolicy with its intrinsics resolved for one deployment. */
function executionSecretsPolicy(app: Partial<ManifestInput['app']>): PolicyDocument {
  const manifest = validateManifestObject({
    version: 1,
    project: 'acme',
    environment: 'production',
    app: { allowPlainHttp: true, ...app },
  });
  const stack = renderStacks(manifest).find((s) => s.stage === 'app')!;
  const template = JSON.parse(stack.templateBody!) as {
    Resources: Record<string, { Properties: { PolicyDocument: unknown } }>;
  };
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (!value || typeof value !== 'object') return value;
    const v = value as Record<string, unknown>;
    if (v.Ref === 'SecretArn') return DATABASE_SECRET;
    if (typeof v['Fn::Sub'] === 'string')
      return v['Fn::Sub']
        .replaceAll('${AWS::Partition}', 'aws')
        .replaceAll('${AWS::Region}', REGION)
        .replaceAll('${AWS::AccountId}', ACCOUNT);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
  };
  return resolve(template.Resources.ExecutionSecretsPolicy!.Properties.PolicyDocument) as PolicyDocument;
}

async function reads(document: PolicyDocument, resource: string): Promise<Decision> {
  const action = resource.startsWith(SSM) ? 'ssm:GetParameters' : 'secretsmanager:GetSecretValue';
  const evaluation = await evaluatePolicies(
    [{ name: 'read-app-secrets', document }],
    EXECUTION_ROLE,
    ACCOUNT,
    {
      action,
      resource,
      context: {},
    },
  );
  if (evaluation.error) throw new Error(evaluation.error);
  return evaluation.decision;
}

describe('the execution role reads only the project’s secrets', () => {
  it('reads stackdrop/acme/production/* and the database secret, nothing of other projects, environments or teams', async () => {
    // Prepare
    const document = executionSecretsPolicy({
      secrets: { APP_KEY: `${SM}stackdrop/acme/production/APP_KEY-AbCdEf` },
    });

    // Act
    const decisions: Record<string, Decision> = {};
    for (const resource of [
      `${SM}stackdrop/acme/production/APP_KEY-AbCdEf`,
      `${SM}stackdrop/acme/production/STRIPE_SECRET-XyZ123`,
      `${SSM}stackdrop/acme/production/MAIL_PASSWORD`,
      DATABASE_SECRET,
      `${SM}stackdrop/acme/staging/APP_KEY-AbCdEf`,
      `${SM}stackdrop/acme-shop/production/APP_KEY-AbCdEf`,
      `${SM}stackdrop/other/production/APP_KEY-AbCdEf`,
      `${SM}shared/mail-AbCdEf`,
      `${SM}rds!cluster-other-AbCdEf`,
      `${SSM}stackdrop/acme/staging/MAIL_PASSWORD`,
      `${SSM}team/db-password`,
      `arn:aws:secretsmanager:${REGION}:210987654321:secret:stackdrop/acme/production/APP_KEY-AbCdEf`,
    ])
      decisions[resource.replace(/^arn:aws:\w+:eu-west-1:/, '')] = await reads(document, resource);

    // Assess
    expect(decisions).toEqual({
      [`${ACCOUNT}:secret:stackdrop/acme/production/APP_KEY-AbCdEf`]: 'Allowed',
      [`${ACCOUNT}:secret:stackdrop/acme/production/STRIPE_SECRET-XyZ123`]: 'Allowed',
      [`${ACCOUNT}:parameter/stackdrop/acme/production/MAIL_PASSWORD`]: 'Allowed',
      [`${ACCOUNT}:secret:rds!cluster-0a1b-AbCdEf`]: 'Allowed',
      [`${ACCOUNT}:secret:stackdrop/acme/staging/APP_KEY-AbCdEf`]: 'ImplicitlyDenied',
      [`${ACCOUNT}:secret:stackdrop/acme-shop/production/APP_KEY-AbCdEf`]: 'ImplicitlyDenied',
      [`${ACCOUNT}:secret:stackdrop/other/production/APP_KEY-AbCdEf`]: 'ImplicitlyDenied',
      [`${ACCOUNT}:secret:shared/mail-AbCdEf`]: 'ImplicitlyDenied',
      [`${ACCOUNT}:secret:rds!cluster-other-AbCdEf`]: 'ImplicitlyDenied',
      [`${ACCOUNT}:parameter/stackdrop/acme/staging/MAIL_PASSWORD`]: 'ImplicitlyDenied',
      [`${ACCOUNT}:parameter/team/db-password`]: 'ImplicitlyDenied',
      '210987654321:secret:stackdrop/acme/production/APP_KEY-AbCdEf': 'ImplicitlyDenied',
    });
  });

  it('reads an opted-in external reference (app.externalSecrets) and still no other', async () => {
    // Prepare
    const document = executionSecretsPolicy({
      externalSecrets: true,
      secrets: { MAIL_PASSWORD: `${SM}shared/mail` },
    });

    // Act & Assess: the suffix-less ARN is granted as <arn>-??????, which matches its real ARN.
    expect(await reads(document, `${SM}shared/mail-AbCdEf`)).toBe('Allowed');
    expect(await reads(document, `${SM}shared/mail-archive-AbCdEf`)).toBe('ImplicitlyDenied');
    expect(await reads(document, `${SM}shared/stripe-AbCdEf`)).toBe('ImplicitlyDenied');
  });
});
