import { fileURLToPath } from 'node:url';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStackdrop, startStackdrop } from '#local/runtime/index.ts';
import { LOCAL_CREDENTIALS } from '#local/runtime/session.ts';
import { errorOf } from '../integration/local/helpers.ts';
import { aws, cliError, runCli } from './services-harness.ts';

const API = 'https://docs.aws.amazon.com/step-functions/latest/apireference';
const HISTORY = `${API}/API_HistoryEvent.html`;
const START = `${API}/API_StartExecution.html`;
const DESCRIBE = `${API}/API_DescribeStateMachine.html`;
const CALLBACK =
  'https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token';

const templatePath = fileURLToPath(new URL('fixtures/stepfunctions/template.yaml', import.meta.url));

let sd: LocalStackdrop;
let sfn: SFNClient;
let s3: S3Client;
let createdAt: number;
let shapes: HistoryEvent[];
let failing: HistoryEvent[];

async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = performance.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const history = async (executionArn: string) =>
  (await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
const byType = (events: HistoryEvent[], type: string) => events.filter((e) => e.type === type);
const entered = (events: HistoryEvent[], name: string) =>
  events.find((e) => e.type?.endsWith('StateEntered') && e.stateEnteredEventDetails?.name === name)!;
const eventsAfter = (events: HistoryEvent[], id: number) => events.filter((e) => e.previousEventId === id);

beforeAll(async () => {
  createdAt = Date.UTC(2026, 10, 26, 6, 0, 0);
  sd = await startStackdrop({ templatePath, stackName: 'fidelity', speed: 0, startTime: createdAt });
  const config = {
    endpoint: sd.endpoint,
    region: sd.cloud.region,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  };
  sfn = new SFNClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });

  const started = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: sd.outputs.ShapesArn,
      name: 'shapes-1',
      input: JSON.stringify({ items: [1, 2, 3] }),
    }),
  );
  const token = await eventually(async () => {
    try {
      const out = await s3.send(
        new GetObjectCommand({ Bucket: sd.outputs.BucketName, Key: 'tokens/shapes-1' }),
      );
      return await out.Body!.transformToString();
    } catch {
      return undefined;
    }
  });
  await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"done":true}' }));
  await sd.stepFunctions.execution(started.executionArn!).done;
  shapes = await history(started.executionArn!);

  const failed = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: sd.outputs.FailingArn, name: 'failing-1' }),
  );
  await eventually(() => (sd.cloud.clock.pending() > 0 ? true : undefined));
  await sd.cloud.clock.advance(10_000);
  await sd.stepFunctions.execution(failed.executionArn!).done;
  failing = await history(failed.executionArn!);
}, 60_000);

afterAll(async () => {
  sfn?.destroy();
  s3?.destroy();
  await sd?.stop();
});

