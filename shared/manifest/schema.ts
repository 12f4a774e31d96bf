import * as z from 'zod';
import {
  CLOUDFRONT_CERTIFICATE_REGION,
  HOSTED_ZONE_ID,
  MANAGED_RULE_GROUP_NAMES,
  RATE_LIMIT_MAX,
  RATE_LIMIT_MIN,
} from '#shared/aws-rules/edge.ts';
import { FARGATE_SIZES, MAX_SECRETS_KMS_KEYS, MESSAGE_GROUP_ID_MAX, REPOSITORY_NAME_MAX } from './limits.ts';
import { applyDerivedDefaults, checkManifestRules } from './rules.ts';
import { SECRET_SHORT_REF } from './secret-refs.ts';

export { FARGATE_SIZES, isValidFargateSize } from './limits.ts';

/**
 * Manifest v1: the one file a team writes per project and environment.
 * Types come from this schema; the editor JSON Schema (schema/manifest.v1.json) is generated from it,
 * so every `.describe()` here is the help an editor shows and the hint a validation problem carries.
 */

const ARN_SECRET =
  /^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+|ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9/_.-]+)$/;
/** A secret ARN, or `secret:NAME` for a secret `stackdrop secrets set` manages (secret-refs.ts). */
const SECRET_REF = new RegExp(`(?:${ARN_SECRET.source})|(?:${SECRET_SHORT_REF.source})`);
const ARN_CERTIFICATE = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;
const ARN_SNS = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
/** A KMS key ARN: a key id (UUID) or a multi-Region key id (mrk-…); IAM never matches an alias ARN. */
const ARN_KMS_KEY =
  /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const command = z
  .array(z.string().min(1).max(1024))
  .min(1)
  .max(64)
  .describe('Container command as an argument list, e.g. [php, artisan, migrate, --force]');

const cpu = z
  .number()
  .int()
  .refine((v) => v in FARGATE_SIZES, {
    message: 'must be a Fargate CPU size: 256, 512, 1024, 2048, 4096, 8192 or 16384',
  })
  .describe('Fargate CPU units (1024 = 1 vCPU): 256, 512, 1024, 2048, 4096, 8192 or 16384');
const memory = z
  .number()
  .int()
  .min(512)
  .max(122880)
  .optional()
  .describe(
    'Memory in MiB, a size Fargate allows for the cpu (e.g. cpu 512: 1024–4096). Default: the smallest allowed, 2 × cpu',
  );

export const AutoscalingSchema = z
  .object({
    min: z.number().int().min(1).max(1000).describe('Fewest web tasks autoscaling keeps running'),
    max: z.number().int().min(1).max(1000).describe('Most web tasks autoscaling may run'),
    cpuTarget: z
      .number()
      .int()
      .min(10)
      .max(90)
      .default(60)
      .describe('Target average CPU % (10–90); tasks are added above it and removed below it'),
    requestsPerTarget: z
      .number()
      .int()
      .min(1)
      .max(100000)
      .optional()
      .describe('Also scale on load balancer requests per task per minute (omit to scale on CPU only)'),
  })
  .strict()
  .describe('Target-tracking autoscaling for the web service; desiredCount must lie within min–max');

export const WebSchema = z
  .object({
    cpu: cpu.default(512),
    memory,
    desiredCount: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe('Web tasks to run. Default: 2, moved into autoscaling min–max when autoscaling is set'),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .default(8080)
      .describe('Port the container listens on (the example Dockerfile uses 8080)'),
    autoscaling: AutoscalingSchema.optional(),
  })
  .strict()
  .describe('The web service behind the load balancer');

export const WorkerSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,19}$/, 'lower-case letters, digits and hyphens, 1–20 characters')
      .describe(
        'Worker name, unique in the manifest: lower-case letters, digits and hyphens, 1–20 characters',
      ),
    command: command.describe('Command the worker runs, e.g. [php, artisan, queue:work, --tries=3]'),
    cpu: cpu.default(256),
    memory,
    desiredCount: z.number().int().min(0).max(1000).default(1).describe('Worker tasks to run (0 pauses it)'),
  })
  .strict()
  .describe('A long-running worker service, e.g. a queue worker');

