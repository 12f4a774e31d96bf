/**
 * An execution's history as Step Functions records it (GetExecutionHistory), built from the
 * aws-local-stepfunctions event log and the runtime's own task calls.
 *
 * Source: the Step Functions API reference, HistoryEvent and its event types (read 2026-12-07):
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html
 * - a Task state: TaskStateEntered → TaskScheduled → TaskStarted → (TaskSubmitted for
 *   `.waitForTaskToken`) → TaskSucceeded | TaskFailed | TaskTimedOut → TaskStateExited; a Task
 *   whose Resource is a Lambda function ARN records LambdaFunctionScheduled/Started/Succeeded/Failed;
 * - Parallel: ParallelStateEntered → ParallelStateStarted → branch events → ParallelStateSucceeded
 *   | ParallelStateFailed → ParallelStateExited; Map likewise with MapIterationStarted/Succeeded/Failed;
 * - `id` counts from 1; `previousEventId` is the event before it on the same path: the first
 *   event of a Parallel branch points at ParallelStateStarted, the next ones at the branch's own
 *   previous event, and ParallelStateSucceeded at the last event of the branches.
 */
import type { VirtualClock } from '../clock.ts';

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: Date;
  type: string;
  details: Record<string, unknown>;
}

/** Where each state sits: the Parallel branch (`P#i`) or Map iterator (`M@`) that holds it. */
export interface StateScopes {
  types: Map<string, string>;
  /** State name → enclosing branch key (`Parallel#index`) or Map key (`Map@`); top level absent. */
  scopes: Map<string, string>;
  /** Parallel state name → number of branches. */
  branches: Map<string, number>;
  /** Task state name → Resource. */
  resources: Map<string, string>;
  /** Map state name → ItemsPath (default `$`). */
  itemsPaths: Map<string, string>;
}

type LogEvent = {
  type: string;
  index?: number;
  state?: { name: string; input?: unknown; output?: unknown };
  parentState?: { name: string };
  Error?: string;
  Cause?: unknown;
};

const TIMEOUTS = new Set(['States.Timeout', 'States.HeartbeatTimeout']);

/** The history of one execution. */
export class ExecutionHistory {
  readonly events: HistoryEvent[] = [];
  readonly #clock: VirtualClock;
  readonly #machine: StateScopes;
  readonly #last = new Map<string, number>();
  readonly #iterations = new Map<string, Set<string>>();
  /** Task attempts the event log has announced, and the runtime has begun, per state. */
  readonly #logged = new Map<string, number>();
  readonly #begun = new Map<string, number>();
  readonly #deferred: Array<{ state: string; attempt: number; run: () => void }> = [];
  readonly #lastIndex = new Map<string, number>();
  /** States whose error a Catch took: their Exited event is the only one left to record. */
  readonly #caught = new Set<string>();
  /** The raw result of each Task's last attempt (TaskSucceeded's output, before ResultSelector/ResultPath). */
  readonly #results = new Map<string, string>();
  /** States transitions as Step Functions bills them: states entered plus retries. */
  transitions = 0;

  constructor(clock: VirtualClock, machine: StateScopes) {
    this.#clock = clock;
    this.#machine = machine;
  }

  /** Appends an event on a path (scope); `previous` overrides the path's last event. */
  record(type: string, details: Record<string, unknown> = {}, scope = '', previous?: number): number {
    const id = this.events.length + 1;
    const previousEventId = previous ?? this.#last.get(scope) ?? this.#last.get('') ?? 0;
    this.events.push({ id, previousEventId, timestamp: this.#clock.date(), type, details });
    this.#last.set(scope, id);
    return id;
  }

  #scope(state: string, index?: number): string {
    const scope = this.#machine.scopes.get(state);
    if (!scope) return '';
    if (!scope.endsWith('@')) return scope;
    return `${scope}${index ?? this.#lastIndex.get(scope) ?? 0}`;
  }

  #resource(state: string): { lambda: boolean; resource: string } {
    const arn = this.#machine.resources.get(state) ?? '';
    if (arn.startsWith('arn:aws:lambda:')) return { lambda: true, resource: arn };
    return { lambda: false, resource: arn.replace(/^arn:aws:states:::lambda:/, '') };
  }

