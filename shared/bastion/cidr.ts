/** IPv4 CIDR arithmetic for the bastion access policy (caller range inside the manifest's allowedCidrs). */

export interface Ipv4Range {
  /** Network address as an unsigned 32-bit integer (host bits cleared). */
  network: number;
  prefix: number;
}

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

/** Parses `a.b.c.d/n` (or a bare address, taken as /32); undefined when it is not IPv4 CIDR notation. */
export function parseCidr(text: string): Ipv4Range | undefined {
  const [address, prefixText, extra] = text.trim().split('/');
  if (extra !== undefined || address === undefined || !IPV4.test(address)) return undefined;
  if (prefixText !== undefined && !/^(3[0-2]|[12]?\d)$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  const value = address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  return { network: (value & mask(prefix)) >>> 0, prefix };
}

/** The canonical text of a range: network address and prefix (`203.0.113.7/24` → `203.0.113.0/24`). */
export function formatCidr(range: Ipv4Range): string {
  const n = range.network;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${range.prefix}`;
}

/** Whether every address of `inner` lies in `outer`. */
export function cidrContains(outer: Ipv4Range, inner: Ipv4Range): boolean {
  return inner.prefix >= outer.prefix && (inner.network & mask(outer.prefix)) >>> 0 === outer.network;
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}
