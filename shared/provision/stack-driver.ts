import { randomUUID } from 'node:crypto';
import {
  type CloudFormationClient,
  ContinueUpdateRollbackCommand,
  CreateStackCommand,
  DeleteStackCommand,
  type Parameter,
  type Tag,
  UpdateStackCommand,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { S3Client } from '@aws-sdk/client-s3';
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Logger } from '#shared/logger.ts';
import type { Stage } from '#shared/naming.ts';
import { updateStatus } from '#shared/status.ts';
import {
  describeStack,
  firstFailedResource,
  isInProgress,
  isNoUpdatesError,
  isSucceeded,
  isUpdatable,
  mustRecreate,
  type StackView,
} from './cfn.ts';
import { clusterOf, setClusterProtection } from './cluster-protection.ts';
import { ConcurrentWriteError, deleteJson, getJson, putJsonIf, type Stored } from './json-store.ts';
import { type MilestoneName, milestoneOutputs, STAGE_MILESTONES } from './milestones.ts';

/**
 * Drives one stack to the state a waiting Step Functions task asked for, without polling: the
 * task token is stored in `callbacks/<stack>.json` before any CloudFormation call, and whoever
 * learns that the stack reached a final status (the Stack Status Change event, or the fallback
 * check after a timeout) moves the record on and completes the token.
 */

/** Capabilities every stackdrop stack may need (IAM roles for tasks; no macros are used). */
export const CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'] as const;

/** How many fallback checks a single stack wait may take before it gives up. */
export const MAX_CHECK_ROUNDS = 4;

/**
 * How many times one stack wait continues a rollback left in UPDATE_ROLLBACK_FAILED before it asks
 * for manual work. AWS's documented recovery is ContinueUpdateRollback, which often succeeds once
 * the cause (a throttle, a dependency deleted meanwhile) has passed; a resource that stays stuck
 * needs a person to fix it or skip it (`ResourcesToSkip`):
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-continueupdaterollback.html
 * (read 2026-12-07).
 */
export const MAX_ROLLBACK_CONTINUATIONS = 2;

export interface StackRequest {
  action: 'deploy' | 'delete';
  templateBody?: string;
  /** For templates over the TemplateBody limit: where CloudFormation reads them. */
  templateUrl?: string;
  parameters?: Parameter[];
  tags?: Tag[];
  terminationProtection?: boolean;
  stackPolicyBody?: string;
  stackPolicyDuringUpdateBody?: string;
  /** Delete only: lift termination protection first (the request carried the confirmation). */
  liftTerminationProtection?: boolean;
}

export type RecordPhase = 'new' | 'waiting-for-other-operation' | 'deleting-before-recreate' | 'applying';

export interface CallbackRecord {
  stackName: string;
  stage: Stage;
  project: string;
  environment: string;
  executionId: string;
  taskToken: string;
  phase: RecordPhase;
  operation?: 'create' | 'update' | 'delete';
  clientRequestToken?: string;
  /** The CloudFormation call of `operation` returned; until then its status says nothing. */
  issued: boolean;
  stackId?: string;
  rounds: number;
  request: StackRequest;
  startedAt: string;
  /** An allowed replacement lifted this cluster's deletion protection; restored once the update ends. */
  unprotectedCluster?: string;
  /** ContinueUpdateRollback calls this wait made (at most MAX_ROLLBACK_CONTINUATIONS). */
  rollbackContinuations?: number;
  /**
   * Made by a finish-only wait that found nothing to adopt: the operation, started and timed by an
   * earlier wait of this execution, has ended; its status entry keeps that wait's times.
   */
  finishing?: boolean;
  /**
   * The task token waits for this milestone of a create (milestones.ts), not for the final
   * status. Cleared once delivered; the token is then spent (empty) until a task waiting for the
   * final status adopts the record.
   */
  milestone?: MilestoneName;
}

/** What the waiting task receives on success. */
export interface StackResult {
  stage: Stage;
  stackName: string;
  stackId?: string;
  status: string;
  operation: 'create' | 'update' | 'delete' | 'none';
  outputs: Record<string, string>;
  /** Set when the stack is still creating: the outputs are those its milestone hands on. */
  milestone?: MilestoneName;
}

/** The Cause (JSON) of a failed stack task. */
export interface StackFailure {
  stage: Stage;
  stackName: string;
  status: string;
  failedResource?: string;
  resourceType?: string;
  reason: string;
}

