import type * as z from 'zod';
import { CACHE_ENVIRONMENT } from '../app-wiring.ts';
import { STAGES, stackName } from '../naming.ts';
import { checkAwsRules } from './aws-checks.ts';
import {
  AWS_CREDENTIAL_VARIABLES,
  BASTION_WIDEST_PREFIX,
  describeFargateMemory,
  ENVIRONMENT_MAX_BYTES,
  FARGATE_SIZES,
  isRuntimeVariable,
  isValidFargateSize,
  looksLikeSecretName,
  looksLikeSecretValue,
  MANIFEST_JSON_MAX_BYTES,
  MESSAGE_GROUP_ID_MAX,
  REPOSITORY_NAME_MAX,
  RESERVED_ENVIRONMENT,
  STACK_NAME_MAX,
  SUBNET_EXTRA_BITS,
  SUPPORTED_ENGINE_VERSIONS,
  smallestFargateMemory,
  VPC_PREFIX_MAX,
  VPC_PREFIX_MIN,
} from './limits.ts';
import type { ManifestObjectSchema } from './schema.ts';
import {
  createSecretCommand,
  isProjectSecret,
  parameterNamePrefix,
  parseSecretReference,
  secretNamePrefix,
} from './secrets.ts';

/**
 * Cross-field rules of manifest v1. They run even when single fields failed (so one pass reports
 * everything), which means every value here may still be of the wrong type: each rule checks the
 * types it relies on and stays silent otherwise, leaving that problem to the field's own check.
 */

type ObjectOutput = z.output<typeof ManifestObjectSchema>;
type Path = (string | number)[];
type Ctx = z.RefinementCtx<ObjectOutput>;

export const DEFAULT_INSTANCE_CLASS = 'db.t4g.medium';
export const DEFAULT_WEB_DESIRED_COUNT = 2;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

function report(ctx: Ctx, path: Path, message: string, hint: string): void {
  ctx.addIssue({ code: 'custom', path, message, params: { hint } });
}

/** An IPv4 CIDR split into its address (as an unsigned 32-bit number) and prefix. */
export function parseCidr(cidr: string): { address: number; prefix: number } | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { address, prefix };
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function formatAddress(address: number): string {
  return [24, 16, 8, 0].map((shift) => (address >>> shift) & 255).join('.');
}

/** The network address of a CIDR (host bits cleared), e.g. 10.40.1.0/16 → 10.40.0.0/16. */
export function networkOf(cidr: string): string | undefined {
  const parsed = parseCidr(cidr);
  if (!parsed) return undefined;
  return `${formatAddress((parsed.address & maskOf(parsed.prefix)) >>> 0)}/${parsed.prefix}`;
}

const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) => parseCidr(c)!);

function isPrivate(address: number, prefix: number): boolean {
  return PRIVATE_RANGES.some(
    (range) => prefix >= range.prefix && (address & maskOf(range.prefix)) >>> 0 === range.address,
  );
}

function usableAddresses(prefix: number): number {
  // AWS reserves five addresses in every subnet.
  return 2 ** (32 - prefix) - 5;
}

function checkNetwork(network: unknown, ctx: Ctx): void {
  if (!isObj(network) || !isStr(network.cidr)) return;
  const parsed = parseCidr(network.cidr);
  if (!parsed) return;
  const path = ['network', 'cidr'];
  const { address, prefix } = parsed;
  if (prefix < VPC_PREFIX_MIN || prefix > VPC_PREFIX_MAX) {
    report(
      ctx,
      path,
      `a /${prefix} VPC is not supported`,
      `use a prefix from /${VPC_PREFIX_MIN} (subnets of /${VPC_PREFIX_MIN + SUBNET_EXTRA_BITS}, ${usableAddresses(VPC_PREFIX_MIN + SUBNET_EXTRA_BITS)} usable addresses each) to /${VPC_PREFIX_MAX} (subnets of /${VPC_PREFIX_MAX + SUBNET_EXTRA_BITS}, the smallest a load balancer accepts, ${usableAddresses(VPC_PREFIX_MAX + SUBNET_EXTRA_BITS)} usable each): the VPC is cut into 16 equal subnets for 3 tiers × up to 3 AZs`,
    );
    return;
  }
  if (!isPrivate(address, prefix)) {
    report(
      ctx,
      path,
      `${network.cidr} is not a private address range`,
      'use a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (RFC 1918), e.g. 10.40.0.0/16',
    );
    return;
  }
  const network_ = networkOf(network.cidr)!;
  if (network_ !== network.cidr) {
    report(
      ctx,
      path,
      `${network.cidr} has host bits set`,
      `a /${prefix} network starts at ${network_.split('/')[0]}: write ${network_}`,
    );
  }
}

