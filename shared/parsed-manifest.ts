import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
// Type-only: the functions that read a parsed manifest must not bundle the YAML parser or the
// manifest's zod schema (≈ 250 KB); load-manifest validated it once, at provisioning.
import type { Manifest } from './manifest/schema.ts';
import { isNotFound } from './s3-errors.ts';

/**
 * The manifest version a provisioning applies, parsed and validated once by load-manifest, kept
 * as JSON for the functions that act on a provisioned project later (roll-service: release
 * command and desired counts; open-bastion: the bastion policy). Written by record-status when the
 * run that holds the project's turn starts, before the status document names that version, so a
 * status document never points to a version whose parsed copy is missing.
 */

/** Where the manifest version the status document names is referenced from. */
export interface ManifestRef {
  key: string;
  versionId?: string | undefined;
}

/** What is stored: the reference it was parsed from, and the parsed manifest. */
export interface ParsedManifestObject {
  key: string;
  versionId?: string;
  manifest: Manifest;
}

export class ParsedManifestUnavailableError extends Error {
  override name = 'ParsedManifestUnavailableError';
}

/**
 * `parsed/<project>-<environment>/<versionId>.json`: one immutable object per manifest version
 * (stackdrop's own prefix of the bucket), so a reader never sees a newer run's copy under an older
 * status document. An unversioned upload (no version id) has one `unversioned.json`, overwritten.
 */
export function parsedManifestKey(project: string, environment: string, ref: ManifestRef): string {
  const version = ref.versionId ? encodeURIComponent(ref.versionId) : 'unversioned';
  return `parsed/${project}-${environment}/${version}.json`;
}

/** Stores the parsed manifest of one version (idempotent: same version, same bytes). */
export async function writeParsedManifest(
  s3: S3Client,
  bucket: string,
  target: { project: string; environment: string } & ManifestRef,
  manifest: Manifest,
): Promise<void> {
  const body: ParsedManifestObject = {
    key: target.key,
    ...(target.versionId ? { versionId: target.versionId } : {}),
    manifest,
  };
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: parsedManifestKey(target.project, target.environment, target),
      Body: JSON.stringify(body),
      ContentType: 'application/json',
    }),
  );
}

/**
 * The parsed manifest of the version a status document names. Throws
 * {@link ParsedManifestUnavailableError} with what to do when it is missing or belongs to another
 * version (a project provisioned before stackdrop kept parsed copies: deploy the manifest again).
 */
export async function readParsedManifest(
  s3: S3Client,
  bucket: string,
  project: string,
  environment: string,
  ref: ManifestRef,
): Promise<Manifest> {
  const key = parsedManifestKey(project, environment, ref);
  const unavailable = (why: string) =>
    new ParsedManifestUnavailableError(
      `The manifest version ${project}/${environment} was provisioned from (${ref.key}${ref.versionId ? ` ${ref.versionId}` : ''}) ${why}; deploy the manifest again (stackdrop deploy) to record it`,
    );
  let text: string;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = (await out.Body?.transformToString()) ?? '';
  } catch (error) {
    if (isNotFound(error)) throw unavailable(`has no parsed copy at ${key}`);
    throw error;
  }
  let stored: Partial<ParsedManifestObject> | undefined;
  try {
    stored = JSON.parse(text) as Partial<ParsedManifestObject>;
  } catch {
    throw unavailable(`has an unreadable parsed copy at ${key}`);
  }
  if (
    !stored ||
    stored.key !== ref.key ||
    (stored.versionId ?? '') !== (ref.versionId ?? '') ||
    typeof stored.manifest !== 'object' ||
    stored.manifest === null ||
    stored.manifest.project !== project ||
    stored.manifest.environment !== environment
  ) {
    throw unavailable(`does not match its parsed copy at ${key}`);
  }
  return stored.manifest;
}
