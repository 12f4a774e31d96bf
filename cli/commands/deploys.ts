import { randomBytes } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { EcrImageActionEvent } from '#shared/rollout/event.ts';
import { deployMessage, pushEvent } from '#shared/rollout/message.ts';
import type { DeployRecord, StatusDocument } from '#shared/status.ts';
import { UserError } from '../errors.ts';
import { type DeployView, withKind } from './status.ts';

/** The deploy history, newest first, each marked as a push or a rollback. */
export function deployHistory(doc: StatusDocument, limit?: number): DeployView[] {
  const newestFirst = [...doc.deploys].reverse().map(withKind);
  return limit ? newestFirst.slice(0, limit) : newestFirst;
}

/**
 * The deploy to roll back to: the one whose digest matches `to` (full or prefix, with or without
 * `sha256:`), or else the newest succeeded deploy of another digest than the one running now.
 */
export function chooseRollbackTarget(
  doc: StatusDocument,
  to?: string,
): { target: DeployRecord; current?: DeployRecord } {
  const succeeded = doc.deploys.filter((d) => d.outcome === 'succeeded');
  const current = succeeded.at(-1);
  if (succeeded.length === 0) {
    throw new UserError(
      `${doc.project}/${doc.environment} has no succeeded deploy recorded, so there is nothing to roll back to.`,
    );
  }
  let target: DeployRecord | undefined;
  if (to) {
    const wanted = to.startsWith('sha256:') ? to : `sha256:${to}`;
    const matches = [
      ...new Map(succeeded.filter((d) => d.digest.startsWith(wanted)).map((d) => [d.digest, d])).values(),
    ];
    if (matches.length === 0) {
      throw new UserError(
        `No succeeded deploy of ${to} is recorded for ${doc.project}/${doc.environment}: pick a digest from \`stackdrop deploys ${doc.project}\`.`,
      );
    }
    if (matches.length > 1) {
      throw new UserError(`${to} matches ${matches.length} recorded digests: give more of the digest.`);
    }
    target = succeeded.filter((d) => d.digest === matches[0]!.digest).at(-1);
  } else {
    target = [...succeeded].reverse().find((d) => d.digest !== current?.digest);
    if (!target) {
      throw new UserError(
        `Every succeeded deploy of ${doc.project}/${doc.environment} is the digest running now (${current?.digest}): there is no earlier one to roll back to.`,
      );
    }
  }
  if (current && target!.digest === current.digest) {
    throw new UserError(`${target!.digest} is already the deployed digest.`);
  }
  return { target: target!, ...(current ? { current } : {}) };
}

/** The ECR Image Action event a push of `record` would have produced (architecture.md, deploy queue). */
export function imageActionEvent(
  record: DeployRecord,
  where: { account: string; region: string },
  now: Date,
  id: string,
  requester?: string,
): EcrImageActionEvent {
  return pushEvent(record, {
    id,
    account: where.account,
    region: where.region,
    // Stamped now, so roll-service treats it as the newest push rather than a stale, older image.
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    requester,
  });
}

/** Account and region from a queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
export function queueLocation(
  queueUrl: string,
  fallbackRegion?: string,
): { account: string; region: string } {
  const url = new URL(queueUrl);
  const account = url.pathname.split('/')[1] ?? '';
  const region = /^sqs\.([a-z0-9-]+)\./.exec(url.hostname)?.[1] ?? fallbackRegion ?? 'us-east-1';
  return { account, region };
}

export interface RollbackResult {
  project: string;
  environment: string;
  repository: string;
  digest: string;
  from?: string;
  messageId?: string;
}

/** Sends the rollback to the deploy queue: the same message a push sends, so it takes the same path. */
export async function sendRollback(
  doc: StatusDocument,
  to: string | undefined,
  deps: {
    sqs: SQSClient;
    queueUrl: string;
    region?: string;
    now: () => Date;
    nonce?: () => string;
    requester?: string;
  },
): Promise<RollbackResult> {
  const { target, current } = chooseRollbackTarget(doc, to);
  const nonce = deps.nonce?.() ?? randomBytes(6).toString('hex');
  const event = imageActionEvent(
    target,
    queueLocation(deps.queueUrl, deps.region),
    deps.now(),
    `stackdrop-rollback-${nonce}`,
    deps.requester ? `stackdrop rollback by ${deps.requester}` : 'stackdrop rollback',
  );
  // The same message a push produces (group = repository); the nonce makes the dedup id new, so a
  // rollback to a digest deployed before is not swallowed by SQS's 5-minute deduplication window.
  const out = await deps.sqs.send(
    new SendMessageCommand({ QueueUrl: deps.queueUrl, ...deployMessage(event, `rollback-${nonce}`) }),
  );
  return {
    project: doc.project,
    environment: doc.environment,
    repository: target.repository,
    digest: target.digest,
    ...(current ? { from: current.digest } : {}),
    ...(out.MessageId ? { messageId: out.MessageId } : {}),
  };
}
