/**
 * IPv4 CIDR rules EC2 applies to VPCs, subnets and security-group rules. Plain functions, no
 * local-cloud imports: the manifest validator may read them too.
 *
 * Read 2026-12-07 from:
 * - CreateVpc / CreateSubnet `CidrBlock` ("We modify the specified CIDR block to its canonical
 *   form; for example, if you specify 100.68.0.18/18, we modify it to 100.68.0.0/18"):
 *   https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpc.html
 *   https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSubnet.html
 * - VPC and subnet sizes (/16 to /28), subnets inside the VPC and not overlapping:
 *   https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html
 *   https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html
 * - Security-group CidrIp canonicalised, a non-canonical duplicate refused:
 *   https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html
 */

export const CIDR_RULES_READ_ON = '2026-12-07';

/** Smallest and largest prefix EC2 allows for a VPC CIDR block and for a subnet. */
export const VPC_PREFIX = { largest: 16, smallest: 28 } as const;

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer (host bits cleared). */
  base: number;
  prefix: number;
  /** Canonical text: host bits cleared (`10.0.0.0/16` for `10.0.3.7/16`). */
  canonical: string;
}

function toInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** Dotted-quad text of an address integer. */
export function ipv4ToString(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/**
 * Parses `a.b.c.d/n` strictly (four octets 0–255, prefix 0–32) and canonicalises it. Undefined
 * for anything EC2 would call "not a valid CIDR block" / "malformed".
 */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text ?? '');
  if (!m) return undefined;
  const addr = toInt(m[1]!);
  const prefix = Number(m[2]);
  if (addr === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const base = addr - (addr % size);
  return { base, prefix, canonical: `${ipv4ToString(base)}/${prefix}` };
}

/** Number of addresses in a block. */
export function cidrSize(c: Ipv4Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** Whether `inner` lies wholly inside `outer`. */
export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return inner.prefix >= outer.prefix && inner.base - (inner.base % cidrSize(outer)) === outer.base;
}

/** Whether two blocks share any address. */
export function cidrOverlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/** Whether a prefix is one EC2 allows for a VPC CIDR block or a subnet (/16 to /28). */
export function isVpcSizedPrefix(prefix: number): boolean {
  return prefix >= VPC_PREFIX.largest && prefix <= VPC_PREFIX.smallest;
}
