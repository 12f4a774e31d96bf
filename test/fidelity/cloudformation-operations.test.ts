import { DescribeChangeSetCommand, ListImportsCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type CliResult, type FidelityCloud, fidelityCases, startFidelityCloud } from './harness.ts';

// CloudFormation stack operations a user's script drives: change sets, update rollback and its
// recovery, exports and imports — through the AWS CLI v1 and the SDK v3 (read 2026-12-07).
const RESOURCE_CHANGE =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChange.html';
const CHANGE_DETAIL =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceChangeDetail.html';
const TARGET =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ResourceTargetDefinition.html';
const SCHEMA = 'https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html';
const EXECUTE = 'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ExecuteChangeSet.html';
const DELETE_CS =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteChangeSet.html';
const DESCRIBE_CS =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeChangeSet.html';
const PRE_DEPLOYMENT =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/validate-stack-deployments.html';
const CONTINUE =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ContinueUpdateRollback.html';
const ROLLBACK_FAILED =
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html#troubleshooting-errors-update-rollback-failed';
const LIST_IMPORTS = 'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListImports.html';
const LIST_EXPORTS = 'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListExports.html';
const EXPORTS = 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-exports.html';

let f: FidelityCloud;
let n = 0;

beforeAll(async () => {
  f = await startFidelityCloud();
}, 120_000);
afterAll(async () => {
  await f.stop();
}, 60_000);

const json = (template: unknown) => JSON.stringify(template);
const queueTemplate = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  json({ ...extra, Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: properties } } });

function cfn(...args: string[]): Promise<CliResult> {
  return f.cli.run('cloudformation', ...args);
}

async function stackWith(body: string, ...extra: string[]): Promise<string> {
  const name = `ops-${++n}`;
  const created = await cfn('create-stack', '--stack-name', name, '--template-body', body, ...extra);
  expect(created.rc, created.stderr).toBe(0);
  const stack = await f.engine.settled(name);
  expect(stack.status).toBe('CREATE_COMPLETE');
  return name;
}

