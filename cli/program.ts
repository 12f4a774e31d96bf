import { access, readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { estimateMonthlyCost } from '#shared/cost.ts';
import { deploymentRegionProblems } from '#shared/manifest/aws-checks.ts';
import { securityNotices } from '#shared/manifest/notices.ts';
import { readScaling } from '#shared/scaling.ts';
import { readStatus, type StatusDocument } from '#shared/status.ts';
import packageJson from '../package.json' with { type: 'json' };
import {
  bastionList,
  callerCidrFromIp,
  formatBastions,
  invokeBastionFunction,
  type OpenedBastion,
  parseTtl,
  tunnelCommand,
} from './commands/bastion.ts';
import { formatCostEstimate } from './commands/cost.ts';
import { formatDeadLetters, readDeadLetters } from './commands/dead-letters.ts';
import {
  guardDatabaseReplacement,
  provisioningSettled,
  uploadManifest,
  withReplacementAllowed,
} from './commands/deploy.ts';
import { deployHistory, sendRollback } from './commands/deploys.ts';
import {
  checkConfirmation,
  requireKnownProject,
  snapshotLocation,
  startTeardown,
  teardownExecution,
} from './commands/destroy.ts';
import { registerExec } from './commands/exec.ts';
import { askInitAnswers, type InitAnswers, writeStarterManifest } from './commands/init.ts';
import { registerLogs } from './commands/logs.ts';
import { registerMetrics } from './commands/metrics.ts';
import {
  formatLivePlan,
  formatNotices,
  formatOfflinePlan,
  type LivePlanDeps,
  planLive,
} from './commands/plan.ts';
import { formatPreflight, runPreflight } from './commands/preflight.ts';
import {
  estimateProvisioning,
  FAULT_NAMES,
  formatEstimate,
  formatRehearsalReport,
  type RehearsalReport,
  rehearsalExitCode,
} from './commands/rehearse.ts';
import { registerRun } from './commands/run.ts';
import { registerScale } from './commands/scale.ts';
import { registerSecrets } from './commands/secrets.ts';
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
} from './commands/status.ts';
import { type CliDeps, type Clients, type GlobalOptions, resolveTarget, type Target } from './context.ts';
import { EXIT, explainAwsError, OperationFailedError, UserError } from './errors.ts';
import { formatProblem, type ManifestResult, problemsHeader, readManifestFile } from './manifest-file.ts';
import { findStackdrop, requireOutput, type Stackdrop } from './stackdrop-stack.ts';
import { planStacks, stacksForJson } from './stacks.ts';
import { formatDuration, parseMinutes } from './ui.ts';
import { explainFailure, type FollowDeps, followStatus, formatFailure } from './watch.ts';

/** `--timeout` for every watch: how long to follow before handing back (the work continues). */
function timeoutOption(): Option {
  return new Option('--timeout <duration>', 'stop watching after this long: 90m, 2h').default('2h');
}

function timeoutMs(text: string): number {
  const minutes = parseMinutes(text);
  if (minutes === undefined)
    throw new UserError(`--timeout ${text} is not a duration: use 90m, 2h or 1h30m.`);
  return minutes * 60_000;
}

/** Who may reach a bastion on the local cloud when `--cidr` is not given (no public-IP lookup offline). */
const LOCAL_CALLER_CIDR = '127.0.0.1/32';

