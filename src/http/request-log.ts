import type { MiddlewareHandler } from 'hono';
import { type Logger, errorFields } from '../runtime/log.ts';
import type { Env } from './env.ts';
import type { ServerErrorListener } from './errors.ts';

/**
 * Probes answer every few seconds: logged at debug so they do not drown the requests people make,
 * also when /health says 503 during a store outage (the outage itself is logged once, as it starts and ends).
 */
const PROBES = new Set(['/health', '/metrics']);

/** The longest path and user agent a request line keeps: a client chooses them, the log's size should not be its choice. */
export const LOGGED_PATH_CHARS = 512;
export const LOGGED_USER_AGENT_CHARS = 200;

/** A value the client chose, cut to `max` characters (an ellipsis marks the cut). */
function clipped(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

/** One JSON line per request once it is answered: method, path (no query string, cut short), status, duration, user agent (cut short) and correlation id. */
export function requestLog(log: Logger): MiddlewareHandler<Env> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const status = c.res.status;
    const fields = {
      method: clipped(c.req.method, 16),
      path: clipped(c.req.path, LOGGED_PATH_CHARS),
      status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      correlationId: c.get('correlationId'),
      actor: c.get('principal')?.actor,
      userAgent: clipped(c.req.header('user-agent') ?? '', LOGGED_USER_AGENT_CHARS) || undefined,
    };
    const probe = PROBES.has(c.req.path) && (status < 500 || status === 503);
    const level = probe ? 'debug' : status >= 500 ? 'error' : 'info';
    log[level](fields, 'request');
  };
}

/** A 5xx with its stack, under the correlation id the caller was given (the response hides the message). */
export function logServerError(log: Logger): ServerErrorListener {
  return (error, correlationId) => log.error({ correlationId, error: { ...errorFields(error), stack: (error as Error)?.stack } }, 'request failed');
}