export const SchedulerSchema = z
  .object({
    command: command
      .default(['php', 'artisan', 'schedule:run'])
      .describe(
        'Default [php, artisan, schedule:run], run every minute (as schedule:work); any other command runs as a long-lived task',
      ),
    cpu: cpu.default(256),
    memory,
  })
  .strict()
  .describe('The scheduler task with its own command or size');

export const NetworkSchema = z
  .object({
    cidr: z
      .cidrv4()
      .default('10.40.0.0/16')
      .describe(
        'VPC CIDR in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16), /16 to /23, host bits zero, e.g. 10.40.0.0/16',
      ),
    availabilityZones: z
      .number()
      .int()
      .min(2)
      .max(3)
      .default(2)
      .describe('Availability zones to spread subnets, NAT gateways and database instances over: 2 or 3'),
    natGateways: z
      .enum(['per-az', 'single', 'none'])
      .default('per-az')
      .describe(
        'per-az: one NAT gateway per AZ (highly available); single: one shared (cheaper); none: no outbound internet from private subnets',
      ),
  })
  .strict()
  .describe('The VPC stackdrop creates: public, private (app) and isolated (data) subnets in each AZ');

export const DatabaseSchema = z
  .object({
    engine: z
      .enum(['aurora-mysql', 'aurora-postgresql'])
      .default('aurora-mysql')
      .describe('aurora-mysql (MySQL 8.0 compatible) or aurora-postgresql'),
    engineVersion: z
      .string()
      .regex(/^\d{1,2}\.[0-9a-z._]{1,40}$/, 'an engine version such as 8.0.mysql_aurora.3.10.0 or 16.6')
      .optional()
      .describe(
        'Omit to use the version stackdrop pins. aurora-mysql: 8.0.mysql_aurora.3.<minor>.<patch>; aurora-postgresql: 14.x to 17.x',
      ),
    instanceClass: z
      .string()
      .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'an RDS instance class such as db.t4g.medium or db.r7g.large')
      .optional()
      .describe(
        'Provisioned instance class, e.g. db.t4g.medium or db.r7g.large. Default: db.t4g.medium unless serverless is set',
      ),
    serverless: z
      .object({
        minCapacity: z
          .number()
          .min(0)
          .max(256)
          .multipleOf(0.5)
          .describe('Fewest Aurora capacity units (ACUs), in steps of 0.5; 0 lets an idle database pause'),
        maxCapacity: z
          .number()
          .min(1)
          .max(256)
          .multipleOf(0.5)
          .describe('Most Aurora capacity units (ACUs), in steps of 0.5, at least minCapacity'),
      })
      .strict()
      .optional()
      .describe('Aurora Serverless v2 capacity in ACUs; replaces instanceClass'),
    readers: z
      .number()
      .int()
      .min(0)
      .max(2)
      .default(1)
      .describe('Reader instances (0–2), each in another AZ than the writer: at most availabilityZones − 1'),
    databaseName: z
      .string()
      .regex(/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/, 'a letter, then letters, digits or underscores, at most 63')
      .default('app')
      .describe('Name of the database created in the cluster (DB_DATABASE)'),
    backupRetentionDays: z
      .number()
      .int()
      .min(1)
      .max(35)
      .default(7)
      .describe('Days of automated backups to keep (1–35)'),
    allowReplacement: z
      .boolean()
      .default(false)
      .describe('Set true only to accept an update that replaces the database cluster (a snapshot is kept)'),
  })
  .strict()
  .describe('The Aurora cluster: a writer plus readers in other AZs, encrypted, with a managed password');

