/**
 * How the ECS rolling-update scheduler replaces a service's tasks, as a plan of batches.
 *
 * Source: "Deploy Amazon ECS services by replacing tasks" (rolling update; read 2026-12-07):
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html
 * - minimumHealthyPercent is the lower limit on RUNNING tasks during a deployment, as a percentage
 *   of the desired count, rounded up; maximumPercent is the upper limit on RUNNING or PENDING
 *   tasks, rounded down (defaults 100 and 200).
 * - the scheduler stops old tasks only once enough new tasks are healthy to stay above the minimum,
 *   and starts new ones only while the total stays within the maximum.
 * Task lifecycle (PROVISIONING → PENDING → ACTIVATING → RUNNING):
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-lifecycle-explanation.html
 */

/** One batch: old tasks stopped to make room, new tasks started, old tasks stopped once they are healthy. */
export interface RolloutBatch {
  stopBefore: number;
  start: number;
  stopAfter: number;
}

/** The batches a deployment of `desired` tasks takes while `oldRunning` tasks of older deployments run. */
export function planRollout(input: {
  desired: number;
  oldRunning: number;
  minimumHealthyPercent?: number;
  maximumPercent?: number;
}): RolloutBatch[] {
  const desired = Math.max(0, input.desired);
  const minRunning = Math.ceil((desired * (input.minimumHealthyPercent ?? 100)) / 100);
  const maxTotal = Math.max(1, Math.floor((desired * (input.maximumPercent ?? 200)) / 100));
  let old = Math.max(0, input.oldRunning);
  let started = 0;
  const batches: RolloutBatch[] = [];
  while ((started < desired || old > 0) && batches.length < 1000) {
    const remaining = desired - started;
    // Make room for the remaining new tasks, never dropping below the healthy minimum.
    const stopBefore = Math.max(
      0,
      Math.min(old, old + started - minRunning, old + started + remaining - maxTotal),
    );
    old -= stopBefore;
    let start = Math.max(0, Math.min(remaining, maxTotal - (old + started)));
    // minimum 100 % with maximum 100 % can never make room; ECS then exceeds neither by more than one task.
    if (start === 0 && stopBefore === 0 && remaining > 0) start = 1;
    started += start;
    // Once the new tasks are healthy, old tasks beyond the desired count drain.
    const stopAfter = Math.max(0, Math.min(old, old + started - desired));
    old -= stopAfter;
    batches.push({ stopBefore, start, stopAfter });
  }
  return batches;
}

// ---- timing ----------------------------------------------------------------------------------
//
// How long each step of a rolling deployment takes, from the service's own settings. Every rule
// below is AWS's (read 2026-12-07); the durations it is fed (task start, app boot, stop) come from
// local/durations.ts.

/** How long one task of the deployment takes to start, boot and stop. */
export interface TaskTimings {
  /** PROVISIONING → RUNNING: Fargate capacity and network interface, then the image pull. */
  startMs: number;
  /** RUNNING → the app answers its health check (the container's own boot). */
  appReadyMs: number;
  /** SIGTERM → STOPPED, once the task is no longer registered with a load balancer. */
  stopMs: number;
}

/** The target group settings that decide how fast a task is healthy and how long it drains. */
export interface TargetGroupTimings {
  intervalMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  deregistrationDelayMs: number;
}

/** When a new task is judged healthy, or killed, counted from the moment it is RUNNING. */
export type HealthOutcome = { healthyMs: number } | { killedMs: number; unhealthyMs: number };

/**
 * When a new task is healthy, counted from RUNNING.
 * - Without a load balancer (and no container health check) ECS counts a RUNNING task as healthy.
 * - With one, the load balancer checks every HealthCheckIntervalSeconds; "after your target is
 *   registered, it must pass one health check to be considered healthy", so the first check at or
 *   after the app's boot makes it healthy. If UnhealthyThresholdCount checks fail first, the target
 *   is unhealthy and needs HealthyThresholdCount consecutive passes ("when a target transitions from
 *   unhealthy back to healthy").
 *   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-healthcheck.html
 * - ECS "ignores unhealthy Elastic Load Balancing ... health checks after a task has first started"
 *   for healthCheckGracePeriodSeconds; an unhealthy target after that is stopped and replaced.
 *   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html
 */
export function timeToHealthy(
  task: TaskTimings,
  targetGroup: TargetGroupTimings | undefined,
  gracePeriodMs: number,
): HealthOutcome {
  if (!targetGroup) return { healthyMs: 0 };
  const interval = targetGroup.intervalMs;
  // Checks run at interval, 2 × interval, … after registration (registration at RUNNING).
  const firstPass = Math.max(1, Math.ceil(task.appReadyMs / interval));
  const failuresFirst = firstPass - 1;
  if (failuresFirst < targetGroup.unhealthyThreshold) return { healthyMs: firstPass * interval };
  const unhealthyMs = targetGroup.unhealthyThreshold * interval;
  const healthyMs = (firstPass + targetGroup.healthyThreshold - 1) * interval;
  const killedMs = Math.max(gracePeriodMs, unhealthyMs);
  return killedMs < healthyMs ? { killedMs, unhealthyMs } : { healthyMs };
}

