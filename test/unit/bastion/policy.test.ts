import { describe, expect, it } from 'vitest';
import { cidrContains, formatCidr, parseCidr } from '#shared/bastion/cidr.ts';
import { BastionRefusedError } from '#shared/bastion/input.ts';
import { approveOpenRequest, type BastionPolicy } from '#shared/bastion/policy.ts';
import { checkSshPublicKey } from '#shared/bastion/ssh-key.ts';
import { formatExpiry, parseExpiry, toTagValue } from '#shared/bastion/tags.ts';
import { renderUserData } from '#shared/bastion/user-data.ts';
import { ECDSA_P256, ED25519, RSA_1024, RSA_3072 } from './keys.ts';

const ssh: BastionPolicy = {
  access: 'ssh',
  allowedCidrs: ['203.0.113.0/24', '10.8.0.0/16'],
  maxTtlMinutes: 240,
};
const ssm: BastionPolicy = { access: 'ssm', allowedCidrs: ['203.0.113.0/24'], maxTtlMinutes: 480 };

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BastionRefusedError);
    return (error as BastionRefusedError).code;
  }
  throw new Error('expected a refusal');
}

describe('CIDR arithmetic', () => {
  it('normalises host bits and reads a bare address as /32', () => {
    expect(formatCidr(parseCidr('203.0.113.77/24')!)).toBe('203.0.113.0/24');
    expect(formatCidr(parseCidr('203.0.113.77')!)).toBe('203.0.113.77/32');
  });

  it.each(['203.0.113.300/32', '203.0.113/24', '203.0.113.7/33', '::1/128', '203.0.113.7/24/1', '1.2.3.04x'])(
    'rejects %s',
    (text) => {
      expect(parseCidr(text)).toBeUndefined();
    },
  );

  it('contains a narrower range inside it and nothing outside or wider', () => {
    const office = parseCidr('203.0.113.0/24')!;
    expect(cidrContains(office, parseCidr('203.0.113.255/32')!)).toBe(true);
    expect(cidrContains(office, parseCidr('203.0.114.0/32')!)).toBe(false);
    expect(cidrContains(office, parseCidr('203.0.112.0/23')!)).toBe(false);
    expect(cidrContains(parseCidr('0.0.0.0/0')!, office)).toBe(true);
  });
});

describe('SSH public keys', () => {
  it.each([
    ['ed25519', ED25519],
    ['ecdsa', ECDSA_P256],
    ['rsa 3072', RSA_3072],
  ])('accepts an %s key and drops its comment', (_label, key) => {
    const check = checkSshPublicKey(key);

    expect(check).toEqual({ ok: true, key: key.split(' ').slice(0, 2).join(' ') });
  });

  it.each([
    ['an RSA key under 2048 bits', RSA_1024, 'at least 2048 bits'],
    ['a second line smuggled after the key', `${ED25519}\nrm -rf /`, 'single line'],
    ['a blob of another key type', `ssh-ed25519 ${RSA_3072.split(' ')[1]}`, 'not a ssh-ed25519 key'],
    ['a truncated blob', ED25519.slice(0, 12 + 64), 'not a ssh-ed25519 key'],
    ['a blob that is not base64', 'ssh-ed25519 AAAAC3Nza!', 'not valid base64'],
    ['a DSA key', 'ssh-dss AAAAB3NzaC1kc3MAAACBAP', 'not accepted'],
    ['a private key', '-----BEGIN OPENSSH PRIVATE KEY-----', 'not accepted'],
    ['a quote in the blob', "ssh-ed25519 AAAA'$(id)'", 'not valid base64'],
    ['just a type', 'ssh-ed25519', 'must look like'],
  ])('refuses %s', (_label, key, reason) => {
    const check = checkSshPublicKey(key);

    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).toContain(reason);
  });
});

