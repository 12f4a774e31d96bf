import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManifestInput, ManifestProblem, ManifestResult } from '#shared/manifest/index.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'manifests');

/** Bytes of a manifest fixture, e.g. `valid/full.yaml`. */
export function fixture(name: string): Buffer {
  return readFileSync(join(fixtures, name));
}

/** A valid manifest object touching every section, to change one field at a time. */
export function validManifest(): ManifestInput & Record<string, unknown> {
  return structuredClone({
    version: 1 as const,
    project: 'acme',
    environment: 'production',
    network: { cidr: '10.40.0.0/16', availabilityZones: 2, natGateways: 'per-az' as const },
    database: { engine: 'aurora-mysql' as const, readers: 1 },
    app: {
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
      release: ['php', 'artisan', 'migrate', '--force'],
      web: { cpu: 512, memory: 1024, autoscaling: { min: 2, max: 10 } },
      workers: [{ name: 'default', command: ['php', 'artisan', 'queue:work'] }],
      scheduler: true,
      environment: { APP_ENV: 'production' },
      secrets: {
        APP_KEY:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:stackdrop/acme/production/APP_KEY-AbCdEf',
      },
    },
    bastion: { access: 'ssm' as const, allowedCidrs: ['203.0.113.0/24'] },
  });
}

/** The problems of a result that must have failed. */
export function problemsOf(result: ManifestResult): ManifestProblem[] {
  if (result.ok) throw new Error('expected the manifest to be rejected, but it was accepted');
  return result.problems;
}
