import { describe, expect, it } from 'vitest';
import { appWiring, cacheName, projectKmsKeyArn } from '#shared/app-wiring.ts';
import { deploymentRegionProblems } from '#shared/manifest/aws-checks.ts';
import { type Manifest, type ManifestInput, validateManifestObject } from '#shared/manifest/index.ts';
import { checkManifestValue } from '#shared/manifest/parse.ts';
import { renderStacks } from '#shared/render.ts';

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666';

function manifest(input: Partial<ManifestInput> = {}): Manifest {
  return validateManifestObject({ version: 1, project: 'acme', app: { allowPlainHttp: true }, ...input });
}

const byStage = (m: Manifest, outputs = {}) =>
  Object.fromEntries(renderStacks(m, { outputs }).map((s) => [s.stage, s.parameters]));

describe('security.kmsKey', () => {
  it('defaults to AWS managed keys: no key parameter anywhere', () => {
    const stacks = byStage(manifest());
    expect(stacks.network?.KmsKey).toBe('');
    expect(stacks.database?.KmsKeyArn).toBe('');
    expect(stacks.edge?.KmsKeyArn).toBe('');
  });

  it('create: the network stage makes the key and the database and edge stages wait for its KmsKeyArn output', () => {
    const m = manifest({ security: { kmsKey: 'create' } });
    const pending = byStage(m);
    expect(pending.network?.KmsKey).toBe('create');
    expect(pending.database?.KmsKeyArn).toBe('<network.KmsKeyArn>');
    expect(pending.edge?.KmsKeyArn).toBe('<network.KmsKeyArn>');
    const known = byStage(m, { network: { KmsKeyArn: KEY } });
    expect(known.database?.KmsKeyArn).toBe(KEY);
    expect(known.edge?.KmsKeyArn).toBe(KEY);
    expect(projectKmsKeyArn(m, { KmsKeyArn: KEY })).toBe(KEY);
  });

  it('a key ARN goes to every stage directly', () => {
    const stacks = byStage(manifest({ security: { kmsKey: KEY } }));
    expect(stacks.network?.KmsKey).toBe(KEY);
    expect(stacks.database?.KmsKeyArn).toBe(KEY);
    expect(stacks.edge?.KmsKeyArn).toBe(KEY);
  });

  it('refuses an alias ARN and anything that is not a key ARN, saying why', () => {
    for (const kmsKey of [
      'arn:aws:kms:eu-west-1:123456789012:alias/app',
      'alias/app',
      '0a1b2c3d-1111-2222-3333-444455556666',
      'arn:aws:kms:eu-west-1:12345:key/0a1b2c3d-1111-2222-3333-444455556666',
    ]) {
      const result = checkManifestValue({ version: 1, project: 'acme', security: { kmsKey } });
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.problems[0]?.path).toBe('security.kmsKey');
        expect(result.problems[0]?.message).toContain('not an alias');
      }
    }
  });

  it('refuses a key of another Region than the deployment', () => {
    const m = manifest({ security: { kmsKey: KEY } });
    expect(deploymentRegionProblems(m, 'eu-west-1', 'm.yaml')).toEqual([]);
    const [problem] = deploymentRegionProblems(m, 'us-east-1', 'm.yaml');
    expect(problem).toMatchObject({ path: 'security.kmsKey' });
    expect(problem?.message).toContain('eu-west-1');
  });
});

describe('cache', () => {
  it('names the cache <project>-<environment>, cut with a stable hash beyond 40 characters', () => {
    expect(cacheName({ project: 'acme', environment: 'production' })).toBe('acme-production');
    const long = cacheName({ project: 'a'.repeat(31), environment: 'b'.repeat(16) });
    expect(long).toHaveLength(40);
    expect(long).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
    expect(long).toBe(cacheName({ project: 'a'.repeat(31), environment: 'b'.repeat(16) }));
  });

  it('gives the database stage the engine and name only when the manifest has a cache', () => {
    expect(byStage(manifest()).database).toMatchObject({ CacheEngine: '', CacheName: '' });
    expect(byStage(manifest({ cache: { engine: 'redis' } })).database).toMatchObject({
      CacheEngine: 'redis',
      CacheName: 'acme-production',
    });
    expect(manifest({ cache: {} }).cache).toEqual({ engine: 'valkey' });
  });

  it("wires Laravel's REDIS_HOST, REDIS_PORT and REDIS_SCHEME=tls from the database stage's outputs", () => {
    const wiring = appWiring(manifest({ cache: {} }), {
      CacheAddress: 'c.cache.amazonaws.com',
      CachePort: '6379',
    });
    expect(wiring.environment).toEqual({
      REDIS_HOST: 'c.cache.amazonaws.com',
      REDIS_PORT: '6379',
      REDIS_SCHEME: 'tls',
    });
    expect(appWiring(manifest(), undefined).environment).toEqual({});
  });

  it('refuses REDIS_* in app.environment when stackdrop sets them', () => {
    const result = checkManifestValue({
      version: 1,
      project: 'acme',
      cache: {},
      app: { allowPlainHttp: true, environment: { REDIS_HOST: 'x' } },
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.path)).toContain('app.environment.REDIS_HOST');
  });
});

