/**
 * The local cloud's virtual clock. Every simulated duration (resource creation, visibility
 * timeouts, deployments, bastion TTLs) is a timer on this clock, never on the wall clock.
 *
 * Speeds:
 * - `0` (manual): time moves only through `advance()`; for tests.
 * - a positive number: virtual time runs that many times faster than real time (1 = real time,
 *   600 = ten simulated minutes per second).
 * - `'instant'`: whenever the cloud is idle (no request in flight and none for `idleMs` real
 *   milliseconds), time jumps to the next timer.
 * - `'auto'`: for a cloud people drive with commands. Instant while work is under way (a
 *   foreground timer is pending: a resource being created, a deployment, a task), real time
 *   otherwise, so a provisioning takes seconds yet reports AWS's durations, and schedules, TTLs
 *   and watchdogs (background timers) never make time race ahead between two commands.
 */
export type ClockSpeed = number | 'instant' | 'auto';

/** Options of a timer. */
export interface TimerOptions {
  /**
   * A schedule, TTL, watchdog or housekeeping timer: it fires in its time, but never by itself
   * makes an `'auto'` clock jump (nothing is waiting for it to happen soon).
   */
  background?: boolean;
}

export interface TimerHandle {
  readonly due: number;
  cancel(): void;
}

interface Timer {
  id: number;
  due: number;
  fn: () => unknown;
  cancelled: boolean;
  background: boolean;
}

export class VirtualClock {
  #virtualAnchor: number;
  #realAnchor: number;
  #speed: ClockSpeed;
  #timers: Timer[] = [];
  #nextId = 1;
  /** Cancels the pending real-time wake-up, if any. */
  #realTimer: (() => void) | undefined;
  #busy = 0;
  #lastActivity = 0;
  #advancing = false;
  /** Real milliseconds of quiet before an instant clock jumps. */
  readonly idleMs: number;

  constructor(options: { start?: number | Date; speed?: ClockSpeed; idleMs?: number } = {}) {
    const start = options.start ?? Date.now();
    this.#virtualAnchor = typeof start === 'number' ? start : start.getTime();
    this.#realAnchor = performance.now();
    this.#speed = options.speed ?? 0;
    this.idleMs = options.idleMs ?? 3;
  }

  get speed(): ClockSpeed {
    return this.#speed;
  }

  /** Changes the speed without a jump in virtual time. */
  setSpeed(speed: ClockSpeed): void {
    this.#virtualAnchor = this.now();
    this.#realAnchor = performance.now();
    this.#speed = speed;
    this.#reschedule();
  }

