import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
export { cidrProblem } from '../config/network.ts';

/**
 * What a request says about its client when it came through a proxy (`X-Forwarded-For`, `X-Forwarded-Proto`),
 * believed only when the connection's peer is one of `server.trustedProxies`; from anyone else the headers are
 * ignored. The serving listener reads it once per request (`recordForwarded`); every part that names the client's
 * address (rate limits, refusal aggregation, the local-caller check of /metrics) asks `clientAddressOfRequest`.
 */

export interface Forwarded {
  /** The client's address: the peer's, or (through trusted proxies) the nearest untrusted one they name. */
  readonly address: string | undefined;
  /** The client reached muster over TLS: this listener's, or a trusted proxy's that says `https`. */
  readonly https: boolean;
}

export type TrustedProxies = (address: string) => boolean;

const NONE: TrustedProxies = () => false;
const SEEN = new WeakMap<IncomingMessage, Forwarded>();

function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** A check of addresses against the configured proxies' ranges. */
export function trustedProxiesOf(ranges: readonly string[]): TrustedProxies {
  if (ranges.length === 0) return NONE;
  const list = new BlockList();
  for (const range of ranges) {
    const [address = '', prefix] = range.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    list.addSubnet(address, prefix === undefined ? (type === 'ipv6' ? 128 : 32) : Number(prefix), type);
  }
  return (address) => {
    const bare = plain(address);
    const type = isIP(bare);
    return type !== 0 && list.check(bare, type === 6 ? 'ipv6' : 'ipv4');
  };
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

/** The client behind trusted proxies: the rightmost address of X-Forwarded-For that is not a trusted proxy. */
function forwardedClient(req: IncomingMessage, trusted: TrustedProxies, peer: string): string {
  const hops = header(req, 'x-forwarded-for')
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => isIP(plain(hop)) !== 0);
  for (let i = hops.length - 1; i >= 0; i -= 1) if (!trusted(hops[i] as string)) return hops[i] as string;
  return hops[0] ?? peer;
}

/** Reads (once) and keeps what the request says about its client. */
export function recordForwarded(req: IncomingMessage, trusted: TrustedProxies): Forwarded {
  const known = SEEN.get(req);
  if (known) return known;
  const peer = req.socket?.remoteAddress;
  const tls = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const viaProxy = peer !== undefined && trusted(peer);
  const proto = header(req, 'x-forwarded-proto').split(',')[0]?.trim().toLowerCase();
  const seen = { address: viaProxy ? forwardedClient(req, trusted, peer) : peer, https: tls || (viaProxy && proto === 'https') };
  SEEN.set(req, seen);
  return seen;
}

/** The client's address: as recorded by the listener, else the socket's peer. */
export function clientAddressOfRequest(req: IncomingMessage | undefined): string | undefined {
  if (!req) return undefined;
  return SEEN.get(req)?.address ?? req.socket?.remoteAddress;
}