export const AppSchema = z
  .object({
    repository: z
      .string()
      .regex(
        /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
        'a valid ECR repository name',
      )
      .min(2)
      .max(REPOSITORY_NAME_MAX)
      .optional()
      .describe(
        `ECR repository stackdrop creates for this app, at most ${MESSAGE_GROUP_ID_MAX} characters (pushes are queued by repository name). Default: <project>-<environment>`,
      ),
    deployTag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'a Docker image tag such as main or release')
      .default('main')
      .describe('Pushing an image with this tag deploys it'),
    domain: z
      .string()
      .regex(DOMAIN, 'a lower-case DNS name such as shop.example.com')
      .optional()
      .describe(
        'Public DNS name of the app, e.g. shop.example.com. With a Route 53 hosted zone (hostedZoneId, or found by name at provisioning) stackdrop makes its ACM certificate and alias records; otherwise give certificateArn',
      ),
    hostedZoneId: z
      .string()
      .regex(HOSTED_ZONE_ID, 'a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ (without /hostedzone/)')
      .optional()
      .describe(
        'Route 53 public hosted zone of the domain (aws route53 list-hosted-zones-by-name); omit to have provisioning find the zone by name',
      ),
    redirectWww: z
      .boolean()
      .default(false)
      .describe('Redirect www.<domain> to <domain> (needs domain; the certificate must cover both)'),
    cdn: z
      .union([
        z.boolean(),
        z
          .object({
            certificateArn: z
              .string()
              .regex(ARN_CERTIFICATE, 'an ACM certificate ARN')
              .refine((v) => v.split(':')[3] === CLOUDFRONT_CERTIFICATE_REGION, {
                message: `CloudFront uses certificates in ${CLOUDFRONT_CERTIFICATE_REGION} only: request the certificate there`,
              })
              .optional()
              .describe(
                `ACM certificate in ${CLOUDFRONT_CERTIFICATE_REGION} covering domain (and www.<domain> with redirectWww); with it CloudFront serves the domain`,
              ),
          })
          .strict(),
      ])
      .default(false)
      .describe(
        'true (or a map) to put CloudFront in front of the load balancer: pages pass cookies and Authorization, the app bucket serves /assets/* (the app gets ASSET_URL)',
      ),
    firewall: z
      .object({
        rateLimitPerIp: z
          .number()
          .int()
          .min(RATE_LIMIT_MIN)
          .max(RATE_LIMIT_MAX)
          .optional()
          .describe(
            `Requests one IP may make in 5 minutes before AWS WAF blocks it (${RATE_LIMIT_MIN}–${RATE_LIMIT_MAX}); omit for no rate limit`,
          ),
        managedRules: z
          .array(z.enum(MANAGED_RULE_GROUP_NAMES as [string, ...string[]]))
          .max(MANAGED_RULE_GROUP_NAMES.length)
          .default([
            'AWSManagedRulesCommonRuleSet',
            'AWSManagedRulesKnownBadInputsRuleSet',
            'AWSManagedRulesAmazonIpReputationList',
          ])
          .describe(`AWS managed rule groups: ${MANAGED_RULE_GROUP_NAMES.join(', ')}`),
      })
      .strict()
      .optional()
      .describe(
        'AWS WAF web ACL on the load balancer (on CloudFront with cdn, which needs us-east-1); an alarm fires when it blocks more than 100 requests in 5 minutes',
      ),
    certificateArn: z
      .string()
      .regex(ARN_CERTIFICATE, 'an ACM certificate ARN')
      .optional()
      .describe(
        'ACM certificate ARN in the stack region; turns on HTTPS with an HTTP→HTTPS redirect, e.g. arn:aws:acm:eu-west-1:123456789012:certificate/…',
      ),
    allowPlainHttp: z
      .boolean()
      .default(false)
      .describe(
        'Accept serving the app over plain HTTP when there is no certificateArn (refused otherwise); plan flags it outside dev/test/staging environments',
      ),
    accessLogBucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name')
      .optional()
      .describe(
        'Existing S3 bucket (SSE-S3, with the Elastic Load Balancing log delivery policy) for the load balancer access logs, written under stackdrop/<project>/<environment>/; omit for no access logs',
      ),
    healthCheckPath: z
      .string()
      .regex(/^\/[A-Za-z0-9/_.~-]*$/, 'a path starting with /, such as /up')
      .max(1024)
      .default('/up')
      .describe('Path the load balancer checks; Laravel 11 serves /up'),
    release: command
      .optional()
      .describe('Run once before each rollout and required to exit 0, e.g. [php, artisan, migrate, --force]'),
    architecture: z
      .enum(['x86_64', 'arm64'])
      .default('x86_64')
      .describe(
        'CPU architecture of every task (and of the image you push): x86_64, or arm64 for AWS Graviton (about 20% cheaper on Fargate). Build the image for it, e.g. docker buildx --platform linux/arm64',
      ),
    web: WebSchema.prefault({}),
    workers: z
      .array(WorkerSchema)
      .default([])
      .describe(
        "Worker services, each its own task definition and service; AWS's template limits (500 resources, 1 MB) bound how many",
      ),
    scheduler: z
      .union([z.boolean(), SchedulerSchema])
      .default(true)
      .describe(
        'true: run the Laravel scheduler (one task running php artisan schedule:work, which runs schedule:run every minute); false: none; or a map to change its command or size',
      ),
    exec: z
      .boolean()
      .default(false)
      .describe(
        'true: allow `stackdrop exec` to open a shell in running tasks (ECS Exec, sessions logged to the app log group); keep false in production unless needed',
      ),
    environment: z
      .record(
        z.string().regex(ENV_NAME, 'upper-case letters, digits and underscores'),
        z.string().max(4096).describe('Plain value (never a secret)'),
      )
      .default({})
      .describe(
        'Plain environment variables for every task, e.g. APP_ENV: production. Secrets go in secrets; stackdrop sets DB_*, QUEUE_*, SQS_*, AWS_BUCKET, FILESYSTEM_DISK and LOG_CHANNEL itself',
      ),
    secrets: z
      .record(
        z.string().regex(ENV_NAME, 'upper-case letters, digits and underscores'),
        z
          .string()
          .regex(
            SECRET_REF,
            'a Secrets Manager or SSM parameter ARN, or secret:NAME for `stackdrop secrets set`, never the value itself',
          )
          .describe('Secrets Manager secret or SSM parameter ARN, or secret:NAME'),
      )
      .default({})
      .describe(
        'Environment variables read from Secrets Manager or SSM Parameter Store at task start: name → ARN under the project’s prefix, e.g. APP_KEY: arn:aws:secretsmanager:eu-west-1:123456789012:secret:stackdrop/acme/production/APP_KEY-AbCdEf, or secret:APP_KEY for stackdrop/<project>/<environment>/APP_KEY (resolved at provisioning)',
      ),
    externalSecrets: z
      .boolean()
      .default(false)
      .describe(
        'Allow secret references outside stackdrop/<project>/<environment>/ (Secrets Manager) and /stackdrop/<project>/<environment>/ (SSM); the execution role is then granted exactly those ARNs, and plan flags them',
      ),
    secretsKmsKeyArns: z
      .array(
        z
          .string()
          .regex(ARN_KMS_KEY, 'a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/<key-id>')
          .describe(
            'ARN of a customer-managed KMS key (key/<id>, not an alias: IAM matches only key ARNs) that encrypts secrets in app.secrets',
          ),
      )
      .max(MAX_SECRETS_KMS_KEYS)
      .default([])
      .describe(
        `Customer-managed KMS keys (at most ${MAX_SECRETS_KMS_KEYS}) that encrypt secrets in app.secrets; the task execution role gets kms:Decrypt on exactly these keys, through Secrets Manager and SSM only`,
      ),
    alarmTopicArn: z
      .string()
      .regex(ARN_SNS, 'an SNS topic ARN')
      .optional()
      .describe('SNS topic the CloudWatch alarms notify; omit for alarms without notifications'),
    logRetentionDays: z
      .union([
        z.literal(1),
        z.literal(3),
        z.literal(5),
        z.literal(7),
        z.literal(14),
        z.literal(30),
        z.literal(60),
        z.literal(90),
        z.literal(180),
        z.literal(365),
      ])
      .default(30)
      .describe('Days to keep container logs: 1, 3, 5, 7, 14, 30, 60, 90, 180 or 365'),
  })
  .strict()
  .describe('The containerised application: image, load balancer, services and configuration');