describe('bastion policy', () => {
  it('approves an ssh request from one allowed address', () => {
    expect(
      approveOpenRequest(
        { ttlMinutes: 60, access: 'ssh', callerCidr: '203.0.113.7', sshPublicKey: ED25519 },
        ssh,
      ),
    ).toEqual({
      access: 'ssh',
      ttlMinutes: 60,
      callerCidr: '203.0.113.7/32',
      sshPublicKey: ED25519.split(' ').slice(0, 2).join(' '),
    });
  });

  it("uses the manifest's access when the request names none", () => {
    expect(approveOpenRequest({ ttlMinutes: 480, callerCidr: '203.0.113.0/25' }, ssm)).toEqual({
      access: 'ssm',
      ttlMinutes: 480,
      callerCidr: '203.0.113.0/25',
    });
  });

  it('admits ssm from anywhere but 0.0.0.0/0 when the manifest lists no ranges, and refuses ssh', () => {
    const open: BastionPolicy = { access: 'ssh', allowedCidrs: [], maxTtlMinutes: 60 };

    expect(
      approveOpenRequest({ ttlMinutes: 30, access: 'ssm', callerCidr: '198.51.100.7' }, open).access,
    ).toBe('ssm');
    expect(
      refusal(() => approveOpenRequest({ ttlMinutes: 30, access: 'ssm', callerCidr: '0.0.0.0/0' }, open)),
    ).toBe('CIDR_TOO_WIDE');
    expect(
      refusal(() =>
        approveOpenRequest(
          { ttlMinutes: 30, access: 'ssh', callerCidr: '198.51.100.7', sshPublicKey: ED25519 },
          open,
        ),
      ),
    ).toBe('CIDR_NOT_ALLOWED');
  });

  it.each([
    ['a TTL above the maximum', { ttlMinutes: 241 }, 'TTL_TOO_LONG'],
    ['a zero TTL', { ttlMinutes: 0 }, 'TTL_INVALID'],
    ['a negative TTL', { ttlMinutes: -5 }, 'TTL_INVALID'],
    ['0.0.0.0/0', { callerCidr: '0.0.0.0/0' }, 'CIDR_TOO_WIDE'],
    ['a range wider than allowed', { access: 'ssm' as const, callerCidr: '203.0.112.0/23' }, 'CIDR_TOO_WIDE'],
    ['a caller outside every allowed range', { callerCidr: '198.51.100.7/32' }, 'CIDR_NOT_ALLOWED'],
    ['ssh to a whole range', { callerCidr: '203.0.113.0/28' }, 'CIDR_TOO_WIDE'],
    ['a caller address that is not IPv4', { callerCidr: 'my laptop' }, 'CIDR_INVALID'],
    ['ssh without a key', { sshPublicKey: undefined }, 'SSH_KEY_MISSING'],
    ['ssh with a malformed key', { sshPublicKey: 'ssh-ed25519 nope' }, 'SSH_KEY_INVALID'],
  ])('refuses %s', (_label, change, code) => {
    const request = {
      ttlMinutes: 60,
      access: 'ssh' as const,
      callerCidr: '203.0.113.7/32',
      sshPublicKey: ED25519,
    };

    expect(refusal(() => approveOpenRequest({ ...request, ...change }, ssh))).toBe(code);
  });

  it('refuses ssh when the manifest allows ssm only', () => {
    expect(
      refusal(() =>
        approveOpenRequest(
          { ttlMinutes: 60, access: 'ssh', callerCidr: '203.0.113.7', sshPublicKey: ED25519 },
          ssm,
        ),
      ),
    ).toBe('ACCESS_NOT_ALLOWED');
  });

  it('says in the refusal what the limit is', () => {
    expect(() =>
      approveOpenRequest({ ttlMinutes: 600, access: 'ssm', callerCidr: '203.0.113.7' }, ssm),
    ).toThrow(
      "A 600-minute bastion exceeds this project's limit of 480 minutes (manifest bastion.maxTtlMinutes) [TTL_TOO_LONG]",
    );
  });
});

describe('expiry tag', () => {
  it('round-trips an expiry to the second in UTC', () => {
    const at = new Date('2026-11-26T08:00:00.400Z');

    expect(formatExpiry(at)).toBe('2026-11-26T08:00:00Z');
    expect(parseExpiry('2026-11-26T08:00:00Z')?.toISOString()).toBe('2026-11-26T08:00:00.000Z');
    expect(parseExpiry('2026-11-26T08:00:00.250Z')?.toISOString()).toBe('2026-11-26T08:00:00.250Z');
  });

  it('makes an ARN with odd characters a valid tag value', () => {
    expect(toTagValue('arn:aws:sts::123456789012:assumed-role/Dev/jane@example.com')).toBe(
      'arn:aws:sts::123456789012:assumed-role/Dev/jane@example.com',
    );
    expect(toTagValue('jane; rm -rf /')).toBe('jane_ rm -rf /');
  });
});

describe('bastion user data', () => {
  it('powers off ten minutes after expiry with a persistent timer and a boot-time check, and holds no key for ssm', () => {
    const script = renderUserData({ expiresAt: new Date('2026-11-26T08:00:00Z') });

    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(script).toContain('OnCalendar=2026-11-26 08:10:00 UTC');
    expect(script).toContain('Persistent=true');
    expect(script).toContain('systemctl enable --now stackdrop-expire.timer');
    const epoch = Date.parse('2026-11-26T08:10:00Z') / 1000;
    expect(script).toContain(`if [ "$(date -u +%%s)" -ge ${epoch} ]; then /usr/bin/systemctl poweroff; fi`);
    expect(script).toContain(`if [ "$(date -u +%s)" -ge ${epoch} ]; then systemctl poweroff; fi`);
    expect(script).not.toContain('authorized_keys');
  });

  it("adds the caller's public key for ssh, quoted, without its comment", () => {
    const key = ED25519.split(' ').slice(0, 2).join(' ');

    const script = renderUserData({ expiresAt: new Date('2026-11-26T08:00:00Z'), sshPublicKey: key });

    expect(script).toContain(`printf '%s\\n' '${key}' >>/home/ec2-user/.ssh/authorized_keys`);
    expect(script).not.toContain('dev@laptop');
  });
});
