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
