import type { Context } from 'hono';
import type { Env } from './env.ts';
import { remoteAddress } from './remote.ts';

/** The client's address (see remote.ts: through trusted proxies, the client they name); null in-process. */
export function clientAddressOf(c: Context<Env>): string | null {
  return remoteAddress(c);
}