  /** Virtual time in epoch milliseconds. */
  now(): number {
    if (typeof this.#speed === 'number' && this.#speed > 0) {
      return Math.floor(this.#virtualAnchor + (performance.now() - this.#realAnchor) * this.#speed);
    }
    // Between jumps an auto clock runs at real time.
    if (this.#speed === 'auto')
      return Math.floor(this.#virtualAnchor + (performance.now() - this.#realAnchor));
    return this.#virtualAnchor;
  }

  /** Virtual time as a Date. */
  date(): Date {
    return new Date(this.now());
  }

  /** Runs `fn` once `ms` virtual milliseconds have passed. */
  setTimer(ms: number, fn: () => unknown, options: TimerOptions = {}): TimerHandle {
    const timer: Timer = {
      id: this.#nextId++,
      due: this.now() + Math.max(0, ms),
      fn,
      cancelled: false,
      background: options.background === true,
    };
    this.#timers.push(timer);
    this.#timers.sort((a, b) => a.due - b.due || a.id - b.id);
    this.#reschedule();
    return {
      due: timer.due,
      cancel: () => {
        timer.cancelled = true;
        this.#timers = this.#timers.filter((t) => t !== timer);
        this.#reschedule();
      },
    };
  }

  /** A timer nothing is waiting on soon (schedule, TTL, watchdog, housekeeping): see TimerOptions. */
  setBackgroundTimer(ms: number, fn: () => unknown): TimerHandle {
    return this.setTimer(ms, fn, { background: true });
  }

  /** Resolves after `ms` virtual milliseconds. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.setTimer(ms, resolve);
    });
  }

  /** Number of timers waiting to fire. */
  pending(): number {
    return this.#timers.length;
  }

  /** Virtual time of the next timer, if any. */
  nextDue(): number | undefined {
    return this.#timers[0]?.due;
  }

  /**
   * Moves virtual time forward by `ms`, firing every timer that falls due in order (including
   * timers those timers set), and lets the work they start settle before the next one.
   */
  async advance(ms: number): Promise<void> {
    const target = this.now() + Math.max(0, ms);
    await this.#runUntil(target);
    this.#jumpTo(target);
  }

  /** Fires timers one after the other until none is left (or `limit` virtual ms have passed). */
  async runAll(limit = 7 * 24 * 3600_000): Promise<void> {
    const target = this.now() + limit;
    await this.#runUntil(target);
  }

  /** Marks the start of work the instant clock must wait for (e.g. an HTTP request). */
  busy(): void {
    this.#busy++;
    this.#lastActivity = performance.now();
  }

  /**
   * Work the instant clock waits for, as an object that can step aside while the work itself
   * waits on a virtual timer (see ClockHold). Starts held (like `busy()`).
   */
  hold(): ClockHold {
    return new ClockHold(this);
  }

  /** Marks the end of work started with `busy()`. */
  idle(): void {
    this.#busy = Math.max(0, this.#busy - 1);
    this.#lastActivity = performance.now();
    this.#reschedule();
  }

  /** Cancels every timer (used when the cloud stops). */
  dispose(): void {
    this.#timers = [];
    this.#realTimer?.();
    this.#realTimer = undefined;
  }

  async #runUntil(target: number): Promise<void> {
    this.#advancing = true;
    try {
      await settle();
      for (;;) {
        const next = this.#timers[0];
        if (!next || next.due > target) break;
        this.#timers.shift();
        this.#jumpTo(next.due);
        await runTimer(next);
      }
    } finally {
      this.#advancing = false;
      this.#reschedule();
    }
  }

  #jumpTo(time: number): void {
    if (time > this.now()) {
      this.#virtualAnchor = time;
      this.#realAnchor = performance.now();
    }
  }

  #reschedule(): void {
    this.#realTimer?.();
    this.#realTimer = undefined;
    const next = this.#timers[0];
    if (!next || this.#advancing) return;
    const speed = this.#speed;
    let delay: number;
    if (speed === 'auto' && !this.#timers.some((t) => !t.background)) {
      // Nothing under way: background timers fire in real time.
      delay = Math.max(0, next.due - this.now());
    } else if (speed === 'instant' || speed === 'auto') {
      if (this.#busy > 0) return;
      // Wait for idleMs of quiet after the last request; with none recently, jump at once.
      delay = Math.max(0, this.idleMs - (performance.now() - this.#lastActivity));
    } else if (speed > 0) {
      delay = Math.max(0, (next.due - this.now()) / speed);
    } else {
      return;
    }
    if (delay <= 0) {
      const immediate = setImmediate(() => void this.#fireDue());
      this.#realTimer = () => clearImmediate(immediate);
    } else {
      const timeout = setTimeout(() => void this.#fireDue(), Math.min(delay, 2_147_483_647));
      this.#realTimer = () => clearTimeout(timeout);
    }
  }

  async #fireDue(): Promise<void> {
    this.#realTimer = undefined;
    const next = this.#timers[0];
    if (!next) return;
    const jumping =
      this.#speed === 'instant' || (this.#speed === 'auto' && this.#timers.some((t) => !t.background));
    if (jumping) {
      if (this.#busy > 0) return;
      this.#jumpTo(next.due);
      this.#advancing = true;
      try {
        // Every timer due at this instant runs now (parallel work ending together).
        while (this.#timers[0] && this.#timers[0].due <= next.due && this.#busy === 0) {
          await runTimer(this.#timers.shift()!);
        }
      } finally {
        this.#advancing = false;
      }
    } else {
      const now = this.now();
      this.#advancing = true;
      try {
        while (this.#timers[0] && this.#timers[0].due <= now) {
          const t = this.#timers.shift()!;
          await runTimer(t);
        }
      } finally {
        this.#advancing = false;
      }
    }
    this.#reschedule();
  }
}

/**
 * One piece of work the instant clock waits for. Unlike a bare busy()/idle() pair it can be
 * paused: a synchronous Lambda invoke whose handler sleeps on a virtual timer (an SDK retry
 * back-off, a poll) must let the clock move, or the clock would wait for the request and the
 * request for the clock. A hold may be linked to the hold of the work that started it (the
 * user's action whose HTTP request this is): pausing one pauses the chain.
 */
export class ClockHold {
  readonly #clock: VirtualClock;
  #held = true;
  #ended = false;
  /** The enclosing work's hold, paused and resumed with this one. */
  linked: ClockHold | undefined;

  constructor(clock: VirtualClock) {
    this.#clock = clock;
    clock.busy();
  }

  /** Lets the clock move while the work waits on virtual time. */
  pause(): void {
    if (this.#ended || !this.#held) return;
    this.#held = false;
    this.#clock.idle();
    this.linked?.pause();
  }

  /** The work computes again: the clock waits for it. */
  resume(): void {
    if (this.#ended || this.#held) return;
    this.#held = true;
    this.linked?.resume();
    this.#clock.busy();
  }

  /** The work is over (idempotent). */
  end(): void {
    if (this.#ended) return;
    if (this.#held) this.#clock.idle();
    else this.linked?.resume();
    this.#ended = true;
  }
}

async function runTimer(timer: Timer): Promise<void> {
  if (timer.cancelled) return;
  // Not awaited: a timer may start work that itself waits on the clock.
  try {
    const result = timer.fn();
    if (result instanceof Promise) result.catch(reportTimerError);
  } catch (error) {
    reportTimerError(error);
  }
  await settle();
}

function reportTimerError(error: unknown): void {
  // A failing timer must not stop the clock; the model that set it owns the error.
  process.emitWarning(`local cloud timer failed: ${(error as Error).stack ?? String(error)}`);
}

/** Lets promise chains and I/O callbacks started by a timer run before the next one. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
