import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
} from '@aws-sdk/client-sfn';
import { type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { AwsStub } from 'aws-sdk-client-mock';
import { replaceDeep, stepError } from '#local/runtime/stepfunctions.ts';

/**
 * Executes a real ASL file with aws-local-stepfunctions, every Task bound to the real Lambda
 * handler, and bridges what the library lacks, as Step Functions behaves:
 * - `arn:aws:states:::lambda:invoke` wraps the handler's result as `{ Payload, StatusCode, ... }`,
 *   and a thrown error fails the task with Error = the error's name and Cause = the Lambda error
 *   JSON (`{ errorType, errorMessage, trace }`).
 * - `.waitForTaskToken`: each task attempt gets a fresh token (`$$.Task.Token`), the handler is
 *   invoked, and the task stays open until SendTaskSuccess / SendTaskFailure (sent through the
 *   mocked SFN client by the code under test) closes it; `TimeoutSeconds` / `HeartbeatSeconds`
 *   close it with States.Timeout / States.HeartbeatTimeout, after which the token answers
 *   TaskTimedOut, as on AWS.
 * Time is scaled: `scale` real milliseconds per simulated second.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
const TOKEN_PLACEHOLDER = '__HARNESS_TASK_TOKEN__';

type Handler = (event: unknown) => Promise<unknown>;

interface TaskState {
  Type: 'Task';
  Resource: string;
  Parameters?: { FunctionName?: string };
  TimeoutSeconds?: number;
  HeartbeatSeconds?: number;
}

interface PendingTask {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timers: NodeJS.Timeout[];
  state: string;
  executionArn: string;
}

export interface ExecutionRecord {
  executionArn: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: { name: string; message: string };
  /** Every event aws-local-stepfunctions logged, nested Parallel branches included. */
  events: { type: string; timestamp: number; state?: { name: string } }[];
}

/** Lambda's error shape inside the Cause of a failed lambda:invoke task. */
function lambdaError(error: unknown): Error {
  const e = error as Error;
  const name = e?.name ?? 'Error';
  return stepError(
    name,
    JSON.stringify({ errorType: name, errorMessage: e?.message ?? String(error), trace: [] }),
  );
}

/** The `${Name}` placeholders of an ASL text. */
export function substitutionNames(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((m) => m[1]!))];
}

function functionArn(name: string): string {
  return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
}

/** Every Task state of a definition, Parallel branches and Map processors included. */
export function taskStates(definition: { States: Record<string, unknown> }): [string, TaskState][] {
  const found: [string, TaskState][] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    const s = state as {
      Type: string;
      Branches?: { States: Record<string, unknown> }[];
      ItemProcessor?: { States: Record<string, unknown> };
    };
    if (s.Type === 'Task') found.push([name, s as unknown as TaskState]);
    for (const branch of s.Branches ?? []) found.push(...taskStates(branch));
    if (s.ItemProcessor) found.push(...taskStates(s.ItemProcessor));
  }
  return found;
}

/**
 * Answers SendTaskSuccess / SendTaskFailure / DescribeExecution of the mocked SFN client from the
 * harness that issued the token or runs the execution.
 */
// biome-ignore lint/suspicious/noExplicitAny: the stub's generics differ per client version.
export function bindSfn(stub: AwsStub<any, any, any>, harnesses: StepFunctionsHarness[]): void {
  const byToken = (token: string) => harnesses.find((h) => h.owns(token, undefined)) ?? harnesses[0]!;
  stub.on(SendTaskSuccessCommand).callsFake((input) => {
    byToken(input.taskToken!).sendTaskSuccess(input.taskToken!, input.output!);
    return {};
  });
  stub.on(SendTaskFailureCommand).callsFake((input) => {
    byToken(input.taskToken!).sendTaskFailure(input.taskToken!, input.error, input.cause);
    return {};
  });
  stub.on(DescribeExecutionCommand).callsFake((input) => {
    const harness = harnesses.find((h) => h.owns(undefined, input.executionArn!)) ?? harnesses[0]!;
    return harness.describeExecution(input.executionArn!);
  });
}

export class StepFunctionsHarness {
  readonly definition: StateMachineDefinition;
  readonly executions = new Map<string, ExecutionRecord>();
  /** Handler invocations per substitution name, in order. */
  readonly invocations: { fn: string; state: string; payload: unknown }[] = [];
  private readonly pending = new Map<string, PendingTask>();
  private readonly closed = new Set<string>();
  private readonly stateMachineName: string;
  private readonly functions: Record<string, Handler>;
  private readonly scale: number;

