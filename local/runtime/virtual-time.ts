import { AsyncLocalStorage } from 'node:async_hooks';
import type { TimerHandle, VirtualClock } from '../clock.ts';

/**
 * Virtual time for code the runtime runs in-process (Lambda handlers, the ASL interpreter).
 *
 * stackdrop's functions read time with `new Date()` and wait with `setTimeout`, as they do on
 * AWS. Inside the local cloud those must follow the virtual clock, or a 15-second rollout poll
 * would take 15 real seconds. While a runtime is active, the global `Date`, `setTimeout` and
 * `clearTimeout` are replaced by wrappers that consult an AsyncLocalStorage context: code
 * started through `runInVirtualTime` (and every async continuation of it) sees the virtual
 * clock; everything else (the local cloud's own HTTP server and real-time scheduling) keeps the
 * real ones. The wrappers are installed once per process and removed when the last user leaves.
 */
export interface VirtualContext {
  clock: VirtualClock;
  /** Called when code in this context starts / stops waiting on a virtual timer. */
  onWait?: (waiting: boolean) => void;
}

const storage = new AsyncLocalStorage<VirtualContext>();
const RealDate = globalThis.Date;
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
let users = 0;

/** A virtual timer as callers of setTimeout see it (Node's Timeout surface). */
class VirtualTimeout {
  handle: TimerHandle | undefined;
  readonly context: VirtualContext;
  constructor(context: VirtualContext) {
    this.context = context;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return false;
  }
  refresh(): this {
    return this;
  }
  close(): this {
    clearVirtual(this);
    return this;
  }
  [Symbol.toPrimitive](): number {
    return 0;
  }
}

function clearVirtual(timeout: VirtualTimeout): void {
  if (!timeout.handle) return;
  timeout.handle.cancel();
  timeout.handle = undefined;
  timeout.context.onWait?.(false);
}

/**
 * The SDK's HTTP handler guards each real socket with timers (socket-acquisition warnings,
 * connection and request timeouts); those measure real I/O and stay on the real clock.
 */
function guardsRealIo(): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 6;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  return stack.includes('node-http-handler');
}

function patchedSetTimeout(fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): unknown {
  const context = storage.getStore();
  if (!context || typeof fn !== 'function' || guardsRealIo()) return realSetTimeout(fn, ms, ...args);
  const timeout = new VirtualTimeout(context);
  context.onWait?.(true);
  timeout.handle = context.clock.setTimer(Math.max(0, Number(ms) || 0), () => {
    timeout.handle = undefined;
    context.onWait?.(false);
    storage.run(context, () => fn(...args));
  });
  return timeout;
}

function patchedClearTimeout(timeout: unknown): void {
  if (timeout instanceof VirtualTimeout) clearVirtual(timeout);
  else realClearTimeout(timeout as NodeJS.Timeout);
}

/** `Date` whose `now()` and argument-less constructor read the virtual clock in a virtual context. */
const VirtualDate = new Proxy(RealDate, {
  construct(target, args, newTarget) {
    const context = storage.getStore();
    if (context && args.length === 0) return Reflect.construct(target, [context.clock.now()], newTarget);
    return Reflect.construct(target, args, newTarget);
  },
  apply(target, thisArg, args) {
    const context = storage.getStore();
    if (context) return new target(context.clock.now()).toString();
    return Reflect.apply(target, thisArg, args);
  },
  get(target, property, receiver) {
    if (property === 'now') {
      return () => {
        const context = storage.getStore();
        return context ? context.clock.now() : target.now();
      };
    }
    return Reflect.get(target, property, receiver);
  },
});

/** Installs the wrappers (reference-counted); returns the function that removes them. */
export function installVirtualTime(): () => void {
  if (users++ === 0) {
    globalThis.Date = VirtualDate;
    globalThis.setTimeout = patchedSetTimeout as typeof setTimeout;
    globalThis.clearTimeout = patchedClearTimeout as typeof clearTimeout;
  }
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    if (--users === 0) {
      globalThis.Date = RealDate;
      globalThis.setTimeout = realSetTimeout;
      globalThis.clearTimeout = realClearTimeout;
    }
  };
}

const shielded = new WeakSet<VirtualClock>();

/**
 * Makes a clock's own methods run outside any virtual context: the clock schedules itself with
 * the real setTimeout, which must not become one of its own virtual timers.
 */
export function shieldClock(clock: VirtualClock): void {
  if (shielded.has(clock)) return;
  shielded.add(clock);
  const target = clock as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['sleep', 'advance', 'runAll', 'busy', 'idle', 'setSpeed', 'dispose']) {
    const original = target[method]!;
    target[method] = (...args: unknown[]) => storage.exit(() => original.apply(clock, args));
  }
  const setTimer = clock.setTimer;
  clock.setTimer = (ms, fn, options) =>
    storage.exit(() => {
      const handle = setTimer.call(clock, ms, fn, options);
      return { due: handle.due, cancel: () => storage.exit(() => handle.cancel()) };
    });
}

/** Runs `fn` (and all its asynchronous continuations) on the virtual clock of `context`. */
export function runInVirtualTime<T>(context: VirtualContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The virtual context of the running code, if any. */
export function currentVirtualContext(): VirtualContext | undefined {
  return storage.getStore();
}

/** Real-time setTimeout, whatever context the caller runs in. */
export const setRealTimeout = realSetTimeout;
export const clearRealTimeout = realClearTimeout;
