import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import type { Command } from 'commander';
import type { StatusDocument } from '#shared/status.ts';
import { type CommandKit, examples, liveProject, opsClients, projectOutput } from '../command-kit.ts';
import type { Target } from '../context.ts';
import { EXIT, OperationFailedError, UserError } from '../errors.ts';
import { serviceName } from './scale.ts';

/** The ECS service behind `web`, `scheduler` or `worker:<name>`. */
export function execServiceName(doc: StatusDocument, service: string): string {
  if (service === 'scheduler') {
    const name = doc.outputs.SchedulerServiceName;
    if (!name) throw new UserError(`${doc.project} runs no scheduler (app.scheduler is false).`);
    return name;
  }
  if (service !== 'web' && !/^worker:[a-z][a-z0-9-]*$/.test(service))
    throw new UserError(`--service ${service} is not a service: use web, scheduler or worker:<name>.`);
  return serviceName(doc, service);
}

/** Quotes one word for a POSIX shell (printed commands must paste and run as they are). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * `aws ecs execute-command …` for a task: interactive, one container, the command as one string
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec-run.html, read 2026-12-07).
 */
export function execArgv(
  target: Target,
  exec: { cluster: string; taskId: string; container: string; command: string[] },
): string[] {
  return [
    'aws',
    ...(target.endpoint ? ['--endpoint-url', target.endpoint] : []),
    ...(target.region ? ['--region', target.region] : []),
    ...(target.profile ? ['--profile', target.profile] : []),
    'ecs',
    'execute-command',
    '--cluster',
    exec.cluster,
    '--task',
    exec.taskId,
    '--container',
    exec.container,
    '--interactive',
    '--command',
    exec.command.map(shellQuote).join(' '),
  ];
}

/** Whether an executable is on PATH (the Session Manager plugin the AWS CLI needs for sessions). */
export function onPath(name: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Registers `stackdrop exec`. */
export function registerExec(program: Command, kit: CommandKit): void {
  const { ui } = kit.deps;
  program
    .command('exec')
    .description('open a shell (or run a command) in a running task through ECS Exec')
    .argument('<project>', 'project name')
    .argument('[command...]', 'the command, after `--` (default: /bin/sh)')
    .option('-e, --environment <name>', 'environment', 'production')
    .option('--service <service>', 'web, scheduler or worker:<name>', 'web')
    .option('--task <id>', 'a task id (default: the first running task of the service)')
    .option('--print', 'print the aws command instead of running it')
    .option('--json', 'machine-readable: the task and the command (never starts a session)')
    .addHelpText(
      'after',
      `${examples('stackdrop exec acme', 'stackdrop exec acme --service worker:default -- php artisan tinker', 'stackdrop exec acme --print')}
Needs app.exec: true in the manifest. Runs the AWS CLI with the Session Manager plugin when both are
installed; otherwise prints the exact command. Sessions are logged to the app's log group.`,
    )
    .action(
      async (
        project: string,
        command: string[],
        opts: { environment: string; service: string; task?: string; print?: boolean; json?: boolean },
        cmd: Command,
      ) => {
        const s = kit.session(cmd);
        const doc = await liveProject(s, project, opts.environment);
        if (!doc.deploys.some((d) => d.outcome === 'succeeded'))
          throw new UserError(
            `${project}/${opts.environment} has no deploy yet, so no task is running to open a shell in: push an image first.`,
          );
        const cluster = projectOutput(doc, 'ClusterName');
        const service = execServiceName(doc, opts.service);
        const { ecs } = opsClients(s.target);
        const described = (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] })))
          .services?.[0];
        if (!described?.enableExecuteCommand)
          throw new UserError(
            `ECS Exec is off for ${opts.service}: set app.exec: true in the manifest and deploy it (\`stackdrop deploy <manifest>\`); tasks started after that accept sessions.`,
          );
        let taskArn: string | undefined;
        if (opts.task) {
          const task = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [opts.task] }))).tasks?.[0];
          if (task?.lastStatus !== 'RUNNING' || task.group !== `service:${service}`)
            throw new UserError(
              `Task ${opts.task} is not a running task of ${opts.service}: leave out --task to pick one, or see \`stackdrop logs ${project} --service ${opts.service}\` for task ids.`,
            );
          if (task.enableExecuteCommand === false)
            throw new UserError(
              `Task ${opts.task} started before ECS Exec was turned on: pick another task, or roll the service (\`stackdrop secrets set … --roll\` or a deploy).`,
            );
          taskArn = task.taskArn;
        } else {
          taskArn = (
            await ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'RUNNING' }))
          ).taskArns?.[0];
          if (!taskArn) throw new OperationFailedError(`${opts.service} has no running task right now.`);
        }
        const taskId = taskArn!.split('/').pop()!;
        const argv = execArgv(s.target, {
          cluster,
          taskId,
          container: 'app',
          command: command.length ? command : ['/bin/sh'],
        });
        const printed = argv.map(shellQuote).join(' ');
        const canRun =
          !s.target.local && !opts.print && !opts.json && onPath('aws') && onPath('session-manager-plugin');
        if (opts.json) {
          ui.json({
            project,
            environment: opts.environment,
            cluster,
            service,
            taskArn,
            container: 'app',
            argv,
            command: printed,
          });
          return kit.setExit(EXIT.ok);
        }
        if (!canRun) {
          ui.out(printed);
          if (s.target.local)
            ui.err(
              ui.style.dim('The local cloud opens no sessions: run this against AWS (leave out --local).'),
            );
          else if (!opts.print)
            ui.err(
              ui.style.dim(
                'Install the AWS CLI and the Session Manager plugin (https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html) and stackdrop runs this for you.',
              ),
            );
          return kit.setExit(EXIT.ok);
        }
        const [bin, ...args] = argv;
        const code = await new Promise<number>((resolve) => {
          const child = spawn(bin!, args, { stdio: 'inherit' });
          child.on('exit', (c) => resolve(c ?? EXIT.failed));
          child.on('error', () => resolve(EXIT.failed));
        });
        kit.setExit(code);
      },
    );
}
