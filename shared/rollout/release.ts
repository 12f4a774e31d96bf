import { createHash } from 'node:crypto';
import { DescribeTasksCommand, type ECSClient, RunTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { nextPollDelayMs } from './poll.ts';
import { RolloutStillRunningError, withRetry } from './retry.ts';

export interface ReleaseInput {
  cluster: string;
  taskDefinition: string;
  containerName: string | undefined;
  command: string[];
  subnets: string[];
  securityGroups: string[];
  deployId: string;
}

export interface WaitDeps {
  ecs: ECSClient;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  deadline: Date;
  /** The longest wait between two polls (poll.ts decides each one). */
  pollIntervalMs: number;
}

export type ReleaseResult = { ok: true } | { ok: false; reason: string };

/**
 * Starts the release task (e.g. `php artisan migrate --force`) on the new revision: Fargate, the
 * private subnets, the app security group, no public IP. Returns the task ARN or why ECS refused.
 */
export async function startRelease(
  input: ReleaseInput,
  deps: Pick<WaitDeps, 'ecs' | 'sleep'>,
): Promise<{ taskArn: string } | { failure: string }> {
  const out = await withRetry(
    () =>
      deps.ecs.send(
        new RunTaskCommand({
          cluster: input.cluster,
          taskDefinition: input.taskDefinition,
          launchType: 'FARGATE',
          count: 1,
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: input.subnets,
              securityGroups: input.securityGroups,
              assignPublicIp: 'DISABLED',
            },
          },
          ...(input.containerName
            ? { overrides: { containerOverrides: [{ name: input.containerName, command: input.command }] } }
            : {}),
          // One release per deploy: a retried call (lost answer, resumed invocation) gets the same task.
          clientToken: createHash('sha256').update(`release\n${input.deployId}`).digest('hex'),
          startedBy: `stackdrop-release-${input.deployId}`.replace(/[^A-Za-z0-9_/-]/g, '-').slice(0, 128),
          propagateTags: 'TASK_DEFINITION',
        }),
      ),
    deps,
  );
  const taskArn = out.tasks?.[0]?.taskArn;
  if (taskArn) return { taskArn };
  const failure = out.failures?.[0];
  return {
    failure:
      `ECS could not start the release task: ${failure?.reason ?? 'no task'} ${failure?.detail ?? ''}`.trim(),
  };
}

/** Why a stopped task stopped, with the container's exit code and reason when it has one. */
export function describeStoppedTask(task: Task, containerName?: string): string {
  const container =
    task.containers?.find((c) => c.name === containerName) ??
    task.containers?.find((c) => c.exitCode !== undefined && c.exitCode !== 0) ??
    task.containers?.[0];
  const parts: string[] = [];
  if (container?.exitCode !== undefined)
    parts.push(`container ${container.name} exited with code ${container.exitCode}`);
  if (container?.reason) parts.push(container.reason);
  if (task.stoppedReason && task.stoppedReason !== container?.reason) parts.push(task.stoppedReason);
  return parts.join(': ') || `task stopped (${task.stopCode ?? 'unknown reason'})`;
}

/**
 * Waits for the release task to stop and requires exit code 0 from its app container; polls at a
 * twentieth of the time since the task was created (poll.ts).
 */
export async function waitForRelease(
  cluster: string,
  taskArn: string,
  containerName: string | undefined,
  deps: WaitDeps,
): Promise<ReleaseResult> {
  const waitStart = deps.now().getTime();
  while (deps.now() < deps.deadline) {
    const out = await withRetry(
      () => deps.ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] })),
      deps,
    );
    const task = out.tasks?.[0];
    if (!task) {
      return {
        ok: false,
        reason: `release task ${taskArn} is unknown to ECS (${out.failures?.[0]?.reason ?? 'missing'})`,
      };
    }
    if (task.lastStatus === 'STOPPED') {
      const container = task.containers?.find((c) => c.name === containerName) ?? task.containers?.[0];
      if (container?.exitCode === 0) return { ok: true };
      return { ok: false, reason: `release failed: ${describeStoppedTask(task, containerName)}` };
    }
    const startedAt = Math.min(waitStart, task.createdAt?.getTime() ?? waitStart);
    await deps.sleep(nextPollDelayMs(deps.now().getTime() - startedAt, 0, deps.pollIntervalMs));
  }
  throw new RolloutStillRunningError(`release task ${taskArn} still running at the invocation deadline`);
}
