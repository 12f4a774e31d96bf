import type { Manifest } from '../manifest/schema.ts';
import { cidrContains, formatCidr, parseCidr } from './cidr.ts';
import { BastionRefusedError } from './input.ts';
import { checkSshPublicKey } from './ssh-key.ts';

export type BastionPolicy = Manifest['bastion'];

export interface ApprovedRequest {
  access: 'ssm' | 'ssh';
  ttlMinutes: number;
  /** Canonical caller range; for ssh always a single address (/32). */
  callerCidr: string;
  /** `<type> <base64>` for ssh, comment removed. */
  sshPublicKey?: string;
}

/**
 * Checks an open request against the project's bastion policy (manifest `bastion:`). Pure: throws
 * BastionRefusedError with the first reason, so nothing is created for a refused request.
 * An empty `allowedCidrs` admits ssm (which opens no inbound port) but no ssh.
 */
export function approveOpenRequest(
  request: { ttlMinutes: number; access?: 'ssm' | 'ssh'; callerCidr: string; sshPublicKey?: string },
  policy: BastionPolicy,
): ApprovedRequest {
  const { ttlMinutes } = request;
  if (!Number.isInteger(ttlMinutes) || ttlMinutes <= 0) {
    throw new BastionRefusedError(
      'TTL_INVALID',
      `ttlMinutes must be a positive whole number, got ${ttlMinutes}`,
    );
  }
  if (ttlMinutes > policy.maxTtlMinutes) {
    throw new BastionRefusedError(
      'TTL_TOO_LONG',
      `A ${ttlMinutes}-minute bastion exceeds this project's limit of ${policy.maxTtlMinutes} minutes (manifest bastion.maxTtlMinutes)`,
    );
  }

  const access = request.access ?? policy.access;
  if (access === 'ssh' && policy.access !== 'ssh') {
    throw new BastionRefusedError(
      'ACCESS_NOT_ALLOWED',
      'This project allows SSM bastions only (manifest bastion.access: ssm); open one with access ssm',
    );
  }

  const caller = parseCidr(request.callerCidr);
  if (!caller) {
    throw new BastionRefusedError(
      'CIDR_INVALID',
      `callerCidr ${JSON.stringify(request.callerCidr)} is not an IPv4 address or CIDR`,
    );
  }
  const callerCidr = formatCidr(caller);
  if (caller.prefix === 0) {
    throw new BastionRefusedError('CIDR_TOO_WIDE', 'A bastion is never opened to 0.0.0.0/0');
  }
  if (access === 'ssh' && caller.prefix !== 32) {
    throw new BastionRefusedError(
      'CIDR_TOO_WIDE',
      `SSH bastions accept one address (/32), not ${callerCidr}; pass your public IP`,
    );
  }

  const allowed = policy.allowedCidrs.map((text) => parseCidr(text)).filter((r) => r !== undefined);
  if (allowed.length > 0 && !allowed.some((range) => cidrContains(range, caller))) {
    const overlapsWider = allowed.some((range) => cidrContains(caller, range));
    throw new BastionRefusedError(
      overlapsWider ? 'CIDR_TOO_WIDE' : 'CIDR_NOT_ALLOWED',
      overlapsWider
        ? `${callerCidr} is wider than the ranges this project allows (${policy.allowedCidrs.join(', ')})`
        : `${callerCidr} is outside the ranges this project allows (${policy.allowedCidrs.join(', ')})`,
    );
  }
  if (allowed.length === 0 && access === 'ssh') {
    throw new BastionRefusedError(
      'CIDR_NOT_ALLOWED',
      'This project lists no bastion.allowedCidrs, so no address may reach an SSH bastion; use ssm or add your range to the manifest',
    );
  }

  if (access === 'ssm') return { access, ttlMinutes, callerCidr };
  if (!request.sshPublicKey) {
    throw new BastionRefusedError(
      'SSH_KEY_MISSING',
      'An ssh bastion needs sshPublicKey (the contents of e.g. ~/.ssh/id_ed25519.pub)',
    );
  }
  const key = checkSshPublicKey(request.sshPublicKey);
  if (!key.ok) throw new BastionRefusedError('SSH_KEY_INVALID', `Invalid sshPublicKey: ${key.reason}`);
  return { access, ttlMinutes, callerCidr, sshPublicKey: key.key };
}
