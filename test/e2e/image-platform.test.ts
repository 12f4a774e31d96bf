import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalClock } from '#cli/context.ts';
import type { DeployRecord, StatusDocument } from '#shared/status.ts';
import { harness } from '#test/unit/cli/helpers.ts';
import { type E2eWorld, ENVIRONMENT, manifestFor, provision, startWorld } from './helpers.ts';

/**
 * An arm64 project (app.architecture: arm64) on the local cloud: an image pushed for linux/amd64
 * only cannot start on its Graviton tasks (CannotPullContainerError), the deploy fails and records
 * why, and the CLI warns in `deploys`, `status` and `plan --live`; an image with linux/arm64 rolls.
 */
let world: E2eWorld;
const project = 'graviton';
const repository = `${project}-${ENVIRONMENT}`;
const manifest = manifestFor(project, [[/architecture: x86_64/, 'architecture: arm64']]);

beforeAll(async () => {
  world = await startWorld();
  const doc = await provision(world, project, manifest);
  if (doc.phase !== 'ready') throw new Error(`${project} did not provision: ${JSON.stringify(doc.error)}`);
}, 300_000);

afterAll(async () => {
  await world?.stop();
});

function cli() {
  return harness(
    { localClock: readLocalClock, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 15))) },
    { env: { STACKDROP_ENDPOINT: world.sd.endpoint } },
  );
}

async function pushFor(
  platforms: string[],
  label: string,
): Promise<{ deploy: DeployRecord; doc: StatusDocument }> {
  const digest = await world.session.pushImage(repository, 'main', label, 0, platforms);
  const doc = await world.session.waitForStatus(project, ENVIRONMENT, (d) =>
    d.deploys.some((x) => x.digest === digest && ['succeeded', 'failed'].includes(x.outcome)),
  );
  return { deploy: doc.deploys.find((x) => x.digest === digest)!, doc };
}

async function imagePreflight(): Promise<{ check: string; ok: boolean; detail: string; fix?: string }> {
  const h = cli();
  writeFileSync(join(h.deps.cwd, 'graviton.yaml'), manifest);
  const result = await h.run('--local', 'plan', 'graviton.yaml', '--live', '--json');
  const checks = JSON.parse(result.stdout).preflight as Array<{ check: string; ok: boolean; detail: string }>;
  return checks.find((c) => c.check === 'image platform')!;
}

describe('an arm64 app and the platform of the pushed image', () => {
  it('fails the deploy of a linux/amd64-only image, records the missing platform and warns in deploys, status and plan --live', async () => {
    // Act
    const { deploy } = await pushFor(['linux/amd64'], 'amd64-only');

    // Assess: Fargate could not pull it for linux/arm64; the record says why before the rollout did.
    expect(deploy.outcome).toBe('failed');
    expect(deploy.reason).toMatch(
      /CannotPullContainerError: .*descriptor matching platform 'linux\/arm64\/v8'/,
    );
    expect(deploy.imagePlatform).toMatchObject({
      status: 'missing',
      wanted: 'linux/arm64',
      platforms: ['linux/amd64'],
    });
    const warning = `the image's manifest lacks linux/arm64 (it offers linux/amd64)`;
    const deploys = await cli().run('--local', 'deploys', project);
    expect(deploys.code).toBe(0);
    expect(deploys.stdout).toContain(`! ${deploy.digest.slice(0, 19)}: ${warning}`);
    const status = await cli().run('--local', 'status', project);
    expect(status.stdout).toContain(warning);
    const preflight = await imagePreflight();
    expect(preflight).toMatchObject({ ok: false, detail: expect.stringContaining(warning) });
    expect(preflight.fix).toContain('docker buildx build --platform linux/arm64 --push');
  }, 240_000);

  it('rolls an image that offers linux/arm64 and records the match; plan --live passes the check', async () => {
    const { deploy } = await pushFor(['linux/amd64', 'linux/arm64'], 'multi');

    expect(deploy.outcome).toBe('succeeded');
    expect(deploy.imagePlatform).toMatchObject({ status: 'ok', platforms: ['linux/amd64', 'linux/arm64'] });
    const deploys = await cli().run('--local', 'deploys', project, '--limit', '1');
    expect(deploys.stdout).not.toContain('!');
    expect(await imagePreflight()).toMatchObject({
      ok: true,
      detail: `${repository}:main: the image offers linux/arm64`,
    });
  }, 240_000);
});
