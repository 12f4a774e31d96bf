import { fileURLToPath } from 'node:url';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStackdrop, startStackdrop } from '#local/runtime/index.ts';
import { LOCAL_CREDENTIALS } from '#local/runtime/session.ts';

const templatePath = fileURLToPath(new URL('fixtures/template.yaml', import.meta.url));

let sd: LocalStackdrop;
let s3: S3Client;
let sfn: SFNClient;
let lambda: LambdaClient;
let sqs: SQSClient;
let events: EventBridgeClient;
let bucket: string;

/** Polls (real time) until `probe` returns a value other than undefined. */
async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function readObject(key: string): Promise<string | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await out.Body!.transformToString();
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

async function statesEntered(executionArn: string): Promise<string[]> {
  const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  return (history.events ?? [])
    .filter((e) => e.type?.endsWith('StateEntered'))
    .map((e) => e.stateEnteredEventDetails!.name!);
}

beforeAll(async () => {
  sd = await startStackdrop({
    templatePath,
    stackName: 'fixture',
    speed: 0,
    startTime: Date.UTC(2026, 10, 26, 6, 0, 0),
  });
  const config = {
    endpoint: sd.endpoint,
    region: sd.cloud.region,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  };
  s3 = new S3Client({ ...config, forcePathStyle: true });
  sfn = new SFNClient(config);
  lambda = new LambdaClient(config);
  sqs = new SQSClient(config);
  events = new EventBridgeClient(config);
  bucket = sd.outputs.BucketName!;
});

afterAll(async () => {
  for (const c of [s3, sfn, lambda, sqs, events]) c?.destroy();
  await sd?.stop();
});

describe('Lambda', () => {
  it('invokes a function over the Invoke API with the environment SAM gives it', async () => {
    // Act
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: 'fixture-echo', Payload: Buffer.from('{"hello":"world"}') }),
    );

    // Assess
    const body = JSON.parse(Buffer.from(out.Payload!).toString());
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(body.event).toEqual({ hello: 'world' });
    expect(body.initEnv).toEqual({
      SHARED: 'shared-value',
      OWN: 'echo-only',
      BUCKET: bucket,
      QUEUE_URL: sd.outputs.QueueUrl,
      AWS_LAMBDA_FUNCTION_NAME: 'fixture-echo',
      AWS_ENDPOINT_URL: sd.endpoint,
    });
    expect(body.now).toBe(sd.cloud.clock.date().toISOString());
  });

  it('reports a thrown error as FunctionError Unhandled with its type and message', async () => {
    // Prepare
    const fail = sd.plan.functions.find((f) => f.logicalId === 'FailFunction')!;

    // Act
    const out = await lambda.send(new InvokeCommand({ FunctionName: fail.arn, Payload: Buffer.from('{}') }));

    // Assess
    const body = JSON.parse(Buffer.from(out.Payload!).toString());
    expect(out.FunctionError).toBe('Unhandled');
    expect(body).toMatchObject({ errorType: 'FlakyDependencyError', errorMessage: 'the dependency is down' });
  });

  it('answers ResourceNotFoundException for a function the template does not define', async () => {
    // Act
    const error = await lambda
      .send(new InvokeCommand({ FunctionName: 'nope', Payload: Buffer.from('{}') }))
      .catch((e: Error) => e);

    // Assess
    expect((error as Error).name).toBe('ResourceNotFoundException');
  });

  it("runs a handler's setTimeout and Date on the virtual clock", async () => {
    // Prepare
    const sleep = sd.plan.functions.find((f) => f.logicalId === 'SleepFunction')!;
    const start = sd.cloud.clock.now();
    const realStart = performance.now();

    // Act
    const pending = sd.lambda.invoke(sleep.name, {});
    await eventually(() => (sd.cloud.clock.pending() > 0 ? true : undefined));
    await sd.cloud.clock.advance(600_000);
    const result = await pending;

    // Assess
    expect(JSON.parse(result.payload)).toEqual({
      waitedMs: 600_000,
      at: new Date(start + 600_000).toISOString(),
    });
    expect(performance.now() - realStart).toBeLessThan(60_000);
  });
});

