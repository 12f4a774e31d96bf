/**
 * `status`, `deploys` and `rollback`: reading a project's status document and its deploy history,
 * and queueing a rollback. Registered by program.ts; split from it so each command group sits in
 * its own file.
 */
import type { Command } from 'commander';
import { readScaling } from '#shared/scaling.ts';
import { readStatus, type StatusDocument } from '#shared/status.ts';
import { examples } from '../command-kit.ts';
import { type CoreKit, timeoutMs, timeoutOption } from '../core-kit.ts';
import { EXIT } from '../errors.ts';
import { requireOutput } from '../stackdrop-stack.ts';
import { followStatus } from '../watch.ts';
import { formatDeadLetters, readDeadLetters } from './dead-letters.ts';
import { deployHistory, sendRollback } from './deploys.ts';
import {
  formatDeployRows,
  formatProjects,
  formatStatus,
  isBusy,
  latestManifest,
  listProjects,
  loadStatus,
  manifestPending,
  statusView,
} from './status.ts';

/** Registers `status`, `deploys`, `rollback`. */
export function registerStatusCommands(program: Command, kit: CoreKit): void {
  const { session, setExit } = kit;
  const { ui } = kit.deps;
  program
    .command('status')
    .description('a project: stacks, outputs, last deploys, open bastions; no project: every project')
    .argument('[project]', 'project name')
    .option('-e, --environment <name>', 'environment', 'production')
    .option('--watch', 'follow while stackdrop is working on it')
    .addOption(timeoutOption())
    .option('--json', 'machine-readable result')
    .addHelpText(
      'after',
      examples(
        'stackdrop status',
        'stackdrop status acme',
        'stackdrop status acme --environment staging --watch',
        'stackdrop status acme --json | jq .outputs.Url',
      ),
    )
    .action(
      async (
        project: string | undefined,
        opts: { environment: string; watch?: boolean; json?: boolean; timeout: string },
        cmd: Command,
      ) => {
        const limit = timeoutMs(opts.timeout);
        const s = session(cmd);
        const bucket = await s.bucket();
        const deadLetters = await readDeadLetters(s.clients.sqs, await s.stackdrop());
        if (!project) {
          const projects = await listProjects(s.clients.s3, bucket);
          if (opts.json) ui.json({ projects, deadLetters });
          else ui.out([...formatProjects(projects), ...formatDeadLetters(deadLetters, ui.style)].join('\n'));
          return setExit(EXIT.ok);
        }
        const ref = { bucket, project, environment: opts.environment };
        let found = opts.watch ? (await readStatus(ref, { s3: s.clients.s3 }))?.doc : undefined;
        // Right after `stackdrop deploy` the document may not exist yet, or still describe the previous
        // manifest: the watch waits for stackdrop to pick the new one up instead of ending at once.
        const pending =
          opts.watch &&
          manifestPending(found, await latestManifest(s.clients.s3, bucket, project, opts.environment));
        if (opts.watch && (pending || (found && isBusy(found.phase)))) {
          const before = found;
          const isCurrent = (d: StatusDocument) =>
            !pending || !before || d.manifest?.versionId !== before.manifest?.versionId;
          const since = s.now();
          found =
            (await followStatus(
              ref,
              opts.json ? { ...s.followDeps(), stdout: { write: () => true } } : s.followDeps(),
              {
                since,
                timeoutMs: limit,
                isCurrent,
                isDone: (d) =>
                  pending ? Boolean(d && isCurrent(d) && !isBusy(d.phase)) : !d || !isBusy(d.phase),
              },
            )) ?? found;
          if (!opts.json) ui.out();
        }
        let doc: StatusDocument;
        try {
          doc = found ?? (await loadStatus(s.clients.s3, bucket, project, opts.environment));
        } catch (error) {
          // A dropped upload leaves no status document: the DLQ is then the only trace, so say so.
          if (!opts.json) for (const line of formatDeadLetters(deadLetters, ui.style)) ui.err(line);
          throw error;
        }
        const view = statusView(
          doc,
          s.now(),
          await readScaling(s.clients.s3, bucket, project, opts.environment),
        );
        if (opts.json) ui.json({ ...view, deadLetters });
        else
          ui.out(
            [...formatStatus(view, s.now(), ui.style), ...formatDeadLetters(deadLetters, ui.style)].join(
              '\n',
            ),
          );
        setExit(doc.phase === 'failed' ? EXIT.failed : EXIT.ok);
      },
    );

  program
    .command('deploys')
    .description('the deploy history of a project, newest first')
    .argument('<project>', 'project name')
    .option('-e, --environment <name>', 'environment', 'production')
    .option('-n, --limit <n>', 'show at most n deploys', (v) => Number.parseInt(v, 10))
    .option('--json', 'machine-readable result')
    .addHelpText('after', examples('stackdrop deploys acme', 'stackdrop deploys acme --limit 5 --json'))
    .action(
      async (
        project: string,
        opts: { environment: string; limit?: number; json?: boolean },
        cmd: Command,
      ) => {
        const s = session(cmd);
        const doc = await loadStatus(s.clients.s3, await s.bucket(), project, opts.environment);
        const deploys = deployHistory(doc, opts.limit);
        if (opts.json) ui.json({ project, environment: opts.environment, deploys });
        else if (deploys.length === 0)
          ui.out(`No deploys yet for ${project}/${opts.environment}: push an image to its repository.`);
        else ui.out(formatDeployRows(deploys).join('\n'));
        setExit(EXIT.ok);
      },
    );

  program
    .command('rollback')
    .description('roll the services back to an earlier succeeded digest, through the same path as a push')
    .argument('<project>', 'project name')
    .option('-e, --environment <name>', 'environment', 'production')
    .option('--to <digest>', 'a recorded succeeded digest (full or a prefix); default: the previous one')
    .option('--json', 'machine-readable result')
    .addHelpText('after', examples('stackdrop rollback acme', 'stackdrop rollback acme --to sha256:3f1c9a'))
    .action(
      async (project: string, opts: { environment: string; to?: string; json?: boolean }, cmd: Command) => {
        const s = session(cmd);
        const stackdrop = await s.stackdrop();
        const bucket = requireOutput(stackdrop, 'BucketName');
        const queueUrl = requireOutput(stackdrop, 'DeployQueueUrl');
        const doc = await loadStatus(s.clients.s3, bucket, project, opts.environment);
        const sent = await sendRollback(doc, opts.to, {
          sqs: s.clients.sqs,
          queueUrl,
          now: s.now,
          ...(s.target.region ? { region: s.target.region } : {}),
        });
        if (opts.json) ui.json(sent);
        else {
          ui.out(
            `${ui.style.green('✓')} rollback of ${project}/${opts.environment} to ${sent.digest} queued (repository ${sent.repository})`,
          );
          ui.out(
            `follow it with \`stackdrop deploys ${project}\` or \`stackdrop status ${project} --watch\``,
          );
        }
        setExit(EXIT.ok);
      },
    );
}
