import { randomUUID } from 'node:crypto';
import module from 'node:module';
import { pathToFileURL } from 'node:url';
import type { ClockHold } from '../clock.ts';
import { AwsError } from '../errors.ts';
import { installRequestIdentity, runAs } from '../iam/index.ts';
import type { LocalCloud, RequestContext, ServiceDefinition } from '../kernel.ts';
import { installVirtualTime, runInVirtualTime, shieldClock } from './virtual-time.ts';

/** One Lambda function as the runtime serves it (built from an AWS::Serverless::Function). */
export interface FunctionSpec {
  logicalId: string;
  name: string;
  arn: string;
  /** Absolute path of the handler module (`functions/<name>/index.ts`). */
  entry: string;
  /** Exported handler name (`index.handler` → `handler`). */
  exportName: string;
  /** The environment SAM gives the function (Globals + its own, intrinsics resolved). */
  environment: Record<string, string>;
  timeoutSeconds: number;
  memorySize: number;
  /** EventInvokeConfig: retries of asynchronous invocations and their failure destination. */
  asyncRetries: number;
  maxEventAgeSeconds: number;
  onFailureArn?: string;
  /** The execution role (SAM's generated `<Function>Role` unless `Role` is given). */
  roleArn?: string;
}

export interface InvokeResult {
  statusCode: number;
  /** The function's response (or error object) as JSON text. */
  payload: string;
  /** `Unhandled` when the function threw or timed out. */
  functionError?: 'Unhandled';
}

export interface InvocationRecord {
  functionName: string;
  requestId: string;
  kind: 'RequestResponse' | 'Event';
  startedAt: number;
  endedAt?: number;
  error?: string;
}

type Handler = (event: unknown, context: unknown) => unknown;

/** Variables that are launch options of the Node process, not configuration a handler reads. */
const PROCESS_LAUNCH_VARIABLES = new Set(['NODE_OPTIONS']);

let runtimeCounter = 0;
let hooksInstalled = false;

/**
 * Gives every function of every runtime its own instance of the project's modules (shared/*,
 * functions/*), as Lambda gives each function its own process: imports made from a module loaded
 * with `?sdrt=<n>&fn=<name>` keep that tag, so module-scope state (SDK clients bound to one local
 * cloud's endpoint, the logger and its persistent keys) is never shared between two functions or
 * two runtimes in one process. Packages under node_modules stay shared. No-op where
 * `module.registerHooks` is missing, and under vitest, which loads modules itself (then one
 * runtime per process and the functions share the project's modules).
 */
