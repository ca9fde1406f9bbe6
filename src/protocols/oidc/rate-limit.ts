import type { IncomingMessage } from 'node:http';
import { type RateLimitDeps, rateLimitedListener } from '../rate-limit.ts';
import type { RawListener } from './listener.ts';
import { OP_ROUTES, mountPathOf } from './routes.ts';

/** The endpoints a client calls without a browser, where a flood costs the most: token, PAR and registration. */
const LIMITED = [OP_ROUTES.token, OP_ROUTES.pushed_authorization_request, OP_ROUTES.registration];

function limitedPaths(issuer: string): (req: IncomingMessage) => boolean {
  const mount = mountPathOf(issuer);
  const paths = LIMITED.map((route) => `${mount}${route}`);
  return (req) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    return paths.some((p) => path === p || path.startsWith(`${p}/`));
  };
}

/** The OP's listener with the rate limits per client address and per credential on its token, PAR and registration endpoints (429 past them). */
export function rateLimitedOp(listener: RawListener, issuer: string, deps: RateLimitDeps): RawListener {
  return rateLimitedListener(listener, limitedPaths(issuer), deps);
}
