import {
  type CloudFormationClient,
  DescribeStackEventsCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import type { S3Client } from '@aws-sdk/client-s3';
import { STAGES, type Stage, stackName } from '#shared/naming.ts';
import { readStatus, type StatusDocument, type StatusRef } from '#shared/status.ts';
import { InterruptedError, OperationFailedError } from './errors.ts';
import { resourceLabel } from './labels.ts';
import { isStackMissing } from './stackdrop-stack.ts';
import { formatDuration, liveBlock, type Style, type Writer } from './ui.ts';

/** A watch reached its time limit; the operation itself continues. */
export class WatchTimeoutError extends OperationFailedError {
  override name = 'WatchTimeoutError';
}

/** A resource CloudFormation is working on right now. */
export interface ResourceInProgress {
  logicalId: string;
  type: string;
  label: string;
  status: string;
  since: string;
}

/** The first resource that failed in a stack, and why. */
export interface FailedResource {
  stage: string;
  stackName: string;
  logicalId?: string;
  type?: string;
  label?: string;
  reason: string;
}

const IN_PROGRESS = /IN_PROGRESS|in-progress|running|creating|updating|deleting|pending/i;
const CANCELLED = /cancelled|canceled/i;

/** Whether a stack status from the status document means CloudFormation is still working. */
export function stackInProgress(status: string | undefined): boolean {
  return Boolean(status && IN_PROGRESS.test(status) && !/COMPLETE$|FAILED$/.test(status));
}

/** Stack events since `since`, newest first, at most a few pages (a watch never needs more). */
export async function recentStackEvents(
  cfn: CloudFormationClient,
  stack: string,
  since: Date,
  maxPages = 3,
): Promise<StackEvent[]> {
  const events: StackEvent[] = [];
  let token: string | undefined;
  try {
    for (let page = 0; page < maxPages; page++) {
      const out = await cfn.send(new DescribeStackEventsCommand({ StackName: stack, NextToken: token }));
      const batch = out.StackEvents ?? [];
      for (const e of batch) {
        if (e.Timestamp && e.Timestamp.getTime() < since.getTime()) return events;
        events.push(e);
      }
      token = out.NextToken;
      if (!token) break;
    }
  } catch (error) {
    if (isStackMissing(error)) return events;
    throw error;
  }
  return events;
}

/** Resources whose latest event (newest first) is still *_IN_PROGRESS, the stack itself left out. */
export function resourcesInProgress(events: StackEvent[], stack: string): ResourceInProgress[] {
  const latest = new Map<string, StackEvent>();
  for (const e of events) {
    if (!e.LogicalResourceId || e.LogicalResourceId === stack || latest.has(e.LogicalResourceId)) continue;
    latest.set(e.LogicalResourceId, e);
  }
  return [...latest.values()]
    .filter((e) => e.ResourceStatus?.endsWith('_IN_PROGRESS'))
    .map((e) => ({
      logicalId: e.LogicalResourceId!,
      type: e.ResourceType ?? '',
      label: resourceLabel(e.ResourceType ?? ''),
      status: e.ResourceStatus!,
      since: e.Timestamp?.toISOString() ?? '',
    }))
    .sort((a, b) => a.since.localeCompare(b.since));
}

/** The earliest failed event that is not a cancellation caused by another failure. */
export function firstFailure(events: StackEvent[], stack: string): StackEvent | undefined {
  const failed = events.filter(
    (e) =>
      e.ResourceStatus?.endsWith('_FAILED') &&
      e.LogicalResourceId !== stack &&
      !CANCELLED.test(e.ResourceStatusReason ?? ''),
  );
  return failed.at(-1);
}

/**
 * Explains a failed status document: the stage, the first failed resource and its reason, from
 * the document or, when it lacks them, from the stack's events. Never just "failed".
 */
export async function explainFailure(
  doc: StatusDocument,
  cfn: CloudFormationClient,
  since: Date,
): Promise<FailedResource> {
  const failedStage =
    (doc.error?.stage as Stage | undefined) ??
    STAGES.find((s) => /FAILED|ROLLBACK|failed/.test(doc.stacks[s]?.status ?? ''));
  const stage = failedStage ?? 'unknown';
  const entry = failedStage ? doc.stacks[failedStage] : undefined;
  const stack = entry?.stackName ?? (failedStage ? stackName(doc.project, doc.environment, failedStage) : '');
  const recordedResource = entry?.failedResource ?? doc.error?.failedResource;
  const recordedReason = entry?.reason ?? doc.error?.message;
  if (recordedResource && recordedReason) {
    return { stage, stackName: stack, logicalId: recordedResource, reason: recordedReason };
  }
  if (stack) {
    const event = firstFailure(await recentStackEvents(cfn, stack, since, 5), stack);
    if (event) {
      return {
        stage,
        stackName: stack,
        logicalId: event.LogicalResourceId,
        type: event.ResourceType,
        label: resourceLabel(event.ResourceType ?? ''),
        reason: event.ResourceStatusReason ?? recordedReason ?? 'no reason given by CloudFormation',
      };
    }
  }
  return {
    stage,
    stackName: stack,
    ...(recordedResource ? { logicalId: recordedResource } : {}),
    reason:
      recordedReason ??
      (stack
        ? `no reason was recorded; see \`aws cloudformation describe-stack-events --stack-name ${stack}\``
        : 'no reason was recorded; see the provision execution in the Step Functions console'),
  };
}

/** One line for a failure: stage, resource (with its human label) and reason. */
export function formatFailure(f: FailedResource): string {
  const what = f.logicalId
    ? `${f.label ? `${f.label} ` : ''}${f.logicalId}${f.type ? ` (${f.type})` : ''}`
    : '';
  return `failed in ${f.stage}${f.stackName ? ` (${f.stackName})` : ''}${what ? ` — ${what}` : ''}: ${f.reason}`;
}

export interface FollowDeps {
  s3: S3Client;
  cfn: CloudFormationClient;
  stdout: Writer;
  style: Style;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  pollIntervalMs: number;
  /** Ctrl-C: ends the watch (never the work in AWS) with a word on how to resume. */
  interrupt?: Interrupt;
}

/** How a watch learns of Ctrl-C: the signal, and a switch telling the handler a watch is running. */
export interface Interrupt {
  signal: AbortSignal;
  watching: (on: boolean) => void;
}

/** What Ctrl-C during a watch prints: nothing was cancelled, and how to pick the watch up again. */
export function interruptedMessage(ref: StatusRef): string {
  const env = ref.environment === 'production' ? '' : ` --environment ${ref.environment}`;
  return `Stopped watching (Ctrl-C). Nothing was cancelled: stackdrop keeps working on ${ref.project}/${ref.environment} in AWS. Resume watching with \`stackdrop status ${ref.project}${env} --watch\`.`;
}

/** Sleeps, or ends early when Ctrl-C arrives. */
function sleepUnlessInterrupted(deps: FollowDeps, ms: number): Promise<void> {
  const signal = deps.interrupt?.signal;
  if (!signal) return deps.sleep(ms);
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    deps.sleep(ms).then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export interface FollowOptions {
  /** When the watch started (elapsed time and events are counted from here). */
  since: Date;
  /** Decides, for each fresh document (or its absence), whether the watch is over. */
  isDone: (doc: StatusDocument | undefined) => boolean | Promise<boolean>;
  /** Whether a document is about this run yet (an older run's document is shown as waiting). */
  isCurrent?: (doc: StatusDocument) => boolean;
  /** Give up after this long (simulated or real); undefined follows forever. */
  timeoutMs?: number;
}

/** Follows the status document, drawing per-stack progress, until `isDone`. */
export async function followStatus(
  ref: StatusRef,
  deps: FollowDeps,
  options: FollowOptions,
): Promise<StatusDocument | undefined> {
  deps.interrupt?.watching(true);
  try {
    return await follow(ref, deps, options);
  } finally {
    deps.interrupt?.watching(false);
  }
}

async function follow(
  ref: StatusRef,
  deps: FollowDeps,
  options: FollowOptions,
): Promise<StatusDocument | undefined> {
  const block = liveBlock(deps.stdout);
  const tty = Boolean(deps.stdout.isTTY);
  for (;;) {
    const found = (await readStatus(ref, deps))?.doc;
    const doc = found && (options.isCurrent?.(found) ?? true) ? found : undefined;
    const progress: Partial<Record<Stage, ResourceInProgress[]>> = {};
    if (doc) {
      for (const stage of STAGES) {
        const entry = doc.stacks[stage];
        if (!stackInProgress(entry?.status)) continue;
        const name = entry?.stackName ?? stackName(doc.project, doc.environment, stage);
        progress[stage] = resourcesInProgress(await recentStackEvents(deps.cfn, name, options.since), name);
      }
    }
    block.render(progressLines(ref, doc, progress, deps.now(), options.since, deps.style, tty));
    if (await options.isDone(found)) {
      block.done();
      return found;
    }
    if (
      options.timeoutMs !== undefined &&
      deps.now().getTime() - options.since.getTime() >= options.timeoutMs
    ) {
      block.done();
      throw new WatchTimeoutError(
        `Stopped watching after ${formatDuration(options.timeoutMs)}: ${ref.project}/${ref.environment} is still ${found?.phase ?? 'not started'}. stackdrop carries on; check with \`stackdrop status ${ref.project} --environment ${ref.environment}\`.`,
      );
    }
    await sleepUnlessInterrupted(deps, deps.pollIntervalMs);
    if (deps.interrupt?.signal.aborted) {
      block.done();
      throw new InterruptedError(interruptedMessage(ref));
    }
  }
}

/**
 * The lines a watch shows. On a TTY they include ticking elapsed times (redrawn in place); in a log
 * they leave them out so that only real changes print a new line.
 */
export function progressLines(
  ref: StatusRef,
  doc: StatusDocument | undefined,
  progress: Partial<Record<Stage, ResourceInProgress[]>>,
  now: Date,
  since: Date,
  style: Style,
  tty: boolean,
): string[] {
  const head = `${ref.project}/${ref.environment}`;
  if (!doc) return [`${head}: waiting for stackdrop to start…`];
  const elapsed = tty ? `  ${style.dim(formatDuration(now.getTime() - since.getTime()))}` : '';
  const lines = [`${style.bold(head)}  ${doc.phase}${elapsed}`];
  for (const stage of STAGES) {
    const entry = doc.stacks[stage];
    if (!entry) continue;
    const start = entry.startedAt ? Date.parse(entry.startedAt) : undefined;
    const end = entry.finishedAt ? Date.parse(entry.finishedAt) : undefined;
    const took =
      start !== undefined && (end !== undefined || tty)
        ? `  ${formatDuration((end ?? now.getTime()) - start)}`
        : '';
    const busy = progress[stage] ?? [];
    const detail = busy.length ? `  — ${summariseBusy(busy)}` : '';
    lines.push(`  ${stage.padEnd(8)}  ${colourStatus(entry.status, style)}${took}${detail}`);
  }
  return lines;
}

function summariseBusy(busy: ResourceInProgress[]): string {
  const counts = new Map<string, number>();
  for (const b of busy) counts.set(b.label, (counts.get(b.label) ?? 0) + 1);
  return [...counts].map(([label, n]) => (n > 1 ? `${label} ×${n}` : label)).join(', ');
}

function colourStatus(status: string, style: Style): string {
  if (/FAILED|ROLLBACK|failed/.test(status)) return style.red(status);
  if (/COMPLETE$|ready|succeeded/.test(status)) return style.green(status);
  return style.yellow(status);
}