describe('the synthesised app template wires the cache and the CDN into every container', () => {
  const app = (m: Manifest, outputs = {}) => renderStacks(m, { outputs }).find((s) => s.stage === 'app')!;
  const environments = (body: string) =>
    Object.values(
      (
        JSON.parse(body) as {
          Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
        }
      ).Resources,
    )
      .filter((r) => r.Type === 'AWS::ECS::TaskDefinition')
      .map(
        (r) =>
          (
            r.Properties.ContainerDefinitions as Array<{
              Environment: Array<{ Name: string; Value: unknown }>;
            }>
          )[0]!.Environment,
      );

  it('a cache: REDIS_HOST/REDIS_PORT from the database stage outputs, REDIS_SCHEME tls', () => {
    const m = manifest({ cache: { engine: 'valkey' } });
    const pending = app(m);
    expect(pending.parameters.CacheAddress).toBe('<database.CacheAddress>');
    expect(pending.parameters.CachePort).toBe('<database.CachePort>');
    const ready = app(m, {
      database: {
        CacheAddress: 'acme-production-abc.serverless.euw1.cache.amazonaws.com',
        CachePort: '6379',
      },
    });
    expect(ready.parameters.CacheAddress).toBe('acme-production-abc.serverless.euw1.cache.amazonaws.com');
    const envs = environments(ready.templateBody!);
    expect(envs.length).toBeGreaterThan(1);
    for (const env of envs) {
      expect(env).toEqual(
        expect.arrayContaining([
          { Name: 'REDIS_HOST', Value: { Ref: 'CacheAddress' } },
          { Name: 'REDIS_PORT', Value: { Ref: 'CachePort' } },
          { Name: 'REDIS_SCHEME', Value: 'tls' },
        ]),
      );
    }
  });

  it('the CDN: ASSET_URL from the edge stage AssetUrl output, unless app.environment sets it', () => {
    const cdn = manifest({
      app: {
        allowPlainHttp: false,
        domain: 'app.example.com',
        hostedZoneId: 'Z0123456789ABCDEFGHIJ',
        cdn: true,
      },
    });
    const wired = app(cdn);
    expect(wired.parameters.AssetUrl).toBe('<edge.AssetUrl>');
    for (const env of environments(wired.templateBody!))
      expect(env).toContainEqual({ Name: 'ASSET_URL', Value: { Ref: 'AssetUrl' } });
    const own = manifest({
      app: {
        allowPlainHttp: false,
        domain: 'app.example.com',
        hostedZoneId: 'Z0123456789ABCDEFGHIJ',
        cdn: true,
        environment: { ASSET_URL: 'https://cdn.example.com' },
      },
    });
    const mine = app(own);
    expect(mine.parameters.AssetUrl).toBeUndefined();
    for (const env of environments(mine.templateBody!))
      expect(env.filter((e) => e.Name === 'ASSET_URL')).toEqual([
        { Name: 'ASSET_URL', Value: 'https://cdn.example.com' },
      ]);
  });

  it('neither: no cache or CDN parameter, no REDIS_* or ASSET_URL', () => {
    const plain = app(manifest());
    expect(Object.keys(plain.parameters)).not.toEqual(expect.arrayContaining(['CacheAddress']));
    expect(plain.parameters.AssetUrl).toBeUndefined();
    expect(plain.templateBody).not.toMatch(/REDIS_HOST|ASSET_URL/);
  });
});
