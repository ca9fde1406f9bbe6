import type { MiddlewareHandler } from 'hono';
import { MusterError } from '../core/errors.ts';
import { OperatorAuthentication } from '../operators/authentication.ts';
import type { Muster } from '../runtime/context.ts';
import type { Env } from './env.ts';
import { isLocalCaller, remoteAddress } from './remote.ts';

const METRICS_ROLE = 'auditor';

/**
 * Who may read `/metrics` (`admin.metrics`): `loopback`, callers on this machine without a token
 * (a local scraper or agent); `auditor`, anyone presenting a token with the auditor role.
 */
export function metricsAccess(ctx: Muster): MiddlewareHandler<Env> {
  if (ctx.config.admin.metrics === 'loopback') {
    return async (c, next) => {
      if (!isLocalCaller(remoteAddress(c))) throw new MusterError('MUSTER_ERR_FORBIDDEN', '/metrics answers callers on this machine only (admin.metrics: "auditor" opens it to auditor tokens)');
      await next();
    };
  }
  const auth = new OperatorAuthentication(ctx);
  return async (c, next) => {
    const origin = { remoteAddress: remoteAddress(c), method: c.req.method, path: c.req.path };
    const outcome = await auth.bearer(c.req.header('authorization'), origin, c.get('correlationId'));
    if (!outcome.ok) throw new MusterError('MUSTER_ERR_UNAUTHENTICATED', `API token refused: ${outcome.reason}`);
    if (!outcome.principal.roles.includes(METRICS_ROLE)) throw await auth.forbid(outcome.principal, 'GET /metrics', [METRICS_ROLE], c.get('correlationId'));
    await next();
  };
}
