import { randomUUID } from 'node:crypto';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { emitEvent } from '#shared/events.ts';
import type { Logger } from '#shared/logger.ts';
import type { Manifest } from '#shared/manifest/schema.ts';
import { STAGES, type Stage } from '#shared/naming.ts';
import { writeParsedManifest } from '#shared/parsed-manifest.ts';
import { takeScaling } from '#shared/scaling.ts';
import {
  type DeployRecord,
  readStatus,
  type StatusDocument,
  updateStatus,
  withPhase,
} from '#shared/status.ts';
import type { LoadedManifest } from './load-manifest.ts';
import { STACK_FAILED_ERROR, type StackFailure, type StackResult } from './stack-driver.ts';

/**
 * Records each phase of a provisioning or teardown in the status document (compare-and-swap via
 * updateStatus) and tells the world through `source: stackdrop` events.
 */

/** A Catch's error output: Step Functions' `{ Error, Cause }`. */
export interface CaughtError {
  Error: string;
  Cause?: string;
}

interface Identity {
  project: string;
  environment: string;
  executionId: string;
}

export type RecordInput =
  | {
      action: 'invalid';
      executionId: string;
      loaded: Extract<LoadedManifest, { ok: false }>;
      project?: undefined;
      environment?: undefined;
    }
  | (Identity & {
      action: 'started';
      key: string;
      versionId?: string;
      /** The manifest load-manifest parsed and validated, kept for roll-service and open-bastion. */
      manifest: Manifest;
    })
  | (Identity & { action: 'succeeded'; stacks: Partial<Record<Stage, StackResult>> })
  | (Identity & { action: 'failed'; stage: string; error: CaughtError })
  | (Identity & { action: 'teardown-started' })
  | (Identity & { action: 'teardown-succeeded' })
  | (Identity & { action: 'teardown-failed'; stage: string; error: CaughtError });

export interface RecordDeps {
  s3: S3Client;
  events: EventBridgeClient;
  sqs: SQSClient;
  logger: Logger;
  bucket: string;
  /** URL of the deploy FIFO queue (roll-service's DeployQueue). */
  deployQueueUrl?: string;
  now?: () => Date;
}

/** The error the status document and the event carry: stage, code, message, first failed resource. */
export function describeFailure(stage: string, error: CaughtError): NonNullable<StatusDocument['error']> {
  const cause = parseJson(error.Cause);
  if (error.Error === STACK_FAILED_ERROR && cause && typeof cause === 'object' && 'reason' in cause) {
    const failure = cause as StackFailure;
    return {
      stage: failure.stage ?? stage,
      code: failure.status,
      message: failure.reason,
      ...(failure.failedResource ? { failedResource: failure.failedResource } : {}),
    };
  }
  // A Lambda error arrives as { errorType, errorMessage, trace }; the trace stays in the logs.
  if (cause && typeof cause === 'object' && 'errorMessage' in cause) {
    const lambdaError = cause as { errorType?: string; errorMessage?: string };
    return { stage, code: lambdaError.errorType ?? error.Error, message: lambdaError.errorMessage ?? '' };
  }
  return { stage, code: error.Error, message: typeof error.Cause === 'string' ? error.Cause : error.Error };
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Every stage's outputs in one map, plus the short names the status document promises. */
export function collectOutputs(
  stacks: Partial<Record<Stage, { outputs?: Record<string, string> }>>,
): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const stage of STAGES) Object.assign(merged, stacks[stage]?.outputs ?? {});
  const aliases: Record<string, string | undefined> = {
    url: merged.Url,
    albDnsName: merged.LoadBalancerDnsName,
    dbEndpoint: merged.WriterEndpoint,
  };
  for (const [name, value] of Object.entries(aliases)) if (value) merged[name] = value;
  return merged;
}

/** Account and region of a Step Functions execution ARN. */
function accountAndRegion(executionId: string): { account: string; region: string } {
  const [, , , region, account] = executionId.split(':');
  return { account: account ?? '', region: region ?? process.env.AWS_REGION ?? '' };
}