function checkDatabase(database: unknown, network: unknown, ctx: Ctx): void {
  if (!isObj(database)) return;
  if (database.instanceClass !== undefined && database.serverless !== undefined) {
    report(
      ctx,
      ['database', 'serverless'],
      'instanceClass and serverless cannot both be set',
      'keep instanceClass for provisioned instances, or serverless for Aurora Serverless v2, and remove the other',
    );
  }
  const serverless = database.serverless;
  if (isObj(serverless) && isNum(serverless.minCapacity) && isNum(serverless.maxCapacity)) {
    if (serverless.maxCapacity < serverless.minCapacity) {
      report(
        ctx,
        ['database', 'serverless', 'maxCapacity'],
        `maxCapacity ${serverless.maxCapacity} is below minCapacity ${serverless.minCapacity}`,
        `set maxCapacity to at least ${serverless.minCapacity}, or lower minCapacity`,
      );
    }
  }
  const zones = isObj(network) && isInt(network.availabilityZones) ? network.availabilityZones : undefined;
  if (zones !== undefined && zones >= 2 && zones <= 3 && isInt(database.readers)) {
    if (database.readers > zones - 1) {
      report(
        ctx,
        ['database', 'readers'],
        `${database.readers} readers do not fit in ${zones} availability zones`,
        `each reader runs in another AZ than the writer: with ${zones} AZs use at most ${zones - 1} reader${zones - 1 === 1 ? '' : 's'}, or set network.availabilityZones to ${Math.min(3, database.readers + 1)}`,
      );
    }
  }
  if (isStr(database.engineVersion) && isStr(database.engine)) {
    const supported = SUPPORTED_ENGINE_VERSIONS[database.engine as keyof typeof SUPPORTED_ENGINE_VERSIONS];
    if (supported && !supported.pattern.test(database.engineVersion)) {
      report(
        ctx,
        ['database', 'engineVersion'],
        `${database.engineVersion} is not a supported ${database.engine} version`,
        `use ${supported.describe}, or omit engineVersion to get the version stackdrop pins`,
      );
    }
  }
}

function checkSize(size: unknown, path: Path, ctx: Ctx): void {
  if (!isObj(size) || !isInt(size.cpu) || !(size.cpu in FARGATE_SIZES)) return;
  if (size.memory === undefined || !isInt(size.memory)) return;
  if (!isValidFargateSize(size.cpu, size.memory)) {
    report(
      ctx,
      [...path, 'memory'],
      `memory ${size.memory} is not a Fargate size for cpu ${size.cpu}`,
      `with cpu ${size.cpu}, memory must be ${describeFargateMemory(size.cpu)} (MiB)`,
    );
  }
}

