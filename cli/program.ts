import { Command, CommanderError } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { examples } from './command-kit.ts';
import { registerBastionCommands } from './commands/bastion-commands.ts';
import { registerDeployCommand } from './commands/deploy-command.ts';
import { registerDestroyCommand } from './commands/destroy-command.ts';
import { registerExec } from './commands/exec.ts';
import { registerLogs } from './commands/logs.ts';
import { registerManifestCommands } from './commands/manifest-commands.ts';
import { registerMetrics } from './commands/metrics.ts';
import type { LivePlanDeps } from './commands/plan.ts';
import { registerRehearseCommand } from './commands/rehearse-command.ts';
import { registerRun } from './commands/run.ts';
import { registerScale } from './commands/scale.ts';
import { registerSecrets } from './commands/secrets.ts';
import { registerStatusCommands } from './commands/status-commands.ts';
import { type CliDeps, type GlobalOptions, resolveTarget } from './context.ts';
import { EXIT, explainAwsError } from './errors.ts';
import { Session } from './session.ts';

/** Builds the command tree; `setExit` records the exit code of the command that ran. */
export function buildProgram(deps: CliDeps, setExit: (code: number) => void): Command {
  const { ui } = deps;
  const program = new Command('stackdrop');
  program
    .description('Operate stackdrop: validate, plan and deploy manifests, watch provisioning, open bastions.')
    .version(packageJson.version)
    .option('--region <region>', 'AWS region (default: AWS_REGION / your profile)')
    .option('--profile <name>', 'AWS profile from ~/.aws/config (default: AWS_PROFILE)')
    .option('--stack <name>', 'name of the stackdrop SAM stack (default: STACKDROP_STACK or "stackdrop")')
    .option(
      '--local',
      'use the local cloud (STACKDROP_ENDPOINT, default http://127.0.0.1:4566) instead of AWS',
    )
    .option('--endpoint-url <url>', 'use the local cloud at this URL')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => deps.stdout.write(s),
      writeErr: (s) => ui.err(s.trimEnd()),
    })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `${examples(
        'stackdrop init --project acme',
        'stackdrop validate stackdrop.yaml',
        'stackdrop deploy stackdrop.yaml --watch',
        'stackdrop status acme --watch',
        'stackdrop rehearse stackdrop.yaml --fault "deploy crashes"',
        'stackdrop --local status   # against `node local/demo.ts --keep --port 4566`',
      )}
Exit codes: 0 ok, 1 user error, 2 failed operation, 3 endpoint unreachable.
Documentation: docs/cli.md`,
    );

  const session = (cmd: Command) => new Session(cmd.optsWithGlobals() as GlobalOptions, deps);
  /** What planning with change sets needs: `plan --live`, and `deploy`'s database guard. */
  const changeSetDeps = (s: Session, bucket: string): LivePlanDeps => ({
    cfn: s.clients.cfn,
    s3: s.clients.s3,
    bucket,
    sleep: deps.sleep,
    pollMs: deps.pollIntervalMs,
    ...(deps.readTemplate ? { readTemplate: deps.readTemplate } : {}),
    ...(s.target.endpoint ? { endpoint: s.target.endpoint } : {}),
    ...(s.target.region ? { region: s.target.region } : {}),
  });

  // The core commands register themselves from cli/commands/*-command(s).ts, in this order (the help lists them so).
  const core = { deps, session, setExit, changeSetDeps };
  registerManifestCommands(program, core);
  registerDeployCommand(program, core);
  registerStatusCommands(program, core);
  registerBastionCommands(program, core);
  registerDestroyCommand(program, core);
  registerRehearseCommand(program, core);

  // Day-2 operations: each command registers itself from its own file (cli/commands/).
  const kit = { deps, session, setExit };
  registerLogs(program, kit);
  registerRun(program, kit);
  registerSecrets(program, kit);
  registerMetrics(program, kit);
  registerScale(program, kit);
  registerExec(program, kit);

  return program;
}

/** Runs the command line and returns the exit code; every error becomes one explained line. */
export async function runCli(argv: string[], deps: CliDeps): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(deps, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.user;
    const target = resolveTarget(program.opts() as GlobalOptions, deps.env);
    const explained = explainAwsError(error, target.endpoint ? { endpoint: target.endpoint } : {});
    deps.ui.err(`${deps.ui.style.red('✗')} ${explained.message}`);
    return explained.exitCode;
  }
}