/** The ECR Image Action event for a deferred push: the deploy queue's message shape. */
export function imageActionEvent(deploy: DeployRecord, where: { account: string; region: string }) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'ECR Image Action',
    source: 'aws.ecr',
    account: where.account,
    // When the image was pushed: roll-service orders pushes by it (startedAt is when it was deferred).
    time: deploy.pushedAt ?? deploy.startedAt,
    region: where.region,
    resources: [],
    detail: {
      result: 'SUCCESS',
      'repository-name': deploy.repository,
      'image-digest': deploy.digest,
      'action-type': 'PUSH',
      ...(deploy.tag ? { 'image-tag': deploy.tag } : {}),
    },
  };
}

/**
 * Sends the newest deferred push of each repository to the deploy queue, then marks every
 * deferred record as handed on. Sending first means a lost write costs a duplicate message (the
 * FIFO queue deduplicates by digest), never a lost deploy.
 */
async function releaseDeferredDeploys(input: Identity, deps: RecordDeps, outputs: Record<string, string>) {
  const ref = { bucket: deps.bucket, project: input.project, environment: input.environment };
  const current = await readStatus(ref, deps);
  const deferred = (current?.doc.deploys ?? []).filter((d) => d.outcome === 'deferred');
  if (deferred.length === 0) return 0;
  if (!deps.deployQueueUrl) {
    deps.logger.warn('Deferred deploys found but no deploy queue is configured', { count: deferred.length });
    return 0;
  }
  const newest = new Map<string, DeployRecord>();
  for (const deploy of deferred) {
    const seen = newest.get(deploy.repository);
    const pushedAt = (d: DeployRecord) => d.pushedAt ?? d.startedAt;
    if (!seen || pushedAt(seen) <= pushedAt(deploy)) newest.set(deploy.repository, deploy);
  }
  const fromUri = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\./.exec(outputs.RepositoryUri ?? '');
  const where = fromUri ? { account: fromUri[1]!, region: fromUri[2]! } : accountAndRegion(input.executionId);
  for (const deploy of newest.values()) {
    await deps.sqs.send(
      new SendMessageCommand({
        QueueUrl: deps.deployQueueUrl,
        MessageBody: JSON.stringify(imageActionEvent(deploy, where)),
        MessageGroupId: deploy.repository,
        MessageDeduplicationId: deploy.digest,
      }),
    );
  }
  const sent = new Set(deferred.map((d) => d.id));
  await updateStatus(
    ref,
    (doc) => {
      for (const deploy of doc.deploys) {
        if (sent.has(deploy.id) && deploy.outcome === 'deferred') {
          deploy.outcome = 'pending';
          deploy.reason = 'sent to the deploy queue once the app stack was ready';
        }
      }
      return doc;
    },
    deps,
  );
  deps.logger.info('Deferred deploys sent to the deploy queue', { repositories: newest.size });
  return newest.size;
}

/** Whether another execution is provisioning or tearing the project down right now. */
function isAnotherRunActive(doc: StatusDocument, executionId: string): boolean {
  return (
    (doc.phase === 'provisioning' || doc.phase === 'destroying') &&
    doc.executionArn !== undefined &&
    doc.executionArn !== executionId
  );
}

/** The execution's name (the last part of its ARN), for notes a person reads. */
function executionName(executionId: string): string {
  return executionId.split(':').at(-1) ?? executionId;
}

