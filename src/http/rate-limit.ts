import type { MiddlewareHandler } from 'hono';
import { MusterError } from '../core/errors.ts';
import { type RateLimitDeps, requestSourceOf, takeRequest } from '../protocols/rate-limit.ts';
import { clientAddressOf } from './client-address.ts';
import type { Env } from './env.ts';
import { errorBody } from './errors.ts';

/**
 * The rate limits per client address and per bearer credential (server.limits.rate), before authentication: past
 * them, 429 MUSTER_ERR_RATE_LIMITED with `Retry-After`, answered here and never audited one by one.
 */
export function rateLimit(deps: RateLimitDeps): MiddlewareHandler<Env> {
  return async (c, next) => {
    const taken = takeRequest(deps, requestSourceOf(clientAddressOf(c), c.req.header('authorization')));
    if (taken.ok) return next();
    const error = new MusterError('MUSTER_ERR_RATE_LIMITED', `too many requests: retry after ${taken.retryAfterSeconds} s`);
    return c.json(errorBody(error, c.get('correlationId') ?? ''), 429, { 'retry-after': String(taken.retryAfterSeconds) });
  };
}
