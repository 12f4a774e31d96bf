import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Durations } from '#local/durations.ts';
import type { RehearsalReport } from '#local/rehearse.ts';
import { type CfnTemplate, parseCfnTemplate } from '#shared/cfn-yaml.ts';
import type { Stage } from '#shared/naming.ts';
import { MILESTONE_HAND_ONS } from '#shared/provision/milestones.ts';
import { OperationFailedError } from '../errors.ts';
import { resourceLabel } from '../labels.ts';
import { type PlannedStack, REPO_ROOT } from '../stacks.ts';
import { formatDuration, type Style } from '../ui.ts';

/** One stage of an estimate: when it would start and how long its resources take. */
export interface StageEstimate {
  stage: Stage;
  stackName: string;
  dependsOn: Stage[];
  resources: number;
  startMs: number;
  durationMs: number;
  finishMs: number;
  /** The chain of resources that decides the stage's duration, first to last. */
  criticalResources: { logicalId: string; type: string; label: string; durationMs: number }[];
  /** Conditions this estimate could not evaluate (their resources were counted in). */
  unresolvedConditions: string[];
}

export interface Estimate {
  stages: StageEstimate[];
  totalMs: number;
  criticalPath: Stage[];
}

type Json = unknown;

/** The resources a value refers to: Ref, GetAtt and `${...}` inside Sub. */
function references(value: Json, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) references(v, into);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const obj = value as Record<string, Json>;
  if (typeof obj.Ref === 'string') into.add(obj.Ref);
  const getAtt = obj['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') into.add(getAtt[0]);
  if (typeof getAtt === 'string') into.add(getAtt.split('.')[0]!);
  const sub = obj['Fn::Sub'];
  const subText =
    typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : '';
  for (const m of subText.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}/g)) into.add(m[1]!);
  for (const v of Object.values(obj)) references(v, into);
}

/** Evaluates a template condition from parameter values; undefined when it uses anything else. */
function evaluateCondition(
  expr: Json,
  template: CfnTemplate,
  parameters: Record<string, string>,
  seen = new Set<string>(),
): boolean | undefined {
  const value = (v: Json): string | undefined => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    const ref = (v as { Ref?: string } | null)?.Ref;
    if (typeof ref === 'string') {
      if (ref in parameters) return parameters[ref];
      const fallback = template.Parameters?.[ref]?.Default;
      return fallback === undefined ? undefined : String(fallback);
    }
    return undefined;
  };
  if (!expr || typeof expr !== 'object') return undefined;
  const e = expr as Record<string, Json>;
  if (typeof e.Condition === 'string') {
    if (seen.has(e.Condition)) return undefined;
    return evaluateCondition(
      template.Conditions?.[e.Condition],
      template,
      parameters,
      new Set([...seen, e.Condition]),
    );
  }
  const args = (key: string) => (Array.isArray(e[key]) ? (e[key] as Json[]) : undefined);
  const equals = args('Fn::Equals');
  if (equals) {
    const [a, b] = equals.map(value);
    return a === undefined || b === undefined ? undefined : a === b;
  }
  const not = args('Fn::Not');
  if (not) {
    const inner = evaluateCondition(not[0], template, parameters, seen);
    return inner === undefined ? undefined : !inner;
  }
  const and = args('Fn::And');
  const or = args('Fn::Or');
  const list = and ?? or;
  if (list) {
    const results = list.map((c) => evaluateCondition(c, template, parameters, seen));
    if (and) return results.includes(false) ? false : results.includes(undefined) ? undefined : true;
    return results.includes(true) ? true : results.includes(undefined) ? undefined : false;
  }
  return undefined;
}

