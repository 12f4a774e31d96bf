import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  EC2Client,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyStatement } from '#local/iam/index.ts';
import { runAwsCli } from '#test/helpers/aws-cli-batch.ts';
import { errorOf, startTestCloud } from '../integration/local/helpers.ts';

/**
 * IAM as AWS evaluates it, through the AWS CLI and the SDK with assumed-role credentials. Each
 * case names the documentation page it follows (read 2026-12-07).
 */
const DOC = {
  assumeRole: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html',
  callerIdentity: 'https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html',
  evaluation: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html',
  denyVsAllow:
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html',
  messages: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html',
  getObject: 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html',
  ec2Errors: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html',
  ec2Tagging: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html',
  dryRun: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/CommonParameters.html',
  passRole: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html',
  cfnServiceRole: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html',
  cfnHandlers:
    'https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html#schema-properties-handlers',
  cfnErrors: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/CommonErrors.html',
  ecsErrors: 'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/CommonErrors.html',
  schedulerErrors: 'https://docs.aws.amazon.com/scheduler/latest/APIReference/CommonErrors.html',
  sqsErrors: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html',
  actionsResources:
    'https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html',
  resourceTag: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_tags.html',
  ecsSecrets:
    'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/resource-initialization-error.html',
  secretsKms: 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html',
  templateUrl: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html',
  createSecret: 'https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html',
};

let env: Awaited<ReturnType<typeof startTestCloud>>;
let dir: string;
const account = '000000000000';
const region = 'eu-west-1';

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/**
 * Moves the clock until the stacks settle. A handler's calls are authorized asynchronously, and the
 * first IAM check of a service in a process reads the Service Authorization Reference from disk
 * (real I/O), which advance() does not wait for.
 */
async function settle(...stacks: string[]): Promise<void> {
  let done = false;
  void Promise.all(stacks.map((n) => env.cloud.cloudformation.settled(n))).then(() => {
    done = true;
  });
  while (!done) await env.cloud.clock.advance(60_000);
}

/** Defines a role with one inline policy of these statements (as a template's AWS::IAM::Role would). */
function defineRole(name: string, statements: PolicyStatement[]): string {
  const arn = `arn:aws:iam::${account}:role/${name}`;
  env.cloud.iam.roles.put({
    arn,
    name,
    source: 'fidelity test',
    policies: [{ name: 'inline', document: { Version: '2012-10-17', Statement: statements } }],
  });
  return arn;
}

async function assume(roleArn: string, session = 'fidelity'): Promise<Credentials> {
  const sts = new STSClient(env.config);
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: session }));
  return {
    accessKeyId: out.Credentials!.AccessKeyId!,
    secretAccessKey: out.Credentials!.SecretAccessKey!,
    sessionToken: out.Credentials!.SessionToken!,
  };
}

const as = (credentials: Credentials) => ({ ...env.config, credentials });

/** One AWS CLI command with the given credentials (the admin's test keys when none). */
async function aws(
  args: string[],
  credentials?: Credentials,
): Promise<{ rc: number; stdout: string; stderr: string }> {
  const keys = credentials
    ? {
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_SESSION_TOKEN: credentials.sessionToken,
      }
    : {
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      };
  const [result] = await runAwsCli([['--endpoint-url', env.endpoint, '--output', 'json', ...args]], {
    PATH: process.env.PATH,
    HOME: dir,
    PYENV_ROOT: process.env.PYENV_ROOT,
    AWS_DEFAULT_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    AWS_MAX_ATTEMPTS: '1',
    ...keys,
  });
  return result!;
}

beforeAll(async () => {
  env = await startTestCloud();
  dir = await mkdtemp(join(tmpdir(), 'fidelity-iam-'));
  env.cloud.s3.createBucket('fidelity-bucket', { versioning: false, eventBridge: false, tags: {} });
  env.cloud.s3.putObject('fidelity-bucket', 'reports/2026.txt', Buffer.from('hello'));
}, 60_000);

