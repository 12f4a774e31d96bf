import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Decision, evaluatePolicies } from '#local/iam/evaluate.ts';
import type { PolicyDocument, PolicyStatement } from '#local/iam/policies.ts';
import { type BucketPolicy, bucketPolicyDenies } from '#local/services/s3-policy.ts';
import { type CfnTemplate, parseCfnTemplate } from '#shared/cfn-yaml.ts';
import { loadPolicyCatalog, statementsOf } from './audit.ts';
import { DEPLOYMENT, resolve, roleArn } from './resolve.ts';

/**
 * The threat table of docs/security.md, "controls that stop more", as IAM decides it: for the CI
 * role (what roll-service does with a push), the app container (the stage-role boundary) and the
 * bastion user (the bastion's instance role and the bastion functions), each step past the row's
 * reach is refused, and the step the row allows is allowed (so no refusal is vacuous). Policies are
 * template.yaml's as deployed (SAM policy templates and managed policies expanded), judged by
 * local/iam/evaluate.ts, the evaluator of the local cloud's IAM enforcement. The manifest author's
 * and the bucket writer's rows are proven by fence.test.ts, test/unit/templates/secret-scope.test.ts
 * and test/integration/runtime/state-writes.test.ts.
 */

const { accountId: ACCOUNT, region: REGION } = DEPLOYMENT;
const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
const STAGE_ROLE = `arn:aws:iam::${ACCOUNT}:role/stackdrop/stages/stackdrop-acme-production-edge-TaskRole-1A2B`;

let template: CfnTemplate;

beforeAll(() => {
  template = parseCfnTemplate(readFileSync('template.yaml', 'utf8'));
}, 30_000);

/** The identity policies of a function (its SAM role) or of an explicit role or managed policy of template.yaml. */
function policiesOf(id: string): { name: string; document: PolicyDocument }[] {
  const resource = template.Resources[id]!;
  if (resource.Type === 'AWS::IAM::ManagedPolicy')
    return [{ name: id, document: resolve(template, resource.Properties!.PolicyDocument) as PolicyDocument }];
  const statements = statementsOf(template, loadPolicyCatalog(), id).map(
    (s) => resolve(template, s.statement) as PolicyStatement,
  );
  return [{ name: id, document: { Version: '2012-10-17', Statement: statements } }];
}

type Step = [action: string, resource: string, context?: Record<string, string>];

async function decide(id: string, [action, resource, context = {}]: Step): Promise<Decision> {
  const principal =
    template.Resources[id]?.Type === 'AWS::IAM::ManagedPolicy' ? STAGE_ROLE : roleArn(`${id}Role`);
  const evaluation = await evaluatePolicies(policiesOf(id), principal, ACCOUNT, {
    action,
    resource,
    context: { 'aws:RequestedRegion': REGION, ...context },
  });
  if (evaluation.error) throw new Error(`${action} on ${resource}: ${evaluation.error}`);
  return evaluation.decision;
}

/** `allowed` must be Allowed and every one of `refused` must not be. */
async function expectReach(id: string, allowed: Step[], refused: Step[]): Promise<void> {
  const wrong: string[] = [];
  for (const step of allowed)
    if ((await decide(id, step)) !== 'Allowed') wrong.push(`denied: ${step.join(' ')}`);
  for (const step of refused)
    if ((await decide(id, step)) === 'Allowed') wrong.push(`allowed: ${JSON.stringify(step)}`);
  expect(wrong).toEqual([]);
}

/**
 * The S3 actions that change an object's content or remove it (Service Authorization Reference,
 * access level Write on `object`): uploads of every kind (PutObject covers CopyObject and multipart
 * uploads), deletes, and what a replication rule of another bucket writes into this one.
 */
const CONTENT_WRITES = [
  's3:PutObject',
  's3:DeleteObject',
  's3:DeleteObjectVersion',
  's3:ReplicateObject',
  's3:ReplicateDelete',
];

