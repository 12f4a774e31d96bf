import YAML from 'yaml';
import { manifestFor } from './helpers.ts';

/**
 * Issue 15's "done when" manifest: 20 workers, 60 environment variables, 30 secrets (`secret:NAME`),
 * arm64, a domain whose zone is found by name, the CDN, the firewall, a created KMS key and a cache.
 */
export const BIG_PROJECT = 'bigshop';

export function manifestText(): string {
  const doc = YAML.parse(manifestFor(BIG_PROJECT)) as Record<string, Record<string, unknown>>;
  const app = doc.app!;
  delete app.certificateArn;
  app.domain = 'bigshop.example.com';
  app.cdn = true;
  app.firewall = {
    rateLimitPerIp: 2000,
    managedRules: ['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet'],
  };
  app.architecture = 'arm64';
  const worker = (app.workers as Array<Record<string, unknown>>)[0]!;
  app.workers = Array.from({ length: 20 }, (_, i) => ({ ...worker, name: `jobs-${i + 1}` }));
  app.environment = Object.fromEntries(
    Array.from({ length: 60 }, (_, i) => [`SETTING_${String(i + 1).padStart(2, '0')}`, `value-${i + 1}`]),
  );
  app.secrets = Object.fromEntries(
    Array.from({ length: 30 }, (_, i) => {
      const name = `SECRET_${String(i + 1).padStart(2, '0')}`;
      return [name, `secret:${name}`];
    }),
  );
  doc.security = { kmsKey: 'create' };
  doc.cache = { engine: 'valkey' };
  return YAML.stringify(doc);
}
