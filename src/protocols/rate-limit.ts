import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.ts';
import { clientAddressOfRequest } from './forwarded.ts';
import type { RateLimiter, RequestSource, Taken } from '../core/limits/token-buckets.ts';

/** The credential a request carries (Authorization header) as the rate limits key it: a digest, never the value. */
export function tokenKeyOf(authorization: string | undefined): string | null {
  const value = authorization?.trim();
  if (!value) return null;
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}

/** Who sent a request: the peer address (null in-process) and its credential's digest. */
export function requestSourceOf(address: string | null | undefined, authorization: string | undefined): RequestSource {
  return { address: address ?? null, token: tokenKeyOf(authorization) };
}

export interface RateLimitDeps {
  readonly limiter: RateLimiter;
  readonly clock: Clock;
}

/** Takes a request from the limiter, now. */
export function takeRequest(deps: RateLimitDeps, source: RequestSource): Taken {
  return deps.limiter.take(source, deps.clock.now().getTime());
}

export const RATE_LIMITED_DESCRIPTION = 'too many requests: slow down and retry after the time Retry-After names';

/** The 429 of a raw Node listener: OAuth-style JSON with `Retry-After`; never audited one by one. */
export function sendTooManyRequests(res: ServerResponse, retryAfterSeconds: number): void {
  res
    .writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'retry-after': String(retryAfterSeconds) })
    .end(JSON.stringify({ error: 'too_many_requests', error_description: RATE_LIMITED_DESCRIPTION }));
}

/** Rate-limits the requests `limited` picks before handing them on; the others go straight through. */
export function rateLimitedListener(
  listener: (req: IncomingMessage, res: ServerResponse) => boolean,
  limited: (req: IncomingMessage) => boolean,
  deps: RateLimitDeps,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (!limited(req)) return listener(req, res);
    const taken = takeRequest(deps, requestSourceOf(clientAddressOfRequest(req), req.headers.authorization));
    if (taken.ok) return listener(req, res);
    sendTooManyRequests(res, taken.retryAfterSeconds);
    return true;
  };
}