afterAll(async () => {
  await env?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('IAM fidelity: identity', () => {
  it(`assume-role issues ASIA temporary credentials for the role, and get-caller-identity names the assumed role (${DOC.assumeRole}, ${DOC.callerIdentity})`, async () => {
    const role = defineRole('fidelity-reader', [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]);
    const assumed = await aws([
      'sts',
      'assume-role',
      '--role-arn',
      role,
      '--role-session-name',
      'cli-session',
    ]);
    expect(assumed.rc).toBe(0);
    const out = JSON.parse(assumed.stdout) as {
      Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
      AssumedRoleUser: { Arn: string };
    };
    expect(out.Credentials.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(out.AssumedRoleUser.Arn).toBe(`arn:aws:sts::${account}:assumed-role/fidelity-reader/cli-session`);
    const who = await aws(['sts', 'get-caller-identity'], {
      accessKeyId: out.Credentials.AccessKeyId,
      secretAccessKey: out.Credentials.SecretAccessKey,
      sessionToken: out.Credentials.SessionToken,
    });
    expect(JSON.parse(who.stdout).Arn).toBe(
      `arn:aws:sts::${account}:assumed-role/fidelity-reader/cli-session`,
    );
  });

  it(`assume-role refuses a session name outside [\\w+=,.@-]{2,64} (${DOC.assumeRole})`, async () => {
    const role = defineRole('fidelity-named', [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]);
    const e = await errorOf(
      new STSClient(env.config).send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 'a b' })),
    );
    expect(e.name).toBe('ValidationError');
  });

  it(`requests signed with keys no session issued act as the account's administrator and are not evaluated (${DOC.evaluation})`, async () => {
    const sqs = new SQSClient(env.config);
    const out = await sqs.send(new CreateQueueCommand({ QueueName: 'admin-made' }));
    expect(out.QueueUrl).toContain('admin-made');
  });
});

