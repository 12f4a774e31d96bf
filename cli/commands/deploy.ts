import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseDocument } from 'yaml';
import type { Manifest } from '#shared/manifest/index.ts';
import { manifestKey, stackName } from '#shared/naming.ts';
import type { StatusDocument } from '#shared/status.ts';
import { UserError } from '../errors.ts';
import { type LivePlanDeps, planLive } from './plan.ts';

export interface UploadResult {
  project: string;
  environment: string;
  bucket: string;
  key: string;
  versionId?: string;
  uploadedAt: string;
}

export class DatabaseReplacementRefusedError extends UserError {
  override name = 'DatabaseReplacementRefusedError';
}

/**
 * Refuses a manifest whose plan replaces the live Aurora cluster unless the person allowed it
 * (flag or manifest). Only an existing database stack can be replaced, so a first deploy skips this.
 */
export async function guardDatabaseReplacement(
  manifest: Manifest,
  allowed: boolean,
  deps: Omit<LivePlanDeps, 'only' | 'onlyExisting'>,
): Promise<'absent' | 'safe' | 'allowed'> {
  const plan = await planLive(manifest, { ...deps, only: ['database'], onlyExisting: true });
  const database = plan.stacks.find((s) => s.stage === 'database');
  if (database?.mode !== 'update') return 'absent';
  if (!plan.databaseReplacement) return 'safe';
  if (allowed || manifest.database.allowReplacement) return 'allowed';
  const resources = database.changes
    .filter((c) => c.type === 'AWS::RDS::DBCluster')
    .map((c) => c.logicalId)
    .join(', ');
  throw new DatabaseReplacementRefusedError(
    `Refusing to deploy: this manifest REPLACES the Aurora cluster (${resources}) of ${stackName(manifest.project, manifest.environment, 'database')}; a new, empty cluster would take its place (the old one is kept only as a snapshot). Run \`stackdrop plan --live\` to see why; pass --allow-db-replacement only if that is what you want.`,
  );
}

/** The manifest text with `database.allowReplacement: true`, keeping the file's comments and layout. */
export function withReplacementAllowed(text: string, format: 'yaml' | 'json'): string {
  if (format === 'json') {
    const value = JSON.parse(text) as { database?: Record<string, unknown> };
    value.database = { ...(value.database ?? {}), allowReplacement: true };
    return `${JSON.stringify(value, null, 2)}\n`;
  }
  const doc = parseDocument(text);
  doc.setIn(['database', 'allowReplacement'], true);
  return doc.toString();
}

/** Uploads the manifest to `manifests/<project>-<environment>.<ext>` in the stackdrop bucket. */
export async function uploadManifest(
  manifest: Manifest,
  text: string,
  format: 'yaml' | 'json',
  deps: { s3: S3Client; bucket: string; now: () => Date },
): Promise<UploadResult> {
  const key = manifestKey(manifest.project, manifest.environment, format);
  const uploadedAt = deps.now().toISOString();
  const out = await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.bucket,
      Key: key,
      Body: text,
      ContentType: format === 'json' ? 'application/json' : 'application/yaml',
    }),
  );
  return {
    project: manifest.project,
    environment: manifest.environment,
    bucket: deps.bucket,
    key,
    ...(out.VersionId ? { versionId: out.VersionId } : {}),
    uploadedAt,
  };
}

/**
 * Whether a provisioning watch is over: the document is about our manifest version (or, without
 * versions, was written after the upload) and has reached ready or failed; or a newer upload took over.
 */
export function provisioningSettled(
  doc: StatusDocument | undefined,
  upload: UploadResult,
  initialVersionId: string | undefined,
): 'ready' | 'failed' | 'superseded' | undefined {
  if (!doc) return undefined;
  const current = doc.manifest?.versionId;
  const ours = upload.versionId
    ? current === upload.versionId
    : Date.parse(doc.updatedAt) >= Date.parse(upload.uploadedAt);
  if (ours) return doc.phase === 'ready' || doc.phase === 'failed' ? doc.phase : undefined;
  if (upload.versionId && current && current !== upload.versionId && current !== initialVersionId) {
    return 'superseded';
  }
  return undefined;
}