export const BastionSchema = z
  .object({
    access: z
      .enum(['ssm', 'ssh'])
      .default('ssm')
      .describe(
        'ssm: Session Manager port forwarding, no inbound rule at all; ssh: SSH from allowedCidrs only',
      ),
    allowedCidrs: z
      .array(z.cidrv4())
      .max(20)
      .default([])
      .describe(
        'Source ranges a bastion may be opened for (office, VPN), /16 or narrower, e.g. 203.0.113.0/24; needed for ssh',
      ),
    maxTtlMinutes: z
      .number()
      .int()
      .min(5)
      .max(1440)
      .default(480)
      .describe('Longest time a bastion may stay open before the reaper terminates it (5–1440 minutes)'),
  })
  .strict()
  .describe('On-demand bastion to reach the database (stackdrop bastion open)');

/** `security.kmsKey`: who holds the key that encrypts the project's data at rest. */
const kmsKey = z
  .string()
  .refine((v) => v === 'aws-managed' || v === 'create' || ARN_KMS_KEY.test(v), {
    message:
      'aws-managed, create, or a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/<key-id> (a key ARN, not an alias: IAM policies and CloudWatch Logs need the key ARN)',
  })
  .default('aws-managed')
  .describe(
    'Key that encrypts the project’s data at rest (Aurora, its master secret, the app bucket, log groups, SQS queues, the ECR repository, the cache): aws-managed (AWS managed keys, the default), create (a customer-managed key stackdrop makes in the network stage, rotation on), or the ARN of your own key in the deployment Region (its key policy must allow the account root, and logs.<region>.amazonaws.com for log groups). Changing it later replaces the ECR repository and the Aurora cluster: choose before the first deploy',
  );