describe('Step Functions', () => {
  it('runs the ASL from an S3 event: Wait on the clock, a task token completed over the wire, Retry then Catch', async () => {
    // Act: the rule on Object Created start/* starts the machine.
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'start/one', Body: '{}' }));
    const execution = await eventually(() =>
      [...sd.stepFunctions.executions.values()].find((e) => e.input.includes('start/one')),
    );
    await eventually(async () =>
      (await statesEntered(execution.executionArn)).includes('Wait an hour') ? true : undefined,
    );
    await sd.cloud.clock.advance(3_600_000);
    const token = await eventually(() => readObject(`tokens/${execution.name}`));
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ succeed: false }) }),
    );
    await eventually(() =>
      sd.cloud.clock.pending() > 0 && execution.history.some((e) => e.type === 'LambdaFunctionFailed')
        ? true
        : undefined,
    );
    await sd.cloud.clock.advance(60_000);
    await sd.cloud.clock.advance(120_000);
    await execution.done;

    // Assess
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
    expect(described.status).toBe('SUCCEEDED');
    // ResultPath "$" on the catcher replaces the input with the error object.
    expect(JSON.parse(described.output!)).toMatchObject({ Error: 'FlakyDependencyError' });
    expect(await statesEntered(execution.executionArn)).toEqual([
      'Echo',
      'Wait an hour',
      'Park the token',
      'Flaky',
      'Caught',
    ]);
    // 5 states entered + 2 retries.
    expect(execution.transitions).toBe(7);
    // "Flaky" names its function by ARN: Step Functions records LambdaFunction* events for it.
    const failures = execution.history
      .filter((e) => e.type === 'LambdaFunctionFailed')
      .map((e) => e.timestamp.getTime());
    expect(failures[1]! - failures[0]!).toBe(60_000);
    expect(failures[2]! - failures[1]!).toBe(120_000);
  });

  it('fails a parked task with States.HeartbeatTimeout when heartbeats stop, and the token then answers TaskTimedOut', async () => {
    // Prepare
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: sd.outputs.MachineArn, name: 'heartbeat', input: '{}' }),
    );
    const arn = started.executionArn!;
    await eventually(async () => ((await statesEntered(arn)).includes('Wait an hour') ? true : undefined));
    await sd.cloud.clock.advance(3_600_000);
    const token = await eventually(() => readObject('tokens/heartbeat'));

    // Act
    await sd.cloud.clock.advance(500_000);
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await sd.cloud.clock.advance(500_000);
    const midway = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    await sd.cloud.clock.advance(200_000);
    await sd.stepFunctions.execution(arn).done;

    // Assess
    expect(midway.status).toBe('RUNNING');
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(described).toMatchObject({ status: 'FAILED', error: 'CallbackTimedOut' });
    const late = await sfn
      .send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))
      .catch((e: Error) => e);
    expect((late as Error).name).toBe('TaskTimedOut');
  });

  it('returns the running execution for a repeated name and input, and ExecutionAlreadyExists for other input', async () => {
    // Prepare
    const input = { stateMachineArn: sd.outputs.MachineArn, name: 'same-name', input: '{"a":1}' };
    const first = await sfn.send(new StartExecutionCommand(input));

    // Act
    const again = await sfn.send(new StartExecutionCommand(input));
    const other = await sfn
      .send(new StartExecutionCommand({ ...input, input: '{"a":2}' }))
      .catch((e: Error) => e);

    // Assess
    expect(again.executionArn).toBe(first.executionArn);
    expect((other as Error).name).toBe('ExecutionAlreadyExists');
  });

  it('stops a running execution: ABORTED, and its parked token no longer accepted', async () => {
    // Prepare
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: sd.outputs.MachineArn, name: 'stopped', input: '{}' }),
    );
    const arn = started.executionArn!;
    await eventually(async () => ((await statesEntered(arn)).includes('Wait an hour') ? true : undefined));
    await sd.cloud.clock.advance(3_600_000);
    const token = await eventually(() => readObject('tokens/stopped'));

    // Act
    await sfn.send(
      new StopExecutionCommand({ executionArn: arn, error: 'Operator', cause: 'changed my mind' }),
    );

    // Assess
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(described).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'changed my mind' });
    const late = await sfn
      .send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))
      .catch((e: Error) => e);
    expect((late as Error).name).toBe('TaskTimedOut');
  });
});