  /** The runtime begins a task attempt: returns its number (1, 2, … across the execution). */
  beginAttempt(state: string): number {
    const n = (this.#begun.get(state) ?? 0) + 1;
    this.#begun.set(state, n);
    return n;
  }

  /**
   * Records a task-level event once the event log has announced that attempt (the library's log
   * is read asynchronously, so a handler can run before its StateEntered is read).
   */
  taskEvent(
    state: string,
    attempt: number,
    kind: 'scheduled' | 'submitted',
    details: Record<string, unknown>,
  ): void {
    const run = () => {
      const scope = this.#scope(state);
      const { lambda, resource } = this.#resource(state);
      if (kind === 'scheduled') {
        if (lambda) {
          this.record('LambdaFunctionScheduled', { resource, input: details.parameters }, scope);
          this.record('LambdaFunctionStarted', {}, scope);
        } else {
          this.record(
            'TaskScheduled',
            { resourceType: 'lambda', resource, region: details.region, parameters: details.parameters },
            scope,
          );
          this.record('TaskStarted', { resourceType: 'lambda', resource }, scope);
        }
      } else if (!lambda) {
        this.record('TaskSubmitted', { resourceType: 'lambda', resource, output: details.output }, scope);
      }
    };
    if ((this.#logged.get(state) ?? 0) >= attempt) run();
    else this.#deferred.push({ state, attempt, run });
  }

  /** The raw result of a Task attempt, as TaskSucceeded reports it. */
  taskResult(state: string, output: unknown): void {
    this.#results.set(state, JSON.stringify(output ?? null));
  }

  #announce(state: string): void {
    this.#logged.set(state, (this.#logged.get(state) ?? 0) + 1);
    const ready = this.#deferred.filter((d) => d.state === state && d.attempt <= this.#logged.get(state)!);
    for (const d of ready) {
      this.#deferred.splice(this.#deferred.indexOf(d), 1);
      d.run();
    }
  }

  /** Maps one aws-local-stepfunctions log event to Step Functions history events. */
  onLog(event: LogEvent): void {
    const name = event.state?.name ?? event.parentState?.name ?? '';
    const type = this.#machine.types.get(name) ?? 'Task';
    const scopeKey = this.#machine.scopes.get(name);
    if (scopeKey?.endsWith('@') && event.index !== undefined) this.#lastIndex.set(scopeKey, event.index);
    const scope = this.#scope(name, event.index);
    const json = (v: unknown) => JSON.stringify(v ?? null);
    switch (event.type) {
      case 'StateEntered': {
        this.transitions += 1;
        this.record(`${type}StateEntered`, { name, input: json(event.state?.input) }, scope);
        if (type === 'Task') this.#announce(name);
        if (type === 'Parallel') {
          const started = this.record('ParallelStateStarted', {}, scope);
          for (let i = 0; i < (this.#machine.branches.get(name) ?? 0); i++)
            this.#last.set(`${name}#${i}`, started);
        }
        if (type === 'Map') {
          const items = selectPath(event.state?.input, this.#machine.itemsPaths.get(name) ?? '$');
          const started = this.record(
            'MapStateStarted',
            Array.isArray(items) ? { length: items.length } : {},
            scope,
          );
          this.#last.set(`${name}@start`, started);
          this.#iterations.set(name, new Set());
        }
        break;
      }
      case 'StateExited': {
        const output = json(event.state?.output);
        // After a Catch the state only exits: its failure is already recorded.
        if (this.#caught.delete(name)) {
          this.record(`${type}StateExited`, { name, output }, scope);
          break;
        }
        if (type === 'Task') {
          const { lambda, resource } = this.#resource(name);
          const result = this.#results.get(name) ?? output;
          if (lambda) this.record('LambdaFunctionSucceeded', { output: result }, scope);
          else this.record('TaskSucceeded', { resourceType: 'lambda', resource, output: result }, scope);
        }
        if (type === 'Parallel') this.record('ParallelStateSucceeded', {}, scope, this.#lastOfBranches(name));
        if (type === 'Map') this.record('MapStateSucceeded', {}, scope, this.#lastOfIterations(name));
        this.record(`${type}StateExited`, { name, output }, scope);
        break;
      }
      case 'StateFailed': {
        const error = event.Error ?? 'States.TaskFailed';
        const cause = typeof event.Cause === 'string' ? event.Cause : json(event.Cause);
        if (type === 'Task') {
          const { lambda, resource } = this.#resource(name);
          if (lambda)
            this.record(
              TIMEOUTS.has(error) ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed',
              { error, cause },
              scope,
            );
          else
            this.record(
              TIMEOUTS.has(error) ? 'TaskTimedOut' : 'TaskFailed',
              { resourceType: 'lambda', resource, error, cause },
              scope,
            );
        }
        if (type === 'Parallel')
          this.record('ParallelStateFailed', { error, cause }, scope, this.#lastOfBranches(name));
        if (type === 'Map')
          this.record('MapStateFailed', { error, cause }, scope, this.#lastOfIterations(name));
        break;
      }
      case 'StateRetried':
        this.transitions += 1;
        if (type === 'Task') this.#announce(name);
        break;
      case 'StateCaught':
        // A caught error still leaves the state: its Exited event comes with the StateExited log.
        this.#caught.add(name);
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const key = `${name}@${event.index ?? 0}`;
        if (event.type === 'MapIterationStarted') {
          this.#last.set(key, this.#last.get(`${name}@start`) ?? this.#last.get('') ?? 0);
          this.#iterations.get(name)?.add(key);
        }
        const details: Record<string, unknown> = { name, index: event.index ?? 0 };
        this.record(event.type, details, key);
        break;
      }
      default:
        break;
    }
  }

  #lastOfBranches(parallel: string): number | undefined {
    const ids: number[] = [];
    for (let i = 0; i < (this.#machine.branches.get(parallel) ?? 0); i++) {
      const id = this.#last.get(`${parallel}#${i}`);
      if (id !== undefined) ids.push(id);
    }
    return ids.length ? Math.max(...ids) : undefined;
  }

  #lastOfIterations(map: string): number | undefined {
    const ids = [...(this.#iterations.get(map) ?? [])].map((k) => this.#last.get(k) ?? 0);
    return ids.length ? Math.max(...ids) : this.#last.get(`${map}@start`);
  }
}

/** A value at a simple JSONPath (`$`, `$.a.b`) of a state's input. */
function selectPath(value: unknown, path: string): unknown {
  let v = value;
  for (const part of path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)) {
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  }
  return v;
}