  constructor(file: string, functions: Record<string, Handler>, scale: number) {
    this.functions = functions;
    this.scale = scale;
    const text = readFileSync(file, 'utf8');
    for (const name of substitutionNames(text)) {
      if (!functions[name]) throw new Error(`No handler bound for \${${name}} in ${file}`);
    }
    this.stateMachineName = file.replace(/^.*\//, '').replace('.asl.json', '');
    this.definition = JSON.parse(
      text.replace(/\$\{([A-Za-z0-9]+)\}/g, (_, name: string) => functionArn(name)),
    ) as StateMachineDefinition;
  }

  /** Whether this harness issued the token or runs the execution (routing between machines). */
  owns(token: string | undefined, executionArn: string | undefined): boolean {
    if (token) return this.pending.has(token) || this.closed.has(token);
    return executionArn !== undefined && this.executions.has(executionArn);
  }

  /** SendTaskSuccess: closes the waiting task with this output (TaskTimedOut once closed). */
  sendTaskSuccess(token: string, output: string): void {
    this.take(token).resolve(JSON.parse(output));
  }

  /** SendTaskFailure: fails the waiting task with this error and cause. */
  sendTaskFailure(token: string, error: string | undefined, cause: string | undefined): void {
    this.take(token).reject(stepError(error ?? 'States.TaskFailed', cause ?? ''));
  }

  describeExecution(executionArn: string): { executionArn: string; status: string } {
    const execution = this.executions.get(executionArn);
    if (!execution) throw stepError('ExecutionDoesNotExist', `Execution does not exist: '${executionArn}'`);
    return { executionArn: execution.executionArn, status: execution.status };
  }

  /** Tokens of tasks currently waiting, with their state names. */
  waitingTasks(): { token: string; state: string }[] {
    return [...this.pending.entries()].map(([token, p]) => ({ token, state: p.state }));
  }

  private take(token: string): PendingTask {
    const task = this.pending.get(token);
    if (!task) {
      if (this.closed.has(token))
        throw stepError('TaskTimedOut', 'Task Timed Out: the task is no longer waiting');
      throw stepError('InvalidToken', 'Invalid token');
    }
    for (const timer of task.timers) clearTimeout(timer);
    this.pending.delete(token);
    this.closed.add(token);
    return task;
  }

  /** An ended execution's tasks no longer wait: their tokens are closed, as in Step Functions. */
  private closeTasksOf(executionArn: string): void {
    for (const [token, task] of this.pending) {
      if (task.executionArn === executionArn) this.take(token);
    }
  }

  private handlers(executionArn: string): NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers'] {
    const out: Record<string, (input: unknown) => Promise<never>> = {};
    for (const [stateName, state] of taskStates(this.definition as never)) {
      const fnArn = state.Parameters?.FunctionName ?? '';
      const fnName = fnArn.split(':').at(-1)!;
      const fn = this.functions[fnName];
      if (!fn) throw new Error(`Task "${stateName}" calls ${fnArn}, which has no handler`);
      const callback = state.Resource.endsWith('.waitForTaskToken');
      out[stateName] = (async (input: unknown) => {
        const payload = structuredClone((input as { Payload: unknown }).Payload);
        if (!callback) {
          this.invocations.push({ fn: fnName, state: stateName, payload });
          try {
            const result = await fn(payload);
            return { ExecutedVersion: '$LATEST', Payload: structuredClone(result ?? null), StatusCode: 200 };
          } catch (error) {
            throw lambdaError(error);
          }
        }
        const token = `${randomUUID()}`;
        const withToken = replaceDeep(payload, TOKEN_PLACEHOLDER, token);
        this.invocations.push({ fn: fnName, state: stateName, payload: withToken });
        const closedByToken = new Promise((resolve, reject) => {
          const timers: NodeJS.Timeout[] = [];
          const expire = (seconds: number | undefined, error: string) => {
            if (seconds === undefined) return;
            timers.push(
              setTimeout(() => {
                if (!this.pending.has(token)) return;
                this.take(token).reject(stepError(error, `Task did not complete within ${seconds} s`));
              }, seconds * this.scale),
            );
          };
          this.pending.set(token, { resolve, reject, timers, state: stateName, executionArn });
          expire(state.TimeoutSeconds, 'States.Timeout');
          expire(state.HeartbeatSeconds, 'States.HeartbeatTimeout');
        });
        // The token may close before the handler below returns (a stack that fails at once).
        closedByToken.catch(() => undefined);
        try {
          await fn(withToken);
        } catch (error) {
          if (this.pending.has(token)) this.take(token);
          throw lambdaError(error);
        }
        return closedByToken;
      }) as (input: unknown) => Promise<never>;
    }
    return out as never;
  }

  /** Starts an execution; resolves when it ends (never rejects: inspect status). */
  start(input: unknown, name = randomUUID()): { executionArn: string; done: Promise<ExecutionRecord> } {
    const executionArn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:stackdrop-${this.stateMachineName}:${name}`;
    const record: ExecutionRecord = { executionArn, status: 'RUNNING', events: [] };
    this.executions.set(executionArn, record);
    const machine = new StateMachine(this.definition, { validationOptions: { checkPaths: true } });
    const retryOverrides = Object.fromEntries(taskStates(this.definition as never).map(([n]) => [n, 1]));
    const execution = machine.run(structuredClone(input) as never, {
      overrides: {
        taskResourceLocalHandlers: this.handlers(executionArn),
        retryIntervalOverrides: retryOverrides,
      },
      context: {
        Execution: {
          Id: executionArn,
          Name: name,
          Input: input as never,
          StartTime: new Date().toISOString(),
        },
        StateMachine: {
          Id: executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, ''),
          Name: this.stateMachineName,
        },
        Task: { Token: TOKEN_PLACEHOLDER },
      },
    });
    const logging = (async () => {
      for await (const event of execution.eventLogs) record.events.push(event as never);
    })();
    const done = execution.result
      .then(
        (output) => {
          record.status = 'SUCCEEDED';
          record.output = output;
        },
        (error: Error) => {
          record.status = 'FAILED';
          const cause = (error as { cause?: Error }).cause ?? error;
          record.error = { name: cause.name, message: cause.message };
        },
      )
      .then(() => this.closeTasksOf(executionArn));
    return {
      executionArn,
      done: done.then(async () => {
        await Promise.race([logging, new Promise((r) => setTimeout(r, 20))]);
        // Nested branch events are forwarded asynchronously; let them land.
        await new Promise((r) => setTimeout(r, 5));
        return record;
      }),
    };
  }
}

/** State transitions of an execution as Step Functions bills them: states entered plus retries. */
export function countTransitions(record: ExecutionRecord): number {
  return record.events.filter((e) => e.type === 'StateEntered' || e.type === 'StateRetried').length;
}

/** Names of the states entered, in order. */
export function statesEntered(record: ExecutionRecord): string[] {
  return record.events.filter((e) => e.type === 'StateEntered').map((e) => e.state!.name);
}
