import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAwsCli } from '#test/helpers/aws-cli-batch.ts';
import { type CfnHarness, settle, startCfnHarness } from './helpers.ts';

const TEMPLATE = JSON.stringify({
  Parameters: { Env: { Type: 'String', AllowedValues: ['dev', 'prod'] } },
  Resources: {
    Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::Sub': '${AWS::StackName}-${Env}' } } },
  },
  Outputs: { QueueArn: { Value: { 'Fn::GetAtt': ['Queue', 'Arn'] } } },
});

let h: CfnHarness;

/** Runs `aws cloudformation <args>` against the local cloud (fake credentials, no metadata lookups). */
async function aws(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [result] = await runAwsCli(
    [['cloudformation', ...args, '--endpoint-url', h.running.endpoint, '--output', 'json']],
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PYENV_ROOT: process.env.PYENV_ROOT,
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_MAX_ATTEMPTS: '1',
    },
  );
  return { code: result!.rc, stdout: result!.stdout, stderr: result!.stderr };
}

beforeAll(async () => {
  h = await startCfnHarness();
});

afterAll(async () => {
  await h.stop();
});

describe('the AWS CLI against the local CloudFormation', () => {
  it('creates, describes, fails a no-op update of, and deletes a stack', async () => {
    // Act
    const created = await aws(
      'create-stack',
      '--stack-name',
      'cli',
      '--template-body',
      TEMPLATE,
      '--parameters',
      'ParameterKey=Env,ParameterValue=dev',
    );
    await settle(h, 'cli');
    const described = await aws('describe-stacks', '--stack-name', 'cli');
    const noop = await aws(
      'update-stack',
      '--stack-name',
      'cli',
      '--template-body',
      TEMPLATE,
      '--parameters',
      'ParameterKey=Env,UsePreviousValue=true',
    );
    const events = await aws('describe-stack-events', '--stack-name', 'cli');
    await aws('delete-stack', '--stack-name', 'cli');
    await settle(h, JSON.parse(created.stdout).StackId);
    const gone = await aws('describe-stacks', '--stack-name', 'cli');

    // Assess
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout).StackId).toMatch(
      /^arn:aws:cloudformation:eu-west-1:\d{12}:stack\/cli\//,
    );
    const stack = JSON.parse(described.stdout).Stacks[0];
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    expect(stack.Outputs).toEqual([
      { OutputKey: 'QueueArn', OutputValue: expect.stringMatching(/:cli-dev$/) },
    ]);
    expect(noop.code).not.toBe(0);
    expect(noop.stderr).toContain(
      'An error occurred (ValidationError) when calling the UpdateStack operation: No updates are to be performed.',
    );
    const statuses = JSON.parse(events.stdout).StackEvents.map(
      (e: { ResourceStatus: string }) => e.ResourceStatus,
    );
    expect(statuses[0]).toBe('CREATE_COMPLETE');
    expect(statuses.at(-1)).toBe('CREATE_IN_PROGRESS');
    expect(gone.stderr).toContain('Stack with id cli does not exist');
  });

  it('lists every stack with describe-stacks, command parameters joined by the ␟ delimiter included', async () => {
    // Prepare
    const body = JSON.stringify({
      Parameters: { ReleaseCommand: { Type: 'String' } },
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue' },
      },
    });
    await aws(
      'create-stack',
      '--stack-name',
      'commands',
      '--template-body',
      body,
      '--parameters',
      'ParameterKey=ReleaseCommand,ParameterValue=php␟artisan␟migrate␟--force',
    );
    const control = await aws(
      'create-stack',
      '--stack-name',
      'controls',
      '--template-body',
      body,
      '--parameters',
      'ParameterKey=ReleaseCommand,ParameterValue=php\u001fartisan',
    );

    // Act
    const listed = await aws('describe-stacks');

    // Assess
    expect(control.stderr).toContain('(ValidationError)');
    expect(listed.code).toBe(0);
    const stacks = JSON.parse(listed.stdout).Stacks as { StackName: string; Parameters?: unknown[] }[];
    expect(stacks.find((s) => s.StackName === 'commands')?.Parameters).toEqual([
      { ParameterKey: 'ReleaseCommand', ParameterValue: 'php␟artisan␟migrate␟--force' },
    ]);
  });

  it('reports a template error the way CloudFormation does', async () => {
    const result = await aws(
      'validate-template',
      '--template-body',
      '{"Resources":{"A":{"Type":"AWS::Foo::Bar"}}}',
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'An error occurred (ValidationError) when calling the ValidateTemplate operation: Template format error: Unrecognized resource types: [AWS::Foo::Bar]',
    );
  });

  it('executes and deletes change sets with exit code 0 (empty results carry their result element)', async () => {
    // Prepare
    const created = await aws(
      'create-change-set',
      '--stack-name',
      'cli-cs',
      '--change-set-name',
      'first',
      '--change-set-type',
      'CREATE',
      '--template-body',
      TEMPLATE,
      '--parameters',
      'ParameterKey=Env,ParameterValue=dev',
    );
    await h.running.cloud.clock.advance(5_000);
    const spare = await aws(
      'create-change-set',
      '--stack-name',
      'cli-cs',
      '--change-set-name',
      'spare',
      '--change-set-type',
      'CREATE',
      '--template-body',
      TEMPLATE,
      '--parameters',
      'ParameterKey=Env,ParameterValue=dev',
    );

    // Act
    const deleted = await aws('delete-change-set', '--stack-name', 'cli-cs', '--change-set-name', 'spare');
    const executed = await aws('execute-change-set', '--change-set-name', JSON.parse(created.stdout).Id);
    await settle(h, 'cli-cs');

    // Assess
    expect(spare.code).toBe(0);
    expect(deleted).toMatchObject({ code: 0, stderr: '' });
    expect(executed).toMatchObject({ code: 0, stderr: '' });
    expect(h.engine.requireStack('cli-cs').status).toBe('CREATE_COMPLETE');
  });
});
