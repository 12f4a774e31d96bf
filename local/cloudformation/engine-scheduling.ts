/**
 * Operation scheduling: one operation per stack at a time, its timeout and cancellation, and the
 * dependency graph runner that starts each resource once its dependencies finished (in parallel
 * where the graph allows), on the virtual clock. Split from engine.ts.
 */
import type { CloudFormationEngine } from './engine.ts';
import type { Operation, ResourceRecord, StackRecord } from './engine-records.ts';

/** Resources in an order where each comes after its dependencies. */
export function topologicalOrder(plan: Map<string, { dependsOn: string[] }>): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const dep of plan.get(id)?.dependsOn ?? []) visit(dep);
    order.push(id);
  };
  for (const id of plan.keys()) visit(id);
  return order;
}

export function operation(
  this: CloudFormationEngine,
  stack: StackRecord,
  kind: Operation['kind'],
  token: string | undefined,
  run: (op: Operation) => Promise<void>,
): void {
  const op: Operation = {
    kind,
    token,
    cancelled: false,
    deleteRequested: false,
    running: new Set(),
    done: Promise.resolve(),
  };
  stack.operation = op;
  op.done = (async () => {
    try {
      await run(op);
    } catch (error) {
      process.emitWarning(
        `local cloudformation: ${stack.stackName} ${kind} crashed: ${(error as Error).stack}`,
      );
    } finally {
      if (stack.operation === op) stack.operation = undefined;
    }
  })();
}

export function timeout(this: CloudFormationEngine, stack: StackRecord, op: Operation) {
  if (!stack.timeoutInMinutes) return undefined;
  return this.cloud.clock.setBackgroundTimer(stack.timeoutInMinutes * 60_000, () => {
    if (stack.operation !== op || op.cancelled) return;
    op.timedOut = true;
    this.cancel(stack, op);
  });
}

/**
 * Runs `work` for every planned resource as soon as all its dependencies succeeded, in
 * parallel. On the first failure, resources still in progress are cancelled and the graph
 * stops: the result is false.
 */
export function runGraph(
  this: CloudFormationEngine,
  op: Operation,
  plan: Map<string, { dependsOn: string[] }>,
  work: (id: string) => Promise<boolean>,
): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const state = new Map<string, 'waiting' | 'running' | 'done' | 'failed'>();
    for (const id of plan.keys()) state.set(id, 'waiting');
    let finished = false;
    const finish = (ok: boolean) => {
      if (finished) return;
      finished = true;
      resolve(ok);
    };
    op.resolveGraph = finish;
    const pump = (): void => {
      if (finished) return;
      if (op.cancelled) {
        finish(false);
        return;
      }
      for (const [id, s] of state) {
        if (s !== 'waiting') continue;
        const deps = plan.get(id)!.dependsOn;
        if (deps.some((d) => state.get(d) === 'failed')) continue;
        if (!deps.every((d) => state.get(d) === 'done' || !state.has(d))) continue;
        state.set(id, 'running');
        op.running.add(id);
        work(id).then(
          (ok) => settle(id, ok),
          (error) => {
            process.emitWarning(`local cloudformation: resource ${id} crashed: ${(error as Error).stack}`);
            settle(id, false);
          },
        );
      }
      if ([...state.values()].every((s) => s === 'done')) finish(true);
      else if (![...state.values()].some((s) => s === 'running')) finish(false);
    };
    const settle = (id: string, ok: boolean) => {
      op.running.delete(id);
      if (finished) return;
      state.set(id, ok ? 'done' : 'failed');
      if (!ok) {
        finish(false);
        return;
      }
      pump();
    };
    pump();
  });
}

/** Marks resources still in progress as cancelled (CloudFormation's "Resource ... cancelled"). */
export function cancel(this: CloudFormationEngine, stack: StackRecord, op: Operation): void {
  if (op.cancelled) return;
  op.cancelled = true;
  for (const id of op.running) {
    const resource = stack.resources.get(id);
    if (!resource?.status.endsWith('_IN_PROGRESS')) continue;
    const creating = resource.status.startsWith('CREATE');
    this.resourceEvent(
      stack,
      resource,
      creating ? 'CREATE_FAILED' : 'UPDATE_FAILED',
      creating ? 'Resource creation cancelled' : 'Resource update cancelled',
    );
  }
  op.resolveGraph?.(false);
}

export function failResource(
  this: CloudFormationEngine,
  stack: StackRecord,
  op: Operation,
  resource: ResourceRecord,
  status: string,
  reason: string,
  failures: string[],
): false {
  if (op.cancelled) return false;
  this.resourceEvent(stack, resource, status, reason);
  failures.push(resource.logicalId);
  op.running.delete(resource.logicalId);
  this.cancel(stack, op);
  return false;
}

/** Like runGraph but carries on past failures (deletes continue where they can). */
export async function runGraphAll(
  this: CloudFormationEngine,
  plan: Map<string, { dependsOn: string[] }>,
  work: (id: string) => Promise<boolean>,
): Promise<void> {
  const pending = new Map(plan);
  const done = new Set<string>();
  const failed = new Set<string>();
  await new Promise<void>((resolve) => {
    let running = 0;
    const pump = () => {
      for (const [id, node] of pending) {
        if (node.dependsOn.some((d) => failed.has(d))) {
          pending.delete(id);
          failed.add(id);
          continue;
        }
        if (!node.dependsOn.every((d) => done.has(d) || !plan.has(d))) continue;
        pending.delete(id);
        running++;
        void work(id).then((ok) => {
          running--;
          (ok ? done : failed).add(id);
          pump();
        });
      }
      if (running === 0) resolve();
    };
    pump();
  });
}