export const SecuritySchema = z
  .object({ kmsKey })
  .strict()
  .describe('Encryption at rest: which KMS key protects the project’s data');

export const CacheSchema = z
  .object({
    engine: z
      .enum(['valkey', 'redis'])
      .default('valkey')
      .describe(
        'valkey (the default, cheaper) or redis (Redis OSS); ElastiCache Serverless, TLS always on. The app gets REDIS_HOST, REDIS_PORT and REDIS_SCHEME=tls',
      ),
  })
  .strict()
  .describe(
    'An ElastiCache Serverless cache in the isolated subnets, reachable only from the app (ports 6379 and 6380). Omit for no cache',
  );

export const ManifestObjectSchema = z
  .object({
    $schema: z
      .string()
      .max(2048)
      .optional()
      .describe('JSON Schema reference for editors; ignored by stackdrop'),
    version: z.literal(1).describe('Manifest format version: 1'),
    project: z
      .string()
      .regex(
        /^(?=.{2,31}$)[a-z][a-z0-9]*(-[a-z0-9]+)*$/,
        'lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen, 2–31 characters',
      )
      .describe(
        'Project name: lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen, 2–31 characters (it names the Aurora cluster, whose identifier allows no trailing or doubled hyphen)',
      ),
    environment: z
      .string()
      .regex(
        /^[a-z][a-z0-9]{0,15}$/,
        'lower-case letters and digits, starting with a letter, 1–16 characters (no hyphens)',
      )
      .default('production')
      .describe(
        'Environment name: lower-case letters and digits, 1–16 characters, no hyphens. Stacks are stackdrop-<project>-<environment>-<stage>',
      ),
    network: NetworkSchema.prefault({}),
    database: DatabaseSchema.prefault({}),
    app: AppSchema.prefault({}),
    bastion: BastionSchema.prefault({}),
    security: SecuritySchema.prefault({}),
    cache: CacheSchema.optional(),
  })
  .strict()
  .describe('stackdrop manifest v1: one project environment on AWS');

/**
 * The manifest with its cross-field rules (rules.ts), then the defaults that depend on other fields
 * (repository name, instance class, memory for the cpu, desired count within autoscaling).
 */
export const ManifestSchema = ManifestObjectSchema.superRefine(checkManifestRules, {
  // Cross-field rules run even when a field failed, so one pass reports every problem.
  when: () => true,
}).transform(applyDerivedDefaults);

export type ManifestInput = z.input<typeof ManifestObjectSchema>;
export type Manifest = z.output<typeof ManifestSchema>;
