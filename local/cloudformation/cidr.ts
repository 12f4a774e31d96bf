import { CfnValidationError } from './errors.ts';

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(`0x${group}`);
  }
  return value;
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 255n).toString()).join('.');
}

function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) =>
    ((value >> BigInt((7 - i) * 16)) & 0xffffn).toString(16),
  );
  // Compress the longest run of zero groups (RFC 5952), as AWS prints IPv6 blocks.
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLength && j - i > 1) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  const left = groups.slice(0, bestStart).join(':');
  const right = groups.slice(bestStart + bestLength).join(':');
  return `${left}::${right}`;
}

/**
 * `Fn::Cidr`: `count` consecutive blocks with `cidrBits` host bits each, carved from the start of
 * `ipBlock` (IPv4 or IPv6), exactly as CloudFormation allocates them.
 */
export function cidr(ipBlock: string, count: number, cidrBits: number): string[] {
  const [address = '', prefixText = ''] = ipBlock.split('/');
  const v4 = parseIpv4(address);
  const v6 = v4 === undefined ? parseIpv6(address) : undefined;
  const totalBits = v4 !== undefined ? 32 : 128;
  const base = v4 ?? v6;
  const prefix = Number(prefixText);
  if (base === undefined || !/^\d{1,3}$/.test(prefixText) || prefix > totalBits) {
    throw new CfnValidationError(`Template error: Fn::Cidr ipBlock ${ipBlock} is not a valid CIDR block`);
  }
  if (!Number.isInteger(count) || count < 1 || count > 256) {
    throw new CfnValidationError('Template error: Fn::Cidr count must be an integer between 1 and 256');
  }
  const newPrefix = totalBits - cidrBits;
  if (!Number.isInteger(cidrBits) || cidrBits < 1 || newPrefix < prefix) {
    throw new CfnValidationError(
      `Template error: Fn::Cidr cidrBits ${cidrBits} is not valid for the CIDR block ${ipBlock}`,
    );
  }
  if (BigInt(count) > 1n << BigInt(newPrefix - prefix)) {
    throw new CfnValidationError(
      `Template error: Fn::Cidr cannot allocate ${count} subnets of /${newPrefix} in ${ipBlock}`,
    );
  }
  const hostMask = (1n << BigInt(totalBits - prefix)) - 1n;
  const network = base & ~hostMask;
  const size = 1n << BigInt(cidrBits);
  const format = v4 !== undefined ? formatIpv4 : formatIpv6;
  return Array.from({ length: count }, (_, i) => `${format(network + BigInt(i) * size)}/${newPrefix}`);
}
