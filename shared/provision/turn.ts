import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Logger } from '#shared/logger.ts';
import { isNotFound } from '#shared/s3-errors.ts';
import { getJson, updateJson } from './json-store.ts';

/**
 * One provisioning per project at a time. `turns/<project>-<environment>.json` names the holder
 * and at most one waiting run; it is changed only by compare-and-swap. A waiting run parks its
 * task token there and is woken by the holder's release, so queueing costs no state transitions.
 * Duplicate events (same manifest version) end at once; a newer version replaces an older one
 * still waiting.
 */

export interface TurnHolder {
  executionId: string;
  key: string;
  versionId: string;
  since: string;
}

export interface TurnRecord {
  holder?: TurnHolder;
  waiting?: TurnHolder & { taskToken: string };
  lastCompleted?: { executionId: string; versionId: string; at: string };
}

export type TurnDecision = 'granted' | 'queued' | 'duplicate' | 'superseded';

/** What the waiting "Take the project's turn" task receives. */
export interface TurnResult {
  decision: Exclude<TurnDecision, 'queued'>;
  reason?: string;
}

export interface TurnDeps {
  s3: S3Client;
  sfn: SFNClient;
  logger: Logger;
  bucket: string;
  now?: () => Date;
}

export interface TakeTurnInput {
  project: string;
  environment: string;
  key: string;
  versionId?: string;
  executionId: string;
  taskToken: string;
}

/** Where a project's turn is recorded. */
export function turnKey(project: string, environment: string): string {
  return `turns/${project}-${environment}.json`;
}

// Unversioned buckets (no or an empty version id) and the "null" version still get one run per event.
const isRealVersion = (versionId: string | undefined): versionId is string =>
  Boolean(versionId) && versionId !== 'null';
const versionOf = (input: { versionId?: string }, executionId: string) =>
  isRealVersion(input.versionId) ? input.versionId : `unversioned:${executionId}`;

async function latestVersion(deps: TurnDeps, key: string): Promise<string | undefined | null> {
  try {
    const out = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: key }));
    return out.VersionId;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

async function isRunning(deps: TurnDeps, executionId: string): Promise<boolean> {
  try {
    const out = await deps.sfn.send(new DescribeExecutionCommand({ executionArn: executionId }));
    return out.status === 'RUNNING';
  } catch (error) {
    if ((error as { name?: string }).name === 'ExecutionDoesNotExist') return false;
    throw error;
  }
}

async function notify(deps: TurnDeps, taskToken: string, result: TurnResult): Promise<void> {
  try {
    await deps.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(result) }));
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (name === 'TaskTimedOut' || name === 'InvalidToken' || name === 'TaskDoesNotExist') {
      deps.logger.warn('A run waiting for its turn is already gone', { error: name });
      return;
    }
    throw error;
  }
}

/**
 * Asks for the project's turn. The answer arrives on the task token: at once when granted,
 * duplicate or superseded; when the holder releases, if queued.
 */
export async function takeTurn(input: TakeTurnInput, deps: TurnDeps): Promise<TurnDecision> {
  const now = (deps.now ?? (() => new Date()))().toISOString();
  const key = turnKey(input.project, input.environment);
  const mine = versionOf(input, input.executionId);

  // A newer version of this manifest exists: its own event provisions it, this one has nothing to do.
  const versioned = isRealVersion(input.versionId);
  const latest = versioned ? await latestVersion(deps, input.key) : undefined;
  if (versioned && latest !== input.versionId) {
    await notify(deps, input.taskToken, {
      decision: 'superseded',
      reason: 'a newer manifest version exists',
    });
    return 'superseded';
  }

  const current = (await getJson<TurnRecord>(deps.s3, deps.bucket, key))?.value;
  const holderIsStale =
    current?.holder !== undefined &&
    current.holder.executionId !== input.executionId &&
    !(await isRunning(deps, current.holder.executionId));

  const me: TurnHolder = { executionId: input.executionId, key: input.key, versionId: mine, since: now };
  const { decision, displaced } = await updateJson<
    TurnRecord,
    { decision: TurnDecision; displaced?: string }
  >(deps.s3, deps.bucket, key, (record) => {
    const turn: TurnRecord = record ?? {};
    if (turn.holder?.executionId === input.executionId)
      return { next: undefined, result: { decision: 'granted' } };
    if (turn.waiting?.executionId === input.executionId) {
      return {
        next: { ...turn, waiting: { ...turn.waiting, taskToken: input.taskToken } },
        result: { decision: 'queued' },
      };
    }
    if (
      turn.holder?.versionId === mine ||
      turn.waiting?.versionId === mine ||
      turn.lastCompleted?.versionId === mine
    ) {
      return { next: undefined, result: { decision: 'duplicate' } };
    }
    const stale = holderIsStale && turn.holder?.executionId === current?.holder?.executionId;
    if (!turn.holder || stale) {
      // Whoever waited behind a dead holder is older than this run (it passed the newest-version check).
      const { waiting, ...rest } = turn;
      return {
        next: { ...rest, holder: me },
        result: { decision: 'granted', ...(waiting ? { displaced: waiting.taskToken } : {}) },
      };
    }
    const displacedToken = turn.waiting?.taskToken;
    return {
      next: { ...turn, waiting: { ...me, taskToken: input.taskToken } },
      result: { decision: 'queued', ...(displacedToken ? { displaced: displacedToken } : {}) },
    };
  });

  deps.logger.info('Project turn', { key, decision, versionId: mine });
  if (displaced) {
    await notify(deps, displaced, {
      decision: 'superseded',
      reason: 'a newer manifest version arrived while it waited',
    });
  }
  if (decision === 'granted' || decision === 'duplicate') {
    await notify(deps, input.taskToken, { decision });
  }
  return decision;
}

