import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { MusterError } from '../../core/errors.ts';
import { AGENCY_NETWORK_RANGES } from '../../core/network-ranges.ts';
import { type Cidr, addressValue, inCidr, parseCidr, specialRangeOf } from './addresses.ts';

/** A resolved address of a host name. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host name to every address it has; `dns.lookup` unless injected. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, order: 'verbatim' });

/**
 * Which special-use addresses (loopback, private, link-local, …) a request may reach: none, the CIDR ranges named, or
 * any. A cloud metadata address is let through only by an entry naming exactly it, never by `any` or a wider range.
 */
export interface AddressPolicy {
  readonly allow: 'any' | readonly Cidr[];
  /** Where the allowance comes from, for refusals: "the agreement's allowPrivateNetwork", "outbound.agencyNetworks". */
  readonly source?: string;
}

/** Public addresses only: for URLs a relying party chose. */
export const PUBLIC_ONLY: AddressPolicy = { allow: [] };

/** Any special-use address but a cloud metadata one: an RP whose agreement entry sets `allowPrivateNetwork`. */
export const PRIVATE_NETWORK_ALLOWED: AddressPolicy = { allow: 'any', source: "the agreement's allowPrivateNetwork" };

/** The policy of URLs a relying party chose, by its agreement entry. */
export function rpAddressPolicy(rp: { readonly allowPrivateNetwork?: boolean } | undefined): AddressPolicy {
  return rp?.allowPrivateNetwork ? PRIVATE_NETWORK_ALLOWED : PUBLIC_ONLY;
}

/** Public addresses and these ranges (the agency's own network); the loopback and private ranges by default. */
export function agencyNetworkPolicy(ranges: readonly string[] = AGENCY_NETWORK_RANGES, source = 'outbound.agencyNetworks'): AddressPolicy {
  return { allow: ranges.map(parseCidr), source };
}

/** Why the address is refused under the policy ("169.254.169.254, a link-local address"), or undefined when it may be reached. */
export function refusalOf(address: string, policy: AddressPolicy): string | undefined {
  const value = addressValue(address);
  if (value === undefined) return `${address}, not an IP address`;
  const range = specialRangeOf(value);
  if (!range) return undefined;
  if (policy.allow === 'any' && !range.metadata) return undefined;
  if (policy.allow !== 'any' && policy.allow.some((cidr) => inCidr(value, cidr) && (!range.metadata || cidr.bits === 128))) return undefined;
  return `${address}, ${range.kind}`;
}

export function outboundRefused(url: string, why: string): MusterError {
  return new MusterError('MUSTER_ERR_OUTBOUND_REFUSED', `muster refuses to fetch ${url}: ${why}`, [{ field: 'url', value: url, message: why }]);
}

function bareHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/**
 * Resolves the URL's host once and checks every address it has; returns the one to connect to. Throws
 * MUSTER_ERR_OUTBOUND_REFUSED naming the URL and the address when any is refused, before anything is connected.
 */
export async function checkedAddress(url: URL, policy: AddressPolicy, resolver: Resolver): Promise<ResolvedAddress> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw outboundRefused(url.href, `${url.protocol} is not http or https`);
  const host = bareHost(url);
  const literal = isIP(host);
  const addresses = literal ? [{ address: host, family: literal }] : await resolve(url, host, resolver);
  for (const { address } of addresses) {
    const why = refusalOf(address, policy);
    if (why) throw outboundRefused(url.href, `${literal ? 'the host is' : `${host} resolves to`} ${why}${policy.source ? ` not allowed by ${policy.source}` : ''}`);
  }
  const [first] = addresses;
  if (!first)
    throw new MusterError('MUSTER_ERR_TARGET_UNAVAILABLE', `muster cannot fetch ${url.href}: ${host} resolves to no address`, [
      { field: 'url', value: url.href, message: 'host resolves to no address' },
    ]);
  return first;
}

async function resolve(url: URL, host: string, resolver: Resolver): Promise<readonly ResolvedAddress[]> {
  try {
    return await resolver(host);
  } catch (cause) {
    throw new MusterError(
      'MUSTER_ERR_TARGET_UNAVAILABLE',
      `muster cannot fetch ${url.href}: ${host} does not resolve (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`,
      [{ field: 'url', value: url.href, message: 'host does not resolve' }],
      { cause },
    );
  }
}
