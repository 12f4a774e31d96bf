import type { LocalCloud } from '#local/kernel.ts';
import type { Execution } from '#local/runtime/stepfunctions.ts';
import type { E2eWorld } from '#test/e2e/helpers.ts';

export {
  type E2eWorld,
  ENVIRONMENT,
  manifestFor,
  provision,
  pushAndWait,
  startWorld,
} from '#test/e2e/helpers.ts';

/** One AWS request the local cloud answered, as the request log records it. */
export interface LoggedCall {
  service: string;
  operation: string;
  method: string;
  path: string;
  statusCode: number;
  /** The parsed JSON body of a JSON-protocol request (e.g. ECS `UpdateService`'s `service`). */
  input?: Record<string, unknown>;
}

export interface RequestLog {
  calls: LoggedCall[];
  /** Runs after each answered request (e.g. to arm a fault right after a given call). */
  onCall?: (call: LoggedCall) => void;
  restore(): void;
}

/**
 * Records every request the local cloud answers over HTTP: service (signing name), operation
 * (query `Action`, JSON `X-Amz-Target`, else method and path) and status code. The kernel has no
 * request hook, so this wraps `cloud.handle` on the instance (the HTTP server calls it per request).
 */
export function recordRequests(cloud: LocalCloud): RequestLog {
  const original = cloud.handle;
  const log: RequestLog = {
    calls: [],
    restore: () => {
      cloud.handle = original;
    },
  };
  cloud.handle = async (req) => {
    const response = await original.call(cloud, req);
    const call: LoggedCall = {
      service: signingName(req.headers.authorization) ?? 'unsigned',
      operation: operationOf(req.headers, req.body),
      method: req.method,
      path: req.path,
      statusCode: response.statusCode,
      ...jsonInput(req.headers, req.body),
    };
    log.calls.push(call);
    log.onCall?.(call);
    return response;
  };
  return log;
}

function signingName(authorization: string | string[] | undefined): string | undefined {
  const text = Array.isArray(authorization) ? authorization[0] : authorization;
  return text ? /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(text)?.[1] : undefined;
}

function jsonInput(
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): { input?: Record<string, unknown> } {
  if (typeof headers['x-amz-target'] !== 'string') return {};
  try {
    return { input: JSON.parse(body.toString('utf8')) as Record<string, unknown> };
  } catch {
    return {};
  }
}

function operationOf(headers: Record<string, string | string[] | undefined>, body: Buffer): string {
  const target = headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').at(-1)!;
  if (String(headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    const action = new URLSearchParams(body.toString('utf8')).get('Action');
    if (action) return action;
  }
  return '';
}

/** Whether a logged call changes something in AWS (reads are Describe/List/Get/Head, S3 GET/HEAD). */
export function isMutating(call: LoggedCall): boolean {
  if (call.service === 's3') return !['GET', 'HEAD'].includes(call.method);
  if (call.operation) return !/^(Describe|List|Get|Head|Batch(Get|Describe))/.test(call.operation);
  return !['GET', 'HEAD'].includes(call.method);
}

/** Provision executions whose input (the S3 event) names this object key, oldest first. */
export function executionsFor(world: E2eWorld, key: string): Execution[] {
  const arn = world.sd.outputs.ProvisionStateMachineArn!;
  return [...world.sd.stepFunctions.executions.values()]
    .filter((e) => e.stateMachineArn === arn && e.input.includes(`"${key}"`))
    .sort((a, b) => a.startDate.getTime() - b.startDate.getTime());
}

/** Names of the states an execution entered, in order. */
export function statesEntered(execution: Execution): string[] {
  return execution.history.filter((e) => e.type.endsWith('StateEntered')).map((e) => String(e.details.name));
}

/** Waits (real time) until every provision execution started so far has ended. */
export async function allExecutionsDone(world: E2eWorld, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    await world.sd.drain();
    const running = [...world.sd.stepFunctions.executions.values()].filter((e) => e.status === 'RUNNING');
    if (running.length === 0) return;
    if (performance.now() > deadline) throw new Error(`${running.length} execution(s) still running`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
