import { createHash } from 'node:crypto';
import type { DeployRecord } from '../status.ts';
import type { EcrImageActionEvent } from './event.ts';

/** What SendMessage needs to put one push on the deploy queue. */
export interface DeployMessage {
  MessageBody: string;
  MessageGroupId: string;
  MessageDeduplicationId: string;
}

/**
 * The deploy-queue message for a push: the event unchanged, one message group per repository and
 * a deduplication id derived from the digest. The tag is part of the id because CI commonly pushes
 * one digest under two tags (`main` and `sha-…`) within seconds; deduplicating on the digest alone
 * would let the non-deploy tag swallow the deploy tag's message. A `resend` nonce (e.g. the
 * provisioning execution name) makes a deliberate re-send of a deferred push distinct from the
 * original inside SQS's 5-minute deduplication window; roll-service is idempotent either way.
 */
export function deployMessage(event: EcrImageActionEvent, resend?: string): DeployMessage {
  const digest = event.detail['image-digest'];
  const tag = event.detail['image-tag'] ?? '';
  // SQS allows 128 characters; a digest is 71 and a tag up to 128, so hash the pair.
  const dedup = createHash('sha256')
    .update(`${digest}\n${tag}\n${resend ?? ''}`)
    .digest('hex');
  return {
    MessageBody: JSON.stringify(event),
    MessageGroupId: event.detail['repository-name'],
    MessageDeduplicationId: dedup,
  };
}

/**
 * Rebuilds the ECR event of a recorded (typically deferred) push, so provisioning can re-send it
 * once the app stack is ready: same event id, so roll-service continues the same deploy record.
 */
export function eventFromRecord(record: DeployRecord): EcrImageActionEvent | undefined {
  // imageUri: <account>.dkr.ecr.<region>.<suffix>/<repository>@sha256:…
  const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.[a-z.]+\/(.+)@(sha256:[a-f0-9]{64})$/.exec(
    record.imageUri ?? '',
  );
  if (!match) return undefined;
  return pushEvent(record, {
    id: record.id,
    account: match[1]!,
    region: match[2]!,
    time: record.pushedAt ?? record.startedAt,
    requester: record.pushedBy,
  });
}

/** The ECR push event (`ECR Image Action`, PUSH, SUCCESS) of a recorded deploy's repository, digest and tag. */
export function pushEvent(
  record: DeployRecord,
  envelope: { id: string; account: string; region: string; time: string; requester?: string | undefined },
): EcrImageActionEvent {
  return {
    version: '0',
    id: envelope.id,
    'detail-type': 'ECR Image Action',
    source: 'aws.ecr',
    account: envelope.account,
    time: envelope.time,
    region: envelope.region,
    resources: [],
    detail: {
      result: 'SUCCESS',
      'action-type': 'PUSH',
      'repository-name': record.repository,
      'image-digest': record.digest,
      ...(record.tag ? { 'image-tag': record.tag } : {}),
      ...(envelope.requester ? { requester: envelope.requester } : {}),
    },
  };
}

/** The newest deferred push of a status document's deploy history, if one is waiting. */
export function latestDeferredDeploy(deploys: readonly DeployRecord[]): DeployRecord | undefined {
  let latest: DeployRecord | undefined;
  for (const record of deploys) {
    if (record.outcome !== 'deferred') continue;
    const at = record.pushedAt ?? record.startedAt;
    if (!latest || at >= (latest.pushedAt ?? latest.startedAt)) latest = record;
  }
  return latest;
}
