import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { authenticateBearer } from '../admin/authentication.ts';
import { MusterError } from '../core/errors.ts';
import type { Muster } from '../runtime/context.ts';
import type { Env } from './env.ts';

/** Guards `/api/*`: a valid bearer token or 401 with `WWW-Authenticate: Bearer` (the refusal is audited). */
export function requireToken(ctx: Muster): MiddlewareHandler<Env> {
  return async (c, next) => {
    const origin = { remoteAddress: remoteAddress(c), method: c.req.method, path: c.req.path };
    const outcome = await authenticateBearer(ctx, c.req.header('authorization'), origin, c.get('correlationId'));
    if (!outcome.ok) throw new MusterError('MUSTER_ERR_UNAUTHENTICATED', `API token refused: ${outcome.reason}`);
    const { id, name } = outcome.principal;
    c.set('principal', { tokenId: id, tokenName: name, actor: `token:${id}` });
    await next();
  };
}

/** The peer's address from the socket; null when there is none (in-process `app.request()`). */
function remoteAddress(c: Context<Env>): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}
