import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { STAGES } from '#shared/naming.ts';
import type { ScalingOverrides } from '#shared/scaling.ts';
import { type BastionRecord, type DeployRecord, readStatus, type StatusDocument } from '#shared/status.ts';
import { UserError } from '../errors.ts';
import { formatDuration, type Style, table } from '../ui.ts';

/** `stackdrop status <project> --json` (documented in docs/cli.md; fields are only ever added). */
export interface StatusView {
  project: string;
  environment: string;
  phase: string;
  updatedAt: string;
  manifest: { key: string; versionId?: string } | null;
  stacks: {
    stage: string;
    stackName?: string;
    status: string;
    startedAt?: string;
    finishedAt?: string;
    reason?: string;
    failedResource?: string;
  }[];
  outputs: Record<string, string>;
  lastDeploys: DeployView[];
  openBastions: BastionRecord[];
  error: { stage: string; code: string; message: string; failedResource?: string } | null;
  errors: { path: string; message: string; line?: number }[];
  /** `stackdrop scale` overrides until the next provisioning (present only when there are some). */
  scaling?: ScalingOverrides;
}

/** One line per project in `stackdrop status --json` with no project. */
export interface ProjectSummary {
  project: string;
  environment: string;
  phase: string;
  updatedAt: string;
}

export const LAST_DEPLOYS = 5;

/** Open bastions: recorded open and not yet past their expiry. */
export function openBastions(doc: StatusDocument, now: Date): BastionRecord[] {
  return doc.bastions.filter((b) => b.state === 'open' && Date.parse(b.expiresAt) > now.getTime());
}

/** A deploy record with what started it: an image push, or `stackdrop rollback`. */
export type DeployView = DeployRecord & { kind: 'push' | 'rollback' };

/** Whether a deploy came from `stackdrop rollback` (its event id and requester say so) or a push. */
export function deployKind(d: DeployRecord): 'push' | 'rollback' {
  return d.id.startsWith('stackdrop-rollback-') || d.pushedBy?.startsWith('stackdrop rollback')
    ? 'rollback'
    : 'push';
}

export function withKind(d: DeployRecord): DeployView {
  return { ...d, kind: deployKind(d) };
}

/**
 * Names the status document keeps for compatibility (docs/architecture.md) next to the stack
 * output they copy; shown once, under the stack output's name.
 */
const OUTPUT_ALIASES: Record<string, string> = {
  url: 'Url',
  albDnsName: 'LoadBalancerDnsName',
  dbEndpoint: 'WriterEndpoint',
};

/**
 * The outputs as they stand now: ImageUri is the app stack's parameter, empty until the first
 * push, and deploys change the task definitions rather than the stack, so the image running is
 * the newest succeeded deploy's.
 */
function currentOutputs(doc: StatusDocument): Record<string, string> {
  const outputs = { ...doc.outputs };
  const running = doc.deploys.filter((d) => d.outcome === 'succeeded' && d.imageUri).at(-1)?.imageUri;
  if (running) outputs.ImageUri = running;
  return outputs;
}

/** The stable `--json` view of one status document. */
export function statusView(doc: StatusDocument, now: Date, scaling?: ScalingOverrides): StatusView {
  return {
    project: doc.project,
    environment: doc.environment,
    phase: doc.phase,
    updatedAt: doc.updatedAt,
    manifest: doc.manifest ?? null,
    stacks: STAGES.filter((s) => doc.stacks[s]).map((stage) => ({ stage, ...doc.stacks[stage]! })),
    outputs: currentOutputs(doc),
    lastDeploys: doc.deploys.slice(-LAST_DEPLOYS).reverse().map(withKind),
    openBastions: openBastions(doc, now),
    error: doc.error ?? null,
    errors: doc.errors ?? [],
    ...(scaling && Object.keys(scaling).length ? { scaling } : {}),
  };
}

