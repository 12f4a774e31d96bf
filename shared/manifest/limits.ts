/**
 * Limits and fixed facts the manifest is checked against: Fargate sizes, supported engine versions,
 * the environment variables stackdrop sets itself. Kept apart from the schema so the rules and the
 * schema can both use them without importing each other.
 */

/** Fargate CPU units and the memory (MiB) each allows. */
export const FARGATE_SIZES: Record<number, { min: number; max: number; step: number }> = {
  256: { min: 512, max: 2048, step: 1024 },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
  8192: { min: 16384, max: 61440, step: 4096 },
  16384: { min: 32768, max: 122880, step: 8192 },
};

/** Whether a Fargate task may have this CPU/memory pair. */
export function isValidFargateSize(cpu: number, memory: number): boolean {
  const size = FARGATE_SIZES[cpu];
  if (!size) return false;
  if (cpu === 256) return [512, 1024, 2048].includes(memory);
  return memory >= size.min && memory <= size.max && (memory - size.min) % size.step === 0;
}

/** The memory sizes (MiB) Fargate allows for a CPU size, written for a person. */
export function describeFargateMemory(cpu: number): string {
  const size = FARGATE_SIZES[cpu];
  if (!size) return 'none (not a Fargate CPU size)';
  if (cpu === 256) return '512, 1024 or 2048';
  const values: number[] = [];
  for (let m = size.min; m <= size.max; m += size.step) values.push(m);
  if (values.length <= 5) return `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
  return `${size.min} to ${size.max} in steps of ${size.step}`;
}

/** Smallest memory Fargate allows for a CPU size: the default when only cpu is given. */
export function smallestFargateMemory(cpu: number): number {
  return FARGATE_SIZES[cpu]?.min ?? cpu * 2;
}

/**
 * Engine versions stackdrop accepts in `database.engineVersion`: the major versions with AWS
 * standard support (Aurora MySQL 3, compatible with MySQL 8.0; Aurora PostgreSQL 14 to 17).
 * Omitting the field uses the version the database template pins.
 */
export const SUPPORTED_ENGINE_VERSIONS = {
  'aurora-mysql': {
    pattern: /^8\.0\.mysql_aurora\.3\.\d{2}\.\d{1,2}$/,
    describe: 'Aurora MySQL 3, written 8.0.mysql_aurora.3.<minor>.<patch> (e.g. 8.0.mysql_aurora.3.10.0)',
  },
  'aurora-postgresql': {
    pattern: /^(14|15|16|17)\.\d{1,2}$/,
    describe: 'Aurora PostgreSQL 14, 15, 16 or 17, written <major>.<minor> (e.g. 16.6)',
  },
} as const;

/**
 * Environment variables the app stack sets itself (database, queue, bucket, logging wiring).
 * A manifest may not set them; APP_ENV and APP_URL are not in this list on purpose: stackdrop sets
 * defaults for them that a manifest may override.
 */
export const RESERVED_ENVIRONMENT = [
  'AWS_BUCKET',
  'AWS_DEFAULT_REGION',
  'DB_CONNECTION',
  'DB_DATABASE',
  'DB_HOST',
  'DB_PASSWORD',
  'DB_PORT',
  'DB_USERNAME',
  'FILESYSTEM_DISK',
  'LOG_CHANNEL',
  'QUEUE_CONNECTION',
  'SQS_PREFIX',
  'SQS_QUEUE',
] as const;

/** AWS credentials never belong in an app's configuration: the task role provides access. */
export const AWS_CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

/** Whether an environment variable name looks like it holds a secret. */
export function looksLikeSecretName(name: string): boolean {
  return /PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL/.test(name) || /_KEY$/.test(name);
}

/** Whether a value looks like a secret itself (Laravel app key, AWS access key id, PEM block). */
export function looksLikeSecretValue(value: string): boolean {
  return (
    /^base64:[A-Za-z0-9+/]{40,}={0,2}$/.test(value) ||
    /\b(AKIA|ASIA)[0-9A-Z]{16}\b/.test(value) ||
    value.includes('-----BEGIN ')
  );
}

/**
 * `app.environment` entries (besides APP_ENV and APP_URL) and `app.secrets` entries the app template
 * has slots for: CloudFormation cannot loop, so templates/app.yaml carries fixed slots
 * (shared/render.ts MAX_ENVIRONMENT_VARIABLES and MAX_SECRETS; a unit test keeps them equal).
 */
export const ENVIRONMENT_SLOTS = 25;
export const SECRET_SLOTS = 20;
/** Variables stackdrop sets by default that a manifest may override; they take no slot. */
export const OVERRIDABLE_ENVIRONMENT = ['APP_ENV', 'APP_URL'];

/** Size budget for `app.environment` (names plus values): the ECS task definition is capped at 64 KiB. */
export const ENVIRONMENT_MAX_BYTES = 32 * 1024;

/**
 * Size budget for the whole manifest as JSON. Provisioning carries it through every Step Functions
 * state, whose input and output are capped at 256 KiB; the largest state holds about three copies
 * plus stack outputs, so 64 KiB keeps every state well below the cap. The field limits alone allow
 * far more (commands of 64 × 1024 characters for the release, the scheduler and 10 workers).
 */
export const MANIFEST_JSON_MAX_BYTES = 64 * 1024;

/** CloudFormation stack names are at most 128 characters. */
export const STACK_NAME_MAX = 128;

/** Smallest (widest) prefix accepted in `bastion.allowedCidrs`. */
export const BASTION_WIDEST_PREFIX = 16;

/**
 * VPC prefixes stackdrop accepts: subnets are the VPC prefix + 4 bits, and a load balancer needs
 * subnets of at least /27 with 8 free addresses (a /24 VPC would give /28 subnets).
 */
export const VPC_PREFIX_MIN = 16;
export const VPC_PREFIX_MAX = 23;
export const SUBNET_EXTRA_BITS = 4;