export const STACK_FAILED_ERROR = 'StackOperationFailed';
export const WAIT_EXHAUSTED_ERROR = 'StackWaitExhausted';

export interface DriverDeps {
  cfn: CloudFormationClient;
  /** Lifts (and restores) the Aurora cluster's own deletion protection; see cluster-protection.ts. */
  rds?: RDSClient;
  s3: S3Client;
  sfn: SFNClient;
  logger: Logger;
  bucket: string;
  roleArn: string;
  now?: () => Date;
}

export type Outcome =
  | { kind: 'waiting' }
  | { kind: 'succeeded'; result: StackResult }
  | { kind: 'failed'; failure: StackFailure };

/** Thrown when a stack wait ran out of fallback rounds. */
export class StackWaitExhaustedError extends Error {
  override name = WAIT_EXHAUSTED_ERROR;
}

/** Where the waiting task of a stack is recorded. */
export function callbackKey(stackName: string): string {
  return `callbacks/${stackName}.json`;
}

type Decision =
  | { do: 'wait'; phase?: RecordPhase }
  | { do: 'create' }
  | { do: 'update' }
  | { do: 'delete'; phase: 'applying' | 'deleting-before-recreate' }
  | { do: 'continue-rollback' }
  | { do: 'succeed' }
  | { do: 'fail'; reason: string; lookUpFailure: boolean };

/** The pure rule: given the record and the stack as it is now, what to do next. */
export function decide(record: CallbackRecord, stack: StackView | undefined): Decision {
  const status = stack?.status;
  const gone = !stack || status === 'DELETE_COMPLETE';
  if (record.phase === 'applying') {
    if (!record.issued) return { do: 'wait' };
    if (record.operation === 'delete') {
      if (gone) return { do: 'succeed' };
      if (isInProgress(status!)) return { do: 'wait' };
      return { do: 'fail', reason: stack?.reason ?? `stack ended in ${status}`, lookUpFailure: true };
    }
    if (gone)
      return {
        do: 'fail',
        reason: 'the stack was deleted while stackdrop waited for it',
        lookUpFailure: false,
      };
    if (isInProgress(status!)) return { do: 'wait' };
    if (isSucceeded(status!)) return { do: 'succeed' };
    return { do: 'fail', reason: stack.reason ?? `stack ended in ${status}`, lookUpFailure: true };
  }
  if (record.phase === 'deleting-before-recreate') {
    if (gone) return { do: 'create' };
    if (isInProgress(status!)) return { do: 'wait' };
    return {
      do: 'fail',
      reason: stack.reason ?? `could not delete the stack (${status})`,
      lookUpFailure: true,
    };
  }
  // New request, or waiting for an operation someone else started.
  if (record.request.action === 'delete') {
    if (gone) return { do: 'succeed' };
    if (isInProgress(status!)) return { do: 'wait', phase: 'waiting-for-other-operation' };
    if (stack.terminationProtection && !record.request.liftTerminationProtection) {
      return {
        do: 'fail',
        reason: `${record.stackName} has termination protection; repeat the teardown with the explicit confirmation`,
        lookUpFailure: false,
      };
    }
    return { do: 'delete', phase: 'applying' };
  }
  if (gone) return { do: 'create' };
  if (isInProgress(status!)) return { do: 'wait', phase: 'waiting-for-other-operation' };
  if (mustRecreate(status!)) return { do: 'delete', phase: 'deleting-before-recreate' };
  if (isUpdatable(status!)) return { do: 'update' };
  const continued = record.rollbackContinuations ?? 0;
  if (status === 'UPDATE_ROLLBACK_FAILED') {
    if (continued < MAX_ROLLBACK_CONTINUATIONS) return { do: 'continue-rollback' };
    return {
      do: 'fail',
      reason: `${record.stackName} is in UPDATE_ROLLBACK_FAILED and needs manual intervention: stackdrop tried ContinueUpdateRollback ${continued} times${stack.reason ? ` (${stack.reason})` : ''}. Fix the resource that cannot roll back, or continue the rollback skipping it (aws cloudformation continue-update-rollback --resources-to-skip; ResourcesToSkip), then upload the manifest again`,
      lookUpFailure: false,
    };
  }
  return {
    do: 'fail',
    reason: `${record.stackName} is in ${status} and needs manual intervention${stack.reason ? `: ${stack.reason}` : ''}`,
    lookUpFailure: false,
  };
}

/**
 * The milestone's result when the record waits for one and the stack, in the create the record
 * started, has passed it; undefined otherwise (including whenever it cannot be read).
 */
