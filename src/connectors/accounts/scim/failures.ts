import { MusterError, type ErrorDetail } from '../../../core/errors.ts';

/** What a failed HTTP exchange said: its status, the Retry-After header and the error body. */
export interface HttpFailure {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: unknown;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The SCIM error body's scimType, status and detail (RFC 7644 §3.12), or an OAuth error (RFC 6749 §5.2). */
function failureDetails(failure: HttpFailure): ErrorDetail[] {
  const body = (typeof failure.body === 'object' && failure.body !== null ? failure.body : {}) as Record<string, unknown>;
  const detail = text(body.detail) ?? text(body.error_description) ?? text(failure.body) ?? `HTTP ${failure.status}`;
  const details: ErrorDetail[] = [{ field: 'status', value: String(failure.status), message: detail }];
  const scimType = text(body.scimType) ?? text(body.error);
  if (scimType) details.push({ field: 'scimType', value: scimType, message: detail });
  details.push({ field: 'detail', value: detail, message: detail });
  if (failure.retryAfter !== null) details.push({ field: 'retryAfter', value: failure.retryAfter, message: 'the target asks to wait this long before a retry' });
  return details;
}

/**
 * The error for an answer muster did not expect: 409 is a uniqueness conflict, 5xx and 429 are
 * retried later, and every other refusal (400, 401, 403, 404 on a collection…) needs a person.
 */
export function failureError(target: string, request: string, failure: HttpFailure): MusterError {
  const details = failureDetails(failure);
  const said = details.find((d) => d.field === 'detail')?.value ?? '';
  const kind = details.find((d) => d.field === 'scimType')?.value;
  const what = `target '${target}': ${request} answered ${failure.status}${kind ? ` ${kind}` : ''}: ${said}`;
  if (failure.status === 409) return new MusterError('MUSTER_ERR_TARGET_CONFLICT', what, details);
  if (failure.status >= 500 || failure.status === 429) return new MusterError('MUSTER_ERR_TARGET_UNAVAILABLE', what, details);
  return new MusterError('MUSTER_ERR_TARGET_REFUSED', what, details);
}

/** The error for a request that got no answer: refused connection, reset, timeout, closed connector. */
export function unreachableError(target: string, request: string, cause: unknown): MusterError {
  const reason = cause instanceof Error ? (cause.name === 'TimeoutError' ? 'timed out' : causeText(cause)) : String(cause);
  return new MusterError('MUSTER_ERR_TARGET_UNAVAILABLE', `target '${target}': ${request} failed: ${reason}`, [{ field: 'request', value: request, message: reason }], { cause });
}

function causeText(error: Error): string {
  const inner = error.cause;
  if (inner instanceof Error) return `${error.message} (${(inner as NodeJS.ErrnoException).code ?? inner.message})`;
  return error.message;
}
