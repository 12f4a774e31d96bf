/**
 * `init`, `validate` and `plan`: the commands that write, check and plan a manifest before anything
 * is deployed. Registered by program.ts; split from it so each command group sits in its own file.
 */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { estimateMonthlyCost } from '#shared/cost.ts';
import { fetchLivePrices } from '#shared/live-prices.ts';
import { securityNotices } from '#shared/manifest/notices.ts';
import { examples } from '../command-kit.ts';
import { type GlobalOptions, resolveTarget } from '../context.ts';
import { type CoreKit, inRegion, reportManifest } from '../core-kit.ts';
import { EXIT, UserError } from '../errors.ts';
import { readManifestFile } from '../manifest-file.ts';
import { planStacks, stacksForJson } from '../stacks.ts';
import { formatCostEstimate } from './cost.ts';
import { askInitAnswers, type InitAnswers, writeStarterManifest } from './init.ts';
import { formatLivePlan, formatNotices, formatOfflinePlan, planLive } from './plan.ts';
import { formatPreflight, runPreflight } from './preflight.ts';

/** Registers `init`, `validate`, `plan`. */
export function registerManifestCommands(program: Command, kit: CoreKit): void {
  const { deps, session, setExit, changeSetDeps } = kit;
  const { ui } = deps;
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
        const liveRegion =
          s.target.region ?? (await s.clients.preflight.sts.config.region().catch(() => undefined));
        // Today's prices for the Region from the AWS Price List, read while the preflight runs;
        // what it does not answer falls back per line.
        const prices = liveRegion ? fetchLivePrices(s.clients.pricing, liveRegion, m) : undefined;
        const preflight = await runPreflight(m, s.clients.preflight, {
          region: liveRegion ?? 'the default Region',
          existing,
          ...(live.outputs.edge?.ExecutionRoleArn
            ? { executionRoleArn: live.outputs.edge.ExecutionRoleArn }
            : {}),
          ...(deps.readTemplate ? { readTemplate: deps.readTemplate } : {}),
        });
        const liveCost = prices ? estimateMonthlyCost(m, liveRegion, await prices) : cost;
        progress?.stop();
        if (opts.json)
          ui.json({
            project: m.project,
            environment: m.environment,
            notices,
            stacks: stacksForJson(stacks),
            live,
            cost: liveCost,
            preflight,
          });
        else
          ui.out(
            [
              ...formatLivePlan(live, ui.style),
              ...formatPreflight(preflight, ui.style),
              ...formatCostEstimate(liveCost, ui.style),
            ].join('\n'),
          );
        // A failed preflight is something the person fixes before deploying.
        return setExit(preflight.every((c) => c.ok) ? EXIT.ok : EXIT.user);
      } catch (error) {
        progress?.stop();
        throw error;
      }
    });
}

async function fileExists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