/** The longest chain of resource creations in one template (its resources created in parallel by dependency). */
export function templateCriticalPath(
  template: CfnTemplate,
  parameters: Record<string, string>,
  durations: Durations,
  milestone: string[] = [],
): Omit<StageEstimate, 'stage' | 'stackName' | 'dependsOn' | 'startMs' | 'finishMs'> & {
  milestoneMs?: number;
} {
  const unresolved = new Set<string>();
  const included = Object.entries(template.Resources).filter(([, r]) => {
    if (!r.Condition) return true;
    const result = evaluateCondition({ Condition: r.Condition }, template, parameters);
    if (result === undefined) unresolved.add(r.Condition);
    return result !== false;
  });
  const ids = new Set(included.map(([id]) => id));
  const deps = new Map<string, string[]>();
  for (const [id, r] of included) {
    const refs = new Set<string>();
    references(r.Properties ?? {}, refs);
    for (const d of [r.DependsOn ?? []].flat()) refs.add(d);
    deps.set(
      id,
      [...refs].filter((ref) => ids.has(ref) && ref !== id),
    );
  }
  const finish = new Map<string, { ms: number; via?: string }>();
  const visiting = new Set<string>();
  const finishOf = (id: string): number => {
    const known = finish.get(id);
    if (known) return known.ms;
    if (visiting.has(id)) throw new OperationFailedError(`Circular dependency in template at ${id}`);
    visiting.add(id);
    let start = 0;
    let via: string | undefined;
    for (const d of deps.get(id) ?? []) {
      const f = finishOf(d);
      if (f > start) [start, via] = [f, d];
    }
    const ms = start + durations.resource(template.Resources[id]!.Type, 'create');
    finish.set(id, { ms, ...(via ? { via } : {}) });
    visiting.delete(id);
    return ms;
  };
  let last: string | undefined;
  let total = 0;
  for (const id of ids) {
    const f = finishOf(id);
    if (f > total) [total, last] = [f, id];
  }
  const chain: StageEstimate['criticalResources'] = [];
  for (let id = last; id; id = finish.get(id)?.via) {
    const type = template.Resources[id]!.Type;
    chain.unshift({
      logicalId: id,
      type,
      label: resourceLabel(type),
      durationMs: durations.resource(type, 'create'),
    });
  }
  // A milestone whose resources the template (as rendered) does not hold is not one: the stack's end counts.
  const milestoneMs =
    milestone.length > 0 && milestone.every((id) => ids.has(id))
      ? Math.max(...milestone.map(finishOf))
      : undefined;
  return {
    resources: ids.size,
    durationMs: total,
    criticalResources: chain,
    unresolvedConditions: [...unresolved],
    ...(milestoneMs !== undefined ? { milestoneMs } : {}),
  };
}

/**
 * Estimates a first provisioning: each stage's resource critical path (durations from the local
 * cloud's table), stages started as soon as the stages they need are done, or have passed the
 * milestone the stage starts at (shared/provision/milestones.ts).
 */
