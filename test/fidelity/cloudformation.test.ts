import { readFileSync } from 'node:fs';
import {
  CreateStackCommand,
  DescribeStackEventsCommand,
  ValidateTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { appTemplateBody } from '#shared/synth/app/index.ts';
import { synthesisCorpus } from '#test/helpers/synth-corpus.ts';
import { type CliResult, type FidelityCloud, fidelityCases, startFidelityCloud } from './harness.ts';

// CloudFormation template checks: what ValidateTemplate, CreateStack, UpdateStack and
// CreateChangeSet refuse, driven through the AWS CLI v1 and the SDK v3. Each case names the AWS
// documentation page it follows (read 2026-12-07).
const QUOTAS = 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html';
const CREATE_STACK = 'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html';
const INTRINSICS =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html';
const CONDITIONS =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-conditions.html';
const LANGUAGE_EXTENSIONS =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-aws-languageextensions.html';
const DELETION_POLICY =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html';
const UPDATE_REPLACE_POLICY =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-updatereplacepolicy.html';
const DEPENDS_ON =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html';
const OUTPUTS =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/outputs-section-structure.html';
const MAPPINGS =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/mappings-section-structure.html';
const RESOURCES =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html';
const VALIDATE =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ValidateTemplate.html';
const PRE_DEPLOYMENT =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/validate-stack-deployments.html';
const STACK_EVENT = 'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackEvent.html';
const MODEL_VALIDATION = 'https://repost.aws/knowledge-center/cloudformation-resolve-model-val-failed';
const SQS_QUEUE =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sqs-queue.html';
const EC2_VPC =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpc.html';
const HANDLER_ERRORS =
  'https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-test-contract-errors.html';

let f: FidelityCloud;
let stackNumber = 0;

beforeAll(async () => {
  f = await startFidelityCloud();
}, 120_000);
afterAll(async () => {
  await f.stop();
}, 60_000);

const json = (template: unknown) => JSON.stringify(template);
const queue = (properties: Record<string, unknown> = {}) => ({
  Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: properties } },
});

function validate(body: string): Promise<CliResult> {
  return f.cli.run('cloudformation', 'validate-template', '--template-body', body);
}

function expectRefused(result: CliResult, operation: string, message: string): void {
  expect(result.rc, result.stdout).not.toBe(0);
  expect(result.stderr).toContain(
    `An error occurred (ValidationError) when calling the ${operation} operation: `,
  );
  expect(result.stderr).toContain(message);
}

/** create-stack through the CLI, waits for the stack to settle, returns its events oldest first. */
async function createAndSettle(template: unknown, ...extra: string[]) {
  const name = `fidelity-${++stackNumber}`;
  const created = await f.cli.run(
    'cloudformation',
    'create-stack',
    '--stack-name',
    name,
    '--template-body',
    typeof template === 'string' ? template : json(template),
    ...extra,
  );
  expect(created.rc, created.stderr).toBe(0);
  await f.engine.settled(name);
  const { StackEvents } = await f.cfn.send(new DescribeStackEventsCommand({ StackName: name }));
  return { name, events: [...(StackEvents ?? [])].reverse(), stack: f.engine.requireStack(name) };
}

/** The stack's own events, `STATUS (reason)`. */
function stackTrail(events: { LogicalResourceId?: string; ResourceStatus?: string }[], name: string) {
  return events.filter((e) => e.LogicalResourceId === name).map((e) => e.ResourceStatus);
}

/** The app stage's template synthesised for a large manifest (20 workers, 80 variables, 40 secrets). */
function largeAppTemplate(): string {
  return appTemplateBody(synthesisCorpus(1)[0]!.manifest);
}