function checkEnvironment(app: Obj, ctx: Ctx): void {
  const environment = isObj(app.environment) ? app.environment : {};
  const secrets = isObj(app.secrets) ? app.secrets : {};
  const reserved = new Set<string>(RESERVED_ENVIRONMENT);
  let bytes = 0;
  for (const [name, value] of Object.entries(environment)) {
    const path = ['app', 'environment', name];
    bytes += name.length + (isStr(value) ? Buffer.byteLength(value) : 0);
    if (reserved.has(name)) {
      report(
        ctx,
        path,
        `${name} is set by stackdrop`,
        'stackdrop wires the database, queue, bucket, region and logging itself: remove this entry',
      );
    } else if (AWS_CREDENTIAL_VARIABLES.includes(name)) {
      report(
        ctx,
        path,
        `${name} must not be configured`,
        'the task role already gives the app access to its bucket and queue: remove AWS keys from the manifest',
      );
    } else if (isRuntimeVariable(name)) {
      report(ctx, path, ...runtimeVariableProblem(name));
    } else if (looksLikeSecretName(name)) {
      report(
        ctx,
        path,
        `${name} looks like a secret`,
        `store the value in Secrets Manager or SSM Parameter Store and move it to app.secrets as an ARN (${name}: arn:aws:secretsmanager:…)`,
      );
    } else if (isStr(value) && looksLikeSecretValue(value)) {
      // The value itself is never echoed: problems end up in logs and status documents.
      report(
        ctx,
        path,
        `the value of ${name} looks like a key or credential`,
        `store it in Secrets Manager or SSM Parameter Store and move ${name} to app.secrets as an ARN`,
      );
    }
    if (Object.hasOwn(secrets, name)) {
      report(
        ctx,
        ['app', 'secrets', name],
        `${name} is in both environment and secrets`,
        `keep ${name} in one place: secrets for anything confidential, environment otherwise`,
      );
    }
  }
  if (bytes > ENVIRONMENT_MAX_BYTES) {
    report(
      ctx,
      ['app', 'environment'],
      `environment holds ${bytes} bytes, more than ${ENVIRONMENT_MAX_BYTES}`,
      'ECS task definitions are limited to 64 KiB: move large values to a file in the image or to SSM parameters',
    );
  }
  for (const name of Object.keys(secrets)) {
    if (reserved.has(name)) {
      report(
        ctx,
        ['app', 'secrets', name],
        `${name} is set by stackdrop`,
        'DB_PASSWORD comes from the database’s managed secret and the other wiring from the stacks: remove this entry',
      );
    } else if (isRuntimeVariable(name)) {
      report(ctx, ['app', 'secrets', name], ...runtimeVariableProblem(name));
    }
  }
}

function runtimeVariableProblem(name: string): [string, string] {
  return [
    `${name} is read by the container runtime or the AWS SDK, not by the app`,
    name.startsWith('AWS_')
      ? 'AWS_* variables reroute or re-credential the app’s AWS calls (endpoints, region, credential providers): remove it; the task role and the stack region are set by stackdrop (AWS_URL and AWS_USE_PATH_STYLE_ENDPOINT are allowed)'
      : 'it changes which code runs (loader, PATH, interpreter options) rather than configuring the app: set it in the image’s Dockerfile instead',
  ];
}

/**
 * Secret references sit under the project's own prefix, where the execution role may read;
 * anything else needs the manifest's explicit `app.externalSecrets: true` (which plan flags).
 */
function checkSecretScope(value: Obj, ctx: Ctx): void {
  const app = value.app;
  if (!isObj(app) || !isObj(app.secrets) || !isStr(value.project) || !isStr(value.environment)) return;
  // An invalid name is reported on its own; a prefix built from it would only add noise.
  if (
    !/^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/.test(value.project) ||
    !/^[a-z][a-z0-9]*$/.test(value.environment)
  )
    return;
  if (app.externalSecrets === true) return;
  const { project, environment } = value;
  for (const [name, arn] of Object.entries(app.secrets)) {
    if (!isStr(arn) || isProjectSecret(arn, project, environment)) continue;
    const ref = parseSecretReference(arn);
    if (!ref) continue;
    const where =
      ref.service === 'secretsmanager'
        ? `the secret ${ref.name} is outside ${secretNamePrefix(project, environment)}`
        : `the parameter ${ref.name} is outside ${parameterNamePrefix(project, environment)}`;
    const create =
      ref.service === 'secretsmanager'
        ? createSecretCommand(project, environment, name)
        : `aws ssm put-parameter --name ${parameterNamePrefix(project, environment)}${name} --type SecureString --value '…'`;
    report(
      ctx,
      ['app', 'secrets', name],
      `${where}: the task execution role reads only the project's own secrets`,
      `store it under the project's prefix (${create}) and reference that ARN, or set app.externalSecrets: true to allow references outside it (plan flags them)`,
    );
  }
}

/** HTTPS unless the manifest accepts plain HTTP in so many words. */
function checkHttps(app: Obj, ctx: Ctx): void {
  // A domain gets its certificate from ACM through its Route 53 zone when none is given.
  const hasCertificate = app.certificateArn !== undefined || isStr(app.domain);
  if (!hasCertificate && app.allowPlainHttp !== true) {
    report(
      ctx,
      ['app', 'certificateArn'],
      'no certificate: the load balancer would serve the app over plain HTTP',
      'set app.domain (with its Route 53 hosted zone stackdrop makes the certificate), or request an ACM certificate in the stack region and set app.certificateArn (HTTPS on 443, HTTP redirected to HTTPS, TLS 1.2+), or set app.allowPlainHttp: true to accept plain HTTP (plan flags it outside dev/test/staging environments)',
    );
  }
  if (hasCertificate && app.allowPlainHttp === true) {
    report(
      ctx,
      ['app', 'allowPlainHttp'],
      `allowPlainHttp is set together with ${app.certificateArn !== undefined ? 'certificateArn' : 'domain'}`,
      'with a certificate HTTP always redirects to HTTPS: remove allowPlainHttp',
    );
  }
}