export async function estimateProvisioning(
  stacks: PlannedStack[],
  durations: Durations = new Durations(),
  readTemplate: (file: string) => Promise<string> = (file) => readFile(resolve(REPO_ROOT, file), 'utf8'),
): Promise<Estimate> {
  const byStage = new Map<Stage, StageEstimate>();
  /** When a stage's milestone is passed, for the one stage that starts at it. */
  const handOns = new Map<Stage, number>();
  const readyFor = (producer: Stage, consumer: Stage): number =>
    (MILESTONE_HAND_ONS[producer]?.to === consumer ? handOns.get(producer) : undefined) ??
    byStage.get(producer)?.finishMs ??
    0;
  const pending = [...stacks];
  while (pending.length) {
    const index = pending.findIndex((s) =>
      s.dependsOn.every((d) => byStage.has(d) || !stacks.some((x) => x.stage === d)),
    );
    if (index < 0) throw new OperationFailedError('The stages depend on each other in a cycle.');
    const stack = pending.splice(index, 1)[0]!;
    let text: string;
    try {
      text = stack.templateBody ?? (await readTemplate(stack.templateFile));
    } catch {
      throw new OperationFailedError(`Cannot read ${stack.templateFile} for the ${stack.stage} stage.`);
    }
    const handOn = MILESTONE_HAND_ONS[stack.stage];
    const { milestoneMs, ...path } = templateCriticalPath(
      parseCfnTemplate(text),
      stack.parameters,
      durations,
      handOn?.resources(stack.parameters),
    );
    const startMs = Math.max(0, ...stack.dependsOn.map((d) => readyFor(d, stack.stage)));
    byStage.set(stack.stage, {
      stage: stack.stage,
      stackName: stack.stackName,
      dependsOn: stack.dependsOn,
      startMs,
      finishMs: startMs + path.durationMs,
      ...path,
    });
    if (milestoneMs !== undefined) handOns.set(stack.stage, startMs + milestoneMs);
  }
  const stages = stacks.map((s) => byStage.get(s.stage)!);
  let tail = stages.reduce<StageEstimate | undefined>(
    (a, b) => (!a || b.finishMs > a.finishMs ? b : a),
    undefined,
  );
  const criticalPath: Stage[] = [];
  while (tail) {
    criticalPath.unshift(tail.stage);
    const start = tail.startMs;
    const consumer = tail.stage;
    tail = tail.dependsOn.map((d) => byStage.get(d)).find((d) => d && readyFor(d.stage, consumer) === start);
  }
  return { stages, totalMs: Math.max(0, ...stages.map((s) => s.finishMs)), criticalPath };
}

/** Human lines for an estimate, saying plainly what it is and what is not simulated yet. */
export function formatEstimate(
  project: string,
  environment: string,
  estimate: Estimate,
  style: Style,
): string[] {
  const lines = [
    `${style.bold(`Rehearsal of ${project}/${environment}`)}: manifest valid, ${estimate.stages.length} stacks rendered`,
    '',
  ];
  for (const s of estimate.stages) {
    const chain = s.criticalResources
      .filter((r) => r.durationMs >= 60_000)
      .map((r) => `${r.label} ${formatDuration(r.durationMs)}`)
      .join(' → ');
    lines.push(
      `  ${s.stage.padEnd(8)}  starts ${formatDuration(s.startMs).padStart(7)}  takes ${formatDuration(s.durationMs).padStart(7)}  ${s.resources} resource${s.resources === 1 ? '' : 's'}${chain ? `  (${chain})` : ''}`,
    );
    if (s.unresolvedConditions.length) {
      lines.push(
        style.dim(
          `            conditions not evaluated offline (counted in): ${s.unresolvedConditions.join(', ')}`,
        ),
      );
    }
  }
  lines.push(
    '',
    `Estimated first provisioning on AWS: ${style.bold(formatDuration(estimate.totalMs))}; critical path ${estimate.criticalPath.join(' → ')}`,
    style.dim(
      'Estimated from the rendered templates and published AWS durations (local/durations.ts), not a run:',
    ),
    style.dim(
      'drop --estimate to rehearse it on the local cloud (state machines, functions, fault scenarios).',
    ),
  );
  return lines;
}

export type { RehearsalReport };

/**
 * The fault scenarios `local/rehearse.ts` knows (FAULT_SCENARIOS), listed here so that `--help` and
 * the check of `--fault` do not load the local cloud; a unit test keeps the two lists equal.
 */
export const FAULT_NAMES: readonly string[] = [
  'database fails',
  'network fails',
  'app fails',
  'stack event lost',
  'throttled',
  'deploy crashes',
  'release fails',
];

/** Exit code of a rehearsal: 0 the run ended as a healthy one, 1 invalid manifest, 2 the run failed. */
export function rehearsalExitCode(report: RehearsalReport): number {
  if (report.outcome === 'invalid') return 1;
  if (report.outcome === 'failed') return 2;
  if (report.deploy && report.deploy.outcome !== 'succeeded') return 2;
  return 0;
}

