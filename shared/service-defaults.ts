/**
 * stackdrop's ECS service and target group settings, tuned for the fastest rollout that is still
 * safe, each with why it is safe and the AWS page it follows (read 2026-12-07). One place:
 * scripts/generate-app-template.ts writes them into templates/app.yaml, templates/edge.yaml holds
 * the same literals (a unit test keeps them equal), docs/deploys.md explains them.
 *
 * A web rollout of the example manifest (2 tasks, ~250 MB image) then takes ≈ task start with the
 * image pull (~41 s) + first passing health check (5 s) + draining (30 s) + stop (5 s) ≈ 81 s,
 * against 7–10 min with ECS's and ELB's defaults (see bench/results/deploy.md).
 */

/**
 * Seconds between load balancer health checks of a task (ELB default 30, minimum 5). A new target
 * is healthy after ONE passing check, so this interval is the wait after the app boots. AWS's ECS
 * guide recommends 5 s for services that start in under 10 s; Laravel's /up route is one cheap
 * framework boot per check (a handful of requests a minute per task from each load balancer node).
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-healthcheck.html
 */
export const HEALTH_CHECK_INTERVAL_SECONDS = 5;

/**
 * Seconds a health check may take (2–120, below the interval). /up answers in milliseconds; a task
 * that cannot answer it in 4 s is not serving users either.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
 */
export const HEALTH_CHECK_TIMEOUT_SECONDS = 4;

/**
 * Consecutive passes that bring an UNHEALTHY target back (2–10, ELB default 5); a new target needs
 * one pass whatever this says. The minimum, 2, still needs two answers in a row.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-healthcheck.html
 */
export const HEALTHY_THRESHOLD_COUNT = 2;

/**
 * Consecutive failures that take a target out of service (2–10, ELB default 2). 3 × 5 s = 15 s of
 * failures in a row: a brief stall (a slow query holding every php-fpm worker) does not get a
 * serving task replaced, and a slow boot of up to 15 s never goes unhealthy at all.
 */
export const UNHEALTHY_THRESHOLD_COUNT = 3;

/**
 * The longest request stackdrop's web tasks serve, in seconds: PHP's default max_execution_time,
 * and what examples/laravel sets for php-fpm (request_terminate_timeout) and nginx
 * (fastcgi_read_timeout). Work that takes longer belongs on a queue worker.
 */
export const WEB_REQUEST_TIMEOUT_SECONDS = 30;

/**
 * Seconds the load balancer drains a deregistering task (ELB default 300). ECS waits for the target
 * to leave `draining` — the whole delay, even with no requests left — before it stops the task, so
 * this sits on every rollout's critical path. Safe because it equals the web request timeout: every
 * request in flight when draining starts has finished or been cut off by PHP itself before the task
 * gets SIGTERM (php-fpm and nginx then stop gracefully, supervisord allowing 25 s).
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-connection-draining.html
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html#deregistration-delay
 */
export const DEREGISTRATION_DELAY_SECONDS = WEB_REQUEST_TIMEOUT_SECONDS;

/**
 * Seconds ECS ignores a new web task's failing health checks (ECS default 0). It never slows a
 * healthy rollout (a task is healthy at its first passing check); it is how long a broken release
 * keeps a task before ECS replaces it, so it bounds the circuit breaker's detection: 2 rounds of
 * (task start + 30 s) for the example's 2 tasks ≈ 2.4 min. Laravel boots in seconds; 30 s leaves
 * room for a cold start of 30 − 2 × 5 = 20 s (unhealthy after 15 s, healthy again after 2 passes).
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html
 */
export const HEALTH_CHECK_GRACE_PERIOD_SECONDS = 30;

/**
 * Rolling update bounds for web and workers: start every new task at once (maximumPercent 200,
 * the most a service may run during a deployment) and never run fewer than desired
 * (minimumHealthyPercent 100), so a deploy is one batch and capacity never drops.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html
 */
export const ROLLING_DEPLOYMENT = { MinimumHealthyPercent: 100, MaximumPercent: 200 } as const;

/**
 * The scheduler must never run twice: its old task stops before the new one starts
 * (docs/decisions/scheduler.md).
 */
export const SINGLETON_DEPLOYMENT = { MinimumHealthyPercent: 0, MaximumPercent: 100 } as const;

/**
 * The deployment circuit breaker with rollback: a release whose tasks keep failing is FAILED after
 * max(3, 0.5 × desired) failed tasks and the previous revision is rolled back.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
 */
export const CIRCUIT_BREAKER = { Enable: true, Rollback: true } as const;

/**
 * Seconds a worker may finish its job after SIGTERM before SIGKILL (Fargate's maximum, 120).
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html
 */
export const WORKER_STOP_TIMEOUT_SECONDS = 120;
