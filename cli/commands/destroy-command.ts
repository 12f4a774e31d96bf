/**
 * `destroy`: start the teardown state machine after confirmation and, with --watch, follow it.
 * Registered by program.ts; split from it so each command group sits in its own file.
 */
import type { Command } from 'commander';
import { readStatus, type StatusDocument } from '#shared/status.ts';
import { examples } from '../command-kit.ts';
import { type CoreKit, timeoutMs, timeoutOption } from '../core-kit.ts';
import { EXIT } from '../errors.ts';
import { requireOutput } from '../stackdrop-stack.ts';
import { explainFailure, followStatus, formatFailure } from '../watch.ts';
import {
  checkConfirmation,
  requireKnownProject,
  snapshotLocation,
  startTeardown,
  teardownExecution,
} from './destroy.ts';

/** Registers `destroy`. */
export function registerDestroyCommand(program: Command, kit: CoreKit): void {
  const { session, setExit } = kit;
  const { ui } = kit.deps;
  program
    .command('destroy')
    .description('tear a project down: app, database (final snapshot kept), network')
    .argument('<project>', 'project name')
    .option('-e, --environment <name>', 'environment', 'production')
    .option('--confirm <project>', 'repeat the project name to confirm')
    .option('--watch', 'follow the teardown until destroyed or failed')
    .addOption(timeoutOption())
    .option('--json', 'machine-readable result')
    .addHelpText(
      'after',
      examples(
        'stackdrop destroy acme --confirm acme',
        'stackdrop destroy acme --environment staging --confirm acme --watch',
      ),
    )
    .action(
      async (
        project: string,
        opts: { environment: string; confirm?: string; watch?: boolean; json?: boolean; timeout: string },
        cmd: Command,
      ) => {
        checkConfirmation(project, opts.confirm);
        const limit = timeoutMs(opts.timeout);
        const s = session(cmd);
        const stackdrop = await s.stackdrop();
        const bucket = requireOutput(stackdrop, 'BucketName');
        // A destroyed project's outputs are cleared: name the cluster from what it was before.
        const before = (
          await readStatus({ bucket, project, environment: opts.environment }, { s3: s.clients.s3 })
        )?.doc;
        await requireKnownProject(project, opts.environment, before, s.clients.cfn);
        const started = await startTeardown(project, opts.environment, opts.confirm!, {
          sfn: s.clients.sfn,
          stateMachineArn: requireOutput(stackdrop, 'TeardownStateMachineArn'),
          now: s.now,
        });
        if (!opts.json)
          ui.out(
            `${ui.style.green('✓')} teardown of ${project}/${opts.environment} started (${started.executionArn})`,
          );
        if (!opts.watch) {
          const where = snapshotLocation(before, s.target.region);
          if (opts.json) ui.json({ teardown: started });
          else ui.out(`${where}\nfollow it with \`stackdrop status ${project} --watch\``);
          return setExit(EXIT.ok);
        }
        const since = new Date(started.startedAt);
        const isCurrent = (d: StatusDocument) => Date.parse(d.updatedAt) >= since.getTime();
        let execution: Awaited<ReturnType<typeof teardownExecution>> | undefined;
        const found = await followStatus(
          { bucket, project, environment: opts.environment },
          opts.json ? { ...s.followDeps(), stdout: { write: () => true } } : s.followDeps(),
          {
            since,
            timeoutMs: limit,
            isCurrent,
            isDone: async (d) => {
              execution = await teardownExecution(s.clients.sfn, started.executionArn);
              // The execution ending is authoritative; the document may lag a moment behind it.
              if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') return true;
              return Boolean(d && isCurrent(d) && (d.phase === 'destroyed' || d.phase === 'failed'));
            },
          },
        );
        const doc = found && isCurrent(found) ? found : undefined;
        const executionFailed = execution?.status !== 'SUCCEEDED' && execution?.status !== 'RUNNING';
        if (doc?.phase === 'failed' || executionFailed) {
          const reason =
            doc?.phase === 'failed'
              ? formatFailure(await explainFailure(doc, s.clients.cfn, since))
              : `teardown execution ${execution?.status}: ${[execution?.error, execution?.cause].filter(Boolean).join(': ') || 'no error recorded'}`;
          if (opts.json) ui.json({ teardown: started, phase: 'failed', reason });
          else ui.err(ui.style.red(`✗ ${reason}`));
          return setExit(EXIT.failed);
        }
        const where = snapshotLocation(doc?.outputs.ClusterIdentifier ? doc : before, s.target.region);
        if (opts.json) ui.json({ teardown: started, phase: 'destroyed', snapshot: where });
        else ui.out(`${ui.style.green('✓')} ${project}/${opts.environment} destroyed\n${where}`);
        setExit(EXIT.ok);
      },
    );
}
