import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
// zod/mini: the same checks as zod classic for ≈ 70 KB less in every function that reads the
// document (docs/decisions/bundles.md).
import * as z from 'zod/mini';
import { STAGES, statusKey } from './naming.ts';
import { isConflict, isNotFound } from './s3-errors.ts';
import './zod-messages.ts';

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
  stackName: z.optional(z.string()),
  startedAt: z.optional(z.string()),
  finishedAt: z.optional(z.string()),
  reason: z.optional(z.string()),
  failedResource: z.optional(z.string()),
  /** ContinueUpdateRollback calls stackdrop made to recover the stack from UPDATE_ROLLBACK_FAILED. */
  rollbackContinuations: z.optional(z.number()),
});

export const DeployRecordSchema = z.object({
  id: z.string(),
  repository: z.string(),
  digest: z.string(),
  tag: z.optional(z.string()),
  pushedBy: z.optional(z.string()),
  startedAt: z.string(),
  finishedAt: z.optional(z.string()),
  outcome: z.enum(['pending', 'in-progress', 'succeeded', 'failed', 'deferred', 'superseded']),
  reason: z.optional(z.string()),
  taskDefinitions: z.optional(z.record(z.string(), z.string())),
  /** When the image was pushed (ISO 8601); orders deploys so none rolls back to an older push. */
  pushedAt: z.optional(z.string()),
  /** The image deployed, pinned by digest (`repo@sha256:…`). */
  imageUri: z.optional(z.string()),
  /** The release task of this deploy, once started. */
  releaseTaskArn: z.optional(z.string()),
  /** Container of the release task whose exit code decides (its command is the manifest's release). */
  releaseContainer: z.optional(z.string()),
  /** ECS deployment id per service, once the services were updated. */
  deployments: z.optional(z.record(z.string(), z.string())),
  /** Service → task definition it ran before this deploy (what a failed deploy returns to). */
  previousTaskDefinitions: z.optional(z.record(z.string(), z.string())),
  /**
   * The pushed image's platforms against app.architecture, read from its manifest at roll time
   * (shared/image-platform.ts): `missing` means Fargate cannot start the app's tasks from it.
   */
  imagePlatform: z.optional(
    z.object({
      status: z.enum(['ok', 'missing', 'unknown']),
      wanted: z.string(),
      platforms: z.array(z.string()),
      message: z.string(),
    }),
  ),
});

export const BastionRecordSchema = z.object({
  instanceId: z.string(),
  access: z.enum(['ssm', 'ssh']),
  openedBy: z.optional(z.string()),
  callerCidr: z.optional(z.string()),
  openedAt: z.string(),
  expiresAt: z.string(),
  state: z.enum(['open', 'closed', 'expired']),
  closedAt: z.optional(z.string()),
  /** Public IP of an ssh bastion. */
  address: z.optional(z.string()),
  /** Who closed it early (close-bastion), as they declared it. */
  closedBy: z.optional(z.string()),
});

export const StatusDocumentSchema = z.object({
  project: z.string(),
  environment: z.string(),
  manifest: z.optional(z.object({ key: z.string(), versionId: z.optional(z.string()) })),
  phase: z.enum(PHASES),
  updatedAt: z.string(),
  executionArn: z.optional(z.string()),
  stacks: z._default(z.partialRecord(z.enum(STAGES), StackStatusSchema), {}),
  outputs: z._default(z.record(z.string(), z.string()), {}),
  deploys: z._default(z.array(DeployRecordSchema), []),
  bastions: z._default(z.array(BastionRecordSchema), []),
  history: z._default(
    z.array(z.object({ at: z.string(), phase: z.enum(PHASES), note: z.optional(z.string()) })),
    [],
  ),
  errors: z.optional(
    z.array(
      z.object({
        path: z.string(),
        message: z.string(),
        line: z.optional(z.number()),
        col: z.optional(z.number()),
        file: z.optional(z.string()),
        hint: z.optional(z.string()),
      }),
    ),
  ),
  error: z.optional(
    z.object({
      stage: z.string(),
      code: z.string(),
      message: z.string(),
      failedResource: z.optional(z.string()),
    }),
  ),
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
    next.deploys = trimDeploys(next.deploys);
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

/**
 * The newest HISTORY_LIMIT deploys, but never without each repository's last succeeded one: it
 * names the image the services run, which provisioning passes to the app stack (an empty image
 * would scale the app to zero) and deploys compare against.
 */
function trimDeploys(deploys: DeployRecord[]): DeployRecord[] {
  const last = new Map<string, DeployRecord>();
  for (const deploy of deploys) if (deploy.outcome === 'succeeded') last.set(deploy.repository, deploy);
  const running = new Set(last.values());
  let excess = deploys.length - HISTORY_LIMIT;
  return deploys.filter((deploy) => {
    if (excess <= 0 || running.has(deploy)) return true;
    excess--;
    return false;
  });
}

/** Moves the document to a phase and records the transition in its history. */
export function withPhase(doc: StatusDocument, phase: Phase, at: Date, note?: string): StatusDocument {
  doc.phase = phase;
  doc.history.push({ at: at.toISOString(), phase, ...(note ? { note } : {}) });
  return doc;
}
