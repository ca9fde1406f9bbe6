import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Env } from './env.ts';

export const CORRELATION_HEADER = 'x-correlation-id';
const SANE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** A caller's correlation id when it is a short token of safe characters; anything else is replaced. */
export function acceptCorrelationId(value: string | undefined): string {
  return value !== undefined && SANE.test(value) ? value : randomUUID();
}

export const correlation: MiddlewareHandler<Env> = async (c, next) => {
  const id = acceptCorrelationId(c.req.header(CORRELATION_HEADER));
  c.set('correlationId', id);
  c.header(CORRELATION_HEADER, id);
  await next();
  if (c.res.headers.get(CORRELATION_HEADER) !== id) c.res.headers.set(CORRELATION_HEADER, id);
};