describe('the threat table as IAM decides it', () => {
  it('bucket writer: no one but the owning stackdrop role changes status/, turns/, callbacks/, templates/ or parsed/; manifests/ stay the account’s', async () => {
    const policy = resolve(
      template,
      template.Resources.StackdropBucketPolicy!.Properties!.PolicyDocument,
    ) as BucketPolicy;
    const bucket = String(resolve(template, { Ref: 'StackdropBucket' }));
    const denies = (principal: string, action: string, key: string) =>
      bucketPolicyDenies(policy, { principal, action, bucket, key, accountId: ACCOUNT });
    const foreign = `arn:aws:iam::${ACCOUNT}:role/ci-deployer`;
    const wrong: string[] = [];
    for (const key of [
      'status/acme-production.json',
      'turns/acme-production.json',
      'callbacks/token.json',
      'templates/0123/app.json',
      'parsed/acme-production.json',
    ])
      for (const action of CONTENT_WRITES)
        if (!(await denies(foreign, action, key))) wrong.push(`not denied: ${action} ${key}`);
    for (const action of CONTENT_WRITES)
      if (await denies(foreign, action, 'manifests/acme-production.yaml'))
        wrong.push(`denied: ${action} manifests/`);
    for (const [owner, key] of [
      ['DeployStackFunction', 'templates/0123/app.json'],
      ['StackCallbackFunction', 'callbacks/token.json'],
      ['ProjectTurnFunction', 'turns/acme-production.json'],
      ['RecordStatusFunction', 'status/acme-production.json'],
      ['RecordStatusFunction', 'parsed/acme-production.json'],
    ] as const)
      if (await denies(roleArn(`${owner}Role`), 's3:PutObject', key))
        wrong.push(`owner denied: ${owner} ${key}`);
    expect(wrong).toEqual([]);
  });

  it('CI role: a push deploys only managed repositories, stackdrop task families and fenced roles', async () => {
    const managed = { 'aws:ResourceTag/stackdrop:managed': 'true' };
    await expectReach(
      'RollServiceFunction',
      [
        ['ecr:DescribeImages', arn('ecr', 'repository/acme-production'), managed],
        ['ecs:RegisterTaskDefinition', arn('ecs', 'task-definition/stackdrop-acme-production-web:7')],
        ['iam:PassRole', STAGE_ROLE, { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }],
      ],
      [
        ['ecr:DescribeImages', arn('ecr', 'repository/payroll')],
        [
          'ecr:DescribeImages',
          arn('ecr', 'repository/payroll'),
          { 'aws:ResourceTag/stackdrop:managed': 'false' },
        ],
        ['ecs:RegisterTaskDefinition', arn('ecs', 'task-definition/payroll:3')],
        [
          'iam:PassRole',
          roleArn('DeployStackFunctionRole'),
          { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
        ],
        [
          'iam:PassRole',
          `arn:aws:iam::${ACCOUNT}:role/admin`,
          { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
        ],
        ['iam:PassRole', STAGE_ROLE, { 'iam:PassedToService': 'lambda.amazonaws.com' }],
        ['cloudformation:UpdateStack', arn('cloudformation', 'stack/stackdrop-acme-production-network/1')],
        ['ecs:UpdateService', arn('ecs', 'service/payroll/api')],
        ['ecr:PutImage', arn('ecr', 'repository/acme-production'), managed],
      ],
    );
  });

  it('app container: the stage-role boundary holds no IAM, no STS, no compute and no other stores', async () => {
    await expectReach(
      'StageRoleBoundary',
      [
        ['sqs:SendMessage', arn('sqs', 'stackdrop-acme-production-jobs')],
        ['s3:PutObject', 'arn:aws:s3:::stackdrop-acme-production-app-1a2b/uploads/a.png'],
      ],
      [
        ['iam:CreateRole', `arn:aws:iam::${ACCOUNT}:role/x`],
        ['iam:PutRolePolicy', STAGE_ROLE],
        ['iam:PassRole', STAGE_ROLE],
        ['sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/admin`],
        ['ec2:RunInstances', arn('ec2', 'instance/*')],
        ['lambda:CreateFunction', arn('lambda', 'function:x')],
        ['cloudformation:CreateStack', arn('cloudformation', 'stack/x/1')],
        ['s3:PutObject', 'arn:aws:s3:::payroll-exports/2026.csv'],
        ['sqs:SendMessage', arn('sqs', 'payroll-jobs')],
        [
          'secretsmanager:PutSecretValue',
          arn('secretsmanager', 'secret:stackdrop/acme/production/APP_KEY-AbCdEf'),
        ],
        ['kms:Decrypt', arn('kms', 'key/1234abcd-12ab-34cd-56ef-1234567890ab')],
      ],
    );
  });

  it('bastion user: the instance role talks to Session Manager only; only nano, IMDSv2 bastions; never re-tagged', async () => {
    const role = template.Resources.BastionInstanceRole!.Properties as {
      Policies: { PolicyDocument: unknown }[];
    };
    const bastion = role.Policies.map((p, i) => ({
      name: `bastion-${i}`,
      document: resolve(template, p.PolicyDocument) as PolicyDocument,
    }));
    const asBastion = async (action: string, resource: string) =>
      (
        await evaluatePolicies(bastion, roleArn('BastionInstanceRole'), ACCOUNT, {
          action,
          resource,
          context: {},
        })
      ).decision;
    expect(await asBastion('ssmmessages:OpenDataChannel', '*')).toBe('Allowed');
    for (const [action, resource] of [
      ['ssm:GetParameter', arn('ssm', 'parameter/stackdrop/acme/production/MAIL_PASSWORD')],
      ['ssm:GetParameters', arn('ssm', 'parameter/team/db-password')],
      ['secretsmanager:GetSecretValue', arn('secretsmanager', 'secret:rds!cluster-0a1b-AbCdEf')],
      ['rds:DescribeDBClusters', arn('rds', 'cluster:stackdrop-acme-production')],
      ['s3:GetObject', 'arn:aws:s3:::stackdrop-stackdropbucket-9x7q2/parsed/acme-production.json'],
      ['ec2:RunInstances', arn('ec2', 'instance/*')],
    ] as const)
      expect(await asBastion(action, resource), `${action} on ${resource}`).not.toBe('Allowed');

    const launch = {
      'ec2:InstanceType': 't4g.nano',
      'ec2:MetadataHttpTokens': 'required',
      'ec2:MetadataHttpPutResponseHopLimit': '1',
    };
    await expectReach(
      'OpenBastionFunction',
      [],
      [
        ['ec2:RunInstances', arn('ec2', 'instance/*'), { ...launch, 'ec2:InstanceType': 'm7g.16xlarge' }],
        ['ec2:RunInstances', arn('ec2', 'instance/*'), { ...launch, 'ec2:MetadataHttpTokens': 'optional' }],
        [
          'ec2:CreateTags',
          arn('ec2', 'instance/i-0123456789abcdef0'),
          { 'aws:RequestTag/stackdrop:expires-at': 'x' },
        ],
      ],
    );
    for (const id of ['ReapBastionsFunction', 'CloseBastionFunction'])
      expect(await decide(id, ['ec2:CreateTags', arn('ec2', 'instance/i-0123456789abcdef0')]), id).toBe(
        'ExplicitlyDenied',
      );
  });
});