async function reachedMilestone(
  deps: DriverDeps,
  record: CallbackRecord,
  stack: StackView,
): Promise<StackResult | undefined> {
  const milestone = record.milestone;
  if (!milestone || record.phase !== 'applying' || !record.issued || record.operation !== 'create')
    return undefined;
  if (stack.status !== 'CREATE_IN_PROGRESS') return undefined;
  try {
    const outputs = await milestoneOutputs(record.stage, stack.stackId, record.request.parameters, deps);
    if (!outputs) return undefined;
    return {
      stage: record.stage,
      stackName: record.stackName,
      stackId: stack.stackId,
      status: stack.status,
      operation: 'create',
      outputs,
      milestone,
    };
  } catch (error) {
    // Reading the milestone is an optimisation: the final status still delivers every output.
    deps.logger.warn('Could not read the milestone; waiting for the final status', {
      stackName: record.stackName,
      milestone,
      error: error as Error,
    });
    return undefined;
  }
}

function newClientRequestToken(record: CallbackRecord, operation: string): string {
  // [a-zA-Z0-9-], at most 128 characters; shared by every event of the operation.
  return `stackdrop-${record.stage}-${operation}-${randomUUID()}`;
}

async function persist(deps: DriverDeps, record: CallbackRecord, etag: string | undefined): Promise<string> {
  return putJsonIf(deps.s3, deps.bucket, callbackKey(record.stackName), record, etag);
}

/**
 * Moves a stored record one step on: reads the stack (or takes the read already under way),
 * decides, stores the record BEFORE any mutating CloudFormation call, then makes the call.
 * Returns the outcome and the record's etag.
 */
export async function advance(
  stored: Stored<CallbackRecord>,
  deps: DriverDeps,
  read?: Promise<StackView | undefined>,
): Promise<{ outcome: Outcome; etag: string }> {
  let record = stored.value;
  let etag = stored.etag;
  const stack = await (read ?? describeStack(deps.cfn, record.stackId ?? record.stackName));
  const decision = decide(record, stack);
  deps.logger.info('Stack decision', {
    stackName: record.stackName,
    status: stack?.status ?? 'NONE',
    phase: record.phase,
    decision: decision.do,
  });
  switch (decision.do) {
    case 'wait': {
      if (decision.phase && decision.phase !== record.phase) {
        record = { ...record, phase: decision.phase };
        etag = await persist(deps, record, etag);
        await recordStackProgress(deps, record, stack?.status ?? 'PENDING');
      }
      const reached = stack ? await reachedMilestone(deps, record, stack) : undefined;
      if (reached) return { outcome: { kind: 'succeeded', result: reached }, etag };
      return { outcome: { kind: 'waiting' }, etag };
    }
    case 'succeed': {
      await restoreProtection(deps, record, stack);
      const operation = record.phase === 'applying' && record.operation ? record.operation : 'none';
      return {
        outcome: {
          kind: 'succeeded',
          result: {
            stage: record.stage,
            stackName: record.stackName,
            ...(stack ? { stackId: stack.stackId } : {}),
            status: stack?.status ?? 'DELETE_COMPLETE',
            operation,
            outputs: record.request.action === 'delete' ? {} : (stack?.outputs ?? {}),
          },
        },
        etag,
      };
    }
    case 'fail': {
      await restoreProtection(deps, record, stack);
      const failed =
        decision.lookUpFailure && stack
          ? await firstFailedResource(deps.cfn, stack.stackId, record.stackName)
          : undefined;
      return {
        outcome: {
          kind: 'failed',
          failure: {
            stage: record.stage,
            stackName: record.stackName,
            status: stack?.status ?? 'NONE',
            ...(failed ? { failedResource: failed.logicalId } : {}),
            ...(failed?.type ? { resourceType: failed.type } : {}),
            reason: failed?.reason ?? decision.reason,
          },
        },
        etag,
      };
    }
    case 'continue-rollback': {
      const attempt = (record.rollbackContinuations ?? 0) + 1;
      // Counted before the call, so a crash between the two never makes the attempts unbounded.
      record = { ...record, phase: 'waiting-for-other-operation', rollbackContinuations: attempt };
      etag = await persist(deps, record, etag);
      deps.logger.warn('Continuing a failed update rollback', { stackName: record.stackName, attempt });
      await deps.cfn.send(
        new ContinueUpdateRollbackCommand({
          StackName: stack!.stackId,
          RoleARN: deps.roleArn,
          ClientRequestToken: newClientRequestToken(record, 'continue-rollback'),
        }),
      );
      await recordStackProgress(deps, record, 'UPDATE_ROLLBACK_IN_PROGRESS');
      return { outcome: { kind: 'waiting' }, etag };
    }
    case 'create':
    case 'update':
    case 'delete': {
      const operation = decision.do;
      const phase = decision.do === 'delete' ? decision.phase : 'applying';
      const clientRequestToken = newClientRequestToken(record, operation);
      const unprotect = operation === 'update' ? replaceableCluster(record, stack) : undefined;
      record = {
        ...record,
        phase,
        operation,
        clientRequestToken,
        issued: false,
        ...(unprotect ? { unprotectedCluster: unprotect } : {}),
      };
      // The token is safe in the bucket before CloudFormation can emit a single event.
      etag = await persist(deps, record, etag);
      const issued = await issue(deps, record, stack, operation, clientRequestToken);
      if (issued === 'no-updates') {
        await restoreProtection(deps, record, stack);
        return {
          outcome: {
            kind: 'succeeded',
            result: {
              stage: record.stage,
              stackName: record.stackName,
              stackId: stack!.stackId,
              status: stack!.status,
              operation: 'none',
              outputs: stack!.outputs,
            },
          },
          etag,
        };
      }
      record = { ...record, issued: true, ...(issued.stackId ? { stackId: issued.stackId } : {}) };
      etag = await persist(deps, record, etag);
      await recordStackProgress(
        deps,
        record,
        operation === 'create'
          ? 'CREATE_IN_PROGRESS'
          : operation === 'update'
            ? 'UPDATE_IN_PROGRESS'
            : 'DELETE_IN_PROGRESS',
      );
      return { outcome: { kind: 'waiting' }, etag };
    }
  }
}

