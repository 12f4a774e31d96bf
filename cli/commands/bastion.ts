import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { OperationFailedError, UserError } from '../errors.ts';
import { formatDuration, parseMinutes } from '../ui.ts';

/** A function that ran but returned an error payload (`FunctionError`). */
export class BastionFunctionError extends OperationFailedError {
  override name = 'BastionFunctionError';
}

/** A request the bastion function refused (nothing was created): the person can fix it. */
export class BastionRequestRefusedError extends UserError {
  override name = 'BastionRequestRefusedError';
}

/** Invokes a bastion function synchronously; error payloads become one clear error. */
export async function invokeBastionFunction<T>(
  lambda: LambdaClient,
  functionName: string,
  payload: Record<string, unknown>,
): Promise<T> {
  const out = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }),
  );
  const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (out.FunctionError) {
    const e = (body ?? {}) as { errorType?: string; errorMessage?: string };
    const message = e.errorMessage ?? (typeof body === 'string' ? body : 'no message');
    if (e.errorType === 'BastionRefusedError') throw new BastionRequestRefusedError(`Refused: ${message}`);
    throw new BastionFunctionError(
      `${functionName} failed (${e.errorType ?? out.FunctionError}): ${message}`,
    );
  }
  return body as T;
}

/** Parses the bastion's time to live (`90`, `90m`, `1h`, `1h30m`) into minutes. */
export function parseTtl(text: string): number {
  const minutes = parseMinutes(text);
  if (minutes === undefined) {
    throw new UserError(`--ttl ${text} is not a duration: use minutes (90), 90m, 1h or 1h30m.`);
  }
  return minutes;
}

/** `a.b.c.d` → `a.b.c.d/32`; anything that is not one public IPv4 address is refused. */
export function callerCidrFromIp(ip: string): string {
  const trimmed = ip.trim();
  const parts = trimmed.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    throw new OperationFailedError(
      `Could not detect your public IPv4 address (got "${trimmed.slice(0, 40)}"): pass --cidr <a.b.c.d/32>.`,
    );
  }
  return `${trimmed}/32`;
}

/** What open-bastion returns (extra fields are kept in --json). */
export interface OpenedBastion {
  instanceId: string;
  access: 'ssm' | 'ssh';
  expiresAt: string;
  publicIp?: string;
  address?: string;
  tunnelCommand?: string;
  [key: string]: unknown;
}

/** The database tunnel command for a bastion, when the function did not send one. */
export function tunnelCommand(
  bastion: Pick<OpenedBastion, 'instanceId' | 'access' | 'publicIp' | 'address'>,
  database: { host: string; port: string },
  region?: string,
): string {
  if (bastion.access === 'ssh') {
    const address = bastion.publicIp ?? bastion.address ?? '<bastion-public-ip>';
    return `ssh -N -L ${database.port}:${database.host}:${database.port} ec2-user@${address}`;
  }
  const parameters = JSON.stringify({
    host: [database.host],
    portNumber: [database.port],
    localPortNumber: [database.port],
  });
  return [
    'aws ssm start-session',
    `--target ${bastion.instanceId}`,
    '--document-name AWS-StartPortForwardingSessionToRemoteHost',
    `--parameters '${parameters}'`,
    ...(region ? [`--region ${region}`] : []),
  ].join(' ');
}

/** The bastions list-bastions returns, whatever its envelope (`{bastions: [...]}` or a bare list). */
export function bastionList(result: unknown): Record<string, unknown>[] {
  if (Array.isArray(result)) return result as Record<string, unknown>[];
  const list = (result as { bastions?: unknown })?.bastions;
  return Array.isArray(list) ? (list as Record<string, unknown>[]) : [];
}

/** One line per bastion: id, access, EC2 state, address and time left (or that it has expired). */
export function formatBastions(
  project: string,
  environment: string,
  bastions: Record<string, unknown>[],
  now: Date,
): string[] {
  if (bastions.length === 0) return [`No bastions for ${project}/${environment}.`];
  return bastions.map((b) => {
    const expires = typeof b.expiresAt === 'string' ? b.expiresAt : undefined;
    const left = expires ? Date.parse(expires) - now.getTime() : undefined;
    const when =
      expires === undefined
        ? 'no expiry tag'
        : b.expired === true || (left !== undefined && left <= 0)
          ? `expired at ${expires} (the reaper terminates it within 5 minutes)`
          : `expires ${expires} (in ${formatDuration(left ?? 0)})`;
    const parts = [String(b.instanceId), String(b.access ?? '?'), String(b.state ?? '?')];
    if (typeof b.address === 'string') parts.push(b.address);
    parts.push(when);
    if (typeof b.openedBy === 'string') parts.push(`opened by ${b.openedBy}`);
    return parts.join('  ');
  });
}
