import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  type CapacityProviderStrategyItem,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type ECSClient,
  RunTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import type { Command } from 'commander';
import type { StatusDocument } from '#shared/status.ts';
import {
  type CommandKit,
  deployedImage,
  examples,
  liveProject,
  opsClients,
  projectOutput,
} from '../command-kit.ts';
import { EXIT, OperationFailedError, UserError } from '../errors.ts';
import { LogCursor, type LogLine } from './logs.ts';

/** What a one-off task is started from: the web service as it runs now. */
export interface OneOffPlan {
  cluster: string;
  taskDefinitionArn: string;
  container: string;
  image: string;
  logGroup?: string;
  streamPrefix?: string;
  launchType?: string;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  networkConfiguration: NonNullable<RunTaskCommand['input']['networkConfiguration']>;
}

/**
 * The web service's current task definition (the revision stackdrop registered for the deployed
 * digest) and network: the one-off task gets the same image, environment, secrets, roles, subnets
 * and security groups. Refuses before the first deploy: there is no image to run.
 */
export async function planOneOff(doc: StatusDocument, ecs: ECSClient): Promise<OneOffPlan> {
  const deployed = deployedImage(doc);
  if (!deployed) {
    throw new UserError(
      `${doc.project}/${doc.environment} has no deploy yet, so there is no image to run the command in: push an image to its repository (${doc.outputs.RepositoryUri ?? 'see `stackdrop status`'}) first.`,
    );
  }
  const cluster = projectOutput(doc, 'ClusterName');
  const serviceName = projectOutput(doc, 'WebServiceName');
  const described = await ecs.send(new DescribeServicesCommand({ cluster, services: [serviceName] }));
  const service = described.services?.[0];
  if (!service?.taskDefinition || service.status !== 'ACTIVE') {
    throw new OperationFailedError(
      `The web service ${serviceName} is not active in cluster ${cluster}: check \`stackdrop status ${doc.project}\`.`,
    );
  }
  const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
  const taskDefinitionArn = primary?.taskDefinition ?? service.taskDefinition;
  const td = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn })))
    .taskDefinition;
  const container =
    td?.containerDefinitions?.find((c) => c.essential !== false) ?? td?.containerDefinitions?.[0];
  if (!container?.name || !container.image) {
    throw new OperationFailedError(`The task definition ${taskDefinitionArn} has no container to run.`);
  }
  const network = primary?.networkConfiguration ?? service.networkConfiguration;
  if (!network?.awsvpcConfiguration?.subnets?.length) {
    throw new OperationFailedError(
      `The web service ${serviceName} has no awsvpc network configuration to reuse.`,
    );
  }
  const options =
    container.logConfiguration?.logDriver === 'awslogs' ? container.logConfiguration.options : undefined;
  const strategy = primary?.capacityProviderStrategy ?? service.capacityProviderStrategy;
  return {
    cluster,
    taskDefinitionArn,
    container: container.name,
    image: container.image,
    ...(options?.['awslogs-group'] ? { logGroup: options['awslogs-group'] } : {}),
    ...(options?.['awslogs-stream-prefix'] ? { streamPrefix: options['awslogs-stream-prefix'] } : {}),
    ...(strategy?.length
      ? { capacityProviderStrategy: strategy }
      : { launchType: service.launchType ?? 'FARGATE' }),
    networkConfiguration: { awsvpcConfiguration: network.awsvpcConfiguration },
  };
}

/** Starts the one-off task with the command as the container's command override. */
export async function startOneOff(
  plan: OneOffPlan,
  command: string[],
  ecs: ECSClient,
  startedBy: string,
): Promise<Task> {
  const out = await ecs.send(
    new RunTaskCommand({
      cluster: plan.cluster,
      taskDefinition: plan.taskDefinitionArn,
      count: 1,
      ...(plan.capacityProviderStrategy ? { capacityProviderStrategy: plan.capacityProviderStrategy } : {}),
      ...(plan.launchType ? { launchType: plan.launchType as 'FARGATE' } : {}),
      networkConfiguration: plan.networkConfiguration,
      overrides: { containerOverrides: [{ name: plan.container, command }] },
      startedBy,
      propagateTags: 'TASK_DEFINITION',
    }),
  );
  const task = out.tasks?.[0];
  if (!task?.taskArn) {
    const failure = out.failures?.[0];
    throw new OperationFailedError(
      `ECS did not start the task: ${failure ? `${failure.reason}${failure.detail ? ` (${failure.detail})` : ''}` : 'no task and no failure returned'}.`,
    );
  }
  return task;
}

/** The awslogs stream of a task's container: `<prefix>/<container>/<task id>`. */
export function taskStream(plan: OneOffPlan, taskArn: string): string | undefined {
  if (!plan.logGroup) return undefined;
  const id = taskArn.split('/').pop()!;
  return plan.streamPrefix ? `${plan.streamPrefix}/${plan.container}/${id}` : id;
}

