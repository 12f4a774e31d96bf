import * as z from 'zod';

/** Requests the bastion functions accept (Lambda Invoke payloads from the CLI or `aws lambda invoke`). */

const project = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,30}$/, 'a stackdrop project name (lower-case letters, digits, hyphens)');
const environment = z
  .string()
  .regex(/^[a-z][a-z0-9]{0,15}$/, 'a stackdrop environment name (lower-case letters and digits)')
  .default('production');
const instanceId = z.string().regex(/^i-[0-9a-f]{8,17}$/, 'an EC2 instance id such as i-0123456789abcdef0');
const person = z
  .string()
  .min(1)
  .max(200)
  .describe('Who asked (e.g. the caller ARN from sts get-caller-identity); recorded, not trusted');

export const OpenBastionInputSchema = z
  .object({
    project,
    environment,
    ttlMinutes: z.number().int('ttlMinutes must be a whole number of minutes'),
    access: z.enum(['ssm', 'ssh']).optional().describe("Defaults to the manifest's bastion.access"),
    sshPublicKey: z.string().max(8192).optional(),
    callerCidr: z.string().min(1).describe('Where the caller connects from: an IPv4 address or CIDR'),
    openedBy: person.optional(),
  })
  .strict();

export const CloseBastionInputSchema = z
  .object({ project, environment, instanceId, closedBy: person.optional() })
  .strict();

export const ListBastionsInputSchema = z.object({ project, environment }).strict();

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
export function parseRequest<T extends z.ZodType>(schema: T, event: unknown): z.output<T> {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  const issues = result.error.issues
    .map((issue) => `${issue.path.join('.') || 'request'}: ${issue.message}`)
    .join('; ');
  throw new BastionRefusedError('INVALID_REQUEST', `Invalid request: ${issues}`);
}
