import type { Route53Client } from '@aws-sdk/client-route-53';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Logger } from '#shared/logger.ts';
import { deploymentRegionProblems } from '#shared/manifest/aws-checks.ts';
import { MAX_MANIFEST_BYTES, type Manifest } from '#shared/manifest/index.ts';
import { RenderError, renderStacks } from '#shared/render.ts';
import { resolveHostedZone } from './hosted-zone.ts';
import { resolveSecretRefs } from './resolve-secrets.ts';

/**
 * First step of provisioning: read exactly the manifest version the S3 event names and validate
 * it. Read-only by design: an invalid manifest must not cause a single mutating AWS call.
 */

/** One problem in a manifest, located as precisely as the parser can. */
export interface ManifestProblem {
  file: string;
  line?: number;
  col?: number;
  path: string;
  message: string;
  hint?: string;
}

export type ParseManifest = (
  text: string | Uint8Array,
  file: string,
) => { ok: true; manifest: Manifest } | { ok: false; problems: ManifestProblem[] };

/** The S3 Object Created event as EventBridge delivers it (the fields stackdrop reads). */
export interface ObjectCreatedEvent {
  id?: string;
  time?: string;
  detail: {
    bucket: { name: string };
    object: { key: string; 'version-id'?: string; sequencer?: string };
  };
}

export type LoadedManifest =
  | {
      ok: true;
      project: string;
      environment: string;
      key: string;
      /** Empty for an unversioned bucket (the state machine reads the field unconditionally). */
      versionId: string;
      manifest: Manifest;
    }
  | {
      ok: false;
      project?: string;
      environment?: string;
      key: string;
      versionId: string;
      problems: ManifestProblem[];
    };

const KEY_PATTERN = /^manifests\/([a-z][a-z0-9-]{1,30})-([a-z][a-z0-9]{0,15})\.(ya?ml|json)$/;

/** Project and environment named by a manifest key (`manifests/<project>-<environment>.yaml`). */
export function identityFromKey(key: string): { project: string; environment: string } | undefined {
  const match = KEY_PATTERN.exec(key);
  return match ? { project: match[1]!, environment: match[2]! } : undefined;
}

function tooLargeProblem(key: string, size: number): ManifestProblem {
  return {
    file: key,
    path: '',
    message: `the object is ${size} bytes, more than the ${MAX_MANIFEST_BYTES} bytes (1 MiB) a manifest may have`,
    hint: 'a manifest is a few KiB: check that the right file was uploaded',
  };
}

type Body = { transformToByteArray?: () => Promise<Uint8Array>; transformToString?: () => Promise<string> };

function destroyBody(body: unknown): void {
  (body as { destroy?: () => void } | undefined)?.destroy?.();
}

/**
 * At most MAX_MANIFEST_BYTES + 1 bytes of an object body (the parser reports anything past the
 * limit), reading a stream chunk by chunk so a body without a length cannot exhaust memory.
 */
async function readBounded(body: unknown): Promise<Uint8Array | string> {
  const cap = MAX_MANIFEST_BYTES + 1;
  if (body && typeof body === 'object' && Symbol.asyncIterator in body) {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      const bytes = Buffer.from(chunk);
      chunks.push(bytes.subarray(0, cap - total));
      total += Math.min(bytes.length, cap - total);
      if (total >= cap) {
        destroyBody(body);
        break;
      }
    }
    return Buffer.concat(chunks);
  }
  const b = body as Body | undefined;
  if (b?.transformToByteArray) return (await b.transformToByteArray()).subarray(0, cap);
  return ((await b?.transformToString?.()) ?? '').slice(0, cap);
}

/** Reads and validates the manifest version an S3 Object Created event names. */
export async function loadManifest(
  event: ObjectCreatedEvent,
  deps: {
    s3: S3Client;
    logger: Logger;
    parse: ParseManifest;
    secrets?: SecretsManagerClient;
    /** Finds the domain's hosted zone when the manifest names none (read-only). */
    route53?: Route53Client;
    region?: string | undefined;
  },
): Promise<LoadedManifest> {
  const bucket = event.detail.bucket.name;
  const key = event.detail.object.key;
  const versionId = event.detail.object['version-id'];
  const fromKey = identityFromKey(key);
  const base = { key, versionId: versionId ?? '', ...(fromKey ?? {}) };
  if (!fromKey) {
    return {
      ok: false,
      ...base,
      problems: [
        {
          file: key,
          path: '',
          message: 'manifest keys must be manifests/<project>-<environment>.yaml (or .yml/.json)',
          hint: 'the environment contains no hyphen, e.g. manifests/acme-production.yaml',
        },
      ],
    };
  }
  const out = await deps.s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
  );
  // The object's size is known before its body is read: an oversized upload is refused unread.
  if (out.ContentLength !== undefined && out.ContentLength > MAX_MANIFEST_BYTES) {
    destroyBody(out.Body);
    return { ok: false, ...base, problems: [tooLargeProblem(key, out.ContentLength)] };
  }
  const bytes = await readBounded(out.Body);
  const parsed = deps.parse(bytes, key);
  if (!parsed.ok) {
    deps.logger.info('Manifest is invalid', { key, problems: parsed.problems.length });
    return { ok: false, ...base, problems: parsed.problems };
  }
  const { manifest: written } = parsed;
  if (written.project !== fromKey.project || written.environment !== fromKey.environment) {
    return {
      ok: false,
      ...base,
      problems: [
        {
          file: key,
          path: 'project',
          message: `the file is named for ${fromKey.project}-${fromKey.environment} but declares ${written.project}-${written.environment}`,
          hint: `rename the file to manifests/${written.project}-${written.environment}.yaml or fix project/environment`,
        },
      ],
    };
  }
  // `secret:NAME` references become full ARNs (read-only lookups) before anything renders.
  const withSecrets = await resolveSecretRefs(written, key, deps.secrets);
  if (withSecrets.problems.length > 0) return { ok: false, ...base, problems: withSecrets.problems };
  const { manifest, problems } = await resolveHostedZone(withSecrets.manifest, key, deps.route53);
  if (problems.length > 0) return { ok: false, ...base, problems };
  // What depends on the Region this stackdrop runs in (a certificate must be in it).
  const regional = deploymentRegionProblems(manifest, deps.region, key);
  if (regional.length > 0) return { ok: false, ...base, problems: regional };
  // A manifest the templates cannot express is rejected here, before anything is created.
  try {
    renderStacks(manifest);
  } catch (error) {
    if (!(error instanceof RenderError)) throw error;
    return {
      ok: false,
      ...base,
      problems: error.problems.map((message) => ({ file: key, path: '', message })),
    };
  }
  return { ok: true, ...base, project: manifest.project, environment: manifest.environment, manifest };
}