describe('SQS event-source mapping', () => {
  it('delivers FIFO groups in order, keeps only reported failures, and dead-letters them after maxReceiveCount', async () => {
    // Prepare
    const queueUrl = sd.outputs.QueueUrl!;
    const entries = [
      ['a', 'a1'],
      ['a', 'a2 fail'],
      ['b', 'b1'],
    ].map(([group, body], i) => ({ Id: String(i), MessageBody: body, MessageGroupId: group }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));

    // Act: first delivery, then the failed message reappears after the 120 s visibility timeout.
    await eventually(async () => {
      const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'batches/' }));
      return (list.KeyCount ?? 0) >= 1 ? true : undefined;
    });
    await sd.eventSources.drain();
    await sd.cloud.clock.advance(120_000);
    await sd.eventSources.drain();
    await sd.cloud.clock.advance(120_000);
    await sd.eventSources.drain();

    // Assess
    const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'batches/' }));
    const batches = await Promise.all(
      (list.Contents ?? []).map(async (o) => JSON.parse((await readObject(o.Key!))!)),
    );
    const first = batches[0] as Array<{ body: string; group: string }>;
    expect(first.filter((m) => m.group === 'a').map((m) => m.body)).toEqual(['a1', 'a2 fail']);
    expect(batches.flat().filter((m: { body: string }) => m.body === 'a2 fail')).toHaveLength(2);
    const dlq = sd.plan.queues.find((q) => q.logicalId === 'DeadLetterQueue')!;
    const dead = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: `${sd.endpoint}/${sd.cloud.accountId}/${dlq.name}` }),
    );
    expect(dead.Messages?.map((m) => m.Body)).toEqual(['a2 fail']);
  });
});

describe('EventBridge targets and schedules', () => {
  it('invokes a Lambda target asynchronously, retries it, then sends the failure to its destination', async () => {
    // Act
    await events.send(
      new PutEventsCommand({ Entries: [{ Source: 'fixture.fail', DetailType: 'Boom', Detail: '{}' }] }),
    );
    await sd.drain();
    await sd.cloud.clock.advance(60_000);
    await sd.drain();

    // Assess
    const failure = sd.plan.queues.find((q) => q.logicalId === 'FailureQueue')!;
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: `${sd.endpoint}/${sd.cloud.accountId}/${failure.name}` }),
    );
    const record = JSON.parse(out.Messages![0]!.Body!);
    expect(record.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 2 });
    expect(record.requestPayload).toMatchObject({ source: 'fixture.fail', 'detail-type': 'Boom' });
  });

  it('fires a Schedule event source on the virtual clock', async () => {
    // Prepare
    const before = sd.lambda.invocations.filter(
      (i) => i.functionName === 'fixture-echo' && i.kind === 'Event',
    ).length;

    // Act
    await sd.cloud.clock.advance(3_600_000);
    await sd.drain();

    // Assess
    const after = sd.lambda.invocations.filter(
      (i) => i.functionName === 'fixture-echo' && i.kind === 'Event',
    ).length;
    expect(after - before).toBe(1);
  });

  it('fires a ScheduleV2 event source through EventBridge Scheduler with its Input', async () => {
    // Act
    await sd.cloud.clock.advance(24 * 3_600_000);
    await sd.drain();

    // Assess
    expect(await readObject('tokens/daily')).toBe('from the scheduler');
  });
});
