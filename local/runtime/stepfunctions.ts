import { randomBytes, randomUUID } from 'node:crypto';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

import type { TimerHandle } from '../clock.ts';
import { AwsError } from '../errors.ts';
import type { LocalCloud, ServiceDefinition } from '../kernel.ts';
import type { LambdaRuntime } from './lambda.ts';
import { ExecutionHistory, type HistoryEvent, type StateScopes } from './sfn-history.ts';
import { runInVirtualTime } from './virtual-time.ts';

/** A state machine as the runtime runs it (built from an AWS::Serverless::StateMachine). */
export interface StateMachineSpec {
  logicalId: string;
  name: string;
  arn: string;
  /** The ASL after DefinitionSubstitutions. */
  definition: StateMachineDefinition;
  roleArn: string;
  type: 'STANDARD' | 'EXPRESS';
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export type { HistoryEvent } from './sfn-history.ts';

export interface Execution {
  executionArn: string;
  name: string;
  stateMachineArn: string;
  input: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
  /** State transitions as Step Functions bills them: states entered plus retries. */
  readonly transitions: number;
  /** Builds `history` (sfn-history.ts). */
  recorder: ExecutionHistory;
  /** Task tokens issued to this execution that are still waiting. */
  waiting: Set<string>;
  abort?: () => void;
  done: Promise<void>;
}

interface PendingTask {
  executionArn: string;
  state: string;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
  timeout?: TimerHandle;
  heartbeat?: TimerHandle;
  heartbeatSeconds?: number;
}

const TOKEN_PLACEHOLDER = '__STACKDROP_LOCAL_TASK_TOKEN__';
/** Step Functions' own ceiling for a Task without TimeoutSeconds (the library's default is 60 s). */
const TASK_TIMEOUT_DEFAULT_SECONDS = 99_999_999;

/** An error as a state machine sees it: `name` is the ASL error name (`States.Timeout`, …). */
export function stepError(name: string, cause: string): Error {
  return Object.assign(new Error(cause), { name });
}

/** A deep copy of a JSON value with every string equal to `from` replaced by `to` (task tokens). */
export function replaceDeep(value: unknown, from: string, to: string): unknown {
  if (value === from) return to;
  if (Array.isArray(value)) return value.map((v) => replaceDeep(v, from, to));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceDeep(v, from, to)]));
  }
  return value;
}

interface TaskDefinition {
  Type: 'Task';
  Resource: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number;
  HeartbeatSecondsPath?: string;
  ResultPath?: string | null;
  Catch?: Array<{ ResultPath?: string | null }>;
}

interface Walked extends StateScopes {
  tasks: Map<string, TaskDefinition>;
}

/**
 * Rewrites a definition for aws-local-stepfunctions where it departs from Step Functions:
 * `ResultPath: "$"` (state or catcher) is dropped, which is the same thing ("$" is the default
 * and replaces the input) but which the library would treat as a key named "$"; a Task without
 * TimeoutSeconds gets Step Functions' real ceiling instead of the library's 60 s; Heartbeat
 * fields are removed (the runtime enforces them itself). Returns the Task and state types found.
 */