/** Domain, CDN and firewall combinations (the AWS limits themselves are in the schema). */
function checkEdge(app: Obj, ctx: Ctx): void {
  if (app.hostedZoneId !== undefined && !isStr(app.domain)) {
    report(
      ctx,
      ['app', 'hostedZoneId'],
      'hostedZoneId needs app.domain',
      'set app.domain to a name in that zone, or remove hostedZoneId',
    );
  }
  const cdn = app.cdn;
  if (isObj(cdn) && cdn.certificateArn !== undefined && !isStr(app.domain)) {
    report(
      ctx,
      ['app', 'cdn', 'certificateArn'],
      'a CloudFront certificate needs app.domain',
      'set app.domain to the name the certificate covers, or remove cdn.certificateArn to use the distribution’s *.cloudfront.net name',
    );
  }
  const firewall = app.firewall;
  if (
    isObj(firewall) &&
    firewall.rateLimitPerIp === undefined &&
    Array.isArray(firewall.managedRules) &&
    firewall.managedRules.length === 0
  ) {
    report(
      ctx,
      ['app', 'firewall'],
      'the firewall has no rules',
      'set firewall.rateLimitPerIp and/or list managedRules, or remove firewall',
    );
  }
  if (isObj(firewall) && Array.isArray(firewall.managedRules)) {
    const seen = new Set<unknown>();
    firewall.managedRules.forEach((name, i) => {
      if (seen.has(name))
        report(
          ctx,
          ['app', 'firewall', 'managedRules', i],
          `${String(name)} is listed twice`,
          'list each rule group once',
        );
      seen.add(name);
    });
  }
}

function checkApp(app: unknown, ctx: Ctx): void {
  if (!isObj(app)) return;
  checkHttps(app, ctx);
  checkEdge(app, ctx);
  if (app.redirectWww === true && app.domain === undefined) {
    report(
      ctx,
      ['app', 'redirectWww'],
      'redirectWww needs app.domain',
      'set app.domain to the apex name (e.g. example.com), or remove redirectWww',
    );
  }
  if (app.redirectWww === true && isStr(app.domain) && app.domain.startsWith('www.')) {
    report(
      ctx,
      ['app', 'redirectWww'],
      `redirectWww would redirect www.${app.domain}`,
      `set app.domain to ${app.domain.slice(4)} so www.${app.domain.slice(4)} redirects to it`,
    );
  }

  const web = app.web;
  checkSize(web, ['app', 'web'], ctx);
  if (isObj(web) && isObj(web.autoscaling)) {
    const { min, max } = web.autoscaling;
    if (isInt(min) && isInt(max)) {
      if (min > max) {
        report(
          ctx,
          ['app', 'web', 'autoscaling', 'max'],
          `autoscaling max ${max} is below min ${min}`,
          `set max to at least ${min}`,
        );
      } else if (isInt(web.desiredCount) && (web.desiredCount < min || web.desiredCount > max)) {
        report(
          ctx,
          ['app', 'web', 'desiredCount'],
          `desiredCount ${web.desiredCount} is outside autoscaling ${min}–${max}`,
          `set desiredCount between ${min} and ${max}, or remove it to start at ${clamp(DEFAULT_WEB_DESIRED_COUNT, min, max)}`,
        );
      }
    }
  }

  if (Array.isArray(app.workers)) {
    const seen = new Map<string, number>();
    app.workers.forEach((worker, index) => {
      checkSize(worker, ['app', 'workers', index], ctx);
      if (!isObj(worker) || !isStr(worker.name)) return;
      const first = seen.get(worker.name);
      if (first === undefined) {
        seen.set(worker.name, index);
      } else {
        report(
          ctx,
          ['app', 'workers', index, 'name'],
          `worker name ${worker.name} is already used by workers[${first}]`,
          'give every worker a unique name: it becomes the ECS service name',
        );
      }
    });
  }
  if (isObj(app.scheduler)) checkSize(app.scheduler, ['app', 'scheduler'], ctx);
  // Longer than 256 is the field's own problem (ECR's limit).
  if (isStr(app.repository) && app.repository.length > MESSAGE_GROUP_ID_MAX) {
    if (app.repository.length <= REPOSITORY_NAME_MAX) {
      report(
        ctx,
        ['app', 'repository'],
        `the repository name is ${app.repository.length} characters; stackdrop takes at most ${MESSAGE_GROUP_ID_MAX}`,
        `pushes are queued per repository and an SQS MessageGroupId holds at most ${MESSAGE_GROUP_ID_MAX} characters: choose a shorter name`,
      );
    }
  }
  checkEnvironment(app, ctx);
  checkSecretsKeys(app, ctx);
}

