import { isIP } from 'node:net';

/**
 * IP addresses as 128-bit numbers (IPv4 as its IPv4-mapped IPv6 form, ::ffff:a.b.c.d), CIDR ranges over them, and the
 * special-use ranges an outbound request is refused by default.
 */

export interface Cidr {
  /** As written, e.g. `10.0.0.0/8`. */
  readonly text: string;
  readonly base: bigint;
  /** Prefix length over 128 bits. */
  readonly bits: number;
}

export interface SpecialRange {
  readonly cidr: Cidr;
  /** What kind of address it is, as a refusal names it: "a link-local address". */
  readonly kind: string;
  /** A cloud metadata address: let through only by an allowlist entry naming exactly it. */
  readonly metadata?: boolean;
}

const MAPPED_PREFIX = 0xffffn << 32n;

function ipv4ToBigint(text: string): bigint {
  return text.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBigint(text: string): bigint {
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  const withoutV4 = tail.includes('.') ? `${text.slice(0, lastColon + 1)}${hexPairOf(tail)}` : text;
  const [head = '', rest] = withoutV4.split('::');
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest ? rest.split(':') : [];
  const missing = rest === undefined ? 0 : 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array<string>(missing).fill('0'), ...restGroups];
  return groups.reduce((n, group) => (n << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

function hexPairOf(ipv4: string): string {
  const n = ipv4ToBigint(ipv4);
  return `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
}

/** The address as a 128-bit number; undefined when it is not an IP address. */
export function addressValue(address: string): bigint | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return MAPPED_PREFIX | ipv4ToBigint(bare);
  if (family === 6) return ipv6ToBigint(bare);
  return undefined;
}

/** Whether the text is an IP address or CIDR range `parseCidr` takes. */
export function isCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

/** Parses `a.b.c.d/n` or `v6/n` (a bare address is a /32 or /128); throws a TypeError naming the text. */
export function parseCidr(text: string): Cidr {
  const [address = '', prefix] = text.trim().split('/');
  const value = addressValue(address);
  if (value === undefined) throw new TypeError(`${text} is not an IP address or CIDR range`);
  const v4 = isIP(address) === 4;
  const length = prefix === undefined ? (v4 ? 32 : 128) : Number(prefix);
  if (!Number.isInteger(length) || length < 0 || length > (v4 ? 32 : 128) || !/^\d*$/.test(prefix ?? '')) throw new TypeError(`${text} has a bad prefix length`);
  const bits = v4 ? length + 96 : length;
  return { text: text.trim(), base: value & maskOf(bits), bits };
}

function maskOf(bits: number): bigint {
  return bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(128 - bits);
}

export function inCidr(value: bigint, cidr: Cidr): boolean {
  return (value & maskOf(cidr.bits)) === cidr.base;
}

const special = (text: string, kind: string, metadata = false): SpecialRange => ({ cidr: parseCidr(text), kind, ...(metadata ? { metadata } : {}) });

/** Most specific first, so the metadata addresses are named as such. */
export const SPECIAL_RANGES: readonly SpecialRange[] = [
  special('169.254.169.254', 'a cloud metadata (link-local) address', true),
  special('fd00:ec2::254', 'a cloud metadata (unique local) address', true),
  special('0.0.0.0/8', 'an unspecified ("this network") address'),
  special('::', 'an unspecified address'),
  special('127.0.0.0/8', 'a loopback address'),
  special('::1', 'a loopback address'),
  special('::/96', 'an IPv4-compatible address'),
  special('10.0.0.0/8', 'a private address'),
  special('172.16.0.0/12', 'a private address'),
  special('192.168.0.0/16', 'a private address'),
  special('100.64.0.0/10', 'a shared (carrier-grade NAT) address'),
  special('fc00::/7', 'a unique local (private) address'),
  special('169.254.0.0/16', 'a link-local address'),
  special('fe80::/10', 'a link-local address'),
  special('224.0.0.0/4', 'a multicast address'),
  special('ff00::/8', 'a multicast address'),
  special('240.0.0.0/4', 'a reserved address'),
  special('64:ff9b::/96', 'a NAT64 address'),
  special('2002::/16', 'a 6to4 address'),
];

/** The special-use range an address falls in, if any. */
export function specialRangeOf(value: bigint): SpecialRange | undefined {
  return SPECIAL_RANGES.find((range) => inCidr(value, range.cidr));
}