describe('Step Functions execution history', () => {
  it(aws('events are numbered from 1 and ExecutionStarted has previousEventId 0', HISTORY), () => {
    expect(shapes.map((e) => e.id)).toEqual(shapes.map((_, i) => i + 1));
    expect(shapes[0]).toMatchObject({ id: 1, previousEventId: 0, type: 'ExecutionStarted' });
    expect(shapes.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it(
    aws('a Task naming a Lambda ARN records LambdaFunctionScheduled, Started and Succeeded', HISTORY),
    () => {
      const start = entered(shapes, 'Echo by ARN');
      const chain = [start];
      for (let i = 0; i < 4; i++) chain.push(eventsAfter(shapes, chain.at(-1)!.id!)[0]!);
      expect(chain.map((e) => e.type)).toEqual([
        'TaskStateEntered',
        'LambdaFunctionScheduled',
        'LambdaFunctionStarted',
        'LambdaFunctionSucceeded',
        'TaskStateExited',
      ]);
      expect(chain[1]!.lambdaFunctionScheduledEventDetails?.resource).toMatch(/^arn:aws:lambda:/);
    },
  );

  it(
    aws(
      'an optimised lambda:invoke Task records TaskScheduled, TaskStarted, TaskSucceeded, each after the one before',
      HISTORY,
    ),
    () => {
      const left = entered(shapes, 'Left');
      const scheduled = eventsAfter(shapes, left.id!)[0]!;
      const started = eventsAfter(shapes, scheduled.id!)[0]!;
      const succeeded = eventsAfter(shapes, started.id!)[0]!;
      const exited = eventsAfter(shapes, succeeded.id!)[0]!;
      expect([scheduled.type, started.type, succeeded.type, exited.type]).toEqual([
        'TaskScheduled',
        'TaskStarted',
        'TaskSucceeded',
        'TaskStateExited',
      ]);
      expect(scheduled.taskScheduledEventDetails).toMatchObject({
        resourceType: 'lambda',
        resource: 'invoke',
        region: 'eu-west-1',
      });
      expect(JSON.parse(scheduled.taskScheduledEventDetails!.parameters!)).toMatchObject({
        Payload: { side: 'left' },
      });
    },
  );

  it(
    aws(
      'inside a Parallel each branch starts from ParallelStateStarted and ParallelStateSucceeded follows the branches',
      HISTORY,
    ),
    () => {
      const parallel = entered(shapes, 'Both sides');
      const started = eventsAfter(shapes, parallel.id!)[0]!;
      const left = entered(shapes, 'Left');
      const right = entered(shapes, 'Right');
      const leftDone = shapes.find(
        (e) => e.type === 'PassStateExited' && e.stateExitedEventDetails?.name === 'Left done',
      )!;
      const rightDone = shapes.find(
        (e) => e.type === 'PassStateExited' && e.stateExitedEventDetails?.name === 'Right done',
      )!;
      const succeeded = byType(shapes, 'ParallelStateSucceeded')[0]!;
      const exited = byType(shapes, 'ParallelStateExited')[0]!;

      expect(started.type).toBe('ParallelStateStarted');
      expect(left.previousEventId).toBe(started.id);
      expect(right.previousEventId).toBe(started.id);
      expect(entered(shapes, 'Left done').previousEventId).toBe(
        byType(shapes, 'TaskStateExited').find((e) => e.stateExitedEventDetails?.name === 'Left')!.id,
      );
      expect(succeeded.previousEventId).toBe(Math.max(leftDone.id!, rightDone.id!));
      expect(exited.previousEventId).toBe(succeeded.id);
      expect(entered(shapes, 'Each item').previousEventId).toBe(exited.id);
    },
  );

  it(
    aws(
      'a Map records MapStateStarted, one MapIterationStarted/Succeeded per item, and MapStateSucceeded',
      HISTORY,
    ),
    () => {
      const started = byType(shapes, 'MapStateStarted')[0]!;
      const iterations = byType(shapes, 'MapIterationStarted');
      expect(started.mapStateStartedEventDetails?.length).toBe(3);
      expect(iterations.map((e) => e.mapIterationStartedEventDetails?.index).sort()).toEqual([0, 1, 2]);
      expect(iterations.every((e) => e.previousEventId === started.id)).toBe(true);
      expect(byType(shapes, 'MapIterationSucceeded')).toHaveLength(3);
      expect(byType(shapes, 'MapStateSucceeded')).toHaveLength(1);
    },
  );

  it(
    aws(
      'a .waitForTaskToken Task records TaskSubmitted once invoked, and TaskSucceeded when the token is sent',
      CALLBACK,
    ),
    () => {
      const park = entered(shapes, 'Park the token');
      const types: string[] = [];
      let event = park;
      for (let i = 0; i < 5; i++) {
        event = eventsAfter(shapes, event.id!)[0]!;
        types.push(event.type!);
      }
      expect(types).toEqual([
        'TaskScheduled',
        'TaskStarted',
        'TaskSubmitted',
        'TaskSucceeded',
        'TaskStateExited',
      ]);
      expect(byType(shapes, 'TaskSucceeded').at(-1)?.taskSucceededEventDetails?.output).toBe('{"done":true}');
    },
  );

  it(
    aws(
      'a retried Task records TaskFailed, then TaskScheduled again; a caught failure exits the state',
      HISTORY,
    ),
    () => {
      const types = failing.map((e) => e.type);
      expect(types).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'TaskScheduled',
        'TaskStarted',
        'TaskFailed',
        'TaskScheduled',
        'TaskStarted',
        'TaskFailed',
        'TaskStateExited',
        'PassStateEntered',
        'PassStateExited',
        'ExecutionSucceeded',
      ]);
      expect(byType(failing, 'TaskFailed')[0]!.taskFailedEventDetails).toMatchObject({
        resourceType: 'lambda',
        resource: 'invoke',
        error: 'FlakyDependencyError',
      });
      const [first, second] = byType(failing, 'TaskScheduled');
      expect(second!.timestamp!.getTime() - first!.timestamp!.getTime()).toBe(10_000);
    },
  );

  it(
    aws(
      'the AWS CLI reads the same history, and creationDate is the time the state machine was created',
      DESCRIBE,
    ),
    async () => {
      const executionArn = `${sd.outputs.ShapesArn!.replace(':stateMachine:', ':execution:')}:shapes-1`;
      const cli = await runCli(sd.endpoint, {
        history: ['stepfunctions', 'get-execution-history', '--execution-arn', executionArn],
        describe: ['stepfunctions', 'describe-state-machine', '--state-machine-arn', sd.outputs.ShapesArn!],
        list: ['stepfunctions', 'list-state-machines'],
      });
      expect(cli.history!.json.events.map((e: { type: string }) => e.type)).toEqual(
        shapes.map((e) => e.type),
      );
      expect(new Date(cli.describe!.json.creationDate * 1000).getTime()).toBe(createdAt);
      expect(
        cli.list!.json.stateMachines.every(
          (m: { creationDate: number }) => m.creationDate * 1000 === createdAt,
        ),
      ).toBe(true);
    },
  );
});

describe('Step Functions executions', () => {
  it(
    aws('an execution name is 1–80 characters without spaces, brackets, wildcards or /:', START),
    async () => {
      const start = (name: string) =>
        sfn.send(new StartExecutionCommand({ stateMachineArn: sd.outputs.FailingArn, name }));
      const cli = await runCli(sd.endpoint, {
        long: [
          'stepfunctions',
          'start-execution',
          '--state-machine-arn',
          sd.outputs.FailingArn!,
          '--name',
          'n'.repeat(81),
        ],
      });
      expect(cliError(cli.long)?.code).toBe('InvalidName');
      for (const name of ['has space', 'a/b', 'a:b', 'a*b', 'a{b}']) {
        expect((await errorOf(start(name))).name, name).toBe('InvalidName');
      }
      const dotted = await start('deploy.v1@acme+1');
      expect(dotted.executionArn).toMatch(/:deploy\.v1@acme\+1$/);
    },
  );

  it(
    aws(
      'the same name and input while running returns that execution; a different input, or a closed one, is ExecutionAlreadyExists',
      START,
    ),
    async () => {
      const input = JSON.stringify({ items: [] });
      const first = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: sd.outputs.ShapesArn, name: 'once', input }),
      );
      const again = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: sd.outputs.ShapesArn, name: 'once', input }),
      );
      const other = await errorOf(
        sfn.send(
          new StartExecutionCommand({
            stateMachineArn: sd.outputs.ShapesArn,
            name: 'once',
            input: '{"items":[1]}',
          }),
        ),
      );
      const closed = await errorOf(
        sfn.send(
          new StartExecutionCommand({
            stateMachineArn: sd.outputs.ShapesArn,
            name: 'shapes-1',
            input: '{"items":[1,2,3]}',
          }),
        ),
      );
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));

      expect(again.executionArn).toBe(first.executionArn);
      expect(other.name).toBe('ExecutionAlreadyExists');
      expect(closed.name).toBe('ExecutionAlreadyExists');
      expect(described.status).toBe('RUNNING');
    },
  );
});
