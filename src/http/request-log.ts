import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { oidcErrorOf } from '../protocols/oidc/events.ts';
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

/** A listener answering requests before the app (the OP, OCSP); true when it took the request. */
export type RawRequestListener = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The request log for a raw listener (the OpenID Provider answers outside the app): one line per request it took,
 * as the app's, with the protocol error it was answered with (`oidcError`, from oidc-provider's error events).
 */
export function logRawRequests(log: Logger, listener: RawRequestListener): RawRequestListener {
  return (req, res) => {
    const started = performance.now();
    const path = clipped((req.url ?? '/').split('?')[0] ?? '/', LOGGED_PATH_CHARS);
    if (!listener(req, res)) return false;
    res.once('close', () => {
      const status = res.statusCode;
      const answered = oidcErrorOf(req);
      const fields = {
        method: clipped(req.method ?? '', 16),
        path,
        status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        userAgent: clipped(String(req.headers['user-agent'] ?? ''), LOGGED_USER_AGENT_CHARS) || undefined,
        ...(answered ? { oidcError: { event: answered.event, error: answered.error, description: clipped(answered.description, LOGGED_USER_AGENT_CHARS) } } : {}),
      };
      log[status >= 500 ? 'error' : 'info'](fields, 'request');
    });
    return true;
  };
}

/** oidc-provider's `server_error`: the error and its stack in the log (the response says only `server_error`). */
export function logOidcServerError(log: Logger): (error: unknown, request: { method: string; path: string; clientId: string | undefined }) => void {
  return (error, request) => log.error({ ...request, error: { ...errorFields(error), stack: (error as Error)?.stack } }, 'openid provider request failed');
}