export function prepareDefinition(
  definition: StateMachineDefinition,
): { definition: StateMachineDefinition } & Walked {
  const copy = structuredClone(definition) as unknown as { States: Record<string, Record<string, unknown>> };
  const walked: Walked = {
    tasks: new Map(),
    types: new Map(),
    scopes: new Map(),
    branches: new Map(),
    resources: new Map(),
    itemsPaths: new Map(),
  };
  const walk = (states: Record<string, Record<string, unknown>>, scope?: string) => {
    for (const [name, state] of Object.entries(states)) {
      walked.types.set(name, String(state.Type));
      if (scope) walked.scopes.set(name, scope);
      if (state.ResultPath === '$') delete state.ResultPath;
      for (const c of (state.Catch as Array<Record<string, unknown>> | undefined) ?? []) {
        if (c.ResultPath === '$') delete c.ResultPath;
      }
      if (state.Type === 'Task') {
        walked.tasks.set(name, structuredClone(state) as unknown as TaskDefinition);
        walked.resources.set(name, String(state.Resource));
        if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
          state.TimeoutSeconds = TASK_TIMEOUT_DEFAULT_SECONDS;
        }
        delete state.HeartbeatSeconds;
        delete state.HeartbeatSecondsPath;
      }
      const branches = (state.Branches as Array<{ States: Record<string, Record<string, unknown>> }>) ?? [];
      if (state.Type === 'Parallel') walked.branches.set(name, branches.length);
      branches.forEach((branch, i) => {
        walk(branch.States, `${name}#${i}`);
      });
      const processor = (state.ItemProcessor ?? state.Iterator) as
        | { States: Record<string, Record<string, unknown>> }
        | undefined;
      if (processor) walk(processor.States, `${name}@`);
      if (state.Type === 'Map') walked.itemsPaths.set(name, String(state.ItemsPath ?? '$'));
    }
  };
  walk(copy.States);
  return { definition: copy as unknown as StateMachineDefinition, ...walked };
}

/**
 * Step Functions, in-process: executes the real ASL with aws-local-stepfunctions, every Task
 * bound to the in-process Lambda runtime, `.waitForTaskToken` bridged to SendTaskSuccess /
 * SendTaskFailure / SendTaskHeartbeat over the wire, and every wait (Wait states, Retry
 * backoff, TimeoutSeconds, HeartbeatSeconds) on the virtual clock.
 */
export class StepFunctionsRuntime {
  readonly #cloud: LocalCloud;
  readonly #lambda: LambdaRuntime;
  readonly #machines = new Map<
    string,
    StateMachineSpec & Walked & { prepared: StateMachineDefinition; creationDate: Date }
  >();
  readonly executions = new Map<string, Execution>();
  readonly #pending = new Map<string, PendingTask>();
  readonly #closed = new Set<string>();

  constructor(cloud: LocalCloud, lambda: LambdaRuntime, machines: StateMachineSpec[]) {
    this.#cloud = cloud;
    this.#lambda = lambda;
    for (const m of machines) {
      const { definition, ...walked } = prepareDefinition(m.definition);
      const { tasks } = walked;
      for (const [state, task] of tasks) this.#checkResource(m.name, state, task.Resource);
      // Validates the ASL once, as CreateStateMachine would.
      new StateMachine(definition, { validationOptions: { checkArn: false } });
      // The runtime creates its state machines as the stack does: now, on the virtual clock.
      this.#machines.set(m.arn, { ...m, ...walked, prepared: definition, creationDate: cloud.clock.date() });
    }
  }