/**
 * How long an old task takes to leave: a task behind a load balancer is deregistered first and
 * "Amazon ECS ... waits for the load balancer to report that the keep alive connection is closed
 * (the target is in an UNUSED state)"; the target stays draining for the whole deregistration
 * delay, even when it has no requests left. Then ECS sends SIGTERM.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-connection-draining.html
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html#deregistration-delay
 */
export function timeToStop(task: TaskTimings, targetGroup: TargetGroupTimings | undefined): number {
  return (targetGroup?.deregistrationDelayMs ?? 0) + task.stopMs;
}

/** A batch with its times, relative to the start of the deployment. */
export interface TimedBatch extends RolloutBatch {
  /** When its old tasks start draining and its new tasks are launched. */
  startAtMs: number;
  /** When its new tasks are healthy (and the surplus old ones start draining). */
  healthyAtMs: number;
  /** When its last old task has STOPPED. */
  drainedAtMs: number;
}

export interface RolloutTimeline {
  batches: TimedBatch[];
  /** Until the service reaches a steady state: rolloutState COMPLETED. */
  totalMs: number;
  /** New task: RUNNING → healthy. */
  healthyAfterRunningMs: number;
}

/** What times a deployment: its batches' inputs, the task's timings, the target group, the grace period. */
export interface RolloutTimingInput {
  desired: number;
  oldRunning: number;
  minimumHealthyPercent?: number;
  maximumPercent?: number;
  task: TaskTimings;
  targetGroup?: TargetGroupTimings;
  gracePeriodMs: number;
}

/**
 * The rolling deployment over time: batches from `planRollout`; each launches its new tasks
 * (start + time to healthy) while the old tasks it stops drain; the next batch starts once those
 * are healthy, since draining tasks no longer count as RUNNING. "When the service reaches a steady
 * state, the deployment transitions to a COMPLETED state" — every new task healthy, every old one
 * STOPPED.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html
 * Returns `killed` instead when the grace period ends before the app can become healthy.
 */
export function timeRollout(
  input: RolloutTimingInput,
): RolloutTimeline | { killed: { killedMs: number; unhealthyMs: number } } {
  const health = timeToHealthy(input.task, input.targetGroup, input.gracePeriodMs);
  if ('killedMs' in health) return { killed: health };
  const stop = timeToStop(input.task, input.targetGroup);
  const plan = planRollout(input);
  const batches: TimedBatch[] = [];
  let at = 0;
  let totalMs = 0;
  for (const batch of plan) {
    const healthyAtMs = batch.start > 0 ? at + input.task.startMs + health.healthyMs : at;
    const drainedAtMs = Math.max(
      batch.stopBefore > 0 ? at + stop : 0,
      batch.stopAfter > 0 ? healthyAtMs + stop : 0,
    );
    batches.push({ ...batch, startAtMs: at, healthyAtMs, drainedAtMs });
    totalMs = Math.max(totalMs, healthyAtMs, drainedAtMs);
    at = healthyAtMs;
  }
  return { batches, totalMs, healthyAfterRunningMs: health.healthyMs };
}

/**
 * The deployment circuit breaker's failed-task threshold: "0.5 * desired task count", "a minimum
 * threshold of 3 and a maximum threshold of 200".
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentCircuitBreaker.html
 */
export function circuitBreakerThreshold(desired: number): number {
  return Math.min(200, Math.max(3, Math.ceil(0.5 * desired)));
}

/** When a failing deployment trips the circuit breaker, and why then. */
export interface CircuitBreakerTiming {
  failedAtMs: number;
  threshold: number;
  /** Failing tasks in flight at once (the first batch). */
  perRound: number;
  /** Launch → the scheduler counts the task as failed. */
  roundMs: number;
}

/**
 * When the circuit breaker sets a deployment whose tasks all fail to FAILED. The scheduler keeps the
 * first batch's tasks in flight and replaces each failed one; a task fails when its essential
 * container exits after boot (no load balancer) or when, after the grace period, its target is
 * unhealthy (UnhealthyThresholdCount failed checks). The breaker trips at the threshold.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
 * Not modelled: ECS's back-off between launches of tasks that keep failing (service throttling),
 * which only lengthens the failure further.
 */
export function timeCircuitBreaker(input: RolloutTimingInput): CircuitBreakerTiming {
  const threshold = circuitBreakerThreshold(input.desired);
  const perRound = Math.max(1, planRollout({ ...input, desired: Math.max(1, input.desired) })[0]?.start ?? 1);
  const judged = input.targetGroup
    ? Math.max(input.gracePeriodMs, input.targetGroup.unhealthyThreshold * input.targetGroup.intervalMs)
    : input.task.appReadyMs;
  const roundMs = input.task.startMs + judged;
  return { failedAtMs: Math.ceil(threshold / perRound) * roundMs, threshold, perRound, roundMs };
}