async function issue(
  deps: DriverDeps,
  record: CallbackRecord,
  stack: StackView | undefined,
  operation: 'create' | 'update' | 'delete',
  clientRequestToken: string,
): Promise<{ stackId?: string } | 'no-updates'> {
  const { request, stackName } = record;
  if (operation === 'create') {
    const out = await deps.cfn.send(
      new CreateStackCommand({
        StackName: stackName,
        ...templateOf(request),
        Parameters: request.parameters,
        Tags: request.tags,
        Capabilities: [...CAPABILITIES],
        RoleARN: deps.roleArn,
        ClientRequestToken: clientRequestToken,
        EnableTerminationProtection: request.terminationProtection ?? false,
        ...(request.stackPolicyBody ? { StackPolicyBody: request.stackPolicyBody } : {}),
      }),
    );
    return { ...(out.StackId ? { stackId: out.StackId } : {}) };
  }
  if (operation === 'update') {
    if (record.unprotectedCluster) await setClusterProtection(deps.rds, record.unprotectedCluster, false);
    try {
      const out = await deps.cfn.send(
        new UpdateStackCommand({
          StackName: stack!.stackId,
          ...templateOf(request),
          Parameters: request.parameters,
          Tags: request.tags,
          Capabilities: [...CAPABILITIES],
          RoleARN: deps.roleArn,
          ClientRequestToken: clientRequestToken,
          ...(request.stackPolicyBody ? { StackPolicyBody: request.stackPolicyBody } : {}),
          ...(request.stackPolicyDuringUpdateBody
            ? { StackPolicyDuringUpdateBody: request.stackPolicyDuringUpdateBody }
            : {}),
        }),
      );
      return { ...(out.StackId ? { stackId: out.StackId } : {}) };
    } catch (error) {
      if (isNoUpdatesError(error)) return 'no-updates';
      throw error;
    }
  }
  if (stack?.terminationProtection) {
    await deps.cfn.send(
      new UpdateTerminationProtectionCommand({
        StackName: stack.stackId,
        EnableTerminationProtection: false,
      }),
    );
  }
  // The cluster's own DeletionProtection would fail the delete; it is lifted on a confirmed
  // teardown, and before re-creating a stack whose create never completed (no data was ever in it).
  // DeletionPolicy Snapshot still keeps a final snapshot either way.
  if (
    stack &&
    record.stage === 'database' &&
    (request.liftTerminationProtection || record.phase === 'deleting-before-recreate')
  ) {
    const clusterId = await clusterOf(deps.cfn, stack);
    if (clusterId) await setClusterProtection(deps.rds, clusterId, false);
  }
  await deps.cfn.send(
    new DeleteStackCommand({
      StackName: stack!.stackId,
      RoleARN: deps.roleArn,
      ClientRequestToken: clientRequestToken,
    }),
  );
  return { stackId: stack!.stackId };
}

