import {
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2eWorld, startWorld } from '#test/e2e/helpers.ts';

/**
 * The stage roles' fence (issue #13, finding 1) on the local cloud running template.yaml with IAM
 * enforced: a template run under the CloudFormation service role — as if someone had slipped it
 * past the bucket — cannot write a policy onto stackdrop's own roles, create a role outside
 * /stackdrop/stages/ or without the boundary, or attach a managed policy. The same template shape
 * inside the fence deploys. test/unit/sam-template/fence.test.ts judges the policies alone.
 */
describe('the CloudFormation service role on the local cloud', () => {
  let world: E2eWorld;
  beforeAll(async () => {
    world = await startWorld();
  }, 120_000);
  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  const ADMIN_POLICY = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  };
  const TRUST = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  };

  /** Creates a stack under the service role; its status and the first failure's reason. */
  async function underServiceRole(name: string, resources: Record<string, unknown>) {
    const { sd, session } = world;
    await session.cfn.send(
      new CreateStackCommand({
        StackName: name,
        TemplateBody: JSON.stringify({ Resources: resources }),
        RoleARN: sd.outputs.CloudFormationServiceRoleArn,
        Capabilities: ['CAPABILITY_NAMED_IAM'],
      }),
    );
    await sd.cloud.cloudformation.settled(name);
    const stack = (await session.cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks![0]!;
    const events =
      (await session.cfn.send(new DescribeStackEventsCommand({ StackName: name }))).StackEvents ?? [];
    const failed = events.find((e) => e.ResourceStatus === 'CREATE_FAILED');
    return { status: stack.StackStatus, reason: failed?.ResourceStatusReason ?? '' };
  }

  const boundary = () =>
    `arn:aws:iam::${world.sd.cloud.accountId}:policy/stackdrop/stackdrop-stage-role-boundary-${world.sd.cloud.region}`;

  it('cannot give stackdrop’s own deploy-stack role a policy', async () => {
    const own = world.sd.cloud.iam.roles.list().find((r) => r.arn.includes('DeployStackFunctionRole'))!;
    const result = await underServiceRole('stackdrop-hostile-own-role', {
      Escalate: {
        Type: 'AWS::IAM::Policy',
        Properties: { PolicyName: 'all', Roles: [own.name], PolicyDocument: ADMIN_POLICY },
      },
    });
    expect(result.status).toBe('ROLLBACK_COMPLETE');
    expect(result.reason).toContain(
      `is not authorized to perform: iam:PutRolePolicy on resource: ${own.arn}`,
    );
  }, 120_000);

  it('cannot create a role outside the fence, or inside it without the boundary', async () => {
    for (const [name, properties] of [
      ['stackdrop-hostile-outside', { AssumeRolePolicyDocument: TRUST }],
      ['stackdrop-hostile-unbounded', { Path: '/stackdrop/stages/', AssumeRolePolicyDocument: TRUST }],
    ] as const) {
      const result = await underServiceRole(name, {
        Role: { Type: 'AWS::IAM::Role', Properties: properties },
      });
      expect(result.status, name).toBe('ROLLBACK_COMPLETE');
      expect(result.reason, name).toContain('is not authorized to perform: iam:CreateRole');
    }
  }, 120_000);

  it('cannot attach a managed policy even to a fenced role, and may create one with the boundary', async () => {
    const fenced = () => ({
      Path: '/stackdrop/stages/',
      PermissionsBoundary: boundary(),
      AssumeRolePolicyDocument: TRUST,
      Policies: [
        {
          PolicyName: 'queue',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }],
          },
        },
      ],
    });
    const attached = await underServiceRole('stackdrop-hostile-attach', {
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: { ...fenced(), ManagedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'] },
      },
    });
    expect(attached.status).toBe('ROLLBACK_COMPLETE');
    expect(attached.reason).toContain('is not authorized to perform: iam:AttachRolePolicy');

    const inside = await underServiceRole('stackdrop-fenced-role', {
      Role: { Type: 'AWS::IAM::Role', Properties: fenced() },
    });
    expect(inside, inside.reason).toEqual({ status: 'CREATE_COMPLETE', reason: '' });
  }, 120_000);
});
