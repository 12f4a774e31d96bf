import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import {
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  GetRoleCommand,
  IAMClient,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyStatement } from '#local/iam/index.ts';
import { errorOf, startTestCloud } from '../integration/local/helpers.ts';
import { aws, cliError, runCli } from './services-harness.ts';

/**
 * Permissions boundaries, as AWS evaluates them for a role's sessions: the effective permissions
 * are what both the role's identity policies and its boundary allow; the boundary grants nothing
 * by itself; a denial caused by the boundary alone says so. Each case names the documentation page
 * it follows (read 2026-12-07).
 */
const DOC = {
  boundaries: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html',
  evaluation: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html',
  messages: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html',
  createRole: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html',
  putBoundary: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePermissionsBoundary.html',
  deleteBoundary:
    'https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRolePermissionsBoundary.html',
  versions: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-versioning.html',
  simulate: 'https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html',
  cfnRole:
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html',
  ecsSecrets:
    'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/resource-initialization-error.html',
  executionRole: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html',
  ecrOnEcs: 'https://docs.aws.amazon.com/AmazonECR/latest/userguide/ECR_on_ECS.html',
};

let env: Awaited<ReturnType<typeof startTestCloud>>;
let iam: IAMClient;
const account = '000000000000';
let queueArn: string;
let queueUrl: string;

const doc = (statements: PolicyStatement[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });

/** The boundary of these cases: SQS reads of one queue, never SQS deletes. */
const READ_QUEUE_BOUNDARY = () =>
  doc([
    { Effect: 'Allow', Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], Resource: queueArn },
    { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' },
    { Effect: 'Deny', Action: 'sqs:PurgeQueue', Resource: '*' },
  ]);

async function createPolicy(name: string, document: string): Promise<string> {
  const out = await iam.send(
    new CreatePolicyCommand({ PolicyName: name, Path: '/fidelity/', PolicyDocument: document }),
  );
  return out.Policy!.Arn!;
}

async function createRole(name: string, boundary: string | undefined, statements: PolicyStatement[]) {
  const out = await iam.send(
    new CreateRoleCommand({
      RoleName: name,
      Path: '/fidelity/',
      AssumeRolePolicyDocument: doc([
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: 'sts:AssumeRole',
        } as PolicyStatement,
      ]),
      ...(boundary ? { PermissionsBoundary: boundary } : {}),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({ RoleName: name, PolicyName: 'own', PolicyDocument: doc(statements) }),
  );
  return out.Role!.Arn!;
}

async function sqsAs(roleArn: string, session = 'fidelity'): Promise<SQSClient> {
  const sts = new STSClient(env.config);
  const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: session }));
  return new SQSClient({
    ...env.config,
    credentials: {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    },
  });
}

const attributes = (sqs: SQSClient) =>
  sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));

const sendTo = (sqs: SQSClient) =>
  sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'hello' }));

beforeAll(async () => {
  env = await startTestCloud();
  iam = new IAMClient({ ...env.config, region: 'us-east-1' });
  env.cloud.sqs.createQueue('boundary-queue', {}, {});
  queueUrl = env.cloud.sqs.queueUrl('boundary-queue');
  queueArn = `arn:aws:sqs:eu-west-1:${account}:boundary-queue`;
  env.cloud.ecs.createCluster({ clusterName: 'bounded' });
}, 60_000);

afterAll(async () => {
  await env?.stop();
});

