import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';

/**
 * Which function an HTTP request to the local cloud comes from. Every function runs in this
 * process and signs with the same fake keys, so the runtime marks the requests a handler makes
 * (the SDK sends them through an http.Agent while the handler's async context is current) with
 * this header; the kernel maps it to the function's role ARN (`LocalCloud.principals`). Requests
 * without it come from the local user. Local only: AWS knows the caller from the signature.
 */
export const CALLER_HEADER = 'x-localcloud-caller';

const scope = new AsyncLocalStorage<string>();
let installed = false;

type AddRequest = (req: http.ClientRequest, options: unknown) => void;

function install(): void {
  if (installed) return;
  installed = true;
  const agent = http.Agent.prototype as unknown as { addRequest: AddRequest };
  const original = agent.addRequest;
  agent.addRequest = function (this: http.Agent, req: http.ClientRequest, options: unknown) {
    const caller = scope.getStore();
    if (caller !== undefined && !req.headersSent && req.getHeader(CALLER_HEADER) === undefined)
      req.setHeader(CALLER_HEADER, caller);
    return original.call(this, req, options);
  };
}

/** Runs `fn` with the AWS calls it makes attributed to the named function. */
export function asCaller<T>(functionName: string, fn: () => T): T {
  install();
  return scope.run(functionName, fn);
}
