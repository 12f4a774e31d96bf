import type { Service } from '@aws-sdk/client-ecs';
import { DEREGISTRATION_DELAY_SECONDS, HEALTH_CHECK_INTERVAL_SECONDS } from '#shared/service-defaults.ts';

/**
 * When roll-service looks again at what it waits for (a release task, service deployments).
 *
 * roll-service holds its FIFO message group for the whole deploy, so that the next push of the
 * repository waits; while it holds it, the function is running and no event can reach it: it polls.
 * The outcome is recorded at the first poll after the deployment settles, so the interval is what
 * a deploy loses. It is derived from the wait itself instead of a flat 15 s:
 * - never before the earliest moment the deployment can settle, given the service's own settings
 *   (`earliestRolloutMs`): polls before then cannot find it done;
 * - then every 5 s, and past 100 s a twentieth of the time the wait has lasted (at most the cap,
 *   15 s): the outcome lands at most 5 s (or 5 % of a longer wait) after the deployment settles,
 *   and a wait of T seconds costs about T / 5 describes up to 100 s, then 20 ln(T / 100) more,
 *   instead of T / 15. ECS throttles DescribeServices and DescribeTasks per account and Region with
 *   a token bucket (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/request-throttling.html,
 *   read 2026-12-07): one describe per project every 5 s at most keeps many projects deploying at
 *   once near a steady rate, and the SDK retries a throttled call, so they only record a little later.
 */
export const MIN_POLL_MS = 5_000;
export const MAX_POLL_MS = 15_000;

/** The delay before the next poll, `elapsedMs` into a wait that cannot end before `earliestMs`. */
export function nextPollDelayMs(elapsedMs: number, earliestMs = 0, capMs = MAX_POLL_MS): number {
  const floor = Math.min(MIN_POLL_MS, capMs);
  const wanted = Math.max(earliestMs - elapsedMs, elapsedMs / 20);
  return Math.round(Math.min(capMs, Math.max(floor, wanted)));
}

/**
 * The earliest a service's deployment `deploymentId` can reach rolloutState COMPLETED, from the
 * deployment's start. Behind a load balancer a new task is healthy only at its first passing health
 * check (one interval after registration at the soonest), and when older tasks run, each is
 * deregistered and drains for the whole deregistration delay before ECS stops it; COMPLETED needs
 * the steady state, every old task stopped. The target group settings are stackdrop's own
 * (shared/service-defaults.ts, which templates/app.yaml and edge.yaml carry).
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-connection-draining.html
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html (read 2026-12-07)
 * Without a load balancer nothing in the service's settings bounds it from below: 0.
 */
export function earliestRolloutMs(service: Service, deploymentId: string): number {
  if ((service.loadBalancers ?? []).length === 0) return 0;
  const healthy = HEALTH_CHECK_INTERVAL_SECONDS * 1000;
  const older = (service.deployments ?? []).some((d) => d.id !== deploymentId && (d.runningCount ?? 0) > 0);
  return healthy + (older ? DEREGISTRATION_DELAY_SECONDS * 1000 : 0);
}