/** Reads one project's status; a project stackdrop never saw is a user error naming what exists. */
export async function loadStatus(
  s3: S3Client,
  bucket: string,
  project: string,
  environment: string,
): Promise<StatusDocument> {
  const found = await readStatus({ bucket, project, environment }, { s3 });
  if (!found) {
    throw new UserError(
      `stackdrop has no status for ${project}/${environment}: deploy its manifest first (\`stackdrop deploy <manifest>\`), or run \`stackdrop status\` to list projects.`,
    );
  }
  return found.doc;
}

/** A manifest uploaded for a project: its key and S3 version. */
export interface UploadedManifest {
  key: string;
  versionId?: string;
}

/**
 * The newest manifest uploaded for a project (`manifests/<project>-<environment>.yaml`, `.yml` or
 * `.json`), or undefined when there is none.
 */
export async function latestManifest(
  s3: S3Client,
  bucket: string,
  project: string,
  environment: string,
): Promise<UploadedManifest | undefined> {
  const prefix = `manifests/${project}-${environment}.`;
  try {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const newest = (listed?.Contents ?? [])
      .filter((o) => /^(ya?ml|json)$/.test(o.Key?.slice(prefix.length) ?? ''))
      .sort((a, b) => (b.LastModified?.getTime() ?? 0) - (a.LastModified?.getTime() ?? 0))[0];
    if (!newest?.Key) return undefined;
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: newest.Key }));
    return { key: newest.Key, ...(head?.VersionId ? { versionId: head.VersionId } : {}) };
  } catch (error) {
    // A role without read access to manifests/ still watches what the status document shows.
    if (isAccessDenied(error)) return undefined;
    throw error;
  }
}

function isAccessDenied(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'AccessDenied' || e?.$metadata?.httpStatusCode === 403;
}

/**
 * Whether stackdrop has yet to pick up an uploaded manifest: there is no status document yet, or
 * the document records another version (right after `stackdrop deploy`, before provisioning starts).
 */
export function manifestPending(
  doc: StatusDocument | undefined,
  manifest: UploadedManifest | undefined,
): boolean {
  if (!manifest) return false;
  if (!doc) return true;
  return Boolean(
    manifest.versionId && doc.manifest?.versionId && manifest.versionId !== doc.manifest.versionId,
  );
}