  #checkResource(machine: string, state: string, resource: string): void {
    const supported =
      resource.startsWith('arn:aws:lambda:') ||
      resource === 'arn:aws:states:::lambda:invoke' ||
      resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken';
    if (!supported) {
      throw new Error(
        `State machine ${machine}, state "${state}": the local runtime runs Lambda tasks only, not ${resource}`,
      );
    }
  }

  /** Every state machine. */
  machines(): StateMachineSpec[] {
    return [...this.#machines.values()];
  }

  #machine(arn: string) {
    const m = this.#machines.get(arn);
    if (!m) throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return m;
  }

  execution(arn: string): Execution {
    const e = this.executions.get(arn);
    if (!e) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return e;
  }

  /**
   * StartExecution. A name already used returns that execution when it is still running with
   * the same input (Step Functions' idempotency), and fails with ExecutionAlreadyExists otherwise.
   */
  startExecution(input: { stateMachineArn: string; name?: string; input?: string }): Execution {
    const machine = this.#machine(input.stateMachineArn);
    const name = input.name ?? randomUUID();
    if (!isValidExecutionName(name)) {
      throw new AwsError('InvalidName', `Invalid Name: '${name}'`);
    }
    const executionArn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`;
    const text = input.input ?? '{}';
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new AwsError('InvalidExecutionInput', `Invalid execution input: ${text.slice(0, 100)}`);
    }
    const existing = this.executions.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === text) return existing;
      throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const clock = this.#cloud.clock;
    const recorder = new ExecutionHistory(clock, machine);
    const execution: Execution = {
      executionArn,
      name,
      stateMachineArn: machine.arn,
      input: text,
      status: 'RUNNING',
      startDate: clock.date(),
      history: recorder.events,
      get transitions() {
        return recorder.transitions;
      },
      recorder,
      waiting: new Set(),
      done: Promise.resolve(),
    };
    this.executions.set(executionArn, execution);
    const record = (type: string, details: Record<string, unknown> = {}) => recorder.record(type, details);
    record('ExecutionStarted', {
      input: text,
      inputDetails: { truncated: false },
      roleArn: machine.roleArn,
      stateMachineAliasArn: undefined,
    });
    const sm = new StateMachine(machine.prepared, { validationOptions: { noValidate: true } });
    const run = runInVirtualTime({ clock }, () =>
      sm.run(parsed as never, {
        overrides: { taskResourceLocalHandlers: this.#handlers(machine, execution) as never },
        context: {
          Execution: {
            Id: executionArn,
            Name: name,
            RoleArn: machine.roleArn,
            StartTime: execution.startDate.toISOString(),
          },
          StateMachine: { Id: machine.arn, Name: machine.name },
          Task: { Token: TOKEN_PLACEHOLDER },
        },
      }),
    );
    execution.abort = run.abort;
    const logging = (async () => {
      for await (const event of run.eventLogs)
        recorder.onLog(event as Parameters<ExecutionHistory['onLog']>[0]);
    })();
    execution.done = run.result.then(
      async (output) => {
        await settleLog(logging);
        if (execution.status !== 'RUNNING') return;
        execution.status = 'SUCCEEDED';
        execution.output = JSON.stringify(output ?? null);
        execution.stopDate = clock.date();
        record('ExecutionSucceeded', { output: execution.output });
      },
      async (error: Error & { cause?: Error }) => {
        await settleLog(logging);
        if (execution.status !== 'RUNNING') return;
        const cause = error.cause instanceof Error ? error.cause : error;
        execution.stopDate = clock.date();
        if (error.name === 'ExecutionTimeoutError') {
          execution.status = 'TIMED_OUT';
          record('ExecutionTimedOut', {});
        } else {
          execution.status = 'FAILED';
          execution.error = cause.name;
          execution.cause = cause.message;
          record('ExecutionFailed', { error: cause.name, cause: cause.message });
        }
        this.#closeTokens(execution);
      },
    );
    return execution;
  }

  #handlers(
    machine: { tasks: Map<string, TaskDefinition>; roleArn: string; name: string },
    execution: Execution,
  ) {
    const out: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [state, task] of machine.tasks) {
      out[state] = (input) => this.#runTask(execution, state, task, input, machine);
    }
    return out;
  }

  async #runTask(
    execution: Execution,
    state: string,
    task: TaskDefinition,
    input: unknown,
    machine: { roleArn: string; name: string },
  ): Promise<unknown> {
    const optimised = task.Resource.startsWith('arn:aws:states:::lambda:invoke');
    const callback = task.Resource.endsWith('.waitForTaskToken');
    const params = (input ?? {}) as { FunctionName?: string; Payload?: unknown };
    const attempt = execution.recorder.beginAttempt(state);
    execution.recorder.taskEvent(state, attempt, 'scheduled', {
      region: this.#cloud.region,
      parameters: JSON.stringify(input ?? null),
    });
    const functionName = optimised ? String(params.FunctionName ?? '') : task.Resource;
    let payload: unknown = optimised ? (params.Payload ?? {}) : input;
    let token: string | undefined;
    let closed: Promise<unknown> | undefined;
    if (callback) {
      token = randomBytes(96).toString('base64url');
      payload = replaceDeep(payload, TOKEN_PLACEHOLDER, token);
      closed = this.#await(execution, state, task, token, input);
      closed.catch(() => undefined);
    }
    let spec: ReturnType<LambdaRuntime['spec']>;
    try {
      spec = this.#lambda.spec(functionName);
    } catch (error) {
      if (token) this.#take(token);
      const e = error as AwsError;
      throw stepError(`Lambda.${e.code ?? 'ResourceNotFoundException'}`, e.message);
    }
    // The instant clock must not jump while the call is evaluated.
    this.#cloud.clock.busy();
    try {
      // The state machine's role invokes the function (lambda:InvokeFunction on its ARN).
      const session = this.#cloud.iam.sessionFor(machine.roleArn, machine.name);
      await this.#cloud.iam.authorizeInternal(
        session,
        [{ action: 'lambda:InvokeFunction', resource: spec.arn, context: {} }],
        'states',
      );
    } catch (error) {
      if (token) this.#take(token);
      // What Step Functions reports for a Lambda task its role may not invoke.
      // https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html (read 2026-12-07)
      throw stepError(
        'Lambda.AWSLambdaException',
        `${(error as Error).message} (Service: Lambda, Status Code: 403, Error Code: AccessDeniedException)`,
      );
    } finally {
      this.#cloud.clock.idle();
    }
    const result = await this.#lambda.invoke(spec.name, payload);
    if (result.functionError) {
      if (token && this.#pending.has(token)) this.#take(token);
      const body = JSON.parse(result.payload) as { errorType?: string };
      throw stepError(body.errorType ?? 'Lambda.Unknown', result.payload);
    }
    if (closed) {
      // The invoke returned: the task is submitted and now waits for its token.
      execution.recorder.taskEvent(state, attempt, 'submitted', { output: result.payload });
      const output = await closed;
      execution.recorder.taskResult(state, output);
      return output;
    }
    const value = JSON.parse(result.payload) as unknown;
    const output = optimised
      ? {
          ExecutedVersion: '$LATEST',
          Payload: value,
          SdkHttpMetadata: { HttpStatusCode: 200 },
          SdkResponseMetadata: { RequestId: randomUUID() },
          StatusCode: 200,
        }
      : value;
    execution.recorder.taskResult(state, output);
    return output;
  }

  /** Opens the wait for a task token; TimeoutSeconds and HeartbeatSeconds run on the virtual clock. */
  #await(
    execution: Execution,
    state: string,
    task: TaskDefinition,
    token: string,
    input: unknown,
  ): Promise<unknown> {
    const clock = this.#cloud.clock;
    return new Promise((resolve, reject) => {
      const pending: PendingTask = { executionArn: execution.executionArn, state, resolve, reject };
      const timeoutSeconds = task.TimeoutSeconds ?? pathNumber(task.TimeoutSecondsPath, input);
      const heartbeatSeconds = task.HeartbeatSeconds ?? pathNumber(task.HeartbeatSecondsPath, input);
      if (timeoutSeconds !== undefined) {
        pending.timeout = clock.setBackgroundTimer(timeoutSeconds * 1000, () => {
          if (this.#pending.has(token))
            this.#take(token).reject(
              stepError('States.Timeout', `Task timed out after ${timeoutSeconds} seconds`),
            );
        });
      }
      if (heartbeatSeconds !== undefined) {
        pending.heartbeatSeconds = heartbeatSeconds;
        this.#armHeartbeat(token, pending);
      }
      this.#pending.set(token, pending);
      execution.waiting.add(token);
    });
  }

  #armHeartbeat(token: string, pending: PendingTask): void {
    pending.heartbeat?.cancel();
    const seconds = pending.heartbeatSeconds!;
    pending.heartbeat = this.#cloud.clock.setBackgroundTimer(seconds * 1000, () => {
      if (this.#pending.has(token)) {
        this.#take(token).reject(
          stepError('States.HeartbeatTimeout', `No heartbeat within ${seconds} seconds`),
        );
      }
    });
  }

  #take(token: string): PendingTask {
    const pending = this.#pending.get(token);
    if (!pending) {
      if (this.#closed.has(token)) throw new AwsError('TaskTimedOut', 'Task Timed Out');
      throw new AwsError('InvalidToken', 'Invalid Token');
    }
    pending.timeout?.cancel();
    pending.heartbeat?.cancel();
    this.#pending.delete(token);
    this.#closed.add(token);
    this.executions.get(pending.executionArn)?.waiting.delete(token);
    return pending;
  }

  #closeTokens(execution: Execution): void {
    for (const token of [...execution.waiting]) this.#take(token);
  }

  /** Tasks currently waiting for a token, with their execution and state. */
  waitingTasks(): Array<{ token: string; executionArn: string; state: string }> {
    return [...this.#pending.entries()].map(([token, p]) => ({
      token,
      executionArn: p.executionArn,
      state: p.state,
    }));
  }

  /** SendTaskSuccess: the waiting task succeeds with this output. */
  sendTaskSuccess(token: string, output: string): void {
    let value: unknown;
    try {
      value = JSON.parse(output);
    } catch {
      throw new AwsError('InvalidOutput', 'Invalid output: not JSON');
    }
    this.#take(token).resolve(value);
  }

  /** SendTaskFailure: the waiting task fails with this error and cause. */
  sendTaskFailure(token: string, error?: string, cause?: string): void {
    this.#take(token).reject(stepError(error ?? '', cause ?? ''));
  }

  /** SendTaskHeartbeat: restarts the HeartbeatSeconds countdown of a waiting task. */
  sendTaskHeartbeat(token: string): void {
    const pending = this.#pending.get(token);
    if (!pending) {
      if (this.#closed.has(token)) throw new AwsError('TaskTimedOut', 'Task Timed Out');
      throw new AwsError('InvalidToken', 'Invalid Token');
    }
    if (pending.heartbeatSeconds !== undefined) this.#armHeartbeat(token, pending);
  }

  /** StopExecution: aborts a running execution. */
  stopExecution(arn: string, error?: string, cause?: string): Date {
    const execution = this.execution(arn);
    if (execution.status === 'RUNNING') {
      execution.status = 'ABORTED';
      execution.error = error;
      execution.cause = cause;
      execution.stopDate = this.#cloud.clock.date();
      execution.recorder.record('ExecutionAborted', { error, cause });
      this.#closeTokens(execution);
      execution.abort?.();
    }
    return execution.stopDate ?? this.#cloud.clock.date();
  }

  /** Aborts every running execution (runtime shutdown). */
  dispose(): void {
    for (const e of this.executions.values()) if (e.status === 'RUNNING') this.stopExecution(e.executionArn);
  }

  /** Resolves when every execution started so far has ended. */
  async idle(): Promise<void> {
    await Promise.all([...this.executions.values()].map((e) => e.done));
  }

  #describe(e: Execution) {
    return {
      executionArn: e.executionArn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: e.startDate,
      stopDate: e.stopDate,
      input: e.input,
      inputDetails: { included: true },
      output: e.output,
      outputDetails: e.output !== undefined ? { included: true } : undefined,
      error: e.error,
      cause: e.cause,
    };
  }

  /** The `states` wire API (awsJson 1.0). */
  definition(): ServiceDefinition {
    return {
      protocol: 'awsJson1_0',
      targetPrefix: 'AWSStepFunctions',
      sdkPackage: '@aws-sdk/client-sfn',
      operations: {
        StartExecution: (input: { stateMachineArn: string; name?: string; input?: string }) => {
          const e = this.startExecution(input);
          return { executionArn: e.executionArn, startDate: e.startDate };
        },
        DescribeExecution: (input: { executionArn: string }) =>
          this.#describe(this.execution(input.executionArn)),
        ListExecutions: (input: {
          stateMachineArn: string;
          statusFilter?: string;
          maxResults?: number;
          nextToken?: string;
        }) => {
          this.#machine(input.stateMachineArn);
          const all = [...this.executions.values()]
            .filter((e) => e.stateMachineArn === input.stateMachineArn)
            .filter((e) => !input.statusFilter || e.status === input.statusFilter)
            .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
          const start = input.nextToken ? Number(input.nextToken) : 0;
          const size = input.maxResults || 100;
          const page = all.slice(start, start + size);
          return {
            executions: page.map((e) => ({
              executionArn: e.executionArn,
              stateMachineArn: e.stateMachineArn,
              name: e.name,
              status: e.status,
              startDate: e.startDate,
              stopDate: e.stopDate,
            })),
            nextToken: start + size < all.length ? String(start + size) : undefined,
          };
        },
        GetExecutionHistory: (input: {
          executionArn: string;
          reverseOrder?: boolean;
          maxResults?: number;
          nextToken?: string;
        }) => {
          const e = this.execution(input.executionArn);
          const events = input.reverseOrder ? [...e.history].reverse() : e.history;
          const start = input.nextToken ? Number(input.nextToken) : 0;
          const size = input.maxResults || 1000;
          return {
            events: events.slice(start, start + size).map(historyEvent),
            nextToken: start + size < events.length ? String(start + size) : undefined,
          };
        },
        StopExecution: (input: { executionArn: string; error?: string; cause?: string }) => ({
          stopDate: this.stopExecution(input.executionArn, input.error, input.cause),
        }),
        SendTaskSuccess: (input: { taskToken: string; output: string }) => {
          this.sendTaskSuccess(input.taskToken, input.output);
          return {};
        },
        SendTaskFailure: (input: { taskToken: string; error?: string; cause?: string }) => {
          this.sendTaskFailure(input.taskToken, input.error, input.cause);
          return {};
        },
        SendTaskHeartbeat: (input: { taskToken: string }) => {
          this.sendTaskHeartbeat(input.taskToken);
          return {};
        },
        DescribeStateMachine: (input: { stateMachineArn: string }) => {
          const m = this.#machine(input.stateMachineArn);
          return {
            stateMachineArn: m.arn,
            name: m.name,
            status: 'ACTIVE',
            definition: JSON.stringify(m.definition),
            roleArn: m.roleArn,
            type: m.type,
            creationDate: m.creationDate,
          };
        },
        ListStateMachines: () => ({
          stateMachines: this.machines().map((m) => ({
            stateMachineArn: m.arn,
            name: m.name,
            type: m.type,
            creationDate: this.#machines.get(m.arn)!.creationDate,
          })),
        }),
      },
    };
  }
}

/** A history event in the SDK's shape (`<type>EventDetails` keyed by the event type). */
function historyEvent(e: HistoryEvent) {
  const key = `${e.type.charAt(0).toLowerCase()}${e.type.slice(1)}EventDetails`;
  const detailsKey = e.type.endsWith('StateEntered')
    ? 'stateEnteredEventDetails'
    : e.type.endsWith('StateExited')
      ? 'stateExitedEventDetails'
      : key;
  return {
    id: e.id,
    previousEventId: e.previousEventId,
    timestamp: e.timestamp,
    type: e.type,
    [detailsKey]: e.details,
  };
}

function pathNumber(path: string | undefined, input: unknown): number | undefined {
  if (!path) return undefined;
  let v: unknown = input;
  for (const part of path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)) {
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  }
  return typeof v === 'number' ? v : undefined;
}

/** Events of nested Parallel branches are forwarded asynchronously; give them a moment to land. */
async function settleLog(logging: Promise<void>): Promise<void> {
  await Promise.race([logging, new Promise((r) => setImmediate(() => setImmediate(r)))]);
}

/**
 * Execution names: 1–80 characters, none of them white space, brackets `< > { } [ ]`, wildcards
 * `? *`, the specials `" # % \\ ^ | ~ \` $ & , ; : /`, or control characters (U+0000–001F,
 * U+007F–009F). Source (read 2026-12-07):
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
 */
export function isValidExecutionName(name: string): boolean {
  const length = [...name].length;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the rule names control characters
  return length >= 1 && length <= 80 && !/[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/.test(name);
}
