/**
 * ElastiCache Serverless rules, copied from AWS's documentation (read 2026-12-07). The manifest
 * rules, the database template and the local cloud's ElastiCache model read this one place.
 *
 * Sources:
 * - CreateServerlessCache (engine, MajorEngineVersion, SubnetIds, SecurityGroupIds, KmsKeyId; the
 *   name: 1–40 characters, lower-case letters, digits and hyphens, starting with a letter, no two
 *   hyphens in a row nor a trailing one):
 *   https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateServerlessCache.html
 * - status values (creating, available, deleting, create-failed, modifying):
 *   https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ServerlessCache.html
 * - engines and major versions on Serverless (Valkey 7.2, 8.x, 9.0; Redis OSS 7.1; Memcached 1.6):
 *   https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/engine-versions.html
 * - endpoint on port 6379, reader endpoint on 6380, TLS always on for Serverless:
 *   https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/serverless-connecting.html
 *   https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html
 * - "create a cache in under a minute" (the creating→available duration of the local cloud):
 *   https://aws.amazon.com/blogs/aws/amazon-elasticache-serverless-for-redis-and-memcached-now-generally-available/
 */
export const ELASTICACHE_RULES_READ_ON = '2026-12-07';

export const ELASTICACHE_SOURCES = {
  create: 'https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateServerlessCache.html',
  versions: 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/engine-versions.html',
  ports: 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/serverless-connecting.html',
} as const;

export type ServerlessEngine = 'valkey' | 'redis' | 'memcached';

/** Major versions Serverless offers per engine, oldest first, with the full version each runs. */
export const SERVERLESS_MAJOR_VERSIONS: Record<ServerlessEngine, Array<{ major: string; full: string }>> = {
  valkey: [
    { major: '7', full: '7.2' },
    { major: '8', full: '8.1' },
    { major: '9', full: '9.0' },
  ],
  redis: [{ major: '7', full: '7.1' }],
  memcached: [{ major: '1.6', full: '1.6' }],
};

/** Primary endpoint port and reader endpoint port (Valkey, Redis OSS). */
export const SERVERLESS_PORTS = { primary: 6379, reader: 6380 } as const;

/** Whether ElastiCache accepts a serverless cache name. */
export function isValidServerlessCacheName(name: string): boolean {
  return /^[a-z](?!.*--)[a-z0-9-]{0,39}$/.test(name) && !name.endsWith('-');
}

/** The major version row for an engine (the newest when no major version is asked for). */
export function serverlessVersion(
  engine: string,
  major: string | undefined,
): { major: string; full: string } | undefined {
  const rows = SERVERLESS_MAJOR_VERSIONS[engine as ServerlessEngine];
  if (!rows) return undefined;
  return major === undefined ? rows[rows.length - 1] : rows.find((r) => r.major === major);
}