/**
 * Gives the turn back; the waiting run, if any, becomes the holder and is woken. A run that gave
 * up while it waited (its turn wait timed out or failed) withdraws instead, so the holder's release
 * never hands the turn to an execution that has ended.
 */
export async function releaseTurn(
  input: { project: string; environment: string; executionId: string },
  deps: TurnDeps,
): Promise<{ released: boolean; handedTo?: string; withdrawn?: boolean }> {
  const now = (deps.now ?? (() => new Date()))().toISOString();
  const key = turnKey(input.project, input.environment);
  const { released, next, withdrawn } = await updateJson<
    TurnRecord,
    { released: boolean; next?: string; withdrawn?: boolean }
  >(deps.s3, deps.bucket, key, (record) => {
    if (record?.waiting?.executionId === input.executionId) {
      const { waiting: _gone, ...rest } = record;
      return { next: rest, result: { released: false, withdrawn: true } };
    }
    if (!record?.holder || record.holder.executionId !== input.executionId) {
      return { next: undefined, result: { released: false } };
    }
    const lastCompleted = { executionId: input.executionId, versionId: record.holder.versionId, at: now };
    if (record.waiting) {
      const { taskToken, ...holder } = record.waiting;
      return {
        next: { holder: { ...holder, since: now }, lastCompleted },
        result: { released: true, next: taskToken },
      };
    }
    return { next: { lastCompleted }, result: { released: true } };
  });
  if (next) await notify(deps, next, { decision: 'granted' });
  deps.logger.info('Project turn released', { key, released, handedOn: Boolean(next), withdrawn });
  return {
    released,
    ...(next ? { handedTo: 'the waiting run' } : {}),
    ...(withdrawn ? { withdrawn } : {}),
  };
}

/**
 * The schedule's sweep over the turns: a run waiting behind a holder whose execution ended without
 * releasing (stopped, timed out, failed past its release) is handed the turn and woken, instead of
 * waiting until its own 12-hour timeout. Returns how many waiters were woken.
 */
export async function wakeWaitersOfEndedHolders(deps: TurnDeps): Promise<number> {
  const now = (deps.now ?? (() => new Date()))().toISOString();
  let woken = 0;
  let token: string | undefined;
  do {
    const page = await deps.s3.send(
      new ListObjectsV2Command({ Bucket: deps.bucket, Prefix: 'turns/', ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      const key = object.Key!;
      const current = (await getJson<TurnRecord>(deps.s3, deps.bucket, key))?.value;
      const ended = current?.holder?.executionId;
      if (!ended || !current.waiting || (await isRunning(deps, ended))) continue;
      const { next } = await updateJson<TurnRecord, { next?: string }>(
        deps.s3,
        deps.bucket,
        key,
        (record) => {
          // Only the holder found ended is replaced; anything that changed meanwhile is left alone.
          if (!record?.waiting || record.holder?.executionId !== ended)
            return { next: undefined, result: {} };
          const { taskToken, ...holder } = record.waiting;
          return {
            next: {
              holder: { ...holder, since: now },
              ...(record.lastCompleted ? { lastCompleted: record.lastCompleted } : {}),
            },
            result: { next: taskToken },
          };
        },
      );
      if (!next) continue;
      deps.logger.warn('The holder of a project turn has ended; the waiting run takes over', {
        key,
        ended,
      });
      await notify(deps, next, { decision: 'granted' });
      woken++;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return woken;
}