const examples = (...lines: string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;

/** Per-invocation context: the resolved target and clients built on first use. */
class Session {
  readonly target: Target;
  readonly deps: CliDeps;
  #clients?: Clients;
  #stackdrop?: Stackdrop;
  #localNow?: () => Date;

  constructor(options: GlobalOptions, deps: CliDeps) {
    this.target = resolveTarget(options, deps.env);
    this.deps = deps;
  }

  get clients(): Clients {
    this.#clients ??= this.deps.clientsFor(this.target);
    return this.#clients;
  }

  async stackdrop(): Promise<Stackdrop> {
    if (!this.#stackdrop) {
      await this.syncClock();
      this.#stackdrop = await findStackdrop(this.clients.cfn, this.target.stack, this.target.endpoint);
    }
    return this.#stackdrop;
  }

  /** The time commands compare with AWS timestamps: the local cloud's virtual clock with `--local`. */
  readonly now = (): Date => (this.#localNow ?? this.deps.now)();

  /** Re-reads the local cloud's clock (with `--local`); a no-op against AWS. */
  async syncClock(): Promise<void> {
    if (!this.target.local || !this.target.endpoint || !this.deps.localClock) return;
    this.#localNow = (await this.deps.localClock(this.target.endpoint)) ?? this.#localNow;
  }

  async bucket(): Promise<string> {
    return requireOutput(await this.stackdrop(), 'BucketName');
  }

  followDeps(): FollowDeps {
    return {
      s3: this.clients.s3,
      cfn: this.clients.cfn,
      stdout: this.deps.stdout,
      style: this.deps.ui.style,
      now: this.now,
      sleep: async (ms) => {
        await this.deps.sleep(ms);
        await this.syncClock();
      },
      pollIntervalMs: this.deps.pollIntervalMs,
      ...(this.deps.interrupt ? { interrupt: this.deps.interrupt } : {}),
    };
  }
}

/**
 * The manifest checked against the Region it goes to (a certificate must be in it), when the
 * Region is known (--region, AWS_REGION, the local cloud's).
 */
function inRegion(result: ManifestResult, region: string | undefined): ManifestResult {
  if (!result.ok) return result;
  const problems = deploymentRegionProblems(result.manifest, region, result.file);
  return problems.length
    ? { ok: false, problems, text: result.text, format: result.format, file: result.file }
    : result;
}

/** Prints a manifest's problems (or its JSON) and returns whether it was valid. */
function reportManifest(
  result: ManifestResult,
  file: string,
  json: boolean,
  deps: CliDeps,
): result is Extract<ManifestResult, { ok: true }> {
  if (result.ok) return true;
  if (json) {
    deps.ui.json({ ok: false, file, problems: result.problems });
  } else {
    deps.ui.err(deps.ui.style.red(`✗ ${problemsHeader(file, result.problems)}`));
    for (const p of result.problems) deps.ui.err(formatProblem(p));
  }
  return false;
}

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

  program
    .command('init')
    .description(
      'write a starter manifest, valid by construction (prompts for what is missing on a terminal)',
    )
    .option('--project <name>', 'project name (lower-case letters, digits, hyphens)')
    .option('--environment <name>', 'environment name (letters and digits, no hyphens)')
    .option('--domain <domain>', 'the app domain (needs --certificate-arn)')
    .option('--certificate-arn <arn>', 'ACM certificate for the domain')
    .addOption(
      new Option('--engine <engine>', 'database engine')
        .choices(['aurora-mysql', 'aurora-postgresql'])
        .default('aurora-mysql'),
    )
    .option('-o, --output <file>', 'where to write it', 'stackdrop.yaml')
    .option('--force', 'overwrite an existing file')
    .option('-y, --yes', 'never prompt; use flags and defaults')
    .addHelpText(
      'after',
      examples(
        'stackdrop init --project acme',
        'stackdrop init --project shop --environment staging --domain shop.example.com --certificate-arn arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab',
        'stackdrop init   # asks on a terminal',
      ),
    )
    .action(
      async (opts: {
        project?: string;
        environment?: string;
        domain?: string;
        certificateArn?: string;
        engine: InitAnswers['engine'];
        output: string;
        force?: boolean;
        yes?: boolean;
      }) => {
        const ask = opts.yes ? undefined : deps.prompt;
        const file = resolve(deps.cwd, opts.output);
        // Refuse before asking anything, so no answers are typed for a file that cannot be written.
        if (ask && !opts.force && (await fileExists(file)))
          throw new UserError(
            `${opts.output} already exists: pass --force to overwrite it, or --output <file>.`,
          );
        let { project, environment, domain, certificateArn } = opts;
        if (ask) {
          ({ project, environment, domain, certificateArn } = await askInitAnswers(
            { project, environment, domain, certificateArn },
            ask,
            (line) => ui.err(line),
            !opts.project,
          ));
        }
        if (!project)
          throw new UserError('Pass --project <name> (or run `stackdrop init` on a terminal to be asked).');
        await writeStarterManifest(
          file,
          {
            project,
            environment: environment ?? 'production',
            engine: opts.engine,
            ...(domain ? { domain } : {}),
            ...(certificateArn ? { certificateArn } : {}),
          },
          { force: Boolean(opts.force), shownAs: opts.output },
        );
        ui.out(`${ui.style.green('✓')} wrote ${opts.output} for ${project}/${environment ?? 'production'}`);
        ui.out(`next: stackdrop validate ${opts.output} && stackdrop plan ${opts.output}`);
        setExit(EXIT.ok);
      },
    );

  program
    .command('validate')
    .description('check a manifest: every problem with file:line:col, its path and a hint')
    .argument('<manifest>', 'manifest file (.yaml, .yml or .json), or - to read standard input')
    .option('--json', 'machine-readable result')
    .addHelpText(
      'after',
      examples('stackdrop validate stackdrop.yaml', 'stackdrop validate manifests/acme.json --json'),
    )
    .action(async (file: string, opts: { json?: boolean }, cmd: Command) => {
      const region = resolveTarget(cmd.optsWithGlobals() as GlobalOptions, deps.env).region;
      const result = inRegion(await readManifestFile(resolve(deps.cwd, file), file, deps.stdin), region);
      if (!reportManifest(result, file, Boolean(opts.json), deps)) return setExit(EXIT.user);
      const m = result.manifest;
      if (opts.json) {
        ui.json({ ok: true, file, project: m.project, environment: m.environment, problems: [] });
      } else {
        ui.out(`${ui.style.green('✓')} ${file} is valid: ${m.project}/${m.environment}`);
      }
      setExit(EXIT.ok);
    });

  program
    .command('plan')
    .description("show each stage's stack and parameters; with --live, what CloudFormation would change")
    .argument('<manifest>', 'manifest file, or - for standard input')
    .option(
      '--live',
      'create (and delete) change sets against the target account to list adds, changes and replacements',
    )
    .option('--json', 'machine-readable result')
    .addHelpText(
      'after',
      examples(
        'stackdrop plan stackdrop.yaml',
        'stackdrop plan stackdrop.yaml --live --profile prod',
        'stackdrop plan stackdrop.yaml --live --json | jq .live.databaseReplacement',
      ),
    )
    .action(async (file: string, opts: { live?: boolean; json?: boolean }, cmd: Command) => {
      const region = resolveTarget(cmd.optsWithGlobals() as GlobalOptions, deps.env).region;
      const result = inRegion(await readManifestFile(resolve(deps.cwd, file), file, deps.stdin), region);
      if (!reportManifest(result, file, Boolean(opts.json), deps)) return setExit(EXIT.user);
      const m = result.manifest;
      const stacks = planStacks(m);
      const notices = securityNotices(m);
      if (!opts.json) for (const line of formatNotices(notices, ui.style)) ui.err(line);
      const s = session(cmd);
      const cost = estimateMonthlyCost(m, s.target.region);
      if (!opts.live) {
        if (opts.json)
          ui.json({
            project: m.project,
            environment: m.environment,
            notices,
            stacks: stacksForJson(stacks),
            cost,
          });
        else
          ui.out([...formatOfflinePlan(stacks, ui.style), ...formatCostEstimate(cost, ui.style)].join('\n'));
        return setExit(EXIT.ok);
      }
      const bucket = await s.bucket();
      const progress = opts.json ? undefined : ui.progress('Creating change sets (nothing is executed)…');
      try {
        const live = await planLive(m, changeSetDeps(s, bucket));
        const existing = new Set(live.stacks.filter((p) => p.mode === 'update').map((p) => p.stage));
        const preflight = await runPreflight(m, s.clients.preflight, {
          region:
            s.target.region ??
            (await s.clients.preflight.sts.config.region().catch(() => 'the default Region')),
          existing,
          ...(live.outputs.edge?.ExecutionRoleArn
            ? { executionRoleArn: live.outputs.edge.ExecutionRoleArn }
            : {}),
          ...(deps.readTemplate ? { readTemplate: deps.readTemplate } : {}),
        });
        progress?.stop();
        if (opts.json)
          ui.json({
            project: m.project,
            environment: m.environment,
            notices,
            stacks: stacksForJson(stacks),
            live,
            cost,
            preflight,
          });
        else
          ui.out(
            [
              ...formatLivePlan(live, ui.style),
              ...formatPreflight(preflight, ui.style),
              ...formatCostEstimate(cost, ui.style),
            ].join('\n'),
          );
        // A failed preflight is something the person fixes before deploying.
        return setExit(preflight.every((c) => c.ok) ? EXIT.ok : EXIT.user);
      } catch (error) {
        progress?.stop();
        throw error;
      }
    });

  program
    .command('deploy')
    .description('validate and upload a manifest to the stackdrop bucket; --watch follows provisioning')
    .argument('<manifest>', 'manifest file')
    .option('--watch', 'follow provisioning until ready or failed')
    .option('--allow-db-replacement', 'accept a plan that replaces the Aurora cluster (a snapshot is kept)')
    .addOption(timeoutOption())
    .option('--json', 'machine-readable result (the upload, and the final status with --watch)')
    .addHelpText(
      'after',
      examples(
        'stackdrop deploy stackdrop.yaml',
        'stackdrop deploy stackdrop.yaml --watch',
        'stackdrop deploy stackdrop.yaml --allow-db-replacement',
      ),
    )
    .action(
      async (
        file: string,
        opts: { watch?: boolean; allowDbReplacement?: boolean; json?: boolean; timeout: string },
        cmd: Command,
      ) => {
        const limit = timeoutMs(opts.timeout);
        const region = resolveTarget(cmd.optsWithGlobals() as GlobalOptions, deps.env).region;
        const result = inRegion(await readManifestFile(resolve(deps.cwd, file), file, deps.stdin), region);
        if (!reportManifest(result, file, Boolean(opts.json), deps)) return setExit(EXIT.user);
        const m = result.manifest;
        const s = session(cmd);
        const bucket = await s.bucket();
        // Spinner only on a terminal; in a log the check is quiet unless it finds something.
        const checking =
          ui.tty && !opts.json ? ui.progress('Checking whether the database would be replaced…') : undefined;
        const guard = await guardDatabaseReplacement(
          m,
          Boolean(opts.allowDbReplacement),
          changeSetDeps(s, bucket),
        ).finally(() => checking?.stop());
        let text = result.text;
        if (guard === 'allowed') {
          if (!m.database.allowReplacement) text = withReplacementAllowed(text, result.format);
          ui.err(
            ui.style.red(
              '!! This deploy REPLACES the Aurora cluster (allowed): the old cluster is kept only as a snapshot.',
            ),
          );
        }
        const ref = { bucket, project: m.project, environment: m.environment };
        const before = opts.watch
          ? (await readStatus(ref, { s3: s.clients.s3 }))?.doc.manifest?.versionId
          : undefined;
        const upload = await uploadManifest(m, text, result.format, {
          s3: s.clients.s3,
          bucket,
          now: s.now,
        });
        if (!opts.json) {
          ui.out(
            `${ui.style.green('✓')} uploaded s3://${bucket}/${upload.key}${upload.versionId ? ` (version ${upload.versionId})` : ''}`,
          );
        }
        if (!opts.watch) {
          if (opts.json) ui.json({ upload });
          else
            ui.out(
              `stackdrop is provisioning ${m.project}/${m.environment}: follow it with \`stackdrop status ${m.project}${m.environment === 'production' ? '' : ` --environment ${m.environment}`} --watch\``,
            );
          return setExit(EXIT.ok);
        }
        const since = new Date(upload.uploadedAt);
        let outcome: ReturnType<typeof provisioningSettled>;
        const doc = await followStatus(
          ref,
          opts.json ? { ...s.followDeps(), stdout: { write: () => true } } : s.followDeps(),
          {
            since,
            timeoutMs: limit,
            isCurrent: (d) =>
              upload.versionId
                ? d.manifest?.versionId === upload.versionId
                : Date.parse(d.updatedAt) >= since.getTime(),
            isDone: (d) => {
              outcome = provisioningSettled(d, upload, before);
              return outcome !== undefined;
            },
          },
        );
        setExit(
          await reportProvisioning(outcome, doc, upload.versionId, since, s, Boolean(opts.json), { upload }),
        );
      },
    );

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

  const bastion = program
    .command('bastion')
    .description('temporary bastions to reach the database')
    .addHelpText(
      'after',
      examples(
        'stackdrop bastion open acme --ttl 1h',
        'stackdrop bastion list acme',
        'stackdrop bastion close acme i-0123456789abcdef0',
      ),
    );

  bastion
    .command('open')
    .description('open a bastion and print the exact tunnel command')
    .argument('<project>', 'project name')
    .option('-e, --environment <name>', 'environment', 'production')
    .option('--ttl <duration>', 'how long it lives: 90, 90m, 1h, 1h30m', '1h')
    .addOption(
      new Option(
        '--access <mode>',
        "ssm (no inbound) or ssh; default: the manifest's bastion.access",
      ).choices(['ssm', 'ssh']),
    )
    .option('--cidr <cidr>', 'where you connect from (default: your public IP, detected, as /32)')
    .option('--ssh-public-key <file>', 'public key for ssh access (default: ~/.ssh/id_ed25519.pub)')
    .option('--json', 'machine-readable result')
    .addHelpText(
      'after',
      examples(
        'stackdrop bastion open acme',
        'stackdrop bastion open acme --ttl 30m --cidr 203.0.113.7/32',
        'stackdrop bastion open acme --access ssh --ssh-public-key ~/.ssh/id_ed25519.pub',
      ),
    )
    .action(
      async (
        project: string,
        opts: {
          environment: string;
          ttl: string;
          access?: 'ssm' | 'ssh';
          cidr?: string;
          sshPublicKey?: string;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        const ttlMinutes = parseTtl(opts.ttl);
        const s = session(cmd);
        const stackdrop = await s.stackdrop();
        const fn = requireOutput(stackdrop, 'OpenBastionFunctionName');
        let callerCidr = opts.cidr;
        if (!callerCidr && s.target.local) {
          // Offline means offline: the local cloud's bastion is reached from this machine.
          callerCidr = LOCAL_CALLER_CIDR;
          ui.err(`Local cloud: allowing ${callerCidr} (pass --cidr to choose).`);
        } else if (!callerCidr) {
          callerCidr = callerCidrFromIp(await deps.detectPublicIp());
          ui.err(
            `Detected your public IP with checkip.amazonaws.com: allowing ${callerCidr} (pass --cidr to choose).`,
          );
        }
        let sshPublicKey: string | undefined;
        if (opts.access === 'ssh' || opts.sshPublicKey) {
          const keyFile = opts.sshPublicKey ?? join(homedir(), '.ssh', 'id_ed25519.pub');
          sshPublicKey = (
            await readFile(keyFile, 'utf8').catch(() => {
              throw new UserError(`Cannot read the SSH public key ${keyFile}: pass --ssh-public-key <file>.`);
            })
          ).trim();
        }
        const opened = await invokeBastionFunction<OpenedBastion>(s.clients.lambda, fn, {
          project,
          environment: opts.environment,
          ttlMinutes,
          callerCidr,
          openedBy: safeUser(),
          ...(opts.access ? { access: opts.access } : {}),
          ...(sshPublicKey ? { sshPublicKey } : {}),
        });
        let command = opened.tunnelCommand;
        if (!command) {
          const doc = (
            await readStatus(
              { bucket: requireOutput(stackdrop, 'BucketName'), project, environment: opts.environment },
              { s3: s.clients.s3 },
            )
          )?.doc;
          const host = doc?.outputs.WriterEndpoint;
          if (host)
            command = tunnelCommand(opened, { host, port: doc?.outputs.Port ?? '3306' }, s.target.region);
        }
        if (opts.json) {
          ui.json({ ...opened, callerCidr, ...(command ? { tunnelCommand: command } : {}) });
        } else {
          ui.out(
            `${ui.style.green('✓')} bastion ${opened.instanceId} (${opened.access}) open until ${opened.expiresAt}`,
          );
          if (command) ui.out(`tunnel to the database:\n  ${command}`);
          else ui.out('the function returned no tunnel command and the status has no database endpoint yet');
          for (const note of Array.isArray(opened.notes) ? opened.notes : [])
            ui.out(ui.style.dim(String(note)));
        }
        setExit(EXIT.ok);
      },
    );

  bastion
    .command('list')
    .description("list a project's bastions")
    .argument('<project>', 'project name')
    .option('-e, --environment <name>', 'environment', 'production')
    .option('--json', 'machine-readable result')
    .addHelpText('after', examples('stackdrop bastion list acme', 'stackdrop bastion list acme --json'))
    .action(async (project: string, opts: { environment: string; json?: boolean }, cmd: Command) => {
      const s = session(cmd);
      const fn = requireOutput(await s.stackdrop(), 'ListBastionsFunctionName');
      const listed = await invokeBastionFunction(s.clients.lambda, fn, {
        project,
        environment: opts.environment,
      });
      const bastions = bastionList(listed);
      if (opts.json) {
        const extra = listed && typeof listed === 'object' && !Array.isArray(listed) ? listed : {};
        ui.json({ ...extra, project, environment: opts.environment, bastions });
      } else ui.out(formatBastions(project, opts.environment, bastions, s.now()).join('\n'));
      setExit(EXIT.ok);
    });

  bastion
    .command('close')
    .description('terminate a bastion before its expiry')
    .argument('<project>', 'project name')
    .argument('<instanceId>', 'the bastion instance id (from `bastion list`)')
    .option('-e, --environment <name>', 'environment', 'production')
    .option('--json', 'machine-readable result')
    .addHelpText('after', examples('stackdrop bastion close acme i-0123456789abcdef0'))
    .action(
      async (
        project: string,
        instanceId: string,
        opts: { environment: string; json?: boolean },
        cmd: Command,
      ) => {
        const s = session(cmd);
        const fn = requireOutput(await s.stackdrop(), 'CloseBastionFunctionName');
        const closed = await invokeBastionFunction<Record<string, unknown>>(s.clients.lambda, fn, {
          project,
          environment: opts.environment,
          instanceId,
          closedBy: safeUser(),
        });
        if (opts.json) ui.json(closed ?? { instanceId });
        else if (closed?.result === 'already-ended') ui.out(`bastion ${instanceId} had already ended`);
        else ui.out(`${ui.style.green('✓')} bastion ${instanceId} closed`);
        setExit(EXIT.ok);
      },
    );

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

  program
    .command('rehearse')
    .description(
      'run a manifest offline on the local cloud: plan, expected AWS duration, critical path, every error, with faults',
    )
    .argument('<manifest>', 'manifest file')
    .option(
      '--fault <scenario>',
      `inject a fault scenario (repeatable): ${FAULT_NAMES.map((n) => `"${n}"`).join(', ')}`,
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--push', 'once ready, push an image and rehearse the deploy too (implied by deploy faults)')
    .option('--estimate', 'no run: estimate the first provisioning from the templates alone (instant)')
    .option('--json', 'machine-readable result')
    .addHelpText(
      'after',
      `${examples(
        'stackdrop rehearse stackdrop.yaml',
        'stackdrop rehearse stackdrop.yaml --fault "database fails"',
        'stackdrop rehearse stackdrop.yaml --fault "deploy crashes" --json | jq .errors',
        'stackdrop rehearse stackdrop.yaml --push',
        'stackdrop rehearse stackdrop.yaml --estimate',
      )}
The rehearsal starts a private local cloud in this process, deploys stackdrop's own template.yaml on it
(state machines, functions, event sources), drops the manifest, and reports on simulated AWS time.
Exit 0 when the run ends ready (and the deploy succeeds), 1 for an invalid manifest or unknown fault,
2 when the rehearsed run fails — as it should under most fault scenarios.`,
    )
    .action(
      async (
        file: string,
        opts: { fault?: string[]; push?: boolean; estimate?: boolean; json?: boolean },
      ) => {
        const faults = opts.fault ?? [];
        const unknown = faults.filter((f) => !FAULT_NAMES.includes(f.trim().toLowerCase()));
        if (unknown.length)
          throw new UserError(
            `Unknown fault scenario ${unknown.map((f) => `"${f}"`).join(', ')}. Choose from: ${FAULT_NAMES.map((n) => `"${n}"`).join(', ')}.`,
          );
        if (opts.estimate && (faults.length || opts.push))
          throw new UserError('--estimate runs nothing: leave out --fault and --push, or drop --estimate.');
        const result = await readManifestFile(resolve(deps.cwd, file), file, deps.stdin);
        if (!reportManifest(result, file, Boolean(opts.json), deps)) return setExit(EXIT.user);
        const m = result.manifest;
        if (opts.estimate) {
          const stacks = planStacks(m);
          const estimate = await estimateProvisioning(stacks, undefined, deps.readTemplate);
          if (opts.json)
            ui.json({
              project: m.project,
              environment: m.environment,
              stacks: stacksForJson(stacks),
              estimate,
              simulated: false,
            });
          else ui.out(formatEstimate(m.project, m.environment, estimate, ui.style).join('\n'));
          return setExit(EXIT.ok);
        }
        const spinner =
          !opts.json && ui.tty ? ui.progress('rehearsing on a private local cloud…') : undefined;
        const { rehearse } = await import('#local/rehearse.ts');
        let report: RehearsalReport;
        try {
          report = {
            ...(await rehearse(resolve(deps.cwd, file), {
              faults,
              push: Boolean(opts.push),
              ...regionOption(deps.env.AWS_REGION ?? deps.env.AWS_DEFAULT_REGION),
            })),
            manifest: file,
          };
        } finally {
          spinner?.stop();
        }
        if (opts.json) ui.json({ ...report, simulated: true });
        else ui.out(formatRehearsalReport(report, ui.style).join('\n'));
        setExit(rehearsalExitCode(report));
      },
    );

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

async function reportProvisioning(
  outcome: ReturnType<typeof provisioningSettled>,
  doc: StatusDocument | undefined,
  versionId: string | undefined,
  since: Date,
  s: Session,
  json: boolean,
  extra: Record<string, unknown>,
): Promise<number> {
  const { ui } = s.deps;
  const elapsed = formatDuration(s.now().getTime() - since.getTime());
  if (outcome === 'ready' && doc) {
    if (json)
      ui.json({
        ...extra,
        phase: 'ready',
        elapsedMs: s.now().getTime() - since.getTime(),
        status: statusView(doc, s.now()),
      });
    else {
      ui.out(`${ui.style.green('✓')} ${doc.project}/${doc.environment} ready after ${elapsed}`);
      const url = doc.outputs.Url ?? doc.outputs.url;
      if (url) ui.out(`  ${url}`);
    }
    return EXIT.ok;
  }
  if (outcome === 'superseded') {
    const message = `a newer manifest (version ${doc?.manifest?.versionId}) replaced version ${versionId} before it was provisioned; follow it with \`stackdrop status ${doc?.project} --watch\``;
    if (json) ui.json({ ...extra, phase: 'superseded', reason: message });
    else ui.err(ui.style.yellow(`! ${message}`));
    return EXIT.failed;
  }
  if (!doc) throw new OperationFailedError('The status document disappeared while watching.');
  const rejected = doc.errors ?? [];
  const reason = rejected.length
    ? `stackdrop rejected the manifest: ${rejected.map((e) => `${e.path}: ${e.message}`).join('; ')}`
    : formatFailure(await explainFailure(doc, s.clients.cfn, since));
  if (json) ui.json({ ...extra, phase: 'failed', reason, status: statusView(doc, s.now()) });
  else ui.err(ui.style.red(`✗ ${doc.project}/${doc.environment} ${reason} (after ${elapsed})`));
  return EXIT.failed;
}

async function fileExists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
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

/** `{ region }` when the environment names one (rehearse runs its local cloud there). */
function regionOption(region: string | undefined): { region?: string } {
  return region ? { region } : {};
}