/** create-change-set, then describe-change-set once it has settled (both through the CLI). */
async function changeSet(stack: string, body: string, ...extra: string[]) {
  const name = `cs-${++n}`;
  const created = await cfn(
    'create-change-set',
    '--stack-name',
    stack,
    '--change-set-name',
    name,
    '--template-body',
    body,
    ...extra,
  );
  expect(created.rc, created.stderr).toBe(0);
  for (;;) {
    const { Status } = await f.cfn.send(
      new DescribeChangeSetCommand({ StackName: stack, ChangeSetName: name }),
    );
    if (Status !== 'CREATE_PENDING' && Status !== 'CREATE_IN_PROGRESS') break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const described = await cfn('describe-change-set', '--stack-name', stack, '--change-set-name', name);
  return { name, id: created.json.Id as string, described: described.json };
}

/** A stack whose update failed and whose rollback then failed too (UPDATE_ROLLBACK_FAILED). */
async function rollbackFailedStack(): Promise<string> {
  const name = await stackWith(queueTemplate({ VisibilityTimeout: 30 }));
  f.running.cloud.faults.failResource({
    stackName: name,
    logicalId: 'Queue',
    action: 'update',
    times: 2,
    reason: 'Internal failure',
  });
  const updated = await cfn(
    'update-stack',
    '--stack-name',
    name,
    '--template-body',
    queueTemplate({ VisibilityTimeout: 60 }),
  );
  expect(updated.rc, updated.stderr).toBe(0);
  expect((await f.engine.settled(name)).status).toBe('UPDATE_ROLLBACK_FAILED');
  return name;
}

describe('CloudFormation operations (AWS CLI and SDK)', () => {
  fidelityCases([
    // ---- change sets ----------------------------------------------------------------------
    {
      aws: 'lists a queue VisibilityTimeout change as Modify, Replacement False, a static DirectModification',
      source: CHANGE_DETAIL,
      run: async () => {
        const stack = await stackWith(queueTemplate({ VisibilityTimeout: 30 }));
        const { described } = await changeSet(stack, queueTemplate({ VisibilityTimeout: 60 }));
        expect(described.Changes).toEqual([
          {
            Type: 'Resource',
            ResourceChange: expect.objectContaining({
              Action: 'Modify',
              LogicalResourceId: 'Queue',
              Replacement: 'False',
              Scope: ['Properties'],
              Details: [
                {
                  Target: { Attribute: 'Properties', Name: 'VisibilityTimeout', RequiresRecreation: 'Never' },
                  Evaluation: 'Static',
                  ChangeSource: 'DirectModification',
                },
              ],
            }),
          },
        ]);
      },
    },
    {
      aws: 'lists every changed property of a resource, one Details entry each',
      source: RESOURCE_CHANGE,
      run: async () => {
        const stack = await stackWith(queueTemplate({ VisibilityTimeout: 30, DelaySeconds: 0 }));
        const { described } = await changeSet(
          stack,
          queueTemplate({ VisibilityTimeout: 60, DelaySeconds: 5, MessageRetentionPeriod: 600 }),
        );
        const names = described.Changes[0].ResourceChange.Details.map(
          (d: { Target: { Name: string } }) => d.Target.Name,
        );
        expect(names.sort()).toEqual(['DelaySeconds', 'MessageRetentionPeriod', 'VisibilityTimeout']);
      },
    },
    {
      aws: 'marks a change of a createOnlyProperty (QueueName) RequiresRecreation Always and Replacement True',
      source: SCHEMA,
      run: async () => {
        const stack = await stackWith(queueTemplate({ QueueName: `first-${n}` }));
        const { described } = await changeSet(stack, queueTemplate({ QueueName: `second-${n}` }));
        expect(described.Changes[0].ResourceChange).toMatchObject({
          Replacement: 'True',
          Details: [{ Target: { Name: 'QueueName', RequiresRecreation: 'Always' }, Evaluation: 'Static' }],
        });
      },
    },
    {
      aws: 'attributes a change that comes from a parameter to it (ParameterReference, CausingEntity)',
      source: CHANGE_DETAIL,
      run: async () => {
        const body = queueTemplate(
          { VisibilityTimeout: { Ref: 'Timeout' } },
          { Parameters: { Timeout: { Type: 'Number' } } },
        );
        const stack = await stackWith(body, '--parameters', 'ParameterKey=Timeout,ParameterValue=30');
        const { described } = await changeSet(
          stack,
          body,
          '--parameters',
          'ParameterKey=Timeout,ParameterValue=90',
        );
        expect(described.Changes[0].ResourceChange.Details).toEqual([
          {
            Target: { Attribute: 'Properties', Name: 'VisibilityTimeout', RequiresRecreation: 'Never' },
            Evaluation: 'Static',
            ChangeSource: 'ParameterReference',
            CausingEntity: 'Timeout',
          },
        ]);
      },
    },
    {
      aws: 'lists a resource that refers to a replaced one as a Dynamic ResourceReference change',
      source: TARGET,
      run: async () => {
        const body = (queueName: string) =>
          json({
            Resources: {
              Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: queueName } },
              Url: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: { Ref: 'Queue' } } },
            },
          });
        const stack = await stackWith(body(`ref-a-${n}`));
        const { described } = await changeSet(stack, body(`ref-b-${n}`));
        const url = described.Changes.find(
          (c: { ResourceChange: { LogicalResourceId: string } }) =>
            c.ResourceChange.LogicalResourceId === 'Url',
        );
        expect(url.ResourceChange.Details).toEqual([
          {
            Target: { Attribute: 'Properties', Name: 'Value', RequiresRecreation: 'Never' },
            Evaluation: 'Dynamic',
            ChangeSource: 'ResourceReference',
            CausingEntity: 'Queue',
          },
        ]);
      },
    },
    {
      aws: 'fails an empty change set with the documented reason',
      source: DESCRIBE_CS,
      run: async () => {
        const body = queueTemplate({ VisibilityTimeout: 30 });
        const stack = await stackWith(body);
        const { described } = await changeSet(stack, body);
        expect(described).toMatchObject({
          Status: 'FAILED',
          ExecutionStatus: 'UNAVAILABLE',
          StatusReason:
            "The submitted information didn't contain changes. Submit different information to create a change set.",
        });
      },
    },
    {
      aws: 'fails a change set whose property values the schema refuses (early validation) and refuses to execute it',
      source: PRE_DEPLOYMENT,
      run: async () => {
        const stack = await stackWith(queueTemplate({ VisibilityTimeout: 30 }));
        const { described, id } = await changeSet(
          stack,
          queueTemplate({ VisibilityTimeout: 30, Tags: 'not-a-list' }),
        );
        expect(described).toMatchObject({ Status: 'FAILED', ExecutionStatus: 'UNAVAILABLE' });
        expect(described.StatusReason).toContain('AWS::EarlyValidation::PropertyValidation');
        const events = await cfn('describe-events', '--stack-name', stack, '--change-set-name', id);
        expect(events.json.OperationEvents).toContainEqual(
          expect.objectContaining({
            EventType: 'VALIDATION_ERROR',
            LogicalResourceId: 'Queue',
            ValidationStatus: 'FAILED',
            ValidationPath: '/Resources/Queue/Properties/Tags',
            ValidationStatusReason: '#/Tags: expected type: JSONArray, found: String',
          }),
        );
        const executed = await cfn('execute-change-set', '--change-set-name', id);
        expect(executed.rc).not.toBe(0);
        expect(executed.stderr).toContain('InvalidChangeSetStatus');
      },
    },
    {
      aws: 'executes a change set: execute-change-set exits 0 and the update runs',
      source: EXECUTE,
      run: async () => {
        const stack = await stackWith(queueTemplate({ VisibilityTimeout: 30 }));
        const { id } = await changeSet(stack, queueTemplate({ VisibilityTimeout: 45 }));
        const executed = await cfn('execute-change-set', '--change-set-name', id);
        expect(executed).toMatchObject({ rc: 0, stderr: '' });
        const settled = await f.engine.settled(stack);
        expect(settled.status).toBe('UPDATE_COMPLETE');
        expect(
          f.running.cloud.sqs.queue(settled.resources.get('Queue')!.physicalId!).attributes.VisibilityTimeout,
        ).toBe('45');
      },
    },
    {
      aws: 'deletes a change set: delete-change-set exits 0 and the change set is gone',
      source: DELETE_CS,
      run: async () => {
        const stack = await stackWith(queueTemplate({ VisibilityTimeout: 30 }));
        const { name } = await changeSet(stack, queueTemplate({ VisibilityTimeout: 45 }));
        const deleted = await cfn('delete-change-set', '--stack-name', stack, '--change-set-name', name);
        expect(deleted).toMatchObject({ rc: 0, stderr: '' });
        const described = await cfn('describe-change-set', '--stack-name', stack, '--change-set-name', name);
        expect(described.stderr).toContain('ChangeSetNotFound');
      },
    },
    // ---- update rollback and its recovery ---------------------------------------------------
    {
      aws: 'ends in UPDATE_ROLLBACK_FAILED when a resource cannot be rolled back, and refuses updates then',
      source: ROLLBACK_FAILED,
      run: async () => {
        const stack = await rollbackFailedStack();
        const updated = await cfn(
          'update-stack',
          '--stack-name',
          stack,
          '--template-body',
          queueTemplate({ DelaySeconds: 1 }),
        );
        expect(updated.rc).not.toBe(0);
        expect(updated.stderr).toContain('is in UPDATE_ROLLBACK_FAILED state and can not be updated.');
      },
    },
    {
      aws: 'continues a failed update rollback, skipping ResourcesToSkip (marked UPDATE_COMPLETE)',
      source: CONTINUE,
      run: async () => {
        const stack = await rollbackFailedStack();
        f.running.cloud.faults.clear();
        const continued = await cfn(
          'continue-update-rollback',
          '--stack-name',
          stack,
          '--resources-to-skip',
          'Queue',
        );
        expect(continued).toMatchObject({ rc: 0, stderr: '' });
        const settled = await f.engine.settled(stack);
        expect(settled.status).toBe('UPDATE_ROLLBACK_COMPLETE');
        expect(settled.events.at(-1)?.ResourceStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
        expect(
          settled.events.some(
            (e) =>
              e.LogicalResourceId === 'Queue' &&
              e.ResourceStatus === 'UPDATE_COMPLETE' &&
              /skipped/.test(e.ResourceStatusReason ?? ''),
          ),
        ).toBe(true);
      },
    },
    {
      aws: 'continues a failed update rollback by retrying the resource, and the stack is updatable again',
      source: CONTINUE,
      run: async () => {
        const stack = await rollbackFailedStack();
        f.running.cloud.faults.clear();
        expect((await cfn('continue-update-rollback', '--stack-name', stack)).rc).toBe(0);
        expect((await f.engine.settled(stack)).status).toBe('UPDATE_ROLLBACK_COMPLETE');
        const updated = await cfn(
          'update-stack',
          '--stack-name',
          stack,
          '--template-body',
          queueTemplate({ VisibilityTimeout: 40 }),
        );
        expect(updated.rc, updated.stderr).toBe(0);
        expect((await f.engine.settled(stack)).status).toBe('UPDATE_COMPLETE');
      },
    },
    {
      aws: 'refuses ContinueUpdateRollback on a stack that is not in UPDATE_ROLLBACK_FAILED',
      source: CONTINUE,
      run: async () => {
        const stack = await stackWith(queueTemplate({ VisibilityTimeout: 30 }));
        const continued = await cfn('continue-update-rollback', '--stack-name', stack);
        expect(continued.rc).not.toBe(0);
        expect(continued.stderr).toContain('(ValidationError)');
      },
    },
    {
      aws: 'refuses to skip a resource whose rollback did not fail',
      source: CONTINUE,
      run: async () => {
        const stack = await rollbackFailedStack();
        const continued = await cfn(
          'continue-update-rollback',
          '--stack-name',
          stack,
          '--resources-to-skip',
          'Other',
        );
        expect(continued.rc).not.toBe(0);
        expect(continued.stderr).toContain('cannot be skipped');
        expect(f.engine.requireStack(stack).status).toBe('UPDATE_ROLLBACK_FAILED');
        f.running.cloud.faults.clear();
      },
    },
    // ---- exports and imports ------------------------------------------------------------------
    {
      aws: 'lists exports with the exporting stack id (list-exports)',
      source: LIST_EXPORTS,
      run: async () => {
        const exporter = await stackWith(
          json({
            Resources: { Queue: { Type: 'AWS::SQS::Queue' } },
            Outputs: {
              Arn: { Value: { 'Fn::GetAtt': ['Queue', 'Arn'] }, Export: { Name: 'fidelity-queue-arn' } },
            },
          }),
        );
        const listed = await cfn('list-exports');
        expect(listed.json.Exports).toContainEqual({
          ExportingStackId: f.engine.requireStack(exporter).stackId,
          Name: 'fidelity-queue-arn',
          Value: expect.stringMatching(/^arn:aws:sqs:eu-west-1:000000000000:/),
        });
      },
    },
    {
      aws: 'lists the stacks that import an export (list-imports)',
      source: LIST_IMPORTS,
      run: async () => {
        const importer = await stackWith(
          json({
            Resources: {
              Copy: {
                Type: 'AWS::SSM::Parameter',
                Properties: { Type: 'String', Value: { 'Fn::ImportValue': 'fidelity-queue-arn' } },
              },
            },
          }),
        );
        const listed = await cfn('list-imports', '--export-name', 'fidelity-queue-arn');
        expect(listed.json).toEqual({ Imports: [importer] });
        const sdk = await f.cfn.send(new ListImportsCommand({ ExportName: 'fidelity-queue-arn' }));
        expect(sdk.Imports).toEqual([importer]);
      },
    },
    {
      aws: 'answers list-imports for an export nobody imports with a ValidationError',
      source: LIST_IMPORTS,
      run: async () => {
        await stackWith(
          json({
            Resources: { Queue: { Type: 'AWS::SQS::Queue' } },
            Outputs: { Url: { Value: { Ref: 'Queue' }, Export: { Name: 'fidelity-unused' } } },
          }),
        );
        const listed = await cfn('list-imports', '--export-name', 'fidelity-unused');
        expect(listed.rc).not.toBe(0);
        expect(listed.stderr).toContain("Export 'fidelity-unused' is not imported by any stack.");
      },
    },
    {
      aws: 'fails to delete a stack whose export another stack imports (DELETE_FAILED, resources kept)',
      source: EXPORTS,
      run: async () => {
        const exporter = f.engine.exports.get('fidelity-queue-arn')!.stackId;
        expect((await cfn('delete-stack', '--stack-name', exporter)).rc).toBe(0);
        const stack = await f.engine.settled(exporter);
        expect(stack.status).toBe('DELETE_FAILED');
        expect(stack.statusReason).toContain(
          'Export fidelity-queue-arn cannot be deleted as it is in use by',
        );
        expect(f.engine.exports.has('fidelity-queue-arn')).toBe(true);
      },
    },
  ]);
});