describe('IAM fidelity: permissions boundaries of roles made with the IAM API', () => {
  it(
    aws(
      'an action the identity policy allows but the boundary does not is denied, "because no permissions boundary allows" it',
      `${DOC.boundaries}, ${DOC.messages}`,
    ),
    async () => {
      const boundary = await createPolicy('read-queue-boundary', READ_QUEUE_BOUNDARY());
      const role = await createRole('capped', boundary, [
        { Effect: 'Allow', Action: ['sqs:GetQueueAttributes', 'sqs:SendMessage'], Resource: '*' },
      ]);
      const sqs = await sqsAs(role);
      expect((await attributes(sqs)).Attributes?.QueueArn).toBe(queueArn);
      const denied = await errorOf(sendTo(sqs));
      expect(denied.name).toBe('AccessDenied');
      expect(denied.message).toBe(
        `User: arn:aws:sts::${account}:assumed-role/capped/fidelity is not authorized to perform: sqs:SendMessage on resource: ${queueArn} because no permissions boundary allows the sqs:SendMessage action`,
      );
    },
  );

  it(
    aws(
      'a boundary grants nothing by itself: an action only the boundary allows is denied "because no identity-based policy allows" it',
      DOC.boundaries,
    ),
    async () => {
      const boundary = await createPolicy('grants-nothing', READ_QUEUE_BOUNDARY());
      const role = await createRole('identity-empty', boundary, [
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn },
      ]);
      const denied = await errorOf(attributes(await sqsAs(role)));
      expect(denied.message).toContain(
        'because no identity-based policy allows the sqs:GetQueueAttributes action',
      );
    },
  );

  it(
    aws(
      'an explicit Deny in the boundary wins over the identity policy, "with an explicit deny in a permissions boundary"',
      DOC.messages,
    ),
    async () => {
      const boundary = await createPolicy('denies-purge', READ_QUEUE_BOUNDARY());
      const role = await createRole('purger', boundary, [
        { Effect: 'Allow', Action: 'sqs:*', Resource: '*' },
      ]);
      const denied = await errorOf((await sqsAs(role)).send(new PurgeQueueCommand({ QueueUrl: queueUrl })));
      expect(denied.message).toBe(
        `User: arn:aws:sts::${account}:assumed-role/purger/fidelity is not authorized to perform: sqs:PurgeQueue on resource: ${queueArn} with an explicit deny in a permissions boundary`,
      );
    },
  );

  it(
    aws(
      'DeleteRolePermissionsBoundary lifts the cap and PutRolePermissionsBoundary sets it again, for the next call of an existing session',
      `${DOC.deleteBoundary}, ${DOC.putBoundary}`,
    ),
    async () => {
      const boundary = await createPolicy('toggled', READ_QUEUE_BOUNDARY());
      const role = await createRole('toggled-role', boundary, [
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn },
      ]);
      const sqs = await sqsAs(role);
      expect((await errorOf(sendTo(sqs))).name).toBe('AccessDenied');
      await iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'toggled-role' }));
      expect(
        (await iam.send(new GetRoleCommand({ RoleName: 'toggled-role' }))).Role?.PermissionsBoundary,
      ).toBeUndefined();
      expect((await sendTo(sqs)).MessageId).toBeTruthy();
      await iam.send(
        new PutRolePermissionsBoundaryCommand({ RoleName: 'toggled-role', PermissionsBoundary: boundary }),
      );
      expect(
        (await iam.send(new GetRoleCommand({ RoleName: 'toggled-role' }))).Role?.PermissionsBoundary,
      ).toEqual({
        PermissionsBoundaryType: 'Policy',
        PermissionsBoundaryArn: boundary,
      });
      expect((await errorOf(sendTo(sqs))).message).toContain(
        'because no permissions boundary allows the sqs:SendMessage action',
      );
    },
  );

  it(
    aws(
      "the boundary is the managed policy's current default version: a new default version changes what the role may do",
      DOC.versions,
    ),
    async () => {
      const boundary = await createPolicy('versioned', READ_QUEUE_BOUNDARY());
      const role = await createRole('versioned-role', boundary, [
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn },
      ]);
      const sqs = await sqsAs(role);
      expect((await errorOf(sendTo(sqs))).name).toBe('AccessDenied');
      const widened = doc([{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn }]);
      await iam.send(
        new CreatePolicyVersionCommand({ PolicyArn: boundary, PolicyDocument: widened, SetAsDefault: false }),
      );
      expect((await errorOf(sendTo(sqs))).name).toBe('AccessDenied');
      await iam.send(
        new CreatePolicyVersionCommand({ PolicyArn: boundary, PolicyDocument: widened, SetAsDefault: true }),
      );
      expect((await sendTo(sqs)).MessageId).toBeTruthy();
    },
  );

  it(
    aws(
      'CreateRole and PutRolePermissionsBoundary refuse a boundary policy the account does not hold: NoSuchEntity 404 "Scope ARN: … does not exist or is not attachable."',
      `${DOC.createRole}, ${DOC.putBoundary}`,
    ),
    async () => {
      const missing = `arn:aws:iam::${account}:policy/fidelity/no-such-boundary`;
      const r = await runCli(env.endpoint, {
        create: [
          'iam',
          'create-role',
          '--role-name',
          'unbounded',
          '--assume-role-policy-document',
          doc([
            {
              Effect: 'Allow',
              Principal: { Service: 'ecs-tasks.amazonaws.com' },
              Action: 'sts:AssumeRole',
            } as PolicyStatement,
          ]),
          '--permissions-boundary',
          missing,
        ],
        get: ['iam', 'get-role', '--role-name', 'unbounded'],
      });
      expect(cliError(r.create)).toEqual({
        code: 'NoSuchEntity',
        message: `Scope ARN: ${missing} does not exist or is not attachable.`,
      });
      expect(cliError(r.get)?.code).toBe('NoSuchEntity');
    },
  );

  it(
    aws(
      "SimulatePrincipalPolicy applies the role's own boundary; a PermissionsBoundaryPolicyInputList replaces it",
      DOC.simulate,
    ),
    async () => {
      const boundary = await createPolicy('simulated', READ_QUEUE_BOUNDARY());
      const role = await createRole('simulated-role', boundary, [
        { Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes'], Resource: queueArn },
      ]);
      const own = await iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: role,
          ActionNames: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
          ResourceArns: [queueArn],
        }),
      );
      expect(
        own.EvaluationResults?.map((e) => [
          e.EvalActionName,
          e.EvalDecision,
          e.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary,
        ]),
      ).toEqual([
        ['sqs:SendMessage', 'implicitDeny', false],
        ['sqs:GetQueueAttributes', 'allowed', true],
      ]);
      const replaced = await iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: role,
          ActionNames: ['sqs:SendMessage'],
          ResourceArns: [queueArn],
          PermissionsBoundaryPolicyInputList: [
            doc([{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }]),
          ],
        }),
      );
      expect(replaced.EvaluationResults?.[0]?.EvalDecision).toBe('allowed');
    },
  );
});