/** Every project with a status document (all pages of `status/`), newest first. */
export async function listProjects(s3: S3Client, bucket: string): Promise<ProjectSummary[]> {
  const refs: { project: string; environment: string }[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: 'status/', ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      // Environments never contain a hyphen, so the last one separates it from the project.
      const match = /^status\/([a-z][a-z0-9-]*)-([a-z][a-z0-9]*)\.json$/.exec(o.Key ?? '');
      if (match) refs.push({ project: match[1]!, environment: match[2]! });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const docs = await mapLimited(refs, 8, (ref) => readStatus({ bucket, ...ref }, { s3 }));
  return docs
    .filter((d) => d !== undefined)
    .map(({ doc }) => ({
      project: doc.project,
      environment: doc.environment,
      phase: doc.phase,
      updatedAt: doc.updatedAt,
    }))
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return results;
}

/** Human lines for one project's status. */
export function formatStatus(view: StatusView, now: Date, style: Style): string[] {
  const lines = [
    `${style.bold(`${view.project}/${view.environment}`)}  ${phaseColour(view.phase, style)}  ${style.dim(`updated ${view.updatedAt}`)}`,
  ];
  if (view.manifest) {
    lines.push(
      `manifest  ${view.manifest.key}${view.manifest.versionId ? `  version ${view.manifest.versionId}` : ''}`,
    );
  }
  if (view.error) {
    lines.push(
      style.red(
        `error     ${view.error.stage}: ${view.error.failedResource ? `${view.error.failedResource}: ` : ''}${view.error.message}`,
      ),
    );
  }
  for (const e of view.errors)
    lines.push(style.red(`  ${e.path}${e.line ? ` (line ${e.line})` : ''}: ${e.message}`));
  if (view.stacks.length) {
    lines.push('', 'Stacks');
    const rows = view.stacks.map((s) => {
      const took =
        s.startedAt && s.finishedAt
          ? formatDuration(Date.parse(s.finishedAt) - Date.parse(s.startedAt))
          : s.startedAt
            ? `${formatDuration(now.getTime() - Date.parse(s.startedAt))} so far`
            : '';
      const why = s.reason ? `${s.failedResource ? `${s.failedResource}: ` : ''}${s.reason}` : '';
      return [s.stage, s.status, took, why];
    });
    lines.push(...table(['STAGE', 'STATUS', 'TOOK', 'REASON'], rows).map((l) => `  ${l}`));
  }
  const outputs = Object.entries(view.outputs).filter(
    ([k, v]) => !(OUTPUT_ALIASES[k] && view.outputs[OUTPUT_ALIASES[k]] === v),
  );
  if (outputs.length) {
    lines.push('', 'Outputs');
    const width = Math.max(...outputs.map(([k]) => k.length));
    for (const [k, v] of outputs) lines.push(`  ${k.padEnd(width)}  ${v}`);
  }
  lines.push('', 'Last deploys');
  if (view.lastDeploys.length === 0) lines.push('  none yet — push an image to the repository to deploy');
  else lines.push(...formatDeployRows(view.lastDeploys).map((l) => `  ${l}`));
  if (view.scaling) {
    lines.push('', 'Scaled by `stackdrop scale` (until the next provisioning)');
    for (const [service, x] of Object.entries(view.scaling)) {
      const parts = [
        x.desiredCount !== undefined ? `desired ${x.desiredCount}` : '',
        x.min !== undefined ? `bounds ${x.min}–${x.max}` : '',
      ].filter(Boolean);
      lines.push(`  ${service}  ${parts.join(', ')}  at ${x.at}${x.by ? ` by ${x.by}` : ''}`);
    }
  }
  lines.push('', 'Open bastions');
  if (view.openBastions.length === 0) lines.push('  none');
  for (const b of view.openBastions) {
    const left = formatDuration(Date.parse(b.expiresAt) - now.getTime());
    lines.push(
      `  ${b.instanceId}  ${b.access}  expires ${b.expiresAt} (in ${left})${b.openedBy ? `  opened by ${b.openedBy}` : ''}`,
    );
  }
  return lines;
}

/**
 * Aligned rows for deploy records (newest first as given), then a warning for each pushed image
 * whose manifest lacks the app's platform (recorded by roll-service, shared/image-platform.ts).
 */
export function formatDeployRows(deploys: DeployRecord[]): string[] {
  const warnings = deploys
    .filter((d) => d.imagePlatform?.status === 'missing')
    .map((d) => `! ${shortDigest(d.digest)}: ${d.imagePlatform!.message}`);
  return [...deployTable(deploys), ...warnings];
}

function deployTable(deploys: DeployRecord[]): string[] {
  return table(
    ['STARTED', 'KIND', 'OUTCOME', 'DIGEST', 'TAG', 'TOOK', 'REASON'],
    deploys.map((d) => [
      d.startedAt,
      deployKind(d),
      d.outcome,
      shortDigest(d.digest),
      d.tag ?? '',
      d.finishedAt ? formatDuration(Date.parse(d.finishedAt) - Date.parse(d.startedAt)) : '',
      d.reason ?? '',
    ]),
  );
}

/** `sha256:0123456789ab` — enough to recognise, and accepted by `rollback --to`. */
export function shortDigest(digest: string): string {
  return digest.startsWith('sha256:') ? digest.slice(0, 19) : digest.slice(0, 12);
}

/** Human lines for the project list. */
export function formatProjects(projects: ProjectSummary[]): string[] {
  if (projects.length === 0)
    return ['No projects yet: deploy a manifest with `stackdrop deploy <manifest>`.'];
  return table(
    ['PROJECT', 'ENVIRONMENT', 'PHASE', 'UPDATED'],
    projects.map((p) => [p.project, p.environment, p.phase, p.updatedAt]),
  );
}

function phaseColour(phase: string, style: Style): string {
  if (phase === 'failed') return style.red(phase);
  if (phase === 'ready' || phase === 'destroyed') return style.green(phase);
  return style.yellow(phase);
}

/** Phases during which stackdrop is still working on the project. */
export function isBusy(phase: string): boolean {
  return ['queued', 'provisioning', 'deploying', 'destroying'].includes(phase);
}
