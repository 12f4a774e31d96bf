/**
 * The inputs of an ECS deployment's timing (ecs-rollout.ts) read from the local cloud: the image
 * sizes ECR holds for the task definition's containers, the target group the service registers
 * with (health checks, deregistration delay) and the service's grace period.
 */
import type { LocalCloud } from '../kernel.ts';
import { pulledImage, type TaskImages, taskPlatform } from './ecs-image-pull.ts';
import type { TargetGroupTimings, TaskTimings } from './ecs-rollout.ts';

type ContainerImages = TaskImages;

/**
 * Compressed bytes of the images a task pulls: ECR's imageSizeInBytes for an image of a local
 * repository (`<registry>/<repo>@sha256:…` or `<registry>/<repo>:<tag>`; an image index counts its
 * entry for the task's platform); 0 for images it does not hold (public images, the placeholder
 * before the first push).
 */
export function imageBytes(cloud: LocalCloud, td: ContainerImages): number {
  const platform = taskPlatform(td);
  let total = 0;
  for (const c of td.containerDefinitions) {
    total += pulledImage(cloud, c.image ?? '', platform).image?.imageSizeInBytes ?? 0;
  }
  return total;
}

/** How long one task of this task definition takes to start (with its image pull), boot and stop. */
export function taskTimings(cloud: LocalCloud, td: ContainerImages): TaskTimings {
  const d = cloud.durations.service;
  return {
    startMs: d.ecsTaskStart + Math.round((imageBytes(cloud, td) / d.ecsImagePullBytesPerSecond) * 1000),
    appReadyMs: d.ecsAppBoot,
    stopMs: d.ecsTaskStop,
  };
}

/** The health check and draining settings of the service's (first) target group, if it has one. */
export function targetGroupTimings(
  cloud: LocalCloud,
  loadBalancers: unknown[],
): TargetGroupTimings | undefined {
  const arn = (loadBalancers[0] as { targetGroupArn?: string } | undefined)?.targetGroupArn;
  const tg = arn ? cloud.elbv2.targetGroups.get(arn) : undefined;
  if (!tg) return undefined;
  return {
    intervalMs: tg.HealthCheckIntervalSeconds * 1000,
    healthyThreshold: tg.HealthyThresholdCount,
    unhealthyThreshold: tg.UnhealthyThresholdCount,
    deregistrationDelayMs: Number(tg.attributes['deregistration_delay.timeout_seconds'] ?? 300) * 1000,
  };
}
