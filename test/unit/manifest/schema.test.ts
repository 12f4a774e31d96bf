import { describe, expect, it } from 'vitest';
import { DEFAULT_INSTANCE_CLASS, parseManifest, validateManifestObject } from '#shared/manifest/index.ts';
import { fixture, validManifest } from './helpers.ts';

describe('valid manifests', () => {
  it('fills every default of a minimal manifest', () => {
    // Act
    const result = parseManifest(fixture('valid/minimal.yaml'), 'minimal.yaml');

    // Assess
    expect(result).toEqual({
      ok: true,
      manifest: {
        version: 1,
        project: 'shop',
        environment: 'production',
        network: { cidr: '10.40.0.0/16', availabilityZones: 2, natGateways: 'per-az' },
        database: {
          engine: 'aurora-mysql',
          instanceClass: 'db.t4g.medium',
          readers: 1,
          databaseName: 'app',
          backupRetentionDays: 7,
          allowReplacement: false,
        },
        app: {
          repository: 'shop-production',
          deployTag: 'main',
          redirectWww: false,
          cdn: false,
          allowPlainHttp: true,
          healthCheckPath: '/up',
          architecture: 'x86_64',
          web: { cpu: 512, memory: 1024, desiredCount: 2, port: 8080 },
          workers: [],
          scheduler: true,
          exec: false,
          environment: {},
          secrets: {},
          externalSecrets: false,
          secretsKmsKeyArns: [],
          logRetentionDays: 30,
        },
        bastion: { access: 'ssm', allowedCidrs: [], maxTtlMinutes: 480 },
        security: { kmsKey: 'aws-managed' },
      },
    });
  });

  it('keeps every field of a full YAML manifest and derives only what was left out', () => {
    // Act
    const result = parseManifest(fixture('valid/full.yaml'), 'full.yaml');

    // Assess
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const m = result.manifest;
    expect(m.network).toEqual({ cidr: '172.20.0.0/20', availabilityZones: 3, natGateways: 'single' });
    expect(m.database.serverless).toEqual({ minCapacity: 0.5, maxCapacity: 8 });
    expect(m.database.instanceClass).toBeUndefined();
    expect(m.database.engineVersion).toBe('16.6');
    expect(m.app.repository).toBe('acme/shop');
    expect(m.app.web).toEqual({
      cpu: 1024,
      memory: 4096,
      desiredCount: 3,
      port: 8000,
      autoscaling: { min: 2, max: 20, cpuTarget: 50, requestsPerTarget: 500 },
    });
    expect(m.app.workers).toEqual([
      {
        name: 'default',
        command: ['php', 'artisan', 'queue:work', '--tries=3'],
        cpu: 512,
        memory: 2048,
        desiredCount: 2,
      },
      {
        name: 'emails',
        command: ['php', 'artisan', 'queue:work', '--queue=emails'],
        cpu: 256,
        memory: 512,
        desiredCount: 1,
      },
    ]);
    expect(m.app.scheduler).toEqual({
      command: ['php', 'artisan', 'schedule:run', '--verbose'],
      cpu: 512,
      memory: 1024,
    });
    expect(m.app.secrets.MAIL_PASSWORD).toBe(
      'arn:aws:ssm:eu-west-1:123456789012:parameter/stackdrop/acme-shop/staging/MAIL_PASSWORD',
    );
    expect(m.bastion).toEqual({
      access: 'ssh',
      allowedCidrs: ['203.0.113.0/24', '198.51.100.7/32'],
      maxTtlMinutes: 60,
    });
  });

  it('reads a JSON manifest with a $schema key and derives memory and desired count', () => {
    // Act
    const result = parseManifest(fixture('valid/full.json'), 'full.json');

    // Assess
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.manifest.$schema).toBe('../../../../schema/manifest.v1.json');
    expect(result.manifest.app.web).toMatchObject({ cpu: 256, memory: 2048, desiredCount: 3 });
    expect(result.manifest.app.workers[0]).toMatchObject({ cpu: 2048, memory: 4096 });
    expect(result.manifest.app.scheduler).toBe(false);
    expect(result.manifest.database.engineVersion).toBe('8.0.mysql_aurora.3.10.0');
  });

  it('starts the web service at the autoscaling minimum when 2 tasks would be below it', () => {
    // Prepare
    const input = validManifest();
    input.app!.web = { autoscaling: { min: 4, max: 8 } };

    // Act
    const manifest = validateManifestObject(input);

    // Assess
    expect(manifest.app.web.desiredCount).toBe(4);
  });

  it('caps the default desired count at the autoscaling maximum', () => {
    // Prepare
    const input = validManifest();
    input.app!.web = { autoscaling: { min: 1, max: 1 } };

    // Act
    const manifest = validateManifestObject(input);

    // Assess
    expect(manifest.app.web.desiredCount).toBe(1);
  });

  it('gives a provisioned instance class only when serverless is not set', () => {
    // Prepare
    const provisioned = validManifest();
    const serverless = validManifest();
    serverless.database = { serverless: { minCapacity: 0, maxCapacity: 4 } };

    // Act
    const a = validateManifestObject(provisioned);
    const b = validateManifestObject(serverless);

    // Assess
    expect(a.database.instanceClass).toBe(DEFAULT_INSTANCE_CLASS);
    expect(b.database.instanceClass).toBeUndefined();
    expect('instanceClass' in b.database).toBe(false);
  });

  it('accepts the longest project and environment names', () => {
    // Prepare
    const input = validManifest();
    input.project = `a${'b'.repeat(30)}`;
    input.environment = `e${'1'.repeat(15)}`;
    input.app!.secrets = {
      APP_KEY: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:stackdrop/${input.project}/${input.environment}/APP_KEY-AbCdEf`,
    };

    // Act
    const manifest = validateManifestObject(input);

    // Assess
    expect(manifest.app.repository).toBe(`${input.project}-${input.environment}`);
  });
});

describe('a validated manifest', () => {
  it.each(['valid/minimal.yaml', 'valid/full.yaml', 'valid/full.json'])(
    'validates again unchanged after a JSON round trip (%s)',
    (name) => {
      // Prepare
      const first = parseManifest(fixture(name), name);
      if (!first.ok) throw new Error(JSON.stringify(first.problems));

      // Act
      const again = validateManifestObject(JSON.parse(JSON.stringify(first.manifest)));

      // Assess
      expect(again).toEqual(first.manifest);
    },
  );
});
