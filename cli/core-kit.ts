/**
 * What the core commands (init ... rehearse) share beyond command-kit.ts: the kit program.ts hands
 * them, `--timeout`, and the manifest read and reported against the Region it goes to. Split from
 * program.ts.
 */
import { type Command, Option } from 'commander';
import { deploymentRegionProblems } from '#shared/manifest/aws-checks.ts';
import type { LivePlanDeps } from './commands/plan.ts';
import type { CliDeps } from './context.ts';
import { UserError } from './errors.ts';
import { formatProblem, type ManifestResult, problemsHeader } from './manifest-file.ts';
import type { Session } from './session.ts';
import { parseMinutes } from './ui.ts';

/** What program.ts hands a core command's registration (command-kit.ts's CommandKit, for the core commands). */
export interface CoreKit {
  deps: CliDeps;
  session(cmd: Command): Session;
  setExit(code: number): void;
  /** What planning with change sets needs: `plan --live`, and `deploy`'s database guard. */
  changeSetDeps(s: Session, bucket: string): LivePlanDeps;
}

/** `--timeout` for every watch: how long to follow before handing back (the work continues). */
export function timeoutOption(): Option {
  return new Option('--timeout <duration>', 'stop watching after this long: 90m, 2h').default('2h');
}

export function timeoutMs(text: string): number {
  const minutes = parseMinutes(text);
  if (minutes === undefined)
    throw new UserError(`--timeout ${text} is not a duration: use 90m, 2h or 1h30m.`);
  return minutes * 60_000;
}

/**
 * The manifest checked against the Region it goes to (a certificate must be in it), when the
 * Region is known (--region, AWS_REGION, the local cloud's).
 */
export function inRegion(result: ManifestResult, region: string | undefined): ManifestResult {
  if (!result.ok) return result;
  const problems = deploymentRegionProblems(result.manifest, region, result.file);
  return problems.length
    ? { ok: false, problems, text: result.text, format: result.format, file: result.file }
    : result;
}

/** Prints a manifest's problems (or its JSON) and returns whether it was valid. */
export function reportManifest(
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
