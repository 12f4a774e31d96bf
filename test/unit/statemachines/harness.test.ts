import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { sfn } from '#shared/aws.ts';
import { bindSfn, StepFunctionsHarness } from '#test/helpers/sfn-harness.ts';

const sfnMock = mockClient(sfn);
const dir = mkdtempSync(join(tmpdir(), 'sfn-harness-'));
const SCALE = 1; // 1 ms per simulated second

function machine(states: Record<string, unknown>, startAt: string): string {
  const file = join(dir, `${startAt.replace(/\W/g, '')}.asl.json`);
  writeFileSync(file, JSON.stringify({ StartAt: startAt, States: states }));
  return file;
}

const callbackTask = (extra: Record<string, unknown>) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  Parameters: {
    FunctionName: '${WorkerFunctionArn}',
    Payload: { 'token.$': '$$.Task.Token', 'job.$': '$.job' },
  },
  ...extra,
});

let tokens: string[];
const worker = async (event: unknown) => {
  tokens.push((event as { token: string }).token);
  return { accepted: true };
};

beforeEach(() => {
  sfnMock.reset();
  tokens = [];
});

describe('Step Functions harness', () => {
  it('keeps a waitForTaskToken task open until SendTaskSuccess and returns its output', async () => {
    // Prepare
    const harness = new StepFunctionsHarness(
      machine({ Wait: callbackTask({ ResultPath: '$.result', End: true }) }, 'Wait'),
      { WorkerFunctionArn: worker },
      SCALE,
    );
    bindSfn(sfnMock, [harness]);

    // Act
    const { done } = harness.start({ job: 7 });
    while (tokens.length === 0) await new Promise((r) => setTimeout(r, 1));
    expect(harness.waitingTasks()).toHaveLength(1);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: tokens[0]!, output: '{"answer":42}' }));
    const execution = await done;

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toEqual({ job: 7, result: { answer: 42 } });
  });

  it('closes a silent task with States.HeartbeatTimeout, after which its token answers TaskTimedOut', async () => {
    // Prepare
    const harness = new StepFunctionsHarness(
      machine(
        {
          Wait: callbackTask({
            HeartbeatSeconds: 20,
            Catch: [{ ErrorEquals: ['States.HeartbeatTimeout'], ResultPath: '$.error', Next: 'Timed out' }],
            End: true,
          }),
          'Timed out': { Type: 'Pass', End: true },
        },
        'Wait',
      ),
      { WorkerFunctionArn: worker },
      SCALE,
    );
    bindSfn(sfnMock, [harness]);

    // Act
    const execution = await harness.start({ job: 1 }).done;
    const late = sfn.send(new SendTaskSuccessCommand({ taskToken: tokens[0]!, output: '{}' }));

    // Assess
    expect(execution.output).toMatchObject({ error: { Error: 'States.HeartbeatTimeout' } });
    await expect(late).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('fails the task with the error and cause given to SendTaskFailure', async () => {
    // Prepare
    const harness = new StepFunctionsHarness(
      machine(
        {
          Wait: callbackTask({
            TimeoutSeconds: 1000,
            Catch: [{ ErrorEquals: ['StackOperationFailed'], ResultPath: '$.error', Next: 'Failed' }],
            End: true,
          }),
          Failed: { Type: 'Pass', End: true },
        },
        'Wait',
      ),
      { WorkerFunctionArn: worker },
      SCALE,
    );
    bindSfn(sfnMock, [harness]);

    // Act
    const { done } = harness.start({ job: 2 });
    while (tokens.length === 0) await new Promise((r) => setTimeout(r, 1));
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: tokens[0]!, error: 'StackOperationFailed', cause: 'why' }),
    );
    const execution = await done;

    // Assess
    expect(execution.output).toMatchObject({ error: { Error: 'StackOperationFailed', Cause: 'why' } });
  });

  it('wraps lambda:invoke results in Payload and a thrown error as a Lambda error cause', async () => {
    // Prepare
    const invoke = (next: string) => ({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: '${WorkerFunctionArn}', 'Payload.$': '$' },
      Next: next,
    });
    const failing = async () => {
      throw Object.assign(new Error('no such stage'), { name: 'MissingOutputsError' });
    };
    const ok = new StepFunctionsHarness(
      machine(
        {
          Call: { ...invoke('Done'), ResultSelector: { 'value.$': '$.Payload' } },
          Done: { Type: 'Succeed' },
        },
        'Call',
      ),
      { WorkerFunctionArn: async () => ({ n: 1 }) },
      SCALE,
    );
    const ko = new StepFunctionsHarness(
      machine(
        {
          Boom: {
            ...invoke('Done'),
            Catch: [{ ErrorEquals: ['MissingOutputsError'], ResultPath: '$.error', Next: 'Done' }],
          },
          Done: { Type: 'Succeed' },
        },
        'Boom',
      ),
      { WorkerFunctionArn: failing },
      SCALE,
    );

    // Act
    const [good, bad] = await Promise.all([ok.start({}).done, ko.start({}).done]);

    // Assess
    expect(good.output).toEqual({ value: { n: 1 } });
    const error = (bad.output as { error: { Error: string; Cause: string } }).error;
    expect(error.Error).toBe('MissingOutputsError');
    expect(JSON.parse(error.Cause)).toMatchObject({
      errorType: 'MissingOutputsError',
      errorMessage: 'no such stage',
    });
  });
});
