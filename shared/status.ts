import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { STAGES, statusKey } from './naming.ts';

/**
 * The project's status document (`status/<project>-<environment>.json`): the single place a person
 * or the CLI reads to learn what stackdrop did. Several writers share it (provisioning, deploys,
 * bastions), so every write is a compare-and-swap on the S3 ETag.
 */

export const PHASES = [
  'queued',
  'provisioning',
  'ready',
  'failed',
  'deploying',
  'destroying',
  'destroyed',
] as const;
export type Phase = (typeof PHASES)[number];

export const StackStatusSchema = z.object({
  status: z.string(),
  stackName: z.string().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  reason: z.string().optional(),
  failedResource: z.string().optional(),
});

export const DeployRecordSchema = z.object({
  id: z.string(),
  repository: z.string(),
  digest: z.string(),
  tag: z.string().optional(),
  pushedBy: z.string().optional(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  outcome: z.enum(['pending', 'in-progress', 'succeeded', 'failed', 'deferred', 'superseded']),
  reason: z.string().optional(),
  taskDefinitions: z.record(z.string(), z.string()).optional(),
  /** When the image was pushed (ISO 8601); orders deploys so none rolls back to an older push. */
  pushedAt: z.string().optional(),
  /** The image deployed, pinned by digest (`repo@sha256:…`). */
  imageUri: z.string().optional(),
  /** The release task of this deploy, once started. */
  releaseTaskArn: z.string().optional(),
  /** Container of the release task whose exit code decides (its command is the manifest's release). */
  releaseContainer: z.string().optional(),
  /** ECS deployment id per service, once the services were updated. */
  deployments: z.record(z.string(), z.string()).optional(),
  /** Service → task definition it ran before this deploy (what a failed deploy returns to). */
  previousTaskDefinitions: z.record(z.string(), z.string()).optional(),
});

export const BastionRecordSchema = z.object({
  instanceId: z.string(),
  access: z.enum(['ssm', 'ssh']),
  openedBy: z.string().optional(),
  callerCidr: z.string().optional(),
  openedAt: z.string(),
  expiresAt: z.string(),
  state: z.enum(['open', 'closed', 'expired']),
  closedAt: z.string().optional(),
  /** Public IP of an ssh bastion. */
  address: z.string().optional(),
  /** Who closed it early (close-bastion), as they declared it. */
  closedBy: z.string().optional(),
});

export const StatusDocumentSchema = z.object({
  project: z.string(),
  environment: z.string(),
  manifest: z.object({ key: z.string(), versionId: z.string().optional() }).optional(),
  phase: z.enum(PHASES),
  updatedAt: z.string(),
  executionArn: z.string().optional(),
  stacks: z.partialRecord(z.enum(STAGES), StackStatusSchema).default({}),
  outputs: z.record(z.string(), z.string()).default({}),
  deploys: z.array(DeployRecordSchema).default([]),
  bastions: z.array(BastionRecordSchema).default([]),
  history: z
    .array(z.object({ at: z.string(), phase: z.enum(PHASES), note: z.string().optional() }))
    .default([]),
  errors: z
    .array(
      z.object({
        path: z.string(),
        message: z.string(),
        line: z.number().optional(),
        col: z.number().optional(),
        file: z.string().optional(),
        hint: z.string().optional(),
      }),
    )
    .optional(),
  error: z
    .object({
      stage: z.string(),
      code: z.string(),
      message: z.string(),
      failedResource: z.string().optional(),
    })
    .optional(),
});

export type StatusDocument = z.infer<typeof StatusDocumentSchema>;
export type DeployRecord = z.infer<typeof DeployRecordSchema>;
export type BastionRecord = z.infer<typeof BastionRecordSchema>;

/** How many records of each history list the document keeps (S3 objects are cheap, readers are not). */
export const HISTORY_LIMIT = 50;

export class StatusConflictError extends Error {
  override name = 'StatusConflictError';
}

export interface StatusRef {
  bucket: string;
  project: string;
  environment: string;
}

export interface StatusDeps {
  s3: S3Client;
  now?: () => Date;
  /** Waits between conflicting writes; injectable so tests need not sleep. */
  sleep?: (ms: number) => Promise<void>;
  maxAttempts?: number;
}

/** A fresh document for a project stackdrop has not seen before. */
export function emptyStatus(project: string, environment: string, now: Date): StatusDocument {
  return StatusDocumentSchema.parse({ project, environment, phase: 'queued', updatedAt: now.toISOString() });
}

/** Reads the status document, or undefined when the project has none yet. */
export async function readStatus(
  ref: StatusRef,
  deps: Pick<StatusDeps, 's3'>,
): Promise<{ doc: StatusDocument; etag: string } | undefined> {
  try {
    const out = await deps.s3.send(
      new GetObjectCommand({ Bucket: ref.bucket, Key: statusKey(ref.project, ref.environment) }),
    );
    const text = await out.Body!.transformToString();
    return { doc: StatusDocumentSchema.parse(JSON.parse(text)), etag: out.ETag! };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Applies `mutate` to the current document and writes it back only if nobody else wrote in
 * between (If-Match on the ETag, If-None-Match for a new document); retried on 412/409 so no
 * writer loses another's update. `mutate` must be pure: it may run several times.
 */
export async function updateStatus(
  ref: StatusRef,
  mutate: (doc: StatusDocument) => StatusDocument,
  deps: StatusDeps,
): Promise<StatusDocument> {
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const maxAttempts = deps.maxAttempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    const current = await readStatus(ref, deps);
    const base = current?.doc ?? emptyStatus(ref.project, ref.environment, now());
    const next = StatusDocumentSchema.parse({
      ...mutate(structuredClone(base)),
      updatedAt: now().toISOString(),
    });
    next.deploys = next.deploys.slice(-HISTORY_LIMIT);
    next.history = next.history.slice(-HISTORY_LIMIT);
    next.bastions = next.bastions.slice(-HISTORY_LIMIT);
    try {
      await deps.s3.send(
        new PutObjectCommand({
          Bucket: ref.bucket,
          Key: statusKey(ref.project, ref.environment),
          Body: `${JSON.stringify(next, null, 2)}\n`,
          ContentType: 'application/json',
          ...(current ? { IfMatch: current.etag } : { IfNoneMatch: '*' }),
        }),
      );
      return next;
    } catch (error) {
      if (!isConflict(error) || attempt >= maxAttempts) {
        if (isConflict(error)) {
          throw new StatusConflictError(
            `Status document ${statusKey(ref.project, ref.environment)} kept changing; gave up after ${attempt} attempts`,
          );
        }
        throw error;
      }
      // Full jitter keeps racing writers from colliding again in lock-step.
      await sleep(Math.random() * Math.min(1000, 25 * 2 ** attempt));
    }
  }
}

/** Moves the document to a phase and records the transition in its history. */
export function withPhase(doc: StatusDocument, phase: Phase, at: Date, note?: string): StatusDocument {
  doc.phase = phase;
  doc.history.push({ at: at.toISOString(), phase, ...(note ? { note } : {}) });
  return doc;
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

function isConflict(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const code = e?.$metadata?.httpStatusCode;
  return (
    code === 412 ||
    code === 409 ||
    e?.name === 'PreconditionFailed' ||
    e?.name === 'ConditionalRequestConflict'
  );
}
