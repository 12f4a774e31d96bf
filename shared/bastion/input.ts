import * as z from 'zod/mini';
import '../zod-messages.ts';

/**
 * Requests the bastion functions accept (Lambda Invoke payloads from the CLI or `aws lambda invoke`).
 * zod/mini: the same checks and messages as zod classic for ≈ 70 KB less per bastion function
 * (docs/decisions/bundles.md). Field descriptions are comments, not `describe()`: nothing reads
 * them at run time and the registry they need costs every bundle.
 */

const project = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9-]{1,30}$/, 'a stackdrop project name (lower-case letters, digits, hyphens)'));
const environment = z._default(
  z
    .string()
    .check(z.regex(/^[a-z][a-z0-9]{0,15}$/, 'a stackdrop environment name (lower-case letters and digits)')),
  'production',
);
const instanceId = z
  .string()
  .check(z.regex(/^i-[0-9a-f]{8,17}$/, 'an EC2 instance id such as i-0123456789abcdef0'));
/** Who asked (e.g. the caller ARN from sts get-caller-identity); recorded, not trusted. */
const person = z.string().check(z.minLength(1), z.maxLength(200));

export const OpenBastionInputSchema = z.strictObject({
  project,
  environment,
  ttlMinutes: z.number().check(z.int('ttlMinutes must be a whole number of minutes')),
  /** Defaults to the manifest's bastion.access. */
  access: z.optional(z.enum(['ssm', 'ssh'])),
  sshPublicKey: z.optional(z.string().check(z.maxLength(8192))),
  /** Where the caller connects from: an IPv4 address or CIDR. */
  callerCidr: z.string().check(z.minLength(1)),
  openedBy: z.optional(person),
});

export const CloseBastionInputSchema = z.strictObject({
  project,
  environment,
  instanceId,
  closedBy: z.optional(person),
});

export const ListBastionsInputSchema = z.strictObject({ project, environment });

export type OpenBastionInput = z.input<typeof OpenBastionInputSchema>;
export type CloseBastionInput = z.input<typeof CloseBastionInputSchema>;
export type ListBastionsInput = z.input<typeof ListBastionsInputSchema>;

/** Why a request was refused; nothing was created or changed. */
export type RefusalCode =
  | 'INVALID_REQUEST'
  | 'UNKNOWN_PROJECT'
  | 'NOT_READY'
  | 'TTL_INVALID'
  | 'TTL_TOO_LONG'
  | 'ACCESS_NOT_ALLOWED'
  | 'CIDR_INVALID'
  | 'CIDR_TOO_WIDE'
  | 'CIDR_NOT_ALLOWED'
  | 'SSH_KEY_MISSING'
  | 'SSH_KEY_INVALID'
  | 'NOT_A_BASTION';

/** A request stackdrop will not carry out; the message says why in words a person can act on. */
export class BastionRefusedError extends Error {
  override name = 'BastionRefusedError';
  readonly code: RefusalCode;
  constructor(code: RefusalCode, message: string) {
    super(`${message} [${code}]`);
    this.code = code;
  }
}

/** Parses a request with `schema`, turning validation issues into one refusal. */
export function parseRequest<T extends z.ZodMiniType>(schema: T, event: unknown): z.output<T> {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  const issues = result.error.issues
    .map((issue) => `${issue.path.join('.') || 'request'}: ${issue.message}`)
    .join('; ');
  throw new BastionRefusedError('INVALID_REQUEST', `Invalid request: ${issues}`);
}