describe('CloudFormation template checks (AWS CLI and SDK)', () => {
  fidelityCases([
    // ---- quotas ----------------------------------------------------------------------------
    {
      aws: 'refuses an inline TemplateBody over 51,200 bytes (the app template itself) at validate-template',
      source: QUOTAS,
      run: async () => {
        const app = largeAppTemplate();
        expect(Buffer.byteLength(app)).toBeGreaterThan(51_200);
        expectRefused(
          await validate(app),
          'ValidateTemplate',
          "at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to 51200",
        );
      },
    },
    {
      aws: 'refuses an inline TemplateBody over 51,200 bytes at create-stack, and creates nothing',
      source: CREATE_STACK,
      run: async () => {
        const big = json({ Description: 'x'.repeat(1000), ...queue({ QueueName: 'y'.repeat(60_000) }) });
        const result = await f.cli.run(
          'cloudformation',
          'create-stack',
          '--stack-name',
          'too-big',
          '--template-body',
          big,
        );
        expectRefused(result, 'CreateStack', 'Member must have length less than or equal to 51200');
        expect(f.engine.findStack('too-big')).toBeUndefined();
      },
    },
    {
      aws: 'accepts the same large template from S3 through TemplateURL (up to 1 MB)',
      source: QUOTAS,
      run: async () => {
        const s3 = f.running.cloud.s3;
        s3.createBucket('fidelity-templates');
        s3.putObject('fidelity-templates', 'app.yaml', largeAppTemplate());
        const result = await f.cli.run(
          'cloudformation',
          'validate-template',
          '--template-url',
          `${f.running.endpoint}/fidelity-templates/app.yaml`,
        );
        expect(result.rc, result.stderr).toBe(0);
        expect(result.json.Parameters.length).toBeGreaterThan(0);
      },
    },
    {
      aws: 'refuses a TemplateURL object over 1 MB',
      source: QUOTAS,
      run: async () => {
        const huge = `Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n#${'x'.repeat(1_100_000)}\n`;
        f.running.cloud.s3.putObject('fidelity-templates', 'huge.yaml', huge);
        expectRefused(
          await f.cli.run(
            'cloudformation',
            'validate-template',
            '--template-url',
            `${f.running.endpoint}/fidelity-templates/huge.yaml`,
          ),
          'ValidateTemplate',
          'Template may not exceed 1048576 bytes in size.',
        );
      },
    },
    {
      aws: 'refuses more than 500 resources',
      source: QUOTAS,
      run: async () => {
        const resources = Object.fromEntries(
          Array.from({ length: 501 }, (_, i) => [
            `H${i}`,
            { Type: 'AWS::CloudFormation::WaitConditionHandle' },
          ]),
        );
        const result = await f.cfn
          .send(new ValidateTemplateCommand({ TemplateBody: json({ Resources: resources }) }))
          .catch((e: Error) => e);
        expect(result).toMatchObject({
          name: 'ValidationError',
          message: 'Template format error: Number of resources, 501, is greater than maximum allowed, 500',
        });
      },
    },
    {
      aws: 'refuses more than 200 parameters',
      source: QUOTAS,
      run: async () => {
        const parameters = Object.fromEntries(
          Array.from({ length: 201 }, (_, i) => [`P${i}`, { Type: 'String', Default: 'x' }]),
        );
        expectRefused(
          await validate(json({ Parameters: parameters, ...queue() })),
          'ValidateTemplate',
          'Number of parameters, 201, is greater than maximum allowed, 200',
        );
      },
    },
    {
      aws: 'refuses more than 200 outputs',
      source: QUOTAS,
      run: async () => {
        const outputs = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`O${i}`, { Value: 'x' }]));
        expectRefused(
          await validate(json({ ...queue(), Outputs: outputs })),
          'ValidateTemplate',
          'Number of outputs, 201, is greater than maximum allowed, 200',
        );
      },
    },
    {
      aws: 'refuses more than 200 mappings',
      source: QUOTAS,
      run: async () => {
        const mappings = Object.fromEntries(
          Array.from({ length: 201 }, (_, i) => [`M${i}`, { k: { v: 'x' } }]),
        );
        expectRefused(
          await validate(json({ Mappings: mappings, ...queue() })),
          'ValidateTemplate',
          'Number of mappings, 201, is greater than maximum allowed, 200',
        );
      },
    },
    {
      aws: 'refuses a parameter value over 4,096 bytes',
      source: QUOTAS,
      run: async () => {
        const template = json({ Parameters: { Name: { Type: 'String' } }, ...queue() });
        const result = await f.cli.run(
          'cloudformation',
          'create-stack',
          '--stack-name',
          'long-parameter',
          '--template-body',
          template,
          '--parameters',
          `ParameterKey=Name,ParameterValue=${'v'.repeat(4_097)}`,
        );
        expectRefused(result, 'CreateStack', 'exceeds the maximum size of 4096 bytes');
        expect(f.engine.findStack('long-parameter')).toBeUndefined();
      },
    },
    // ---- intrinsic functions ---------------------------------------------------------------
    {
      aws: 'refuses an unknown intrinsic function (Fn::Foo) instead of using it as a value',
      source: INTRINSICS,
      run: async () => {
        expectRefused(
          await validate(json(queue({ QueueName: { 'Fn::Foo': 'bar' } }))),
          'ValidateTemplate',
          'Template error: Encountered unsupported function: Fn::Foo Supported functions are: [',
        );
      },
    },
    {
      aws: 'refuses the short form of an unknown function (!Foo) too',
      source: INTRINSICS,
      run: async () => {
        const result = await validate(
          'Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Foo bar\n',
        );
        expectRefused(result, 'ValidateTemplate', 'Encountered unsupported function: Fn::Foo');
      },
    },
    {
      aws: 'refuses a condition function (Fn::Equals) in resource properties: condition functions belong in Conditions',
      source: CONDITIONS,
      run: async () => {
        expectRefused(
          await validate(json(queue({ FifoQueue: { 'Fn::Equals': ['a', 'a'] } }))),
          'ValidateTemplate',
          'Encountered unsupported function: Fn::Equals',
        );
      },
    },
    {
      aws: 'refuses Fn::If inside the Conditions section',
      source: CONDITIONS,
      run: async () => {
        const template = {
          Conditions: { A: { 'Fn::Equals': ['a', 'a'] }, B: { 'Fn::If': ['A', true, false] } },
          ...queue(),
        };
        expectRefused(
          await validate(json(template)),
          'ValidateTemplate',
          'Encountered unsupported function: Fn::If',
        );
      },
    },
    {
      aws: 'refuses Fn::GetAtt in Conditions (conditions cannot depend on resources)',
      source: CONDITIONS,
      run: async () => {
        const template = {
          Conditions: { A: { 'Fn::Equals': [{ 'Fn::GetAtt': ['Queue', 'Arn'] }, 'x'] } },
          ...queue(),
        };
        expectRefused(
          await validate(json(template)),
          'ValidateTemplate',
          'Encountered unsupported function: Fn::GetAtt',
        );
      },
    },
    {
      aws: 'refuses Fn::Length without the AWS::LanguageExtensions transform',
      source: LANGUAGE_EXTENSIONS,
      run: async () => {
        expectRefused(
          await validate(json(queue({ DelaySeconds: { 'Fn::Length': [1, 2] } }))),
          'ValidateTemplate',
          'Encountered unsupported function: Fn::Length',
        );
      },
    },
    {
      aws: 'accepts Fn::Length with the AWS::LanguageExtensions transform',
      source: LANGUAGE_EXTENSIONS,
      run: async () => {
        const result = await validate(
          json({
            Transform: 'AWS::LanguageExtensions',
            ...queue({ DelaySeconds: { 'Fn::Length': [1, 2] } }),
          }),
        );
        expect(result.rc, result.stderr).toBe(0);
        expect(result.json.DeclaredTransforms).toEqual(['AWS::LanguageExtensions']);
      },
    },
    {
      aws: 'refuses a function in a Parameters declaration (parameters are literal)',
      source:
        'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html',
      run: async () => {
        const template = {
          Parameters: { P: { Type: 'String', Default: { Ref: 'AWS::Region' } } },
          ...queue(),
        };
        expectRefused(
          await validate(json(template)),
          'ValidateTemplate',
          'functions are not allowed in Parameters',
        );
      },
    },
    {
      aws: 'refuses a function in Mappings: every mapping attribute is a String or a List',
      source: MAPPINGS,
      run: async () => {
        const template = { Mappings: { M: { k: { v: { Ref: 'AWS::Region' } } } }, ...queue() };
        expectRefused(
          await validate(json(template)),
          'ValidateTemplate',
          'Every Mappings attribute must be a String or a List.',
        );
      },
    },
    {
      aws: 'refuses a DependsOn that is not a string or list of strings',
      source: DEPENDS_ON,
      run: async () => {
        const template = {
          Resources: {
            A: { Type: 'AWS::SQS::Queue' },
            B: { Type: 'AWS::SQS::Queue', DependsOn: { Ref: 'A' } },
          },
        };
        expectRefused(
          await validate(json(template)),
          'ValidateTemplate',
          'DependsOn must be a string or list of strings.',
        );
      },
    },
    // ---- template structure ----------------------------------------------------------------
    {
      aws: 'refuses Properties: null',
      source: RESOURCES,
      run: async () => {
        expectRefused(
          await validate('Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n'),
          'ValidateTemplate',
          "[/Resources/Queue/Properties] 'null' values are not allowed in templates",
        );
      },
    },
    {
      aws: 'refuses a null property value',
      source: RESOURCES,
      run: async () => {
        expectRefused(
          await validate(json(queue({ DelaySeconds: null }))),
          'ValidateTemplate',
          "[/Resources/Queue/Properties/DelaySeconds] 'null' values are not allowed in templates",
        );
      },
    },
    {
      aws: 'refuses an unknown resource attribute (a misspelt Properties)',
      source: RESOURCES,
      run: async () => {
        expectRefused(
          await validate(json({ Resources: { Queue: { Type: 'AWS::SQS::Queue', Propertys: {} } } })),
          'ValidateTemplate',
          "Invalid template resource property 'Propertys'",
        );
      },
    },
    {
      aws: 'refuses DeletionPolicy: Keep (only Delete, Retain, RetainExceptOnCreate, Snapshot)',
      source: DELETION_POLICY,
      run: async () => {
        expectRefused(
          await validate(json({ Resources: { Queue: { Type: 'AWS::SQS::Queue', DeletionPolicy: 'Keep' } } })),
          'ValidateTemplate',
          'Template format error: Unrecognized DeletionPolicy Keep for resource Queue',
        );
      },
    },
    {
      aws: 'refuses DeletionPolicy: Snapshot for a type that takes no snapshots',
      source: DELETION_POLICY,
      run: async () => {
        expectRefused(
          await validate(
            json({ Resources: { Queue: { Type: 'AWS::SQS::Queue', DeletionPolicy: 'Snapshot' } } }),
          ),
          'ValidateTemplate',
          'resource type AWS::SQS::Queue does not support DeletionPolicy Snapshot',
        );
      },
    },
    {
      aws: 'accepts DeletionPolicy: RetainExceptOnCreate and Snapshot on an Aurora cluster',
      source: DELETION_POLICY,
      run: async () => {
        const template = {
          Resources: {
            Queue: { Type: 'AWS::SQS::Queue', DeletionPolicy: 'RetainExceptOnCreate' },
            Cluster: {
              Type: 'AWS::RDS::DBCluster',
              DeletionPolicy: 'Snapshot',
              Properties: { Engine: 'aurora-mysql' },
            },
          },
        };
        expect((await validate(json(template))).rc).toBe(0);
      },
    },
    {
      aws: 'refuses UpdateReplacePolicy: RetainExceptOnCreate (a DeletionPolicy value only)',
      source: UPDATE_REPLACE_POLICY,
      run: async () => {
        expectRefused(
          await validate(
            json({
              Resources: { Queue: { Type: 'AWS::SQS::Queue', UpdateReplacePolicy: 'RetainExceptOnCreate' } },
            }),
          ),
          'ValidateTemplate',
          'Unrecognized UpdateReplacePolicy RetainExceptOnCreate for resource Queue',
        );
      },
    },
    {
      aws: 'refuses a list as an Output value',
      source: OUTPUTS,
      run: async () => {
        expectRefused(
          await validate(json({ ...queue(), Outputs: { Zones: { Value: ['a', 'b'] } } })),
          'ValidateTemplate',
          'The Value field of every Outputs member must evaluate to a String.',
        );
      },
    },
    {
      aws: 'refuses a function that returns a list (Fn::GetAZs) as an Output value',
      source: OUTPUTS,
      run: async () => {
        expectRefused(
          await validate(json({ ...queue(), Outputs: { Zones: { Value: { 'Fn::GetAZs': '' } } } })),
          'ValidateTemplate',
          'The Value field of every Outputs member must evaluate to a String.',
        );
      },
    },
    {
      aws: 'accepts a joined list as an Output value and reports it as one string',
      source: OUTPUTS,
      run: async () => {
        const { stack } = await createAndSettle({
          ...queue(),
          Outputs: { Zones: { Value: { 'Fn::Join': [',', { 'Fn::GetAZs': '' }] } } },
        });
        expect(stack.status).toBe('CREATE_COMPLETE');
        expect(stack.outputs[0]?.OutputValue).toBe('eu-west-1a,eu-west-1b,eu-west-1c');
      },
    },
    {
      aws: "validates each of stackdrop's own stage templates (network, database, edge) inline",
      source: VALIDATE,
      run: async () => {
        for (const stage of ['network', 'database', 'edge']) {
          const result = await validate(readFileSync(`templates/${stage}.yaml`, 'utf8'));
          expect(result.rc, `${stage}: ${result.stderr}`).toBe(0);
        }
      },
    },
    // ---- property values against the registry schemas --------------------------------------
    {
      aws: 'fails a stack before provisioning when Tags is not a list (VALIDATION_FAILED, nothing created)',
      source: PRE_DEPLOYMENT,
      run: async () => {
        const { name, events } = await createAndSettle(
          queue({ QueueName: 'never-made', Tags: 'not-a-list' }),
        );
        expect(stackTrail(events, name)).toEqual([
          'CREATE_IN_PROGRESS',
          'ROLLBACK_IN_PROGRESS',
          'ROLLBACK_COMPLETE',
        ]);
        expect(events.find((e) => e.ResourceStatus === 'ROLLBACK_IN_PROGRESS')).toMatchObject({
          DetailedStatus: 'VALIDATION_FAILED',
          ResourceStatusReason:
            'Properties validation failed for resource Queue with message: [#/Tags: expected type: JSONArray, found: String]',
        });
        expect(events.some((e) => e.LogicalResourceId === 'Queue')).toBe(false);
        expect(f.running.cloud.sqs.queues.has('never-made')).toBe(false);
      },
    },
    {
      aws: 'reports VALIDATION_FAILED in the stack event DetailedStatus, read through the SDK',
      source: STACK_EVENT,
      run: async () => {
        const name = `fidelity-sdk-${++stackNumber}`;
        await f.cfn.send(
          new CreateStackCommand({ StackName: name, TemplateBody: json(queue({ Tags: [{ Key: 'team' }] })) }),
        );
        await f.engine.settled(name);
        const { StackEvents } = await f.cfn.send(new DescribeStackEventsCommand({ StackName: name }));
        expect(StackEvents?.find((e) => e.DetailedStatus === 'VALIDATION_FAILED')?.ResourceStatusReason).toBe(
          'Properties validation failed for resource Queue with message: [#/Tags/0: required key [Value] not found]',
        );
      },
    },
    {
      aws: 'fails a VPC with InstanceTenancy: bogus when EC2 refuses it (the registry schema has no enum): CREATE_FAILED in the handler format',
      source: EC2_VPC,
      run: async () => {
        const { events, stack } = await createAndSettle({
          Resources: {
            Vpc: {
              Type: 'AWS::EC2::VPC',
              Properties: { CidrBlock: '10.0.0.0/16', InstanceTenancy: 'bogus' },
            },
          },
        });
        const failed = events.find((e) => e.ResourceStatus === 'CREATE_FAILED');
        expect(failed?.LogicalResourceId).toBe('Vpc');
        expect(failed?.ResourceStatusReason).toMatch(
          /^Resource handler returned message: "Value \(bogus\) for parameter instanceTenancy is invalid\..*\(Service: Ec2, Status Code: 400, Request ID: [0-9a-f-]+\)" \(RequestToken: [0-9a-f-]+, HandlerErrorCode: InvalidRequest\)$/,
        );
        expect(stack.status).toBe('ROLLBACK_COMPLETE');
        expect(f.running.cloud.ec2.vpcs.size).toBe(0);
      },
    },
    {
      aws: 'fails a VPC with CIDR 999.0.0.0/8 at the EC2 call, not at template validation (the format is a linter rule)',
      source: EC2_VPC,
      run: async () => {
        const { events, stack } = await createAndSettle({
          Resources: { Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '999.0.0.0/8' } } },
        });
        expect(events.some((e) => e.DetailedStatus === 'VALIDATION_FAILED')).toBe(false);
        expect(events.find((e) => e.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason).toContain(
          'Resource handler returned message: "Value (999.0.0.0/8) for parameter cidrBlock is invalid.',
        );
        expect(stack.status).toBe('ROLLBACK_COMPLETE');
      },
    },
    {
      aws: 'fails a queue with VisibilityTimeout 50,000 (over 43,200) when SQS refuses the attribute: CREATE_FAILED, rollback',
      source: SQS_QUEUE,
      run: async () => {
        const { stack, events } = await createAndSettle(queue({ VisibilityTimeout: 50_000 }));
        expect(stack.status).toBe('ROLLBACK_COMPLETE');
        expect(events.find((e) => e.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason).toMatch(
          /^Resource handler returned message: "Invalid value for the parameter VisibilityTimeout\. \(Service: Sqs, Status Code: 400/,
        );
      },
    },
    {
      aws: 'refuses a value outside the registry schema enum before provisioning (log group RetentionInDays 42)',
      source: MODEL_VALIDATION,
      run: async () => {
        const { stack } = await createAndSettle({
          Resources: { Logs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 42 } } },
        });
        expect(stack.status).toBe('ROLLBACK_COMPLETE');
        expect(stack.events.find((e) => e.DetailedStatus)?.ResourceStatusReason).toBe(
          'Properties validation failed for resource Logs with message: [#/RetentionInDays: 42 is not a valid enum value]',
        );
      },
    },
    {
      aws: 'refuses a missing required property (a queue policy without Queues)',
      source: MODEL_VALIDATION,
      run: async () => {
        const { stack } = await createAndSettle({
          Resources: {
            Policy: { Type: 'AWS::SQS::QueuePolicy', Properties: { PolicyDocument: { Statement: [] } } },
          },
        });
        expect(stack.events.find((e) => e.DetailedStatus)?.ResourceStatusReason).toBe(
          'Properties validation failed for resource Policy with message: [#: required key [Queues] not found]',
        );
      },
    },
    {
      aws: 'refuses a value that breaks the schema pattern (an upper-case ECR repository name)',
      source: MODEL_VALIDATION,
      run: async () => {
        const { stack } = await createAndSettle({
          Resources: { Repo: { Type: 'AWS::ECR::Repository', Properties: { RepositoryName: 'Not_Lower' } } },
        });
        expect(stack.events.find((e) => e.DetailedStatus)?.ResourceStatusReason).toContain(
          '#/RepositoryName: failed validation constraint for keyword [pattern]',
        );
      },
    },
    {
      aws: 'refuses a string over the schema maxLength (a 64-character DBClusterIdentifier)',
      source: MODEL_VALIDATION,
      run: async () => {
        const { stack } = await createAndSettle({
          Resources: {
            Cluster: {
              Type: 'AWS::RDS::DBCluster',
              Properties: { Engine: 'aurora-mysql', DBClusterIdentifier: `c${'x'.repeat(63)}` },
            },
          },
        });
        expect(stack.events.find((e) => e.DetailedStatus)?.ResourceStatusReason).toContain(
          '#/DBClusterIdentifier: expected maxLength: 63, actual: 64',
        );
      },
    },
    {
      aws: 'refuses an unknown key inside a property (extraneous key)',
      source: MODEL_VALIDATION,
      run: async () => {
        const { stack } = await createAndSettle(
          queue({ RedrivePolicy: { deadLetterTargetArn: 'arn:x', maxReceives: 3 } }),
        );
        expect(stack.events.find((e) => e.DetailedStatus)?.ResourceStatusReason).toContain(
          '#/RedrivePolicy: extraneous key [maxReceives] is not permitted',
        );
      },
    },
    {
      aws: 'accepts a Number parameter (a string) where the schema wants an integer',
      source:
        'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html',
      run: async () => {
        const { stack } = await createAndSettle(
          {
            Parameters: { Timeout: { Type: 'Number' } },
            ...queue({ VisibilityTimeout: { Ref: 'Timeout' } }),
          },
          '--parameters',
          'ParameterKey=Timeout,ParameterValue=60',
        );
        expect(stack.status).toBe('CREATE_COMPLETE');
      },
    },
    {
      aws: 'checks a value that comes from another resource when the handler runs: CREATE_FAILED, then rollback',
      source: PRE_DEPLOYMENT,
      run: async () => {
        const { name, events } = await createAndSettle({
          Resources: {
            Setting: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: '42' } },
            Logs: {
              Type: 'AWS::Logs::LogGroup',
              Properties: { RetentionInDays: { 'Fn::GetAtt': ['Setting', 'Value'] } },
            },
          },
        });
        expect(
          events.find((e) => e.LogicalResourceId === 'Logs' && e.ResourceStatus === 'CREATE_FAILED'),
        ).toMatchObject({
          ResourceStatusReason:
            'Properties validation failed for resource Logs with message: [#/RetentionInDays: 42 is not a valid enum value]',
        });
        expect(stackTrail(events, name).at(-1)).toBe('ROLLBACK_COMPLETE');
      },
    },
    {
      aws: 'fails a resource with an unsupported top-level property at provisioning',
      source: MODEL_VALIDATION,
      run: async () => {
        const { events } = await createAndSettle(queue({ VisibilityTimeOut: 30 }));
        expect(events.find((e) => e.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason).toBe(
          'Encountered unsupported property VisibilityTimeOut',
        );
      },
    },
    {
      aws: "reports a service API refusal as CREATE_FAILED with the handler's message and error code",
      source: HANDLER_ERRORS,
      run: async () => {
        const { events, stack } = await createAndSettle({
          Resources: {
            Task: {
              Type: 'AWS::ECS::TaskDefinition',
              Properties: {
                RequiresCompatibilities: ['FARGATE'],
                NetworkMode: 'bridge',
                Cpu: '256',
                Memory: '512',
                ContainerDefinitions: [{ Name: 'web', Image: 'nginx' }],
              },
            },
          },
        });
        const reason = events.find((e) => e.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason ?? '';
        expect(reason).toMatch(
          /^Resource handler returned message: "Fargate only supports network mode ‘awsvpc’\. \(Service: Ecs, Status Code: 400, Request ID: [0-9a-f-]+\)" \(RequestToken: [0-9a-f-]+, HandlerErrorCode: InvalidRequest\)$/,
        );
        expect(stack.status).toBe('ROLLBACK_COMPLETE');
      },
    },
    {
      aws: 'fails an ECS task definition with Fargate cpu 256 and memory 8192: the ECS API refuses it, the resource is CREATE_FAILED',
      source: HANDLER_ERRORS,
      run: async () => {
        const { events, stack } = await createAndSettle({
          Resources: {
            Task: {
              Type: 'AWS::ECS::TaskDefinition',
              Properties: {
                RequiresCompatibilities: ['FARGATE'],
                NetworkMode: 'awsvpc',
                Cpu: '256',
                Memory: '8192',
                ContainerDefinitions: [{ Name: 'web', Image: 'nginx' }],
              },
            },
          },
        });
        const reason = events.find((e) => e.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason ?? '';
        expect(reason).toMatch(
          /^Resource handler returned message: "No Fargate configuration exists for given values: 256 CPU, 8192 memory\./,
        );
        expect(reason).toMatch(/HandlerErrorCode: InvalidRequest\)$/);
        expect(stack.status).toBe('ROLLBACK_COMPLETE');
      },
    },
    {
      aws: 'fails an Aurora cluster with EngineVersion 99.99.bogus: the RDS API refuses it, the resource is CREATE_FAILED',
      source: HANDLER_ERRORS,
      run: async () => {
        const { events, stack } = await createAndSettle({
          Resources: {
            Cluster: {
              Type: 'AWS::RDS::DBCluster',
              Properties: {
                Engine: 'aurora-mysql',
                EngineVersion: '99.99.bogus',
                MasterUsername: 'admin',
                ManageMasterUserPassword: true,
              },
            },
          },
        });
        const reason = events.find((e) => e.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason ?? '';
        expect(reason).toMatch(
          /^Resource handler returned message: "Cannot find version 99\.99\.bogus for aurora-mysql \(Service: Rds, Status Code: 400, Request ID: [0-9a-f-]+\)" \(RequestToken: [0-9a-f-]+, HandlerErrorCode: InvalidRequest\)$/,
        );
        expect(stack.status).toBe('ROLLBACK_COMPLETE');
        expect(f.running.cloud.rds.clusters.size).toBe(0);
      },
    },
    {
      aws: 'runs the same property check on UpdateStack: the update rolls back and the resource is untouched',
      source: PRE_DEPLOYMENT,
      run: async () => {
        const { name } = await createAndSettle(queue({ VisibilityTimeout: 30 }));
        const result = await f.cli.run(
          'cloudformation',
          'update-stack',
          '--stack-name',
          name,
          '--template-body',
          json(queue({ VisibilityTimeout: 60, Tags: 'not-a-list' })),
        );
        expect(result.rc, result.stderr).toBe(0);
        const stack = await f.engine.settled(name);
        expect(stack.status).toBe('UPDATE_ROLLBACK_COMPLETE');
        const url = stack.resources.get('Queue')!.physicalId!;
        expect(f.running.cloud.sqs.queue(url).attributes.VisibilityTimeout).toBe('30');
      },
    },
  ]);
});
