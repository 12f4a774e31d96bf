/**
 * OpenSSH public-key validation. The key is written into the bastion's user data, so it is checked
 * structurally (the base64 blob must decode to a key of the declared type) and reduced to
 * `<type> <base64>`: the free-text comment is dropped so nothing but a key ever reaches the shell.
 */

const KEY_TYPES = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'ssh-rsa',
] as const;

/** RSA keys below this size are refused (NIST SP 800-57: 2048 bits minimum). */
export const MIN_RSA_BITS = 2048;
const MAX_KEY_LENGTH = 8192;

export type SshKeyCheck = { ok: true; key: string } | { ok: false; reason: string };

/** Validates an OpenSSH public key line and returns it without its comment. */
export function checkSshPublicKey(text: string): SshKeyCheck {
  if (text.length > MAX_KEY_LENGTH) return { ok: false, reason: 'the SSH public key is too long' };
  if (/[\r\n\0]/.test(text.trim())) {
    return { ok: false, reason: 'the SSH public key must be a single line' };
  }
  const [type, blob] = text.trim().split(/\s+/);
  if (!type || !blob) {
    return { ok: false, reason: 'the SSH public key must look like "ssh-ed25519 AAAA... [comment]"' };
  }
  if (!(KEY_TYPES as readonly string[]).includes(type)) {
    return {
      ok: false,
      reason: `SSH key type ${type} is not accepted; use one of ${KEY_TYPES.join(', ')}`,
    };
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob) || blob.length % 4 !== 0) {
    return { ok: false, reason: 'the SSH public key is not valid base64' };
  }
  const bytes = Buffer.from(blob, 'base64');
  const fields = readSshStrings(bytes);
  if (!fields || fields[0]?.toString('latin1') !== type) {
    return { ok: false, reason: `the SSH public key's content is not a ${type} key` };
  }
  const shapeError = checkShape(type, fields);
  if (shapeError) return { ok: false, reason: shapeError };
  return { ok: true, key: `${type} ${blob}` };
}

function checkShape(type: string, fields: Buffer[]): string | undefined {
  if (type === 'ssh-ed25519') {
    return fields.length === 2 && fields[1]!.length === 32 ? undefined : 'malformed ssh-ed25519 key';
  }
  if (type === 'ssh-rsa') {
    if (fields.length !== 3) return 'malformed ssh-rsa key';
    const bits = mpintBits(fields[2]!);
    return bits >= MIN_RSA_BITS
      ? undefined
      : `RSA keys must have at least ${MIN_RSA_BITS} bits (this one has ${bits})`;
  }
  // ECDSA and security-key types: type, curve, point (sk-* adds the application string).
  return fields.length >= 3 ? undefined : `malformed ${type} key`;
}

/** Splits the SSH wire format (uint32 length + bytes, repeated); undefined if it does not add up. */
function readSshStrings(bytes: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 4 > bytes.length) return undefined;
    const length = bytes.readUInt32BE(offset);
    offset += 4;
    if (offset + length > bytes.length) return undefined;
    out.push(bytes.subarray(offset, offset + length));
    offset += length;
  }
  return out.length > 0 ? out : undefined;
}

function mpintBits(value: Buffer): number {
  let start = 0;
  while (start < value.length && value[start] === 0) start++;
  if (start === value.length) return 0;
  return (value.length - start - 1) * 8 + (32 - Math.clz32(value[start]!));
}
