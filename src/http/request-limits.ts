import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { type ErrorDetail, MusterError } from '../core/errors.ts';
import type { Env } from './env.ts';

/** Media types of the routes that stream their body to a file under a limit of their own (imports). */
const STREAMED = ['text/csv', 'application/x-ndjson'];
const NUL = '\u0000';
const SHOWN_FIELDS = 5;

function streamed(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return STREAMED.includes(type);
}

/** Refuses a body over `maxBytes` (413) before it is read whole; streamed uploads keep their own limit. */
export function jsonBodyLimit(maxBytes: number): MiddlewareHandler<Env> {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new MusterError('MUSTER_ERR_TOO_LARGE', `the request body is larger than ${maxBytes} bytes`, [{ field: '(body)', message: `at most ${maxBytes} bytes (server.maxJsonBytes)` }]);
    },
  });
  return async (c, next) => (streamed(c.req.header('content-type')) ? next() : limit(c, next));
}

/** The JSON paths (`a.b[2]`) of every string in `value` holding a NUL character, keys included. */
function nulFields(value: unknown, path: string, found: string[]): void {
  if (typeof value === 'string') {
    if (value.includes(NUL)) found.push(path || '(body)');
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => nulFields(item, `${path}[${i}]`, found));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (key.includes(NUL)) found.push(at);
      nulFields(item, at, found);
    }
  }
}

function refuse(fields: readonly string[]): never {
  const details: ErrorDetail[] = fields.slice(0, SHOWN_FIELDS).map((field) => ({ field, message: 'contains a NUL character (U+0000), which no field may hold' }));
  throw new MusterError('MUSTER_ERR_VALIDATION', `the request holds a NUL character in ${fields.slice(0, SHOWN_FIELDS).join(', ')}`, details);
}

/**
 * Refuses a NUL character in the path, a query parameter or a JSON body with 400 naming where it is: no text muster
 * stores may hold one (PostgreSQL refuses it), so it is a bad request, not a store failure.
 */
export const refuseNulCharacters: MiddlewareHandler<Env> = async (c, next) => {
  const found: string[] = [];
  if (c.req.path.includes(NUL)) found.push('(path)');
  for (const [name, values] of Object.entries(c.req.queries())) {
    if (name.includes(NUL) || values.some((v) => v.includes(NUL))) found.push(`query.${name}`);
  }
  if (found.length === 0 && c.req.header('content-type')?.toLowerCase().includes('json')) {
    const text = await c.req.text();
    if (text.includes(NUL) || text.includes('\\u0000')) {
      try {
        nulFields(JSON.parse(text), '', found);
      } catch {
        found.push('(body)');
      }
    }
  }
  if (found.length > 0) refuse(found);
  await next();
};
