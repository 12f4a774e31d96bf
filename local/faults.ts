/**
 * Fault injection: what should go wrong, and how often. Each fault fires `times` times
 * (default once; `Infinity` = until cleared), then disappears.
 */
export interface ResourceFault {
  kind: 'resource';
  /** Match by logical id and/or resource type and/or stack name; omitted fields match anything. */
  logicalId?: string;
  type?: string;
  stackName?: string;
  /** Which operation fails (default: create). */
  action?: 'create' | 'update' | 'delete';
  reason?: string;
  times?: number;
}

export interface DeploymentFault {
  kind: 'deployment';
  service: string;
  cluster?: string;
  reason?: string;
  times?: number;
}

export interface TaskFault {
  kind: 'task';
  /** Task definition family (or `family:revision`); omitted = any task. */
  taskDefinition?: string;
  cluster?: string;
  exitCode?: number;
  reason?: string;
  times?: number;
}

export interface ThrottleFault {
  kind: 'throttle';
  /** Signing name of the service, e.g. `s3`, `ecs`, `cloudformation`. */
  service: string;
  /** Operation name; omitted = every operation of the service. */
  operation?: string;
  times?: number;
}

export interface EventFault {
  kind: 'event';
  source?: string;
  detailType?: string;
  times?: number;
}

/** EventBridge's call to a rule target fails (e.g. the target's role lost its permission). */
export interface TargetFault {
  kind: 'target';
  /** Target ARN or its prefix, e.g. a state machine ARN; omitted = any target. */
  targetArn?: string;
  /** The error the target call returns; AccessDenied… and ResourceNotFound… errors are not retried. */
  code?: string;
  message?: string;
  times?: number;
}

export type Fault = ResourceFault | DeploymentFault | TaskFault | ThrottleFault | EventFault | TargetFault;

type Stored = Fault & { id: number; remaining: number };

export class Faults {
  #faults: Stored[] = [];
  #nextId = 1;

  /** Adds a fault; returns its id (for `remove`). */
  add(fault: Fault): number {
    const id = this.#nextId++;
    this.#faults.push({ ...fault, id, remaining: fault.times ?? 1 });
    return id;
  }

  /** Fails a CloudFormation resource (by logical id, type and/or stack) with a reason. */
  failResource(fault: Omit<ResourceFault, 'kind'>): number {
    return this.add({ kind: 'resource', ...fault });
  }

  /** Makes the next deployment of an ECS service fail (circuit breaker rolls it back). */
  failDeployment(fault: Omit<DeploymentFault, 'kind'>): number {
    return this.add({ kind: 'deployment', ...fault });
  }

  /** Makes the next RunTask (of a family) stop with an exit code and reason. */
  failTask(fault: Omit<TaskFault, 'kind'>): number {
    return this.add({ kind: 'task', ...fault });
  }

  /** Throttles an operation N times. */
  throttle(fault: Omit<ThrottleFault, 'kind'>): number {
    return this.add({ kind: 'throttle', ...fault });
  }

  /** Drops matching events N times (they are never delivered). */
  dropEvent(fault: Omit<EventFault, 'kind'>): number {
    return this.add({ kind: 'event', ...fault });
  }

  /** Makes EventBridge's calls to a matching rule target fail N times. */
  failTarget(fault: Omit<TargetFault, 'kind'>): number {
    return this.add({ kind: 'target', ...fault });
  }

  /** Consumes a matching target failure: the error the call returns, or undefined. */
  takeTargetFailure(targetArn: string): { code: string; message: string } | undefined {
    const f = this.#take(
      (x): x is TargetFault & Stored =>
        x.kind === 'target' && (x.targetArn === undefined || targetArn.startsWith(x.targetArn)),
    );
    if (!f) return undefined;
    const code = f.code ?? 'ThrottlingException';
    return { code, message: f.message ?? `${code} (injected fault)` };
  }

  remove(id: number): void {
    this.#faults = this.#faults.filter((f) => f.id !== id);
  }

  clear(): void {
    this.#faults = [];
  }

  list(): ReadonlyArray<Fault & { id: number; remaining: number }> {
    return this.#faults.map((f) => ({ ...f }));
  }

  /** Consumes a matching resource fault; returns its reason, or undefined when none applies. */
  takeResource(target: {
    logicalId: string;
    type: string;
    stackName?: string;
    action: 'create' | 'update' | 'delete';
  }): string | undefined {
    const f = this.#take(
      (x): x is ResourceFault & Stored =>
        x.kind === 'resource' &&
        (x.logicalId === undefined || x.logicalId === target.logicalId) &&
        (x.type === undefined || x.type === target.type) &&
        (x.stackName === undefined || x.stackName === target.stackName) &&
        (x.action ?? 'create') === target.action,
    );
    return f ? (f.reason ?? `Resource ${target.logicalId} failed (injected fault)`) : undefined;
  }

  /** Consumes a matching deployment fault; returns its reason. */
  takeDeployment(target: { cluster: string; service: string }): string | undefined {
    const f = this.#take(
      (x): x is DeploymentFault & Stored =>
        x.kind === 'deployment' &&
        x.service === target.service &&
        (x.cluster === undefined || x.cluster === target.cluster),
    );
    return f ? (f.reason ?? 'ECS deployment circuit breaker: tasks failed to start.') : undefined;
  }

  /** Consumes a matching task fault. */
  takeTask(target: {
    cluster: string;
    family: string;
    revision: number;
  }): { exitCode: number; reason: string } | undefined {
    const f = this.#take(
      (x): x is TaskFault & Stored =>
        x.kind === 'task' &&
        (x.taskDefinition === undefined ||
          x.taskDefinition === target.family ||
          x.taskDefinition === `${target.family}:${target.revision}`) &&
        (x.cluster === undefined || x.cluster === target.cluster),
    );
    return f
      ? { exitCode: f.exitCode ?? 1, reason: f.reason ?? 'Essential container in task exited' }
      : undefined;
  }

  /** Consumes a matching throttle; true when the call must be throttled. */
  takeThrottle(service: string, operation: string): boolean {
    return Boolean(
      this.#take(
        (x): x is ThrottleFault & Stored =>
          x.kind === 'throttle' &&
          x.service === service &&
          (x.operation === undefined || x.operation === operation),
      ),
    );
  }

  /** Consumes a matching event drop; true when the event must be dropped. */
  takeEventDrop(event: { source: string; detailType: string }): boolean {
    return Boolean(
      this.#take(
        (x): x is EventFault & Stored =>
          x.kind === 'event' &&
          (x.source === undefined || x.source === event.source) &&
          (x.detailType === undefined || x.detailType === event.detailType),
      ),
    );
  }

  #take<T extends Stored>(match: (f: Stored) => f is T): T | undefined {
    const f = this.#faults.find(match);
    if (!f) return undefined;
    f.remaining -= 1;
    if (f.remaining <= 0) this.remove(f.id);
    return f;
  }
}