function installIsolationHooks(rootUrl: string): void {
  const register = (module as unknown as { registerHooks?: (hooks: unknown) => void }).registerHooks;
  if (hooksInstalled || typeof register !== 'function') return;
  hooksInstalled = true;
  register({
    resolve(
      specifier: string,
      context: { parentURL?: string },
      nextResolve: (s: string, c: unknown) => { url: string; format?: string },
    ) {
      const result = nextResolve(specifier, context);
      const tag = context.parentURL
        ? /[?&](sdrt=\d+(?:&fn=[^&#]*)?)/.exec(context.parentURL)?.[1]
        : undefined;
      if (
        !tag ||
        !result.url.startsWith(rootUrl) ||
        result.url.includes('/node_modules/') ||
        result.url.includes('?')
      ) {
        return result;
      }
      return { ...result, url: `${result.url}?${tag}` };
    },
  });
}

/**
 * Lambda, in-process: loads each function's real handler module with the environment SAM gives
 * it and invokes it synchronously (RequestResponse) or asynchronously (Event, with Lambda's
 * retries and on-failure destination), on the virtual clock. Served over the wire as the Lambda
 * `Invoke` API.
 */
export class LambdaRuntime {
  readonly #cloud: LocalCloud;
  readonly #specs = new Map<string, FunctionSpec>();
  readonly #handlers = new Map<string, Handler>();
  readonly #tag = ++runtimeCounter;
  readonly #removeVirtualTime = installVirtualTime();
  /** Every invocation, oldest first (at most 5,000). */
  readonly invocations: InvocationRecord[] = [];
  /** On-failure records the function's role could not send (lost, as on AWS). */
  readonly failedDestinations: Array<{ functionName: string; destination: string }> = [];
  readonly #inflight = new Set<Promise<unknown>>();

  constructor(cloud: LocalCloud, functions: FunctionSpec[], options: { rootDir: string }) {
    this.#cloud = cloud;
    shieldClock(cloud.clock);
    installRequestIdentity();
    for (const f of functions) this.#specs.set(f.name, f);
    installIsolationHooks(pathToFileURL(`${options.rootDir}/`).href);
  }

  /** Every function, by name. */
  functions(): FunctionSpec[] {
    return [...this.#specs.values()];
  }

  /** The function named, or whose ARN (qualified or not) is given. */
  spec(nameOrArn: string): FunctionSpec {
    const name = nameOrArn.startsWith('arn:') ? (nameOrArn.split(':')[6] ?? '') : nameOrArn.split(':')[0]!;
    const spec = this.#specs.get(name);
    if (!spec) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Function not found: ${this.#cloud.arn('lambda', `function:${name}`)}`,
        {
          statusCode: 404,
        },
      );
    }
    return spec;
  }

  /**
   * Imports every handler module. Variables whose value is the same for every function are set
   * on the process for the runtime's life (they may be read at any time); the others (e.g.
   * AWS_LAMBDA_FUNCTION_NAME) are set only while that function's module initialises, one module
   * at a time, which is when stackdrop's functions read them (`requiredEnv` at module scope).
   */
  async load(): Promise<() => void> {
    const specs = [...this.#specs.values()];
    const shared = sharedEnvironment(specs.map((s) => s.environment));
    const restoreShared = applyEnvironment(shared);
    for (const spec of specs) {
      const own = Object.fromEntries(Object.entries(spec.environment).filter(([k]) => !(k in shared)));
      const restore = applyEnvironment(own);
      try {
        const url = `${pathToFileURL(spec.entry).href}?sdrt=${this.#tag}&fn=${encodeURIComponent(spec.name)}`;
        const mod = (await import(url)) as Record<string, unknown>;
        const handler = mod[spec.exportName];
        if (typeof handler !== 'function') {
          throw new Error(`${spec.entry} does not export a function "${spec.exportName}"`);
        }
        this.#handlers.set(spec.name, handler as Handler);
      } finally {
        restore();
      }
    }
    return () => {
      restoreShared();
      this.#removeVirtualTime();
    };
  }

  /** Synchronous invocation: the function's result, or its error as Lambda reports it. */
  async invoke(nameOrArn: string, event: unknown): Promise<InvokeResult> {
    const spec = this.spec(nameOrArn);
    return this.#run(spec, event, 'RequestResponse');
  }

  /**
   * Asynchronous invocation (EventBridge targets, `InvocationType: Event`): queued, retried
   * after 1 and 2 minutes on error (EventInvokeConfig.MaximumRetryAttempts, default 2), then
   * sent to the on-failure destination if one is configured.
   */
  invokeAsync(nameOrArn: string, event: unknown): void {
    const spec = this.spec(nameOrArn);
    const queuedAt = this.#cloud.clock.now();
    const attempt = async (n: number): Promise<void> => {
      const result = await this.#run(spec, event, 'Event');
      if (!result.functionError) return;
      const age = (this.#cloud.clock.now() - queuedAt) / 1000;
      const delay = n === 0 ? 60_000 : 120_000;
      if (n < spec.asyncRetries && age + delay / 1000 <= spec.maxEventAgeSeconds) {
        this.#cloud.clock.setTimer(delay, () => this.#track(attempt(n + 1)));
        return;
      }
      if (spec.onFailureArn?.startsWith('arn:aws:sqs:') && (await this.#mayRecordFailure(spec))) {
        const record = {
          version: '1.0',
          timestamp: this.#cloud.clock.date().toISOString(),
          requestContext: {
            requestId: randomUUID(),
            functionArn: `${spec.arn}:$LATEST`,
            condition: 'RetriesExhausted',
            approximateInvokeCount: n + 1,
          },
          requestPayload: event,
          responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
          responsePayload: JSON.parse(result.payload) as unknown,
        };
        const queue = this.#cloud.sqs.queue(spec.onFailureArn);
        // Lambda sends the record with the function's execution role (sqs:SendMessage on the
        // destination queue); when the role may not, the record is not delivered.
        // https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html (read 2026-12-07)
        if (spec.roleArn && this.#cloud.iam.enforce) {
          const session = this.#cloud.iam.sessionFor(spec.roleArn, spec.name);
          try {
            await this.#cloud.iam.authorizeInternal(
              session,
              [{ action: 'sqs:SendMessage', resource: spec.onFailureArn, context: {} }],
              'lambda',
            );
          } catch {
            return;
          }
        }
        this.#cloud.sqs.sendMessage(queue.name, {
          MessageBody: JSON.stringify(record),
          ...(queue.fifo ? { MessageGroupId: spec.name, MessageDeduplicationId: randomUUID() } : {}),
        });
      }
    };
    this.#track(attempt(0));
  }

  /**
   * Lambda sends an on-failure record to an SQS destination with the function's execution role,
   * which needs sqs:SendMessage on the queue; without it the record is lost
   * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html, read
   * 2026-12-07). Kept in `failedDestinations` when denied.
   */
  async #mayRecordFailure(spec: FunctionSpec): Promise<boolean> {
    if (!this.#cloud.iam.enforce || !spec.roleArn) return true;
    const clock = this.#cloud.clock;
    clock.busy();
    try {
      await this.#cloud.iam.authorize(
        this.#cloud.iam.sessionFor(spec.roleArn, spec.name),
        [{ action: 'sqs:SendMessage', resource: spec.onFailureArn!, context: {} }],
        { service: 'sqs', protocol: 'awsJson', caller: 'lambda destination' },
      );
      return true;
    } catch {
      this.failedDestinations.push({ functionName: spec.name, destination: spec.onFailureArn! });
      return false;
    } finally {
      clock.idle();
    }
  }

  /** Resolves once every asynchronous invocation started so far has finished. */
  async drain(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.all([...this.#inflight]);
  }

  #track(p: Promise<unknown>): void {
    const tracked = p.catch(() => undefined).finally(() => this.#inflight.delete(tracked));
    this.#inflight.add(tracked);
  }

  async #run(
    spec: FunctionSpec,
    event: unknown,
    kind: InvocationRecord['kind'],
    /** The hold of the HTTP request of a synchronous Invoke: it steps aside while the handler waits. */
    caller?: ClockHold,
  ): Promise<InvokeResult> {
    const handler = this.#handlers.get(spec.name);
    if (!handler) throw new Error(`function ${spec.name} is not loaded (call load() first)`);
    const clock = this.#cloud.clock;
    const requestId = randomUUID();
    const record: InvocationRecord = { functionName: spec.name, requestId, kind, startedAt: clock.now() };
    this.invocations.push(record);
    if (this.invocations.length > 5000) this.invocations.shift();
    const deadline = clock.now() + spec.timeoutSeconds * 1000;
    const context = {
      functionName: spec.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: spec.arn,
      memoryLimitInMB: String(spec.memorySize),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${spec.name}`,
      logStreamName: `${clock.date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${requestId.replaceAll('-', '')}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - clock.now()),
    };
    // The instant clock must not jump while a handler computes; it may while the handler waits
    // on a virtual timer (e.g. roll-service polling a rollout).
    let waiting = 0;
    let ended = false;
    clock.busy();
    const onWait = (w: boolean) => {
      if (ended) return;
      if (w && ++waiting === 1) {
        clock.idle();
        caller?.pause();
      }
      if (!w && waiting > 0 && --waiting === 0) {
        caller?.resume();
        clock.busy();
      }
    };
    const end = () => {
      if (ended) return;
      ended = true;
      if (waiting === 0) clock.idle();
      else caller?.resume();
      record.endedAt = clock.now();
    };
    // The function's calls are signed as its execution role (Lambda's temporary credentials).
    const session = spec.roleArn ? this.#cloud.iam.sessionFor(spec.roleArn, spec.name) : undefined;
    try {
      const result = await runAs(session, () =>
        runInVirtualTime({ clock, onWait }, async () => {
          let timer: { cancel(): void } | undefined;
          const timeout = new Promise<never>((_, reject) => {
            timer = clock.setBackgroundTimer(spec.timeoutSeconds * 1000, () =>
              reject(
                Object.assign(new Error(`Task timed out after ${spec.timeoutSeconds.toFixed(2)} seconds`), {
                  name: 'Sandbox.Timedout',
                }),
              ),
            );
          });
          try {
            return await Promise.race([
              Promise.resolve().then(() => handler(structuredClone(event), context)),
              timeout,
            ]);
          } finally {
            timer?.cancel();
          }
        }),
      );
      end();
      return { statusCode: 200, payload: JSON.stringify(result ?? null) };
    } catch (error) {
      end();
      const e = error instanceof Error ? error : new Error(String(error));
      record.error = `${e.name}: ${e.message}`;
      return {
        statusCode: 200,
        functionError: 'Unhandled',
        payload: JSON.stringify({
          errorType: e.name,
          errorMessage: e.message,
          trace: (e.stack ?? '').split('\n').slice(0, 10),
        }),
      };
    }
  }

  /** The Lambda `Invoke` API (restJson) for SDK clients and the AWS CLI. */
  definition(): ServiceDefinition {
    return {
      protocol: 'restJson',
      operations: {
        Invoke: async (
          input: { FunctionName: string; InvocationType?: string; Payload?: Uint8Array },
          ctx: RequestContext,
        ) => {
          const text = input.Payload ? Buffer.from(input.Payload).toString('utf8') : '{}';
          let event: unknown;
          try {
            event = text.trim() === '' ? {} : JSON.parse(text);
          } catch {
            throw new AwsError('InvalidRequestContentException', 'Could not parse request body into json');
          }
          const spec = this.spec(input.FunctionName);
          const type = input.InvocationType ?? 'RequestResponse';
          if (type === 'Event') {
            this.invokeAsync(spec.name, event);
            return { StatusCode: 202 };
          }
          if (type === 'DryRun') return { StatusCode: 204 };
          const result = await this.#run(spec, event, 'RequestResponse', ctx.http.hold);
          return {
            StatusCode: result.statusCode,
            ExecutedVersion: '$LATEST',
            ...(result.functionError ? { FunctionError: result.functionError } : {}),
            Payload: Buffer.from(result.payload),
          };
        },
        GetFunction: (input: { FunctionName: string }) => {
          const spec = this.spec(input.FunctionName);
          return {
            Configuration: {
              FunctionName: spec.name,
              FunctionArn: spec.arn,
              Runtime: 'nodejs24.x',
              Handler: `index.${spec.exportName}`,
              Timeout: spec.timeoutSeconds,
              MemorySize: spec.memorySize,
              State: 'Active',
              Environment: { Variables: spec.environment },
            },
          };
        },
        ListFunctions: () => ({
          Functions: this.functions().map((f) => ({
            FunctionName: f.name,
            FunctionArn: f.arn,
            Runtime: 'nodejs24.x',
            Timeout: f.timeoutSeconds,
            MemorySize: f.memorySize,
          })),
        }),
      },
    };
  }
}

/** Variables every function has with the same value. */
function sharedEnvironment(environments: Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = environments;
  if (!first) return {};
  return Object.fromEntries(
    Object.entries(first).filter(
      ([k, v]) => !PROCESS_LAUNCH_VARIABLES.has(k) && rest.every((e) => e[k] === v),
    ),
  );
}

/** Sets variables on process.env; returns the function restoring what was there before. */
function applyEnvironment(vars: Record<string, string>): () => void {
  const before = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(vars)) {
    if (PROCESS_LAUNCH_VARIABLES.has(k)) continue;
    before.set(k, process.env[k]);
    process.env[k] = v;
  }
  return () => {
    for (const [k, v] of before) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