/** `3× subnet, 2× Aurora instance, …`: the most numerous resource types of a stage, by label. */
function topResources(types: Record<string, number>, max = 4): string {
  return Object.entries(types)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([type, n]) => `${n}× ${resourceLabel(type)}`)
    .join(', ');
}

/**
 * Human lines for a rehearsal: the plan per stack (status, start, duration, resources), the
 * expected AWS duration and critical path, the deploy on push, every error the real run would
 * hit, and the outcome. Only simulated AWS time appears (no wall-clock time), so the text is the
 * same on every run; plain text without colour when not on a terminal.
 */
export function formatRehearsalReport(report: RehearsalReport, style: Style): string[] {
  const faults = report.faults.length
    ? `, fault${report.faults.length === 1 ? '' : 's'}: ${report.faults.map((f) => `"${f}"`).join(', ')}`
    : '';
  const lines = [
    `${style.bold(`Rehearsal of ${report.manifest}`)} (${report.project}/${report.environment}${faults})`,
    style.dim(
      "Run offline on stackdrop's own state machines and functions, with published AWS durations on a virtual clock.",
    ),
  ];
  for (const a of report.assumptions ?? []) lines.push(style.dim(`Assumed: ${a}.`));
  if (report.manifestProblems.length) {
    lines.push('', style.red('The real run stops at validation, nothing is created:'));
    for (const p of report.manifestProblems) lines.push(`  ${p}`);
  }
  if (report.stages.length) {
    lines.push('', style.bold('Plan'));
    lines.push(
      `  ${'STAGE'.padEnd(9)} ${'STATUS'.padEnd(22)} ${'STARTS'.padStart(7)}  ${'TAKES'.padStart(7)}  RESOURCES`,
    );
    for (const s of report.stages) {
      const paint = /FAILED|ROLLBACK/.test(s.status)
        ? style.red
        : /COMPLETE$/.test(s.status)
          ? style.green
          : style.yellow;
      const starts = s.startMs === undefined ? '—' : formatDuration(s.startMs);
      const takes = s.durationMs === undefined ? '—' : formatDuration(s.durationMs);
      const top = topResources(s.resourceTypes);
      lines.push(
        `  ${s.stage.padEnd(9)} ${paint(s.status.padEnd(22))} ${starts.padStart(7)}  ${takes.padStart(7)}  ${String(s.resources).padStart(3)}${top ? `  ${style.dim(top)}` : ''}`,
      );
    }
  }
  if (report.outcome === 'ready') {
    lines.push(
      '',
      `Expected first provisioning on AWS: ${style.bold(formatDuration(report.expectedDurationMs))}; critical path ${report.criticalPath.join(' → ')}`,
    );
  }
  if (report.deploy) {
    const took = formatDuration(report.deploy.durationMs);
    lines.push(
      report.deploy.outcome === 'succeeded'
        ? `Deploy on push: ${style.green('succeeded')} in ${took} (release task, then every service rolled)`
        : `Deploy on push: ${style.red(report.deploy.outcome)} after ${took}`,
    );
  }
  if (report.errors.length) {
    lines.push('', style.bold('Errors the real run would hit'));
    for (const e of report.errors) lines.push(`  ${style.red('✗')} ${e}`);
  }
  lines.push('', `Outcome: ${outcomeLine(report, style)}`);
  return lines;
}

function outcomeLine(report: RehearsalReport, style: Style): string {
  if (report.outcome === 'invalid') return style.red('invalid manifest — nothing would be created');
  if (report.outcome === 'failed') {
    const failed = report.stages.find((s) => s.reason || /FAILED|ROLLBACK/.test(s.status));
    return style.red(`provisioning failed${failed ? ` at the ${failed.stage} stage` : ''}`);
  }
  if (report.deploy && report.deploy.outcome !== 'succeeded')
    return `provisioning ${style.green('ready')}; the deploy ${style.red(report.deploy.outcome)} — the services keep running the previous image`;
  return style.green(report.deploy ? 'ready, and the deploy succeeded' : 'ready');
}
