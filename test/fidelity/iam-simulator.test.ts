import { IAMClient, SimulateCustomPolicyCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestCloud } from '../integration/local/helpers.ts';
import { aws, cliError, runCli } from './services-harness.ts';

/**
 * The IAM policy simulator (what `plan --live` asks before a deploy), through the SDK and the AWS
 * CLI. Each case names the documentation page it follows (read 2026-12-07).
 */
const DOC = {
  principal: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html',
  custom: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html',
  boundaries: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html',
  evaluation: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html',
};

let env: Awaited<ReturnType<typeof startTestCloud>>;
let iam: IAMClient;
const account = '000000000000';
const secret = `arn:aws:secretsmanager:eu-west-1:${account}:secret:stackdrop/shop/production/APP_KEY-AbCdEf`;
const readPrefix = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: `arn:aws:secretsmanager:eu-west-1:${account}:secret:stackdrop/shop/production/*`,
    },
  ],
});

beforeAll(async () => {
  env = await startTestCloud();
  iam = new IAMClient({ ...env.config, region: 'us-east-1' });
  env.cloud.iam.roles.put({
    arn: `arn:aws:iam::${account}:role/exec`,
    name: 'exec',
    source: 'fidelity test',
    policies: [{ name: 'read-app-secrets', document: JSON.parse(readPrefix) }],
  });
}, 60_000);

afterAll(async () => {
  await env?.stop();
});

describe('IAM policy simulator', () => {
  it(
    aws(
      "SimulatePrincipalPolicy evaluates the role's own policies: allowed, naming the statement's policy",
      DOC.principal,
    ),
    async () => {
      const out = await iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: `arn:aws:iam::${account}:role/exec`,
          ActionNames: ['secretsmanager:GetSecretValue'],
          ResourceArns: [secret],
        }),
      );
      expect(out.EvaluationResults?.[0]).toMatchObject({
        EvalActionName: 'secretsmanager:GetSecretValue',
        EvalResourceName: secret,
        EvalDecision: 'allowed',
        MatchedStatements: [{ SourcePolicyId: 'read-app-secrets' }],
      });
    },
  );

  it(aws('A resource no statement names is implicitDeny', DOC.evaluation), async () => {
    const out = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${account}:role/exec`,
        ActionNames: ['secretsmanager:GetSecretValue', 'kms:Decrypt'],
        ResourceArns: [`arn:aws:secretsmanager:eu-west-1:${account}:secret:other/APP_KEY-AbCdEf`],
      }),
    );
    expect(out.EvaluationResults?.map((r) => r.EvalDecision)).toEqual(['implicitDeny', 'implicitDeny']);
  });

  it(
    aws('SimulatePrincipalPolicy of a role that does not exist is NoSuchEntity (404)', DOC.principal),
    async () => {
      const error = await errorOf(
        iam.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: `arn:aws:iam::${account}:role/nosuch`,
            ActionNames: ['secretsmanager:GetSecretValue'],
          }),
        ),
      );
      expect(error.name).toBe('NoSuchEntityException');
      expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(404);
    },
  );

  it(
    aws('SimulateCustomPolicy evaluates only the documents given; an explicit Deny wins', DOC.custom),
    async () => {
      const deny = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: 'secretsmanager:*', Resource: '*' }],
      });
      const allowed = await iam.send(
        new SimulateCustomPolicyCommand({
          PolicyInputList: [readPrefix],
          ActionNames: ['secretsmanager:GetSecretValue'],
          ResourceArns: [secret],
        }),
      );
      const denied = await iam.send(
        new SimulateCustomPolicyCommand({
          PolicyInputList: [readPrefix, deny],
          ActionNames: ['secretsmanager:GetSecretValue'],
          ResourceArns: [secret],
        }),
      );
      expect(allowed.EvaluationResults?.[0]?.EvalDecision).toBe('allowed');
      expect(denied.EvaluationResults?.[0]?.EvalDecision).toBe('explicitDeny');
    },
  );

  it(
    aws('A permissions boundary that does not allow the action caps an identity Allow', DOC.boundaries),
    async () => {
      const boundary = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'secretsmanager:GetSecretValue',
            Resource: 'arn:aws:secretsmanager:*:111111111111:secret:*',
          },
        ],
      });
      const out = await iam.send(
        new SimulateCustomPolicyCommand({
          PolicyInputList: [readPrefix],
          PermissionsBoundaryPolicyInputList: [boundary],
          ActionNames: ['secretsmanager:GetSecretValue'],
          ResourceArns: [secret],
        }),
      );
      expect(out.EvaluationResults?.[0]).toMatchObject({
        EvalDecision: 'implicitDeny',
        PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: false },
      });
    },
  );

  it(aws('Condition keys come from ContextEntries (kms:ViaService)', DOC.custom), async () => {
    const key = `arn:aws:kms:eu-west-1:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const viaService = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: key,
          Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
        },
      ],
    });
    const ask = (service: string) =>
      iam.send(
        new SimulateCustomPolicyCommand({
          PolicyInputList: [viaService],
          ActionNames: ['kms:Decrypt'],
          ResourceArns: [key],
          ContextEntries: [
            { ContextKeyName: 'kms:ViaService', ContextKeyType: 'string', ContextKeyValues: [service] },
          ],
        }),
      );
    expect((await ask('secretsmanager.eu-west-1.amazonaws.com')).EvaluationResults?.[0]?.EvalDecision).toBe(
      'allowed',
    );
    expect((await ask('s3.eu-west-1.amazonaws.com')).EvaluationResults?.[0]?.EvalDecision).toBe(
      'implicitDeny',
    );
  });

  it(
    aws(
      'The AWS CLI reads the simulator (simulate-custom-policy), and a bad document is InvalidInput',
      DOC.custom,
    ),
    async () => {
      const r = await runCli(env.endpoint, {
        ok: [
          'iam',
          'simulate-custom-policy',
          '--policy-input-list',
          readPrefix,
          '--action-names',
          'secretsmanager:GetSecretValue',
          '--resource-arns',
          secret,
        ],
        bad: [
          'iam',
          'simulate-custom-policy',
          '--policy-input-list',
          '{not json',
          '--action-names',
          's3:GetObject',
        ],
      });
      expect(r.ok?.rc).toBe(0);
      expect(r.ok?.json.EvaluationResults[0].EvalDecision).toBe('allowed');
      expect(r.bad?.rc).not.toBe(0);
      expect(cliError(r.bad)?.code).toBe('InvalidInput');
    },
  );
});