/** Applies one provisioning or teardown phase to the status document and emits its event. */
export async function recordPhase(
  input: RecordInput,
  deps: RecordDeps,
): Promise<{ phase: string; recorded: boolean }> {
  const now = deps.now ?? (() => new Date());
  const statusDeps = { s3: deps.s3, now };
  if (input.action === 'invalid') {
    const { loaded } = input;
    if (!loaded.project || !loaded.environment) {
      deps.logger.warn('Invalid manifest under a key that names no project; nothing to record', {
        key: loaded.key,
      });
      return { phase: 'failed', recorded: false };
    }
    const identity = { project: loaded.project, environment: loaded.environment };
    const manifest = { key: loaded.key, ...(loaded.versionId ? { versionId: loaded.versionId } : {}) };
    const message = `${loaded.problems.length} problem(s) in ${loaded.key}`;
    await updateStatus(
      { bucket: deps.bucket, ...identity },
      (doc) => {
        doc.manifest = manifest;
        doc.executionArn = input.executionId;
        doc.errors = loaded.problems.map((p) => ({
          path: p.path,
          message: p.message,
          file: p.file,
          ...(p.line !== undefined ? { line: p.line } : {}),
          ...(p.col !== undefined ? { col: p.col } : {}),
          ...(p.hint ? { hint: p.hint } : {}),
        }));
        doc.error = { stage: 'manifest', code: 'ManifestInvalid', message };
        return withPhase(doc, 'failed', now(), message);
      },
      statusDeps,
    );
    await emitEvent(deps.events, 'Provisioning Failed', {
      ...identity,
      executionArn: input.executionId,
      manifest,
      error: { stage: 'manifest', code: 'ManifestInvalid', message },
      problems: loaded.problems,
    });
    return { phase: 'failed', recorded: true };
  }

  const ref = { bucket: deps.bucket, project: input.project, environment: input.environment };
  const identity = {
    project: input.project,
    environment: input.environment,
    executionArn: input.executionId,
  };
  switch (input.action) {
    case 'started': {
      // Stored before the status document names the version, so a reader never finds it missing.
      await writeParsedManifest(
        deps.s3,
        deps.bucket,
        {
          project: input.project,
          environment: input.environment,
          key: input.key,
          versionId: input.versionId,
        },
        input.manifest,
      );
      await updateStatus(
        ref,
        (doc) => {
          doc.manifest = { key: input.key, ...(input.versionId ? { versionId: input.versionId } : {}) };
          doc.executionArn = input.executionId;
          delete doc.error;
          delete doc.errors;
          return withPhase(doc, 'provisioning', now());
        },
        statusDeps,
      );
      return { phase: 'provisioning', recorded: true };
    }
    case 'succeeded': {
      const outputs = collectOutputs(input.stacks);
      // The manifest is the reference again (docs/cli.md, "scale": which wins).
      const scaled = await takeScaling(deps.s3, deps.bucket, input.project, input.environment);
      const doc = await updateStatus(
        ref,
        (d) => {
          d.outputs = outputs;
          delete d.error;
          return withPhase(
            d,
            'ready',
            now(),
            scaled.length ? `scale overrides of ${scaled.join(', ')} handed back to the manifest` : undefined,
          );
        },
        statusDeps,
      );
      await emitEvent(deps.events, 'Provisioning Succeeded', {
        ...identity,
        manifest: doc.manifest,
        outputs: { url: outputs.url, albDnsName: outputs.albDnsName, dbEndpoint: outputs.dbEndpoint },
      });
      await releaseDeferredDeploys(input, deps, outputs);
      return { phase: 'ready', recorded: true };
    }
    case 'failed':
    case 'teardown-failed': {
      const error = describeFailure(input.stage, input.error);
      await updateStatus(
        ref,
        (doc) => {
          // A run that never got the project's turn (its wait timed out or failed) is not the run
          // the document describes: it notes its own outcome and leaves the running one's alone.
          if (isAnotherRunActive(doc, input.executionId)) {
            doc.history.push({
              at: now().toISOString(),
              phase: doc.phase,
              note: `run ${executionName(input.executionId)} gave up waiting for the project's turn: ${error.message}`,
            });
            return doc;
          }
          doc.error = error;
          // A teardown refused before it deleted anything leaves the project as it was.
          if (input.action === 'teardown-failed' && doc.phase !== 'destroying') {
            doc.history.push({
              at: now().toISOString(),
              phase: doc.phase,
              note: `teardown refused: ${error.message}`,
            });
            return doc;
          }
          return withPhase(doc, 'failed', now(), `${error.stage}: ${error.message}`);
        },
        statusDeps,
      );
      await emitEvent(deps.events, input.action === 'failed' ? 'Provisioning Failed' : 'Teardown Failed', {
        ...identity,
        error,
      });
      return { phase: 'failed', recorded: true };
    }
    case 'teardown-started': {
      await updateStatus(
        ref,
        (doc) => {
          doc.executionArn = input.executionId;
          delete doc.error;
          return withPhase(doc, 'destroying', now());
        },
        statusDeps,
      );
      return { phase: 'destroying', recorded: true };
    }
    case 'teardown-succeeded': {
      await updateStatus(
        ref,
        (doc) => {
          doc.outputs = {};
          return withPhase(doc, 'destroyed', now());
        },
        statusDeps,
      );
      await emitEvent(deps.events, 'Teardown Succeeded', identity);
      return { phase: 'destroyed', recorded: true };
    }
  }
}
