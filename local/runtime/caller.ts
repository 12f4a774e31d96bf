import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import type { ClockHold } from '../clock.ts';

/**
 * Names the user action (LocalSession.act) an HTTP request belongs to, so the kernel can link the
 * request's clock hold to the action's: a synchronous invoke that waits on virtual time then
 * releases both (see ClockHold). Local only, in-process.
 */
export const HOLD_HEADER = 'x-localcloud-hold';

const holdScope = new AsyncLocalStorage<string>();
const holds = new Map<string, ClockHold>();
let nextHold = 0;
let installed = false;

type AddRequest = (req: http.ClientRequest, options: unknown) => void;

function install(): void {
  if (installed) return;
  installed = true;
  const agent = http.Agent.prototype as unknown as { addRequest: AddRequest };
  const original = agent.addRequest;
  agent.addRequest = function (this: http.Agent, req: http.ClientRequest, options: unknown) {
    const hold = holdScope.getStore();
    if (hold !== undefined && !req.headersSent) req.setHeader(HOLD_HEADER, hold);
    return original.call(this, req, options);
  };
}

/** Runs `fn` with the requests it makes linked to `hold` (the kernel finds it by HOLD_HEADER). */
export async function withHold<T>(hold: ClockHold, fn: () => Promise<T>): Promise<T> {
  install();
  const id = `h${++nextHold}`;
  holds.set(id, hold);
  try {
    return await holdScope.run(id, fn);
  } finally {
    holds.delete(id);
  }
}

/** The hold of the user action a request belongs to, if it is still running. */
export function holdOf(headers: Record<string, string | string[] | undefined>): ClockHold | undefined {
  const id = headers[HOLD_HEADER];
  return typeof id === 'string' ? holds.get(id) : undefined;
}