describe('IAM fidelity: evaluation', () => {
  it(`an allowed action succeeds through the CLI (${DOC.evaluation})`, async () => {
    const role = defineRole('fidelity-get', [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::fidelity-bucket/reports/*' },
    ]);
    const out = await aws(
      [
        's3api',
        'get-object',
        '--bucket',
        'fidelity-bucket',
        '--key',
        'reports/2026.txt',
        join(dir, 'out.txt'),
      ],
      await assume(role),
    );
    expect(out.rc).toBe(0);
  });

  it(`an action no statement allows is implicitly denied: S3 AccessDenied 403 naming principal, action, resource (${DOC.messages})`, async () => {
    const role = defineRole('fidelity-get-only', [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::fidelity-bucket/*' },
    ]);
    const out = await aws(
      ['s3api', 'put-object', '--bucket', 'fidelity-bucket', '--key', 'reports/new.txt'],
      await assume(role, 'writer'),
    );
    expect(out.rc).not.toBe(0);
    expect(out.stderr).toContain(
      `An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:sts::${account}:assumed-role/fidelity-get-only/writer is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::fidelity-bucket/reports/new.txt" because no identity-based policy allows the s3:PutObject action`,
    );
  });

  it(`a missing key reads as 403 AccessDenied without s3:ListBucket and as 404 NoSuchKey with it (${DOC.getObject})`, async () => {
    const without = defineRole('fidelity-no-list', [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::fidelity-bucket/*' },
    ]);
    const withList = defineRole('fidelity-list', [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::fidelity-bucket/*' },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::fidelity-bucket' },
    ]);
    const args = [
      's3api',
      'get-object',
      '--bucket',
      'fidelity-bucket',
      '--key',
      'missing.txt',
      join(dir, 'x'),
    ];
    expect((await aws(args, await assume(without))).stderr).toContain('(AccessDenied)');
    expect((await aws(args, await assume(withList))).stderr).toContain('(NoSuchKey)');
  });

  it(`an explicit Deny wins over any Allow, with AWS's "explicit deny" message (${DOC.denyVsAllow})`, async () => {
    const admin = new SQSClient(env.config);
    const { QueueUrl } = await admin.send(new CreateQueueCommand({ QueueName: 'guarded' }));
    const role = defineRole('fidelity-denied', [
      { Effect: 'Allow', Action: 'sqs:*', Resource: '*' },
      { Effect: 'Deny', Action: 'sqs:SendMessage', Resource: `arn:aws:sqs:${region}:${account}:guarded` },
    ]);
    const e = await errorOf(
      new SQSClient(as(await assume(role, 'deny'))).send(
        new SendMessageCommand({ QueueUrl, MessageBody: 'x' }),
      ),
    );
    expect(e.message).toBe(
      `User: arn:aws:sts::${account}:assumed-role/fidelity-denied/deny is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:${region}:${account}:guarded with an explicit deny in an identity-based policy`,
    );
  });

  it(`a statement's Resource scopes it to the named ARN only (${DOC.actionsResources})`, async () => {
    const admin = new SQSClient(env.config);
    const a = await admin.send(new CreateQueueCommand({ QueueName: 'scoped-a' }));
    const b = await admin.send(new CreateQueueCommand({ QueueName: 'scoped-b' }));
    const role = defineRole('fidelity-scoped', [
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: `arn:aws:sqs:${region}:${account}:scoped-a` },
    ]);
    const sqs = new SQSClient(as(await assume(role)));
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: a.QueueUrl, MessageBody: 'ok' })),
    ).resolves.toBeDefined();
    const e = await errorOf(sqs.send(new SendMessageCommand({ QueueUrl: b.QueueUrl, MessageBody: 'no' })));
    expect(e.message).toContain('sqs:SendMessage on resource: arn:aws:sqs:eu-west-1:000000000000:scoped-b');
  });

  it(`wildcards in Action match by prefix: sqs:Get* allows GetQueueAttributes, not SendMessage (${DOC.evaluation})`, async () => {
    const { QueueUrl } = await new SQSClient(env.config).send(new CreateQueueCommand({ QueueName: 'wild' }));
    const role = defineRole('fidelity-wild', [{ Effect: 'Allow', Action: 'sqs:Get*', Resource: '*' }]);
    const sqs = new SQSClient(as(await assume(role)));
    await expect(
      sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] })),
    ).resolves.toBeDefined();
    expect(
      (await errorOf(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })))).message,
    ).toContain('sqs:SendMessage');
  });

  it(`aws:ResourceTag conditions read the resource's tags: terminating an untagged instance is refused (${DOC.resourceTag})`, async () => {
    const admin = new EC2Client(env.config);
    const vpc = await admin.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }));
    const subnet = env.cloud.ec2.createSubnet({ VpcId: vpc.Vpc!.VpcId!, CidrBlock: '10.9.1.0/24' }) as {
      SubnetId?: string;
    };
    const run = (tags: Array<{ Key: string; Value: string }>) =>
      (
        env.cloud.ec2.runInstances({
          ImageId: 'ami-0123456789abcdef0',
          InstanceType: 't4g.nano',
          SubnetId: subnet.SubnetId,
          MinCount: 1,
          MaxCount: 1,
          TagSpecifications: tags.length ? [{ ResourceType: 'instance', Tags: tags }] : [],
        }) as { Instances: Array<{ InstanceId: string }> }
      ).Instances[0]!.InstanceId;
    const managed = run([{ Key: 'managed', Value: 'true' }]);
    const other = run([]);
    const role = defineRole('fidelity-terminator', [
      {
        Effect: 'Allow',
        Action: 'ec2:TerminateInstances',
        Resource: `arn:aws:ec2:${region}:${account}:instance/*`,
        Condition: { StringEquals: { 'aws:ResourceTag/managed': 'true' } },
      },
    ]);
    const ec2 = new EC2Client(as(await assume(role, 'reaper')));
    await expect(ec2.send(new TerminateInstancesCommand({ InstanceIds: [managed] }))).resolves.toBeDefined();
    const e = await errorOf(ec2.send(new TerminateInstancesCommand({ InstanceIds: [other] })));
    // EC2 answers UnauthorizedOperation, HTTP 403, with an encoded authorization failure message.
    expect(e.name).toBe('UnauthorizedOperation');
    expect((e.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
    expect(e.message).toMatch(
      new RegExp(
        `^You are not authorized to perform this operation\\. User: arn:aws:sts::${account}:assumed-role/fidelity-terminator/reaper is not authorized to perform: ec2:TerminateInstances on resource: arn:aws:ec2:${region}:${account}:instance/${other} because no identity-based policy allows the ec2:TerminateInstances action\\. Encoded authorization failure message: \\S+$`,
      ),
    );
  });

  it(`aws:RequestTag and ec2:CreateAction: tags may be set while creating, never by a later CreateTags (${DOC.ec2Tagging})`, async () => {
    const admin = new EC2Client(env.config);
    const vpc = await admin.send(new CreateVpcCommand({ CidrBlock: '10.8.0.0/16' }));
    const role = defineRole('fidelity-tagger', [
      {
        Effect: 'Allow',
        Action: 'ec2:CreateSecurityGroup',
        Resource: `arn:aws:ec2:${region}:${account}:vpc/*`,
      },
      {
        Effect: 'Allow',
        Action: 'ec2:CreateSecurityGroup',
        Resource: `arn:aws:ec2:${region}:${account}:security-group/*`,
        Condition: { StringEquals: { 'aws:RequestTag/team': 'web' } },
      },
      {
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: '*',
        Condition: { StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup' } },
      },
    ]);
    const ec2 = new EC2Client(as(await assume(role)));
    const tagged = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: 'tagged',
        Description: 'x',
        VpcId: vpc.Vpc!.VpcId,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'team', Value: 'web' }] }],
      }),
    );
    expect(tagged.GroupId).toMatch(/^sg-/);
    const untagged = await errorOf(
      ec2.send(
        new CreateSecurityGroupCommand({ GroupName: 'untagged', Description: 'x', VpcId: vpc.Vpc!.VpcId }),
      ),
    );
    expect(untagged.message).toContain('ec2:CreateSecurityGroup');
    const retag = await errorOf(
      ec2.send(
        new CreateTagsCommand({ Resources: [tagged.GroupId!], Tags: [{ Key: 'team', Value: 'ops' }] }),
      ),
    );
    expect(retag.message).toContain('ec2:CreateTags');
  });

  it(`EC2 DryRun checks permissions: DryRunOperation when allowed, UnauthorizedOperation when not (${DOC.dryRun})`, async () => {
    const role = defineRole('fidelity-dry', [
      { Effect: 'Allow', Action: 'ec2:CreateVpc', Resource: `arn:aws:ec2:${region}:${account}:vpc/*` },
    ]);
    const creds = await assume(role);
    const allowed = await aws(['ec2', 'create-vpc', '--cidr-block', '10.7.0.0/16', '--dry-run'], creds);
    expect(allowed.stderr).toContain('(DryRunOperation)');
    const denied = await aws(['ec2', 'create-internet-gateway', '--dry-run'], creds);
    expect(denied.stderr).toContain('(UnauthorizedOperation)');
  });
});

describe('IAM fidelity: iam:PassRole and CloudFormation service roles', () => {
  const template = JSON.stringify({
    Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'passrole-queue' } } },
  });

  it(`passing a role requires iam:PassRole with iam:PassedToService naming the receiving service (${DOC.passRole})`, async () => {
    const serviceRole = defineRole('fidelity-cfn-service', [
      { Effect: 'Allow', Action: 'sqs:*', Resource: '*' },
    ]);
    const wrongService = defineRole('fidelity-deployer-ecs', [
      { Effect: 'Allow', Action: 'cloudformation:CreateStack', Resource: '*' },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: serviceRole,
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
    ]);
    const out = await aws(
      [
        'cloudformation',
        'create-stack',
        '--stack-name',
        'passed',
        '--template-body',
        template,
        '--role-arn',
        serviceRole,
      ],
      await assume(wrongService, 'deployer'),
    );
    // awsQuery: AccessDenied, HTTP 403, Sender.
    expect(out.stderr).toContain(
      `An error occurred (AccessDenied) when calling the CreateStack operation: User: arn:aws:sts::${account}:assumed-role/fidelity-deployer-ecs/deployer is not authorized to perform: iam:PassRole on resource: ${serviceRole} because no identity-based policy allows the iam:PassRole action`,
    );
    const rightService = defineRole('fidelity-deployer-cfn', [
      { Effect: 'Allow', Action: 'cloudformation:CreateStack', Resource: '*' },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: serviceRole,
        Condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
      },
    ]);
    const ok = await aws(
      [
        'cloudformation',
        'create-stack',
        '--stack-name',
        'passed',
        '--template-body',
        template,
        '--role-arn',
        serviceRole,
      ],
      await assume(rightService, 'deployer'),
    );
    expect(ok.rc).toBe(0);
  });

  it(`CloudFormation creates each resource with the stack's service role: a role without the action fails the resource (${DOC.cfnServiceRole})`, async () => {
    const weak = defineRole('fidelity-cfn-weak', [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
    ]);
    const cfn = new CloudFormationClient(env.config);
    await cfn.send(
      new CreateStackCommand({
        StackName: 'weak-role',
        RoleARN: weak,
        TemplateBody: JSON.stringify({
          Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'weak-queue' } } },
        }),
      }),
    );
    await settle('weak-role');
    const events = env.cloud.cloudformation.findStack('weak-role')!.events;
    const failed = events.find(
      (e) => e.ResourceStatus === 'CREATE_FAILED' && e.LogicalResourceId === 'Queue',
    );
    expect(failed?.ResourceStatusReason).toContain(
      `User: arn:aws:sts::${account}:assumed-role/fidelity-cfn-weak/AWSCloudFormation is not authorized to perform: sqs:CreateQueue`,
    );
    const stack = await cfn.send(new DescribeStacksCommand({ StackName: 'weak-role' }));
    expect(stack.Stacks?.[0]?.StackStatus).toBe('ROLLBACK_COMPLETE');
  });

  it(`the service role needs the handler's read-back permissions too: a VPC without ec2:DescribeVpcs fails (${DOC.cfnHandlers})`, async () => {
    // AWS::EC2::VPC's create handler lists ec2:CreateVpc, ec2:DescribeVpcs, ec2:ModifyVpcAttribute
    // and ec2:CreateTags (local/iam/handler-permissions.json); DescribeVpcs is evaluated on "*".
    const writeOnly = defineRole('fidelity-cfn-vpc-write', [
      {
        Effect: 'Allow',
        Action: ['ec2:CreateVpc', 'ec2:ModifyVpcAttribute', 'ec2:CreateTags', 'ec2:DeleteVpc'],
        Resource: '*',
      },
    ]);
    const full = defineRole('fidelity-cfn-vpc-full', [
      {
        Effect: 'Allow',
        Action: [
          'ec2:CreateVpc',
          'ec2:ModifyVpcAttribute',
          'ec2:CreateTags',
          'ec2:DeleteVpc',
          'ec2:DescribeVpcs',
        ],
        Resource: '*',
      },
    ]);
    const cfn = new CloudFormationClient(env.config);
    const template = JSON.stringify({
      Resources: { Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.42.0.0/16' } } },
    });
    for (const [name, role] of [
      ['vpc-write-only', writeOnly],
      ['vpc-full', full],
    ] as const)
      await cfn.send(new CreateStackCommand({ StackName: name, RoleARN: role, TemplateBody: template }));
    await settle('vpc-write-only', 'vpc-full');
    const failed = env.cloud.cloudformation
      .findStack('vpc-write-only')!
      .events.find((e) => e.ResourceStatus === 'CREATE_FAILED' && e.LogicalResourceId === 'Vpc');
    expect(failed?.ResourceStatusReason).toContain(
      `User: arn:aws:sts::${account}:assumed-role/fidelity-cfn-vpc-write/AWSCloudFormation is not authorized to perform: ec2:DescribeVpcs`,
    );
    const statuses = await Promise.all(
      ['vpc-write-only', 'vpc-full'].map(
        async (n) => (await cfn.send(new DescribeStacksCommand({ StackName: n }))).Stacks?.[0]?.StackStatus,
      ),
    );
    expect(statuses).toEqual(['ROLLBACK_COMPLETE', 'CREATE_COMPLETE']);
  });
});

describe('IAM fidelity: a TemplateURL is read with the caller’s permissions', () => {
  it(`a pinned TemplateURL needs s3:GetObjectVersion, an unpinned one s3:GetObject; otherwise ValidationError (${DOC.templateUrl}, ${DOC.getObject})`, async () => {
    // Prepare: a versioned bucket holding a template; a caller allowed only s3:GetObject on it.
    env.cloud.s3.createBucket('fidelity-templates', { versioning: true, eventBridge: false, tags: {} });
    const body = JSON.stringify({
      Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'url-queue' } } },
    });
    const { versionId } = env.cloud.s3.putObject('fidelity-templates', 't/app.json', Buffer.from(body));
    const url = `${env.endpoint}/fidelity-templates/t/app.json`;
    const getObjectOnly = defineRole('fidelity-url-reader', [
      { Effect: 'Allow', Action: 'cloudformation:CreateStack', Resource: '*' },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::fidelity-templates/t/*' },
    ]);
    const cfn = new CloudFormationClient(as(await assume(getObjectOnly, 'deployer')));

    // Act & Assess: the current version reads; the pinned one is refused as AWS refuses it.
    await expect(
      cfn.send(new CreateStackCommand({ StackName: 'url-current', TemplateURL: url })),
    ).resolves.toMatchObject({ StackId: expect.any(String) });
    await expect(
      cfn.send(
        new CreateStackCommand({ StackName: 'url-pinned', TemplateURL: `${url}?versionId=${versionId}` }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'TemplateURL must reference a valid S3 object to which you have access.',
    });
    expect(env.cloud.cloudformation.findStack('url-pinned')).toBeUndefined();

    const versionReader = defineRole('fidelity-url-version-reader', [
      { Effect: 'Allow', Action: 'cloudformation:CreateStack', Resource: '*' },
      { Effect: 'Allow', Action: 's3:GetObjectVersion', Resource: 'arn:aws:s3:::fidelity-templates/t/*' },
    ]);
    const pinned = new CloudFormationClient(as(await assume(versionReader, 'deployer')));
    await expect(
      pinned.send(
        new CreateStackCommand({ StackName: 'url-pinned', TemplateURL: `${url}?versionId=${versionId}` }),
      ),
    ).resolves.toMatchObject({ StackId: expect.any(String) });
  });
});

describe('IAM fidelity: the ECS task execution role', () => {
  it(`a task whose execution role may not read its secret stops at start with ResourceInitializationError (${DOC.ecsSecrets})`, async () => {
    const secret = env.cloud.secretsManager.createSecret({ Name: 'app/key', SecretString: 's3cret' }) as {
      ARN: string;
    };
    const reader = defineRole('fidelity-exec-reader', [
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secret.ARN },
    ]);
    const blind = defineRole('fidelity-exec-blind', [
      { Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' },
    ]);
    const ecs = new ECSClient(env.config);
    env.cloud.ecs.createCluster({ clusterName: 'fidelity' });
    const start = async (family: string, executionRoleArn: string) => {
      await ecs.send(
        new RegisterTaskDefinitionCommand({
          family,
          executionRoleArn,
          containerDefinitions: [
            {
              name: 'app',
              image: 'app:1',
              essential: true,
              memory: 512,
              secrets: [{ name: 'APP_KEY', valueFrom: secret.ARN }],
            },
          ],
        }),
      );
      const run = await ecs.send(new RunTaskCommand({ cluster: 'fidelity', taskDefinition: family }));
      const describe = async () =>
        (await ecs.send(new DescribeTasksCommand({ cluster: 'fidelity', tasks: [run.tasks![0]!.taskArn!] })))
          .tasks![0]!;
      await env.cloud.clock.advance(40_000);
      // The agent's secret read is evaluated asynchronously once the start timer fires.
      for (let i = 0; i < 100 && (await describe()).lastStatus === 'PROVISIONING'; i++)
        await new Promise((r) => setTimeout(r, 20));
      return describe();
    };
    const ok = await start('reads', reader);
    expect(ok.lastStatus).toBe('RUNNING');
    const refused = await start('blind', blind);
    expect(refused.lastStatus).toBe('STOPPED');
    expect(refused.stopCode).toBe('TaskFailedToStart');
    expect(refused.stoppedReason).toMatch(
      /^ResourceInitializationError: unable to pull secrets or registry auth: .*AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role\/fidelity-exec-blind\/\w+ is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:/,
    );
  });
});

describe('IAM fidelity: secrets under a customer-managed KMS key', () => {
  const runWith = async (family: string, executionRoleArn: string, secretArn: string) => {
    const ecs = new ECSClient(env.config);
    if (!env.cloud.ecs.clusters.has('fidelity-kms'))
      env.cloud.ecs.createCluster({ clusterName: 'fidelity-kms' });
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        executionRoleArn,
        containerDefinitions: [
          {
            name: 'app',
            image: 'app:1',
            essential: true,
            memory: 512,
            secrets: [{ name: 'APP_KEY', valueFrom: secretArn }],
          },
        ],
      }),
    );
    const run = await ecs.send(new RunTaskCommand({ cluster: 'fidelity-kms', taskDefinition: family }));
    const describe = async () =>
      (
        await ecs.send(
          new DescribeTasksCommand({ cluster: 'fidelity-kms', tasks: [run.tasks![0]!.taskArn!] }),
        )
      ).tasks![0]!;
    await env.cloud.clock.advance(40_000);
    for (let i = 0; i < 100 && (await describe()).lastStatus === 'PROVISIONING'; i++)
      await new Promise((r) => setTimeout(r, 20));
    return describe();
  };

  it(`reading a secret encrypted with a customer-managed key needs kms:Decrypt on that key, through Secrets Manager (${DOC.secretsKms})`, async () => {
    const key = env.cloud.kms.createKey({ Description: 'app secrets' });
    const secret = env.cloud.secretsManager.createSecret({
      Name: 'app/kms-key',
      SecretString: 's3cret',
      KmsKeyId: key.Arn,
    });
    const noKms = defineRole('fidelity-exec-nokms', [
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secret.ARN },
    ]);
    const withKms = defineRole('fidelity-exec-kms', [
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secret.ARN },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: key.Arn,
        Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
      },
    ]);
    const refused = await runWith('kms-refused', noKms, secret.ARN);
    expect(refused.lastStatus).toBe('STOPPED');
    expect(refused.stoppedReason).toMatch(/not authorized to perform: kms:Decrypt on resource: arn:aws:kms:/);
    expect((await runWith('kms-granted', withKms, secret.ARN)).lastStatus).toBe('RUNNING');

    // A disabled key cannot decrypt, whatever the role may do (DecryptionFailure).
    env.cloud.kms.disableKey({ KeyId: key.KeyId });
    const disabled = await runWith('kms-disabled', withKms, secret.ARN);
    expect(disabled.lastStatus).toBe('STOPPED');
    expect(disabled.stoppedReason).toMatch(/DecryptionFailure: .*is disabled/);
  });
});

describe('IAM fidelity: Secrets Manager', () => {
  it(`creating a secret with tags also needs secretsmanager:TagResource (${DOC.createSecret})`, async () => {
    const createOnly = await assume(
      defineRole('fidelity-secret-create', [
        { Effect: 'Allow', Action: 'secretsmanager:CreateSecret', Resource: '*' },
      ]),
    );
    const createAndTag = await assume(
      defineRole('fidelity-secret-tag', [
        {
          Effect: 'Allow',
          Action: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource'],
          Resource: '*',
        },
      ]),
    );
    const create = (name: string, credentials: Credentials, tags: string[] = []) =>
      aws(
        [
          'secretsmanager',
          'create-secret',
          '--name',
          name,
          '--secret-string',
          'v',
          ...(tags.length ? ['--tags', ...tags] : []),
        ],
        credentials,
      );

    const untagged = await create('fidelity/untagged', createOnly);
    const refused = await create('fidelity/tagged-refused', createOnly, ['Key=team,Value=web']);
    const tagged = await create('fidelity/tagged', createAndTag, ['Key=team,Value=web']);

    expect(untagged.rc).toBe(0);
    expect(refused.rc).toBe(255);
    expect(refused.stderr).toMatch(
      /\(AccessDeniedException\) when calling the CreateSecret operation: User: arn:aws:sts::000000000000:assumed-role\/fidelity-secret-create\/fidelity is not authorized to perform: secretsmanager:TagResource on resource: arn:aws:secretsmanager:eu-west-1:000000000000:secret:fidelity\/tagged-refused-\?{6}/,
    );
    expect(() => env.cloud.secretsManager.secret('fidelity/tagged-refused')).toThrow();
    expect(tagged.rc).toBe(0);
  });
});

describe('IAM fidelity: error shapes per protocol', () => {
  let creds: Credentials;
  beforeAll(async () => {
    creds = await assume(
      defineRole('fidelity-nothing', [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]),
    );
  }, 60_000);

  it(`awsQuery (CloudFormation): AccessDenied, HTTP 403, a client (Sender) fault (${DOC.cfnErrors})`, async () => {
    const e = await errorOf(new CloudFormationClient(as(creds)).send(new DescribeStacksCommand({})));
    expect(e.name).toBe('AccessDenied');
    expect(e.$fault).toBe('client');
    expect((e.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
    expect(e.message).toContain('cloudformation:DescribeStacks');
  });

  it(`awsJson (ECS): AccessDeniedException, HTTP 400 (${DOC.ecsErrors})`, async () => {
    const e = await errorOf(new ECSClient(as(creds)).send(new ListClustersCommand({})));
    expect(e.name).toBe('AccessDeniedException');
    expect((e.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
    expect(e.message).toContain('because no identity-based policy allows the ecs:ListClusters action');
  });

  it(`awsJson with query compatibility (SQS): the CLI shows AccessDenied (${DOC.sqsErrors})`, async () => {
    const { QueueUrl } = await new SQSClient(env.config).send(new CreateQueueCommand({ QueueName: 'shape' }));
    const out = await aws(['sqs', 'send-message', '--queue-url', QueueUrl!, '--message-body', 'x'], creds);
    expect(out.stderr).toMatch(
      /\((AccessDenied|AccessDeniedException)\) when calling the SendMessage operation/,
    );
  });

  it(`restJson (EventBridge Scheduler): AccessDeniedException, HTTP 403 (${DOC.schedulerErrors})`, async () => {
    const e = await errorOf(new SchedulerClient(as(creds)).send(new ListSchedulesCommand({})));
    expect(e.name).toBe('AccessDeniedException');
    expect((e.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
  });

  it(`GetCallerIdentity needs no permission, even for a role allowed nothing (${DOC.callerIdentity})`, async () => {
    const out = await new STSClient(as(creds)).send(new GetCallerIdentityCommand({}));
    expect(out.Arn).toBe(`arn:aws:sts::${account}:assumed-role/fidelity-nothing/fidelity`);
  });
});
