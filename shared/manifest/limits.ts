/**
 * Limits and fixed facts the manifest is checked against: Fargate sizes, supported engine versions,
 * the environment variables stackdrop sets itself. Kept apart from the schema so the rules and the
 * schema can both use them without importing each other.
 */

// The Fargate table lives with the other rules copied from AWS; the local cloud's ECS reads it too.
export {
  describeFargateMemory,
  FARGATE_SIZES,
  isValidFargateSize,
  smallestFargateMemory,
} from '../aws-rules/fargate.ts';

import { SQS_MESSAGE_ID_MAX } from '../aws-rules/sqs.ts';

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

/**
 * Variables the app's runtime or AWS SDK interprets, so setting them changes where the app's code
 * and AWS calls go rather than configuring the app: refused in app.environment and app.secrets.
 * - `AWS_*`: the SDKs and the CLI read dozens of them (endpoints `AWS_ENDPOINT_URL[_<SERVICE>]`,
 *   `AWS_REGION`, credential providers such as `AWS_CONTAINER_CREDENTIALS_FULL_URI`, config files,
 *   CA bundles; https://docs.aws.amazon.com/sdkref/latest/guide/settings-reference.html, read
 *   2026-12-07) and new ones appear, so only Laravel's own two harmless names are allowed.
 * - `LD_*` (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT…): the dynamic loader runs or loads code from them (ld.so(8)).
 * - `PATH`: decides which binary every command runs.
 * - `NODE_OPTIONS` (`--require`/`--import`) and `PHP_INI_SCAN_DIR` (extra ini: auto_prepend_file)
 *   load code into the interpreter before the app's own.
 */
export const RUNTIME_ENVIRONMENT = {
  prefixes: ['AWS_', 'LD_'],
  names: ['PATH', 'NODE_OPTIONS', 'PHP_INI_SCAN_DIR'],
  /** Laravel's S3 disk settings: a public URL base and the addressing style, neither reroutes a call. */
  allowed: ['AWS_URL', 'AWS_USE_PATH_STYLE_ENDPOINT'],
} as const;

/** Whether the runtime or the AWS SDK interprets a variable (see {@link RUNTIME_ENVIRONMENT}). */
export function isRuntimeVariable(name: string): boolean {
  if ((RUNTIME_ENVIRONMENT.allowed as readonly string[]).includes(name)) return false;
  return (
    (RUNTIME_ENVIRONMENT.names as readonly string[]).includes(name) ||
    RUNTIME_ENVIRONMENT.prefixes.some((prefix) => name.startsWith(prefix))
  );
}

/** Environment names (lower-case) that read as a development or test environment: plain HTTP is not flagged there. */
export const NON_PRODUCTION_ENVIRONMENT =
  /^(dev|develop|development|test|testing|qa|staging|stage|sandbox|preview|demo|local)[0-9]*$/;

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

/** Variables stackdrop sets by default that a manifest may override. */
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

/**
 * Pushes reach the rollout through an SQS FIFO queue whose MessageGroupId is the repository name;
 * SQS takes 1 to 128 characters there (shared/aws-rules/sqs.ts, the local SQS applies the same
 * rule), so a longer repository name would dead-letter every push. ECR itself allows 2 to 256
 * characters of [a-z0-9._/-]
 * (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html).
 */
export const MESSAGE_GROUP_ID_MAX = SQS_MESSAGE_ID_MAX;
export const REPOSITORY_NAME_MAX = 256;

/** Customer-managed KMS keys `app.secretsKmsKeyArns` may list (a small, reviewable grant). */
export const MAX_SECRETS_KMS_KEYS = 5;

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
