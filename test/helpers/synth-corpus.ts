import { type Manifest, validateManifestObject } from '#shared/manifest/index.ts';

/**
 * The synthesis corpus: manifests that span the schema, made by a seeded generator so every run
 * checks the same ones. The first two are the extremes (everything on at 20 workers, 80 variables
 * and 40 secrets; everything off at 0/0/0); the rest draw each optional block on or off.
 */

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const CPU_MEMORY: [number, number][] = [
  [256, 512],
  [512, 1024],
  [1024, 3072],
  [2048, 4096],
  [4096, 8192],
];

/** mulberry32: a small deterministic generator (the corpus must not change between runs). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CorpusOptions {
  workers: number;
  variables: number;
  secrets: number;
  on: (block: string) => boolean;
  pick: <T>(values: readonly T[]) => T;
  index: number;
}

/** One manifest (as a user writes it) for the given counts and blocks. */
export function corpusManifestInput(o: CorpusOptions): Record<string, unknown> {
  const project = `corpus${o.index}`;
  const environment = o.pick(['production', 'staging', 'dev']);
  const [cpu, memory] = o.pick(CPU_MEMORY);
  const secretPrefix = `stackdrop/${project}/${environment}/`;
  const external = o.on('externalSecrets');
  const secrets: Record<string, string> = {};
  for (let i = 0; i < o.secrets; i++) {
    const name = `SECRET_VALUE_${i}`;
    if (external && i === 0)
      secrets[name] = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:shared/mail-AbCdEf`;
    else if (i % 3 === 2) secrets[name] = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${secretPrefix}S${i}`;
    else secrets[name] = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${secretPrefix}S${i}-AbCdEf`;
  }
  const environmentVariables: Record<string, string> = {};
  for (let i = 0; i < o.variables; i++)
    environmentVariables[`SETTING_${i}`] = `value ${i} ${'x'.repeat(i % 7)}`;
  if (o.on('appEnv')) environmentVariables.APP_ENV = 'production';
  if (o.on('appUrl')) environmentVariables.APP_URL = `https://${project}.example.com`;
  const https = o.on('https');
  const autoscaling = o.on('autoscaling');
  const app: Record<string, unknown> = {
    ...(https
      ? {
          domain: `${project}.example.com`,
          certificateArn: `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/00000000-0000-0000-0000-000000000000`,
          redirectWww: o.on('redirectWww'),
        }
      : { allowPlainHttp: true }),
    ...(o.on('repository') ? { repository: `${project}/app` } : {}),
    ...(o.on('accessLogs') ? { accessLogBucket: 'acme-alb-logs' } : {}),
    ...(o.on('release') ? { release: ['php', 'artisan', 'migrate', '--force'] } : {}),
    architecture: o.on('arm64') ? 'arm64' : 'x86_64',
    web: {
      cpu,
      memory,
      port: o.pick([8080, 80, 9000]),
      ...(autoscaling
        ? {
            autoscaling: {
              min: 2,
              max: 10,
              cpuTarget: o.pick([50, 60, 70]),
              ...(o.on('requestScaling') ? { requestsPerTarget: 1000 } : {}),
            },
          }
        : { desiredCount: o.pick([1, 2, 3]) }),
    },
    workers: Array.from({ length: o.workers }, (_, i) => ({
      name: i % 2 ? `queue-${i}` : `w${i}`,
      command: ['php', 'artisan', 'queue:work', 'sqs', `--queue=q${i}`, '--tries=3'],
      ...(i % 3 === 0 ? { cpu: 512, memory: 1024 } : {}),
      desiredCount: i % 4,
    })),
    scheduler: o.pick([true, false, { command: ['supercronic', '/app/crontab'], cpu: 256 }]),
    exec: o.on('exec'),
    environment: environmentVariables,
    secrets,
    externalSecrets: external && o.secrets > 0,
    ...(o.on('kms') && o.secrets > 0
      ? { secretsKmsKeyArns: [`arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`] }
      : {}),
    ...(o.on('alarmTopic') ? { alarmTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:ops-alerts` } : {}),
    logRetentionDays: o.pick([7, 30, 90]),
  };
  return {
    version: 1,
    project,
    environment,
    network: { availabilityZones: o.pick([2, 3]), natGateways: o.pick(['per-az', 'single', 'none']) },
    database: {
      engine: o.on('postgres') ? 'aurora-postgresql' : 'aurora-mysql',
      ...(o.on('serverless') ? { serverless: { minCapacity: 0.5, maxCapacity: 4 } } : {}),
      readers: o.pick([0, 1]),
    },
    app,
    bastion: { access: 'ssm' },
  };
}

export interface CorpusEntry {
  name: string;
  manifest: Manifest;
  workers: number;
  variables: number;
  secrets: number;
}

/** Names of the blocks the corpus turns on and off. */
export const CORPUS_BLOCKS = [
  'externalSecrets',
  'appEnv',
  'appUrl',
  'https',
  'redirectWww',
  'repository',
  'accessLogs',
  'release',
  'arm64',
  'autoscaling',
  'requestScaling',
  'exec',
  'kms',
  'alarmTopic',
  'postgres',
  'serverless',
] as const;

/** The corpus: `size` manifests (at least 2), the same ones on every run for a given seed. */
export function synthesisCorpus(size = 56, seed = 15): CorpusEntry[] {
  const next = random(seed);
  const entries: CorpusEntry[] = [];
  for (let index = 0; index < size; index++) {
    const extreme = index === 0 ? 'max' : index === 1 ? 'min' : undefined;
    const counts =
      extreme === 'max'
        ? { workers: 20, variables: 80, secrets: 40 }
        : extreme === 'min'
          ? { workers: 0, variables: 0, secrets: 0 }
          : {
              workers: Math.floor(next() * 21),
              variables: Math.floor(next() * 81),
              secrets: Math.floor(next() * 41),
            };
    const input = corpusManifestInput({
      ...counts,
      index,
      on: (_block) => (extreme ? extreme === 'max' : next() < 0.5),
      pick: (values) => (extreme === 'max' ? values.at(-1)! : values[Math.floor(next() * values.length)]!),
    });
    if (extreme === 'max') (input.app as Record<string, unknown>).scheduler = true;
    entries.push({
      name: `${extreme ?? `#${index}`} (${counts.workers} workers, ${counts.variables} variables, ${counts.secrets} secrets)`,
      manifest: validateManifestObject(input, `corpus-${index}`),
      ...counts,
    });
  }
  return entries;
}
