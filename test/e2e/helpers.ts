import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type LocalStackdrop, REPOSITORY_ROOT, startStackdrop } from '#local/runtime/index.ts';
import { LocalSession } from '#local/runtime/session.ts';
import type { StatusDocument } from '#shared/status.ts';

const example = readFileSync(resolve(REPOSITORY_ROOT, 'examples/laravel/stackdrop.yaml'), 'utf8');

/** The Laravel example manifest for another project, with optional text replacements. */
export function manifestFor(project: string, replacements: Array<[RegExp, string]> = []): string {
  // The example's secrets sit under stackdrop/acme/production/; a project reads only its own prefix.
  let text = example
    .replace(/^project: .*$/m, `project: ${project}`)
    .replaceAll('stackdrop/acme/production/', `stackdrop/${project}/production/`);
  for (const [from, to] of replacements) text = text.replace(from, to);
  return text;
}

export const ENVIRONMENT = 'production';

export interface E2eWorld {
  sd: LocalStackdrop;
  session: LocalSession;
  stop(): Promise<void>;
}

/**
 * One world hosts many projects, as an account whose owner raised the default quotas would: AWS's
 * defaults (5 VPCs, 5 Elastic IPs per Region) fit one project with a NAT gateway per AZ, not ten.
 * The local cloud enforces the defaults unless told otherwise (docs/local-cloud.md, Quotas).
 */
export const SEVERAL_PROJECTS_QUOTAS = {
  vpcsPerRegion: 100,
  internetGatewaysPerRegion: 100,
  elasticIpsPerRegion: 300,
  natGatewaysPerAz: 100,
  gatewayEndpointsPerRegion: 100,
  albsPerRegion: 100,
  dbClusters: 100,
  dbInstances: 300,
};

/** stackdrop deployed from template.yaml on a fresh local cloud with an instant clock. */
export async function startWorld(): Promise<E2eWorld> {
  // The functions log at the level vitest.config.ts sets (SILENT), not the template's INFO.
  const sd = await startStackdrop({
    speed: 'instant',
    quotas: SEVERAL_PROJECTS_QUOTAS,
    environmentOverrides: { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT' },
  });
  const session = new LocalSession(sd);
  return {
    sd,
    session,
    stop: async () => {
      session.destroy();
      await sd.stop();
    },
  };
}

/** Drops a manifest and waits until provisioning is ready or failed. */
export async function provision(
  world: E2eWorld,
  project: string,
  text = manifestFor(project),
): Promise<StatusDocument> {
  const before = await world.session.status(project, ENVIRONMENT);
  const versionId = await world.session.dropManifest(text, `manifests/${project}-${ENVIRONMENT}.yaml`);
  return world.session.waitForStatus(
    project,
    ENVIRONMENT,
    (d) =>
      d.manifest?.versionId === versionId &&
      (d.phase === 'ready' || d.phase === 'failed') &&
      // A new execution, not the clock: a no-op re-drop may end in the virtual instant the last
      // provisioning did (nothing to wait for), so its updatedAt can equal the previous one.
      d.executionArn !== before?.executionArn,
  );
}

/** Pushes an image to the project's repository and waits for the deploy of that digest to end. */
export async function pushAndWait(
  world: E2eWorld,
  project: string,
  label: string,
): Promise<{ digest: string; doc: StatusDocument }> {
  const digest = await world.session.pushImage(`${project}-${ENVIRONMENT}`, 'main', label);
  const doc = await world.session.waitForStatus(project, ENVIRONMENT, (d) =>
    d.deploys.some((x) => x.digest === digest && ['succeeded', 'failed'].includes(x.outcome)),
  );
  return { digest, doc };
}
