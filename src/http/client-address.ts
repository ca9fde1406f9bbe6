import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { Env } from './env.ts';

/** The peer's address from the socket; null when there is none (in-process `app.request()`). */
export function clientAddressOf(c: Context<Env>): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}
