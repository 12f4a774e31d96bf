import { createHash } from 'node:crypto';
import type { Manifest } from './manifest/schema.ts';

/**
 * What `security.kmsKey` and `cache` mean for each stage, decided in one place: the key
 * parameter of the network stage, the key ARN the database and edge stages receive, the cache's
 * name, and what the app's containers get (Laravel's REDIS_* variables, the keys its execution
 * role may decrypt secrets with). Pure: no I/O.
 */

/** Laravel's names for the cache connection (config/database.php `redis`). */
export const CACHE_ENVIRONMENT = ['REDIS_HOST', 'REDIS_PORT', 'REDIS_SCHEME'] as const;

/** The network stage's KmsKey parameter: '' (AWS managed keys), `create`, or the given key ARN. */
export function networkKmsKey(manifest: Pick<Manifest, 'security'>): string {
  const key = manifest.security.kmsKey;
  return key === 'aws-managed' ? '' : key;
}

/**
 * The KmsKeyArn parameter of the database and edge stages when it is known without the network
 * stage (AWS managed keys: '', a given key: its ARN); undefined when stackdrop creates the key
 * and the network stage's KmsKeyArn output supplies it.
 */
export function knownKmsKeyArn(manifest: Pick<Manifest, 'security'>): string | undefined {
  const key = manifest.security.kmsKey;
  if (key === 'create') return undefined;
  return key === 'aws-managed' ? '' : key;
}

/** The key ARN in use, from the manifest or the network stage's outputs; '' for AWS managed keys. */
export function projectKmsKeyArn(
  manifest: Pick<Manifest, 'security'>,
  networkOutputs: Record<string, string> | undefined,
): string | undefined {
  return knownKmsKeyArn(manifest) ?? networkOutputs?.KmsKeyArn;
}

/**
 * The serverless cache's name: `<project>-<environment>` when it fits ElastiCache's 40
 * characters, else cut and suffixed with a hash of the full name (stable, unique per project).
 */
export function cacheName(manifest: Pick<Manifest, 'project' | 'environment'>): string {
  const full = `${manifest.project}-${manifest.environment}`;
  if (full.length <= 40) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 6);
  return `${full.slice(0, 33).replace(/-+$/, '')}-${hash}`;
}

/** The database stage's cache parameters (no cache: empty engine and name). */
export function cacheParameters(manifest: Pick<Manifest, 'project' | 'environment' | 'cache'>): {
  CacheEngine: string;
  CacheName: string;
} {
  return manifest.cache
    ? { CacheEngine: manifest.cache.engine, CacheName: cacheName(manifest) }
    : { CacheEngine: '', CacheName: '' };
}

export interface AppWiring {
  /** Plain environment variables every app container gets. */
  environment: Record<string, string>;
  /**
   * Customer-managed keys the execution role may decrypt secrets with (kms:Decrypt through
   * Secrets Manager and SSM): the manifest's `app.secretsKmsKeyArns`. The project's own key is
   * granted by the edge stage's execution role itself (DecryptProjectSecrets), so it is not here.
   */
  secretsKmsKeyArns: string[];
}

/**
 * What the app stage wires into its containers from the manifest and the database stage's
 * outputs. With a cache: REDIS_HOST (the endpoint), REDIS_PORT (6379) and REDIS_SCHEME=tls
 * (ElastiCache Serverless accepts TLS only; Laravel's phpredis/predis read `scheme`).
 */
export function appWiring(
  manifest: Pick<Manifest, 'cache' | 'app'>,
  databaseOutputs: Record<string, string> | undefined,
): AppWiring {
  const environment: Record<string, string> = {};
  if (manifest.cache) {
    environment.REDIS_HOST = databaseOutputs?.CacheAddress ?? '<database.CacheAddress>';
    environment.REDIS_PORT = databaseOutputs?.CachePort ?? '<database.CachePort>';
    environment.REDIS_SCHEME = 'tls';
  }
  return { environment, secretsKmsKeyArns: [...manifest.app.secretsKmsKeyArns] };
}