/** The cluster an update may replace: only on the database stage, only when the manifest allows it. */
function replaceableCluster(record: CallbackRecord, stack: StackView | undefined): string | undefined {
  if (record.stage !== 'database' || !record.request.stackPolicyDuringUpdateBody) return undefined;
  return stack?.outputs.ClusterIdentifier;
}

/** Puts protection back on a cluster an allowed replacement did not replace (or a rollback kept). */
async function restoreProtection(
  deps: DriverDeps,
  record: CallbackRecord,
  stack: StackView | undefined,
): Promise<void> {
  const clusterId = record.unprotectedCluster;
  if (clusterId && stack?.outputs.ClusterIdentifier === clusterId)
    await setClusterProtection(deps.rds, clusterId, true);
}

function templateOf(request: StackRequest): { TemplateBody: string } | { TemplateURL: string } {
  return request.templateUrl
    ? { TemplateURL: request.templateUrl }
    : { TemplateBody: request.templateBody ?? '' };
}

/** Writes the stack's progress into the project's status document. */
async function recordStackProgress(
  deps: DriverDeps,
  record: CallbackRecord,
  status: string,
  final?: { reason?: string; failedResource?: string },
): Promise<void> {
  const now = deps.now ?? (() => new Date());
  await updateStatus(
    { bucket: deps.bucket, project: record.project, environment: record.environment },
    (doc) => {
      const previous = doc.stacks[record.stage];
      // A finishing record was made when the operation had ended: its own start is not the stage's.
      const earlier = record.finishing && previous?.stackName === record.stackName ? previous : undefined;
      doc.stacks[record.stage] = {
        status,
        stackName: record.stackName,
        startedAt: earlier?.startedAt ?? record.startedAt,
        ...(final ? { finishedAt: earlier?.finishedAt ?? now().toISOString() } : {}),
        ...(final?.reason ? { reason: final.reason } : {}),
        ...(final?.failedResource ? { failedResource: final.failedResource } : {}),
        ...(record.rollbackContinuations ? { rollbackContinuations: record.rollbackContinuations } : {}),
      };
      return doc;
    },
    { s3: deps.s3, now },
  );
}

function isClosedToken(error: unknown): boolean {
  const name = (error as { name?: string })?.name ?? '';
  return name === 'TaskTimedOut' || name === 'InvalidToken' || name === 'TaskDoesNotExist';
}

/**
 * Hands a final outcome to the waiting task and forgets the record. If the task no longer waits
 * (it timed out into the fallback check), the record is kept for the check to pick up.
 */
export async function complete(
  record: CallbackRecord,
  etag: string | undefined,
  outcome: Exclude<Outcome, { kind: 'waiting' }>,
  deps: DriverDeps,
): Promise<boolean> {
  if (outcome.kind === 'succeeded' && outcome.result.milestone)
    return handOnMilestone(record, etag, outcome.result, deps);
  if (outcome.kind === 'succeeded') {
    await recordStackProgress(deps, record, outcome.result.status, {});
  } else {
    await recordStackProgress(deps, record, outcome.failure.status, {
      reason: outcome.failure.reason,
      ...(outcome.failure.failedResource ? { failedResource: outcome.failure.failedResource } : {}),
    });
  }
  if (!record.taskToken) {
    // The milestone spent the token; the task waiting for the final status adopts the record.
    deps.logger.info('Final status kept for the task that waits for it', { stackName: record.stackName });
    return false;
  }
  try {
    if (outcome.kind === 'succeeded') {
      await deps.sfn.send(
        new SendTaskSuccessCommand({ taskToken: record.taskToken, output: JSON.stringify(outcome.result) }),
      );
    } else {
      await deps.sfn.send(
        new SendTaskFailureCommand({
          taskToken: record.taskToken,
          error: STACK_FAILED_ERROR,
          cause: JSON.stringify(outcome.failure),
        }),
      );
    }
  } catch (error) {
    if (isClosedToken(error)) {
      deps.logger.warn('The waiting task is gone; keeping the record for the fallback check', {
        stackName: record.stackName,
        error: (error as Error).name,
      });
      return false;
    }
    throw error;
  }
  if (etag !== undefined) await deleteJson(deps.s3, deps.bucket, callbackKey(record.stackName), etag);
  deps.logger.info('Stack wait completed', { stackName: record.stackName, outcome: outcome.kind });
  return true;
}

