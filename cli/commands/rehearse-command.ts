/**
 * `rehearse`: run a manifest on a private local cloud (or estimate it) and report on simulated AWS
 * time. Registered by program.ts; split from it so each command group sits in its own file.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { examples } from '../command-kit.ts';
import { type CoreKit, reportManifest } from '../core-kit.ts';
import { EXIT, UserError } from '../errors.ts';
import { readManifestFile } from '../manifest-file.ts';
import { planStacks, stacksForJson } from '../stacks.ts';
import {
  estimateProvisioning,
  FAULT_NAMES,
  formatEstimate,
  formatRehearsalReport,
  type RehearsalReport,
  rehearsalExitCode,
} from './rehearse.ts';

/** Registers `rehearse`. */
export function registerRehearseCommand(program: Command, kit: CoreKit): void {
  const { deps, setExit } = kit;
  const { ui } = deps;
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
}

/** `{ region }` when the environment names one (rehearse runs its local cloud there). */
function regionOption(region: string | undefined): { region?: string } {
  return region ? { region } : {};
}
