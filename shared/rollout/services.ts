import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  type Service,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { earliestRolloutMs, nextPollDelayMs } from './poll.ts';
import { describeStoppedTask, type WaitDeps } from './release.ts';
import { RolloutStillRunningError, withRetry } from './retry.ts';

export class ServiceNotFoundError extends Error {
  override name = 'ServiceNotFoundError';
}

/** Describes services (DescribeServices takes ten at a time), in the order asked. */
export async function describeServices(
  cluster: string,
  names: string[],
  deps: Pick<WaitDeps, 'ecs' | 'sleep'>,
): Promise<Service[]> {
  const found = new Map<string, Service>();
  for (let i = 0; i < names.length; i += 10) {
    const chunk = names.slice(i, i + 10);
    const out = await withRetry(
      () => deps.ecs.send(new DescribeServicesCommand({ cluster, services: chunk })),
      deps,
    );
    for (const service of out.services ?? [])
      if (service.serviceName) found.set(service.serviceName, service);
  }
  return names.map((name) => {
    const service = found.get(name);
    if (!service || service.status === 'INACTIVE') {
      throw new ServiceNotFoundError(`ECS service ${name} not found in cluster ${cluster}`);
    }
    return service;
  });
}

/** Points a service at a task definition revision; returns the id of the deployment ECS started. */
export async function updateService(
  cluster: string,
  service: string,
  taskDefinition: string,
  desiredCount: number | undefined,
  deps: Pick<WaitDeps, 'ecs' | 'sleep'>,
): Promise<string> {
  const out = await withRetry(
    () =>
      deps.ecs.send(
        new UpdateServiceCommand({
          cluster,
          service,
          taskDefinition,
          ...(desiredCount === undefined ? {} : { desiredCount }),
        }),
      ),
    deps,
  );
  const primary = out.service?.deployments?.find((d) => d.status === 'PRIMARY');
  if (!primary?.id) throw new Error(`UpdateService on ${service} returned no PRIMARY deployment`);
  return primary.id;
}

export type RolloutResult = { ok: true } | { ok: false; reason: string };

/**
 * Judges one service's rollout of deployment `deploymentId`: done when that deployment is PRIMARY
 * with rolloutState COMPLETED; failed when it is FAILED (the circuit breaker then rolls back to a
 * new PRIMARY) or was replaced. "Stable" alone proves nothing: a service is stable again after a
 * circuit-breaker rollback too.
 */
export function judgeRollout(service: Service, deploymentId: string): RolloutResult | undefined {
  const deployments = service.deployments ?? [];
  const ours = deployments.find((d) => d.id === deploymentId);
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  if (ours?.rolloutState === 'FAILED') {
    return { ok: false, reason: ours.rolloutStateReason ?? 'deployment failed' };
  }
  if (primary?.id === deploymentId) {
    return primary.rolloutState === 'COMPLETED' ? { ok: true } : undefined;
  }
  if (!ours) {
    return {
      ok: false,
      reason: `deployment ${deploymentId} was replaced by ${primary?.id ?? 'another deployment'} (${primary?.taskDefinition ?? 'unknown task definition'})`,
    };
  }
  // Ours is ACTIVE but no longer PRIMARY: something else took over (a rollback or another update).
  return {
    ok: false,
    reason: `deployment ${deploymentId} is no longer primary; ${primary?.id ?? 'another deployment'} took over`,
  };
}

/** The reason the newest stopped task of a service's failed revision gave (exit code, container reason). */
export async function stoppedTaskReason(
  cluster: string,
  serviceName: string,
  taskDefinition: string,
  deps: Pick<WaitDeps, 'ecs' | 'sleep'>,
): Promise<string | undefined> {
  const listed = await withRetry(
    () => deps.ecs.send(new ListTasksCommand({ cluster, serviceName, desiredStatus: 'STOPPED' })),
    deps,
  );
  const arns = listed.taskArns ?? [];
  if (arns.length === 0) return undefined;
  const described = await withRetry(
    () => deps.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(0, 100) })),
    deps,
  );
  const newest = (described.tasks ?? [])
    .filter((t) => t.taskDefinitionArn === taskDefinition)
    .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))[0];
  return newest ? describeStoppedTask(newest) : undefined;
}

/**
 * Polls the services until every deployment is COMPLETED or FAILED (bounded by the deadline; past
 * it, RolloutStillRunningError lets the message be retried to resume waiting). A failed service's
 * result carries the stopped task's reason. Polls follow poll.ts: not before the slowest pending
 * deployment can settle, then at a twentieth of the time since the deployments started.
 */
export async function waitForRollouts(
  cluster: string,
  deployments: Record<string, string>,
  taskDefinitions: Record<string, string>,
  deps: WaitDeps,
): Promise<Record<string, RolloutResult>> {
  const results: Record<string, RolloutResult> = {};
  let pending = Object.keys(deployments);
  const waitStart = deps.now().getTime();
  while (pending.length > 0) {
    if (deps.now() >= deps.deadline) {
      throw new RolloutStillRunningError(
        `services still rolling out at the invocation deadline: ${pending.join(', ')}`,
      );
    }
    const services = await describeServices(cluster, pending, deps);
    // When the pending deployments started (ECS's createdAt; a resumed wait keeps counting) and
    // the earliest the slowest of them can settle.
    let startedAt = waitStart;
    let earliestMs = 0;
    for (const service of services) {
      const name = service.serviceName!;
      const result = judgeRollout(service, deployments[name]!);
      if (!result) {
        const created = service.deployments?.find((d) => d.id === deployments[name])?.createdAt?.getTime();
        if (created !== undefined && created < startedAt) startedAt = created;
        earliestMs = Math.max(earliestMs, earliestRolloutMs(service, deployments[name]!));
        continue;
      }
      if (!result.ok) {
        const stopped = await stoppedTaskReason(cluster, name, taskDefinitions[name] ?? '', deps);
        result.reason = stopped ? `${result.reason}; stopped task: ${stopped}` : result.reason;
      }
      results[name] = result;
    }
    pending = pending.filter((name) => !results[name]);
    if (pending.length > 0)
      await deps.sleep(nextPollDelayMs(deps.now().getTime() - startedAt, earliestMs, deps.pollIntervalMs));
  }
  return results;
}
