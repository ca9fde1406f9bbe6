import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import { type ErrorDetail, type MusterErrorCode, ERROR_CODES, MusterError, isMusterError } from '../core/errors.ts';
import type { Env } from './env.ts';

/** Told about every 5xx, with the correlation id the caller sees; the HTTP body hides the message. */
export type ServerErrorListener = (error: unknown, correlationId: string) => void;

const HTTP_STATUS_CODES: Readonly<Record<number, MusterErrorCode>> = {
  401: 'MUSTER_ERR_UNAUTHENTICATED',
  403: 'MUSTER_ERR_FORBIDDEN',
  404: 'MUSTER_ERR_NOT_FOUND',
  409: 'MUSTER_ERR_CONFLICT',
};

/** Turns zod issues into one MUSTER_ERR_VALIDATION naming each field. */
export function validationError(error: ZodError, target?: string): MusterError {
  const details: ErrorDetail[] = error.issues.flatMap((issue) => {
    const base = issue.path.map(String).join('.');
    const at = (name: string) => [base, name].filter(Boolean).join('.');
    // An unknown key is reported once for all of them, at the parent: name each one instead.
    const fields = issue.code === 'unrecognized_keys' ? issue.keys.map(at) : [base || target || '(body)'];
    const message = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
    return fields.map((field) => (target ? { field, key: target, message } : { field, message }));
  });
  const where = target ? ` in the ${target}` : '';
  return new MusterError('MUSTER_ERR_VALIDATION', `${details.length} invalid field(s)${where}: ${details.map((d) => d.field).join(', ')}`, details);
}

/** Any thrown value as the MusterError the caller will see. */
export function asMusterError(error: unknown): MusterError {
  if (isMusterError(error)) return error;
  if (error instanceof ZodError) return validationError(error);
  if (error instanceof HTTPException && error.status < 500) {
    const code = HTTP_STATUS_CODES[error.status] ?? 'MUSTER_ERR_VALIDATION';
    return Object.assign(new MusterError(code, error.message || ERROR_CODES[code].summary), { status: error.status });
  }
  return new MusterError('MUSTER_ERR_INTERNAL', 'internal error', [], { cause: error });
}

/** The JSON body: `{ error: { code, message, details } }`; a 5xx says only what kind of failure it was. */
export function errorBody(error: MusterError, correlationId: string): { error: { code: string; message: string; details: readonly ErrorDetail[] } } {
  if (error.expose) return { error: { code: error.code, message: error.message, details: error.details } };
  return { error: { code: error.code, message: `${ERROR_CODES[error.code].summary} (correlation id ${correlationId})`, details: [] } };
}

export function errorHandler(onServerError: ServerErrorListener | undefined) {
  return (error: unknown, c: Context<Env>): Response => {
    const muster = asMusterError(error);
    const correlationId = c.get('correlationId') ?? '';
    if (!muster.expose) onServerError?.(error, correlationId);
    if (muster.status === 401) c.header('WWW-Authenticate', 'Bearer');
    return c.json(errorBody(muster, correlationId), muster.status as ContentfulStatusCode);
  };
}

export function notFoundHandler(c: Context<Env>): never {
  throw new MusterError('MUSTER_ERR_NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`);
}

/** The default hook of every zod-openapi route: a failed validation becomes MUSTER_ERR_VALIDATION. */
export function validationHook(result: { target: string } & ({ success: true } | { success: false; error: ZodError })): void {
  if (!result.success) throw validationError(result.error, result.target);
}