/**
 * Hands a milestone's outputs to the waiting task and keeps the record, its token spent, for the
 * task that waits for the final status. Sent before the record is written: a retry that finds the
 * milestone still pending sends again, and Step Functions refuses the spent token (closed).
 */
async function handOnMilestone(
  record: CallbackRecord,
  etag: string | undefined,
  result: StackResult,
  deps: DriverDeps,
): Promise<boolean> {
  try {
    await deps.sfn.send(
      new SendTaskSuccessCommand({ taskToken: record.taskToken, output: JSON.stringify(result) }),
    );
  } catch (error) {
    if (!isClosedToken(error)) throw error;
    deps.logger.warn('The task waiting for the milestone is gone', {
      stackName: record.stackName,
      error: (error as Error).name,
    });
  }
  const { milestone: _delivered, ...rest } = record;
  await persist(deps, { ...rest, taskToken: '' }, etag);
  deps.logger.info('Milestone handed on', { stackName: record.stackName, milestone: result.milestone });
  return true;
}

export interface WaitRequest {
  stage: Stage;
  stackName: string;
  project: string;
  environment: string;
  executionId: string;
  taskToken: string;
  request: StackRequest;
  /** 'check' is the fallback after the wait timed out: it counts rounds. */
  mode: 'start' | 'check';
  /** Whether the task waits for the stage's milestone (milestones.ts) rather than the final status. */
  until?: 'milestone' | 'final';
  /**
   * Waits for the final status of the operation this execution already started (its milestone
   * was handed on), never starting one: with no record left, the stack as it is now is the answer.
   */
  finishOnly?: boolean;
}

/**
 * Registers a waiting task for a stack and starts (or adopts) the operation. An earlier record of
 * the same execution and stage is adopted with the new token (a retried or timed-out task), so a
 * retry never starts a second operation.
 */
export async function startWait(input: WaitRequest, deps: DriverDeps): Promise<Outcome> {
  const now = deps.now ?? (() => new Date());
  for (let attempt = 1; ; attempt++) {
    const existing = await getJson<CallbackRecord>(deps.s3, deps.bucket, callbackKey(input.stackName));
    const adopt =
      existing && existing.value.executionId === input.executionId && existing.value.stage === input.stage;
    const rounds = (adopt ? existing.value.rounds : 0) + (input.mode === 'check' ? 1 : 0);
    if (rounds > MAX_CHECK_ROUNDS) {
      throw new StackWaitExhaustedError(
        `${input.stackName} did not reach a final status after ${MAX_CHECK_ROUNDS} fallback checks`,
      );
    }
    const milestone = input.until === 'milestone' ? STAGE_MILESTONES[input.stage] : undefined;
    const adopted: CallbackRecord | undefined = adopt
      ? {
          ...existing.value,
          taskToken: input.taskToken,
          rounds,
          // An earlier attempt stopped between storing and confirming its call: decide afresh.
          ...(existing.value.issued ? {} : { phase: 'new' as const }),
        }
      : undefined;
    const record: CallbackRecord = adopted
      ? withMilestone(adopted, milestone)
      : withMilestone(
          {
            stackName: input.stackName,
            stage: input.stage,
            project: input.project,
            environment: input.environment,
            executionId: input.executionId,
            taskToken: input.taskToken,
            // Nothing of ours left to adopt: the operation ended and was handed on already, so
            // the stack's present status is the answer (decided as if just applied).
            ...(input.finishOnly
              ? { phase: 'applying' as const, issued: true, finishing: true }
              : { phase: 'new' as const, issued: false }),
            rounds,
            request: input.request,
            startedAt: now().toISOString(),
          },
          milestone,
        );
    try {
      const etag = await persist(deps, record, existing?.etag);
      const { outcome, etag: latest } = await advance({ value: record, etag }, deps);
      if (outcome.kind !== 'waiting') await complete(record, latest, outcome, deps);
      return outcome;
    } catch (error) {
      if (error instanceof ConcurrentWriteError && attempt < 5) continue;
      throw error;
    }
  }
}

function withMilestone(record: CallbackRecord, milestone: MilestoneName | undefined): CallbackRecord {
  const { milestone: _previous, ...rest } = record;
  return milestone ? { ...rest, milestone } : rest;
}
