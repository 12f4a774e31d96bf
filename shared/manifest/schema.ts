import { z } from 'zod';

/**
 * Manifest v1: the one file a team writes per project and environment.
 * Types come from this schema; the editor JSON Schema (schema/manifest.v1.json) is generated from it.
 */

const ARN_SECRET =
  /^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+|ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9/_.-]+)$/;
const ARN_CERTIFICATE = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;
const ARN_SNS = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

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
  .describe('Fargate CPU units (1024 = 1 vCPU)');
const memory = z.number().int().min(512).max(122880).describe('Memory in MiB; must suit the CPU size');

export const AutoscalingSchema = z
  .object({
    min: z.number().int().min(0).max(1000),
    max: z.number().int().min(1).max(1000),
    cpuTarget: z.number().int().min(10).max(90).default(60).describe('Target average CPU %'),
    requestsPerTarget: z
      .number()
      .int()
      .min(1)
      .max(100000)
      .optional()
      .describe('Target ALB requests per task per minute (web only)'),
  })
  .strict();

export const WebSchema = z
  .object({
    cpu: cpu.default(512),
    memory: memory.default(1024),
    desiredCount: z.number().int().min(1).max(1000).default(2),
    port: z.number().int().min(1).max(65535).default(8080).describe('Port the container listens on'),
    autoscaling: AutoscalingSchema.optional(),
  })
  .strict();

export const WorkerSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,19}$/, 'lower-case letters, digits and hyphens, 1–20 characters'),
    command,
    cpu: cpu.default(256),
    memory: memory.default(512),
    desiredCount: z.number().int().min(0).max(1000).default(1),
  })
  .strict();

export const SchedulerSchema = z
  .object({
    command: command.default(['php', 'artisan', 'schedule:run']),
    cpu: cpu.default(256),
    memory: memory.default(512),
  })
  .strict();

export const NetworkSchema = z
  .object({
    cidr: z.cidrv4().default('10.40.0.0/16').describe('VPC CIDR, /16 to /24, in a private (RFC 1918) range'),
    availabilityZones: z.number().int().min(2).max(3).default(2),
    natGateways: z.enum(['per-az', 'single', 'none']).default('per-az'),
  })
  .strict();

export const DatabaseSchema = z
  .object({
    engine: z.enum(['aurora-mysql', 'aurora-postgresql']).default('aurora-mysql'),
    engineVersion: z
      .string()
      .regex(/^\d+\.\d+(\.[0-9a-z.]+)?$/)
      .optional()
      .describe('Omit to use the version stackdrop pins and supports'),
    instanceClass: z
      .string()
      .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'an RDS instance class such as db.t4g.medium or db.r7g.large')
      .optional(),
    serverless: z
      .object({
        minCapacity: z.number().min(0).max(256).multipleOf(0.5),
        maxCapacity: z.number().min(1).max(256).multipleOf(0.5),
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
      .describe('Reader instances, each in another AZ than the writer'),
    databaseName: z
      .string()
      .regex(/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/)
      .default('app'),
    backupRetentionDays: z.number().int().min(1).max(35).default(7),
    allowReplacement: z
      .boolean()
      .default(false)
      .describe('Set true only to accept an update that replaces the database cluster (a snapshot is kept)'),
  })
  .strict();

export const AppSchema = z
  .object({
    repository: z
      .string()
      .regex(
        /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
        'a valid ECR repository name',
      )
      .min(2)
      .max(256)
      .optional()
      .describe('ECR repository stackdrop creates for this app; defaults to <project>-<environment>'),
    deployTag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/)
      .default('main'),
    domain: z.string().regex(DOMAIN, 'a lower-case DNS name such as shop.example.com').optional(),
    redirectWww: z.boolean().default(false).describe('Redirect www.<domain> to <domain>'),
    certificateArn: z.string().regex(ARN_CERTIFICATE, 'an ACM certificate ARN').optional(),
    healthCheckPath: z
      .string()
      .regex(/^\/[A-Za-z0-9/_.~-]*$/)
      .max(1024)
      .default('/up'),
    release: command.optional().describe('Run before each rollout; must exit 0'),
    web: WebSchema.default(WebSchema.parse({})),
    workers: z.array(WorkerSchema).max(10).default([]),
    scheduler: z.union([z.boolean(), SchedulerSchema]).default(true),
    environment: z
      .record(z.string().regex(ENV_NAME, 'upper-case letters, digits and underscores'), z.string().max(4096))
      .default({}),
    secrets: z
      .record(
        z.string().regex(ENV_NAME, 'upper-case letters, digits and underscores'),
        z.string().regex(ARN_SECRET, 'a Secrets Manager or SSM parameter ARN, never the value itself'),
      )
      .default({}),
    alarmTopicArn: z.string().regex(ARN_SNS, 'an SNS topic ARN').optional(),
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
      .default(30),
  })
  .strict();

export const BastionSchema = z
  .object({
    access: z.enum(['ssm', 'ssh']).default('ssm'),
    allowedCidrs: z.array(z.cidrv4()).max(20).default([]),
    maxTtlMinutes: z.number().int().min(5).max(1440).default(480),
  })
  .strict();

export const ManifestObjectSchema = z
  .object({
    version: z.literal(1),
    project: z
      .string()
      .regex(
        /^[a-z][a-z0-9-]{1,30}$/,
        'lower-case letters, digits and hyphens, starting with a letter, 2–31 characters',
      ),
    environment: z
      .string()
      .regex(
        /^[a-z][a-z0-9]{0,15}$/,
        'lower-case letters and digits, starting with a letter, 1–16 characters (no hyphens)',
      )
      .default('production'),
    network: NetworkSchema.default(NetworkSchema.parse({})),
    database: DatabaseSchema.default(DatabaseSchema.parse({})),
    app: AppSchema.default(AppSchema.parse({})),
    bastion: BastionSchema.default(BastionSchema.parse({})),
  })
  .strict();

export type ManifestInput = z.input<typeof ManifestObjectSchema>;
export type Manifest = z.output<typeof ManifestObjectSchema>;