/** The region of an ARN (its fourth field). */
const regionOf = (arn: string): string | undefined => arn.split(':')[3];

/**
 * KMS keys are regional, and Secrets Manager and Parameter Store encrypt a secret only with a key
 * of the secret's own region
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html, read
 * 2026-12-07): a key of another region can never decrypt them.
 */
function checkSecretsKeys(app: Obj, ctx: Ctx): void {
  if (!Array.isArray(app.secretsKmsKeyArns) || !isObj(app.secrets)) return;
  const regions = new Set(Object.values(app.secrets).filter(isStr).map(regionOf));
  if (regions.size !== 1) return;
  const [region] = regions;
  app.secretsKmsKeyArns.forEach((arn, index) => {
    if (!isStr(arn) || regionOf(arn) === region) return;
    report(
      ctx,
      ['app', 'secretsKmsKeyArns', index],
      `the key is in ${regionOf(arn)}, the secrets in app.secrets are in ${region}`,
      'list the key that encrypts the secrets: KMS keys work in one region, and a secret uses a key of the same region',
    );
  });
}

function checkBastion(bastion: unknown, ctx: Ctx): void {
  if (!isObj(bastion)) return;
  const cidrs = Array.isArray(bastion.allowedCidrs) ? bastion.allowedCidrs : [];
  cidrs.forEach((cidr, index) => {
    if (!isStr(cidr)) return;
    const parsed = parseCidr(cidr);
    if (!parsed) return;
    const path = ['bastion', 'allowedCidrs', index];
    if (parsed.prefix < BASTION_WIDEST_PREFIX) {
      report(
        ctx,
        path,
        parsed.prefix === 0 ? `${cidr} opens the bastion to the whole internet` : `${cidr} is too wide`,
        `list the office or VPN ranges that need access, each /${BASTION_WIDEST_PREFIX} or narrower (a single address is /32)`,
      );
      return;
    }
    const network = networkOf(cidr)!;
    if (network !== cidr) {
      report(
        ctx,
        path,
        `${cidr} has host bits set`,
        `write ${network}, or ${cidr.split('/')[0]}/32 for one address`,
      );
    }
  });
  if (bastion.access === 'ssh' && Array.isArray(bastion.allowedCidrs) && cidrs.length === 0) {
    report(
      ctx,
      ['bastion', 'allowedCidrs'],
      'ssh access needs at least one allowed CIDR',
      'list the ranges SSH may come from (e.g. [203.0.113.0/24]), or use access: ssm, which needs no inbound rule',
    );
  }
}

function checkNames(value: Obj, ctx: Ctx): void {
  if (!isStr(value.project) || !isStr(value.environment)) return;
  // A project or environment the schema refuses has its own problem; its stack name adds nothing.
  if (value.project.length > 64 || value.environment.length > 64) return;
  for (const stage of STAGES) {
    const name = stackName(value.project, value.environment, stage);
    if (name.length > STACK_NAME_MAX) {
      report(
        ctx,
        ['project'],
        `stack name ${name} is longer than ${STACK_NAME_MAX} characters`,
        'shorten the project or environment name',
      );
      return;
    }
  }
}