/** Waits for the task to stop, handing each new log line to `onLine`; returns the stopped task. */
export async function streamUntilStopped(
  plan: OneOffPlan,
  taskArn: string,
  deps: {
    ecs: ECSClient;
    logs: CloudWatchLogsClient;
    since: number;
    sleep: (ms: number) => Promise<void>;
    pollMs: number;
    onLine: (line: LogLine) => void;
  },
): Promise<Task> {
  const stream = taskStream(plan, taskArn);
  const cursor =
    plan.logGroup && stream
      ? new LogCursor({ logGroupName: plan.logGroup, logStreamNames: [stream], startTime: deps.since })
      : undefined;
  const drain = async () => {
    if (!cursor) return;
    try {
      for (const line of await cursor.poll(deps.logs)) deps.onLine(line);
    } catch (error) {
      // The stream appears only once the container has started.
      if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
    }
  };
  for (;;) {
    const task = (await deps.ecs.send(new DescribeTasksCommand({ cluster: plan.cluster, tasks: [taskArn] })))
      .tasks?.[0];
    await drain();
    if (!task) throw new OperationFailedError(`ECS no longer knows task ${taskArn}.`);
    if (task.lastStatus === 'STOPPED') {
      // The last lines may land after the task stops: one more read.
      await drain();
      return task;
    }
    await deps.sleep(deps.pollMs);
  }
}

/** The container's exit code, or why there is none (the task never ran its command). */
export function exitOf(task: Task, container: string): { exitCode?: number; reason?: string } {
  const c = task.containers?.find((x) => x.name === container) ?? task.containers?.[0];
  if (typeof c?.exitCode === 'number')
    return { exitCode: c.exitCode, ...(c.reason ? { reason: c.reason } : {}) };
  return {
    reason: c?.reason ?? task.stoppedReason ?? task.stopCode ?? 'the task stopped without an exit code',
  };
}

/** Registers `stackdrop run`. */
export function registerRun(program: Command, kit: CommandKit): void {
  const { ui } = kit.deps;
  program
    .command('run')
    .description(
      'run a one-off command in a new task from the deployed web image (same network, env, secrets)',
    )
    .argument('<project>', 'project name')
    .argument('<command...>', 'the command, after `--`')
    .option('-e, --environment <name>', 'environment', 'production')
    .option('--detach', 'print the task id and return without waiting')
    .option('--json', 'machine-readable result (the task, its exit code and its lines)')
    .addHelpText(
      'after',
      `${examples(
        'stackdrop run acme -- php artisan migrate:status',
        'stackdrop run acme --detach -- php artisan queue:retry all',
        'stackdrop run acme --json -- php artisan about --json',
      )}
Exits with the container's exit code; 1 before the first deploy; 2 if the task never ran the command.`,
    )
    .action(
      async (
        project: string,
        command: string[],
        opts: { environment: string; detach?: boolean; json?: boolean },
        cmd: Command,
      ) => {
        if (command.length === 0)
          throw new UserError('Give the command after `--`: stackdrop run acme -- php artisan about');
        const s = kit.session(cmd);
        const doc = await liveProject(s, project, opts.environment);
        const { ecs, logs } = opsClients(s.target);
        const plan = await planOneOff(doc, ecs);
        const since = s.now().getTime() - 60_000;
        const task = await startOneOff(plan, command, ecs, 'stackdrop-run');
        const taskArn = task.taskArn!;
        const taskId = taskArn.split('/').pop()!;
        const logStream = taskStream(plan, taskArn);
        if (opts.detach) {
          if (opts.json)
            ui.json({
              taskArn,
              taskId,
              cluster: plan.cluster,
              image: plan.image,
              logGroup: plan.logGroup,
              logStream,
            });
          else {
            ui.out(taskId);
            ui.err(
              `follow it with \`stackdrop logs ${project} --service web --follow\` (stream ${logStream ?? 'none'})`,
            );
          }
          return kit.setExit(EXIT.ok);
        }
        if (!opts.json) ui.err(ui.style.dim(`task ${taskId} started from ${plan.image}`));
        const lines: LogLine[] = [];
        const stopped = await streamUntilStopped(plan, taskArn, {
          ecs,
          logs,
          since,
          sleep: async (ms) => {
            await s.deps.sleep(ms);
            await s.syncClock();
          },
          pollMs: Math.min(s.deps.pollIntervalMs, 2000),
          onLine: (line) => {
            lines.push(line);
            if (!opts.json) ui.out(line.message);
          },
        });
        const { exitCode, reason } = exitOf(stopped, plan.container);
        if (opts.json) {
          ui.json({
            taskArn,
            taskId,
            image: plan.image,
            exitCode: exitCode ?? null,
            stoppedReason: stopped.stoppedReason,
            lines,
          });
        } else if (exitCode === undefined) {
          ui.err(ui.style.red(`✗ task ${taskId} stopped before running the command: ${reason}`));
        } else if (exitCode !== 0) {
          ui.err(ui.style.red(`✗ exited with code ${exitCode}${reason ? `: ${reason}` : ''}`));
        }
        kit.setExit(exitCode ?? EXIT.failed);
      },
    );
}