/** Runs one task of a fresh family with this execution role and returns it once it started or stopped. */
async function runTask(family: string, executionRoleArn: string, container: Record<string, unknown>) {
  const ecs = new ECSClient(env.config);
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      executionRoleArn,
      containerDefinitions: [{ name: 'app', image: 'app:1', essential: true, memory: 512, ...container }],
    }),
  );
  const run = await ecs.send(new RunTaskCommand({ cluster: 'bounded', taskDefinition: family }));
  const describe = async () =>
    (await ecs.send(new DescribeTasksCommand({ cluster: 'bounded', tasks: [run.tasks![0]!.taskArn!] })))
      .tasks![0]!;
  await env.cloud.clock.advance(40_000);
  // The agent's reads are evaluated asynchronously once the start timer fires.
  for (let i = 0; i < 100 && (await describe()).lastStatus === 'PROVISIONING'; i++)
    await new Promise((r) => setTimeout(r, 20));
  return describe();
}

describe('IAM fidelity: permissions boundaries of roles a CloudFormation stack creates', () => {
  const template = (boundary: string, secretArn: string) =>
    JSON.stringify({
      Resources: {
        ExecutionRole: {
          Type: 'AWS::IAM::Role',
          Properties: {
            Path: '/fidelity/stages/',
            PermissionsBoundary: boundary,
            AssumeRolePolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: `arn:aws:iam::${account}:root` },
                  Action: 'sts:AssumeRole',
                },
              ],
            },
            Policies: [
              {
                PolicyName: 'reads',
                PolicyDocument: {
                  Version: '2012-10-17',
                  Statement: [
                    { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secretArn },
                    { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn },
                  ],
                },
              },
            ],
          },
        },
      },
      Outputs: { RoleArn: { Value: { 'Fn::GetAtt': ['ExecutionRole', 'Arn'] } } },
    });

  async function stackRole(stackName: string, boundary: string, secretArn: string): Promise<string> {
    const cfn = new CloudFormationClient(env.config);
    await cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: template(boundary, secretArn),
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
    await env.cloud.clock.advance(5 * 60_000);
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0]!;
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    return stack.Outputs!.find((o) => o.OutputKey === 'RoleArn')!.OutputValue!;
  }

  it(
    aws(
      "an AWS::IAM::Role's PermissionsBoundary caps its sessions as the IAM API's does",
      `${DOC.cfnRole}, ${DOC.boundaries}`,
    ),
    async () => {
      const boundary = await createPolicy('stack-boundary', READ_QUEUE_BOUNDARY());
      const role = await stackRole('bounded-role', boundary, '*');
      const denied = await errorOf(sendTo(await sqsAs(role, 'stack')));
      expect(denied.message).toMatch(
        /^User: arn:aws:sts::000000000000:assumed-role\/bounded-role-ExecutionRole-\w+\/stack is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:eu-west-1:000000000000:boundary-queue because no permissions boundary allows the sqs:SendMessage action$/,
      );
    },
  );

  it(
    aws(
      'an AWS::IAM::Role naming a boundary policy the account does not hold fails: "Scope ARN: … does not exist or is not attachable." (HandlerErrorCode: NotFound)',
      `${DOC.cfnRole}, ${DOC.putBoundary}`,
    ),
    async () => {
      const missing = `arn:aws:iam::${account}:policy/fidelity/never-created`;
      const cfn = new CloudFormationClient(env.config);
      await cfn.send(
        new CreateStackCommand({
          StackName: 'unbounded-role',
          TemplateBody: template(missing, '*'),
          Capabilities: ['CAPABILITY_IAM'],
        }),
      );
      await env.cloud.clock.advance(5 * 60_000);
      const stack = env.cloud.cloudformation.findStack('unbounded-role')!;
      const failed = stack.events.find(
        (e) => e.ResourceStatus === 'CREATE_FAILED' && e.LogicalResourceId === 'ExecutionRole',
      );
      expect(failed?.ResourceStatusReason).toMatch(
        new RegExp(
          `^Resource handler returned message: "Scope ARN: ${missing} does not exist or is not attachable\\. \\(Service: Iam, Status Code: 404, .*HandlerErrorCode: NotFound\\)$`,
        ),
      );
      expect(
        (await cfn.send(new DescribeStacksCommand({ StackName: 'unbounded-role' }))).Stacks?.[0]?.StackStatus,
      ).toBe('ROLLBACK_COMPLETE');
    },
  );

  it(
    aws(
      'an ECS task whose execution role may read its secret but whose boundary does not stops with ResourceInitializationError naming the boundary',
      `${DOC.ecsSecrets}, ${DOC.boundaries}`,
    ),
    async () => {
      const secret = env.cloud.secretsManager.createSecret({
        Name: 'bounded/key',
        SecretString: 's3cret',
      }) as {
        ARN: string;
      };
      const boundary = await createPolicy(
        'no-secrets',
        doc([{ Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' }]),
      );
      const role = await stackRole('bounded-exec', boundary, secret.ARN);
      const task = await runTask('bounded', role, { secrets: [{ name: 'APP_KEY', valueFrom: secret.ARN }] });
      expect(task.lastStatus).toBe('STOPPED');
      expect(task.stopCode).toBe('TaskFailedToStart');
      expect(task.stoppedReason).toMatch(
        /^ResourceInitializationError: unable to pull secrets or registry auth: .*AccessDeniedException: User: .* is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:.* because no permissions boundary allows the secretsmanager:GetSecretValue action$/,
      );
    },
  );

  it(
    aws(
      "the execution role pulls the image from this account's ECR and creates its awslogs stream at task start: a boundary without logs stops the task at the logger, one without ECR at the pull",
      `${DOC.executionRole}, ${DOC.ecrOnEcs}, ${DOC.ecsSecrets}`,
    ),
    async () => {
      env.cloud.ecr.createRepository({ repositoryName: 'bounded-app' });
      const { imageUri } = env.cloud.ecr.pushImage({ repositoryName: 'bounded-app', imageTag: 'v1' });
      env.cloud.logs.createLogGroup({ logGroupName: '/bounded/app' });
      const identity = [
        { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        {
          Effect: 'Allow',
          Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
          Resource: `arn:aws:ecr:eu-west-1:${account}:repository/bounded-app`,
        },
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: `arn:aws:logs:eu-west-1:${account}:log-group:/bounded/app:*`,
        },
      ] as PolicyStatement[];
      const container = {
        image: imageUri,
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': '/bounded/app',
            'awslogs-region': 'eu-west-1',
            'awslogs-stream-prefix': 'web',
          },
        },
      };
      const ecrOnly = await createPolicy(
        'ecr-only',
        doc([{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }]),
      );
      const logsOnly = await createPolicy(
        'logs-only',
        doc([{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }]),
      );
      const both = await createPolicy(
        'ecr-and-logs',
        doc([{ Effect: 'Allow', Action: ['ecr:*', 'logs:*'], Resource: '*' }]),
      );
      const noLogs = await runTask('no-logs', await createRole('exec-no-logs', ecrOnly, identity), container);
      expect(noLogs.stopCode).toBe('TaskFailedToStart');
      expect(noLogs.stoppedReason).toMatch(
        /^ResourceInitializationError: failed to validate logger args: .*AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role\/exec-no-logs\/\S+ is not authorized to perform: logs:CreateLogStream on resource: arn:aws:logs:eu-west-1:000000000000:log-group:\/bounded\/app:log-stream:web\/app\/\S+ because no permissions boundary allows the logs:CreateLogStream action/,
      );
      const noPull = await runTask(
        'no-pull',
        await createRole('exec-no-pull', logsOnly, identity),
        container,
      );
      expect(noPull.stopCode).toBe('TaskFailedToStart');
      expect(noPull.stoppedReason).toMatch(
        /^ResourceInitializationError: unable to pull secrets or registry auth: .*ecr registry auth.*is not authorized to perform: ecr:GetAuthorizationToken because no permissions boundary allows the ecr:GetAuthorizationToken action$/,
      );
      const ok = await runTask('pulls-and-logs', await createRole('exec-both', both, identity), container);
      expect(ok.lastStatus).toBe('RUNNING');
    },
  );
});
