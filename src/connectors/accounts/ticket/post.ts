import { MusterError } from '../../../core/errors.ts';
import { type OutboundFetch, agencyFetch } from '../../outbound/index.ts';
import { SIGNATURE_HEADER, signBody } from './signature.ts';

export interface SignedPost {
  readonly target: string;
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
  /** Aborts the request when the connector closes. */
  readonly signal?: AbortSignal;
  /** The outbound client of the agency's targets (`outbound.agencyNetworks`); the default ranges unless given. */
  readonly fetch?: OutboundFetch;
}

const defaultFetch = agencyFetch();

/**
 * POSTs one JSON document signed with the target's secret. No answer, a timeout, 5xx and 429 are
 * MUSTER_ERR_TARGET_UNAVAILABLE (retried later); any other non-2xx, a redirect or an address the outbound guard
 * refuses is MUSTER_ERR_TARGET_REFUSED.
 */
export async function postSigned(to: SignedPost, document: unknown, what: string): Promise<void> {
  const body = JSON.stringify(document);
  const signals = [AbortSignal.timeout(to.timeoutMs), ...(to.signal ? [to.signal] : [])];
  let response: Response;
  try {
    response = await (to.fetch ?? defaultFetch)(to.url, {
      method: 'POST',
      body,
      signal: AbortSignal.any(signals),
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(to.secret, body) },
    });
  } catch (cause) {
    if (cause instanceof MusterError && cause.code === 'MUSTER_ERR_OUTBOUND_REFUSED')
      throw new MusterError('MUSTER_ERR_TARGET_REFUSED', `target '${to.target}': ${what} refused: ${cause.message}`, cause.details, { cause });
    const reason = cause instanceof Error && cause.name === 'TimeoutError' ? 'timed out' : describe(cause);
    throw new MusterError('MUSTER_ERR_TARGET_UNAVAILABLE', `target '${to.target}': ${what} failed: ${reason}`, [{ field: 'request', value: what, message: reason }], { cause });
  }
  const answer = (await response.text()).slice(0, 300);
  if (response.ok) return;
  const message = `target '${to.target}': ${what} answered ${response.status}${answer ? `: ${answer}` : ''}`;
  const details = [{ field: 'status', value: String(response.status), message: answer || `HTTP ${response.status}` }];
  const retried = response.status >= 500 || response.status === 429;
  throw new MusterError(retried ? 'MUSTER_ERR_TARGET_UNAVAILABLE' : 'MUSTER_ERR_TARGET_REFUSED', message, details);
}

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause;
  return inner instanceof Error ? `${cause.message} (${(inner as NodeJS.ErrnoException).code ?? inner.message})` : cause.message;
}