const jsonBytes = (value: unknown): number => {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '');
  } catch {
    return 0;
  }
};
const kib = (bytes: number) => Math.ceil(bytes / 1024);
/** `app.workers[0].command`, as problems write paths (the segments here are plain keys). */
const pathText = (path: Path) =>
  path.map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i > 0 ? '.' : ''}${s}`)).join('');

/**
 * Refuses a manifest too large to travel through provisioning's Step Functions states (256 KiB
 * each), reported at its largest part: the commands and the environment are what can grow.
 */
function checkJsonSize(value: Obj, ctx: Ctx): void {
  const total = jsonBytes(value);
  if (total <= MANIFEST_JSON_MAX_BYTES) return;
  const app = isObj(value.app) ? value.app : {};
  const parts: [Path, unknown][] = [
    [['app', 'release'], app.release],
    [['app', 'scheduler', 'command'], isObj(app.scheduler) ? app.scheduler.command : undefined],
    ...(Array.isArray(app.workers) ? app.workers : []).map((worker, index): [Path, unknown] => [
      ['app', 'workers', index, 'command'],
      isObj(worker) ? worker.command : undefined,
    ]),
    [['app', 'environment'], app.environment],
    [['app', 'secrets'], app.secrets],
  ];
  let largest: { path: Path; bytes: number } | undefined;
  for (const [path, part] of parts) {
    const bytes = jsonBytes(part);
    if (bytes > (largest?.bytes ?? 0)) largest = { path, bytes };
  }
  report(
    ctx,
    largest?.path ?? [],
    `the manifest is ${kib(total)} KiB as JSON, more than ${kib(MANIFEST_JSON_MAX_BYTES)} KiB (provisioning carries it through Step Functions states limited to 256 KiB)`,
    `shorten commands or environment values${largest ? ` (the largest part, ${pathText(largest.path)} is ${kib(largest.bytes)} KiB); run long scripts from the image instead of inlining them` : ''}`,
  );
}

/** Adds an issue for every cross-field rule the manifest breaks. */
export function checkManifestRules(value: ObjectOutput, ctx: Ctx): void {
  const raw: unknown = value;
  if (!isObj(raw)) return;
  checkNetwork(raw.network, ctx);
  checkDatabase(raw.database, raw.network, ctx);
  checkApp(raw.app, ctx);
  checkBastion(raw.bastion, ctx);
  checkNames(raw, ctx);
  checkSecretScope(raw, ctx);
  checkJsonSize(raw, ctx);
  checkCacheEnvironment(raw, ctx);
  // AWS's own rules (aws-checks.ts, issue 14): kept in their own file to ease merging.
  checkAwsRules(raw, ctx);
}

/** With a cache, stackdrop sets Laravel's REDIS_HOST, REDIS_PORT and REDIS_SCHEME itself. */
function checkCacheEnvironment(raw: Obj, ctx: Ctx): void {
  if (!isObj(raw.cache) || !isObj(raw.app) || !isObj(raw.app.environment)) return;
  for (const name of CACHE_ENVIRONMENT) {
    if (!(name in raw.app.environment)) continue;
    report(
      ctx,
      ['app', 'environment', name],
      `${name} is set by stackdrop when the manifest has a cache`,
      'remove it from app.environment: the app gets the cache endpoint as REDIS_HOST, REDIS_PORT and REDIS_SCHEME=tls',
    );
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function withMemory<T extends { cpu: number; memory?: number | undefined }>(size: T): T & { memory: number } {
  return { ...size, memory: size.memory ?? smallestFargateMemory(size.cpu) };
}

/**
 * Fills the defaults that depend on other fields, once the manifest is valid: the repository name,
 * the instance class (unless serverless), memory for the cpu, and the web desired count.
 */
export function applyDerivedDefaults(manifest: ObjectOutput) {
  const { app } = manifest;
  // Serverless and a provisioned class are exclusive (checked above), so only one is ever filled in.
  const database: ObjectOutput['database'] = manifest.database.serverless
    ? manifest.database
    : { ...manifest.database, instanceClass: manifest.database.instanceClass ?? DEFAULT_INSTANCE_CLASS };
  const autoscaling = app.web.autoscaling;
  const web = {
    ...withMemory(app.web),
    desiredCount:
      app.web.desiredCount ??
      (autoscaling
        ? clamp(DEFAULT_WEB_DESIRED_COUNT, autoscaling.min, autoscaling.max)
        : DEFAULT_WEB_DESIRED_COUNT),
  };
  return {
    ...manifest,
    database,
    app: {
      ...app,
      repository: app.repository ?? `${manifest.project}-${manifest.environment}`,
      web,
      workers: app.workers.map(withMemory),
      scheduler: typeof app.scheduler === 'object' ? withMemory(app.scheduler) : app.scheduler,
    },
  };
}
