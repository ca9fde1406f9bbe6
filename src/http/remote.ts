import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { clientAddressOfRequest } from '../protocols/forwarded.ts';

/**
 * The client's address: the socket's peer, or (through a proxy of server.trustedProxies) the client it names in
 * X-Forwarded-For; null when there is no socket (in-process `app.request()`).
 */
export function remoteAddress(c: Context): string | null {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return clientAddressOfRequest(incoming) ?? null;
}

/** A caller on this machine: a loopback address, or in-process (no socket). */
export function isLocalCaller(address: string | null): boolean {
  if (address === null) return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}
