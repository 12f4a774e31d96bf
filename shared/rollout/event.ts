import * as z from 'zod/mini';
import '../zod-messages.ts';

/**
 * The ECR *Image Action* event as EventBridge delivers it. The deploy queue carries it unchanged
 * (docs/architecture.md "Deploy queue message"), so this schema is also the queue message contract.
 */
export const EcrImageActionEventSchema = z.object({
  version: z.optional(z.string()),
  id: z.string().check(z.minLength(1)),
  'detail-type': z.literal('ECR Image Action'),
  source: z.literal('aws.ecr'),
  account: z.string().check(z.regex(/^\d{12}$/)),
  time: z.iso.datetime({ offset: true }),
  region: z.string().check(z.minLength(1)),
  resources: z.optional(z.array(z.string())),
  detail: z.looseObject({
    result: z.string(),
    'action-type': z.string(),
    'repository-name': z.string().check(z.minLength(1)),
    'image-digest': z.string().check(z.regex(/^sha256:[a-f0-9]{64}$/)),
    // Absent for an untagged push.
    'image-tag': z.optional(z.string()),
    // Not part of ECR's event today; honoured when a re-sender or a future event carries it.
    requester: z.optional(z.string()),
  }),
});

export type EcrImageActionEvent = z.infer<typeof EcrImageActionEventSchema>;

/** A push as roll-service reasons about it. */
export interface Push {
  eventId: string;
  repository: string;
  digest: string;
  tag: string | undefined;
  pushedAt: Date;
  pushedBy: string | undefined;
  account: string;
  region: string;
}

export class InvalidDeployMessageError extends Error {
  override name = 'InvalidDeployMessageError';
}

/** Parses a deploy-queue message body into a push, or throws InvalidDeployMessageError. */
export function parsePushMessage(body: string): { event: EcrImageActionEvent; push: Push } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidDeployMessageError('Deploy message is not JSON');
  }
  const parsed = EcrImageActionEventSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidDeployMessageError(
      `Deploy message is not an ECR Image Action event: ${parsed.error.issues
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  }
  const event = parsed.data;
  return {
    event,
    push: {
      eventId: event.id,
      repository: event.detail['repository-name'],
      digest: event.detail['image-digest'],
      tag: event.detail['image-tag'],
      pushedAt: new Date(event.time),
      // ECR's event does not say who pushed; a re-sender may, and a rollback says what it is.
      pushedBy:
        event.detail.requester ??
        (event.id.startsWith('stackdrop-rollback-') ? 'stackdrop rollback' : undefined),
      account: event.account,
      region: event.region,
    },
  };
}

/** Whether the event reports a successful push (the rule filters this too; re-senders may not). */
export function isSuccessfulPush(event: EcrImageActionEvent): boolean {
  return event.detail['action-type'] === 'PUSH' && event.detail.result === 'SUCCESS';
}

/** The AWS partition of a region (ARNs and ECR hostnames differ per partition). */
export function partitionOf(region: string): { partition: string; dnsSuffix: string } {
  if (region.startsWith('cn-')) return { partition: 'aws-cn', dnsSuffix: 'amazonaws.com.cn' };
  if (region.startsWith('us-gov-')) return { partition: 'aws-us-gov', dnsSuffix: 'amazonaws.com' };
  return { partition: 'aws', dnsSuffix: 'amazonaws.com' };
}

/** ARN of the repository a push went to. */
export function repositoryArn(push: Pick<Push, 'account' | 'region' | 'repository'>): string {
  return `arn:${partitionOf(push.region).partition}:ecr:${push.region}:${push.account}:repository/${push.repository}`;
}

/** `<account>.dkr.ecr.<region>.<suffix>/<repository>@sha256:…`: the image pinned by digest. */
export function pinnedImageUri(
  push: Pick<Push, 'account' | 'region' | 'repository'>,
  digest: string,
  repositoryUri?: string,
): string {
  const base =
    repositoryUri ??
    `${push.account}.dkr.ecr.${push.region}.${partitionOf(push.region).dnsSuffix}/${push.repository}`;
  return `${base}@${digest}`;
}
