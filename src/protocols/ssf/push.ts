import type { OutboundFetch } from '../../connectors/outbound/index.ts';
import { SET_MEDIA_TYPE } from './set.ts';

/** What a push delivery (RFC 8935) came to. */
export type PushOutcome =
  | { readonly kind: 'delivered' }
  /** The receiver answered 400 with an RFC 8935 error: the SET is bad for it, trying again will not help. */
  | { readonly kind: 'refused'; readonly err: string; readonly description: string }
  /** Network failure, timeout or any other status: try again later. */
  | { readonly kind: 'retry'; readonly error: string };

export interface PushTarget {
  readonly endpointUrl: string;
  readonly authorizationHeader?: string;
  readonly timeoutMs: number;
}

/** POSTs one compact SET to the receiver's endpoint (RFC 8935 §2) through the outbound client of the receiver's agreement. */
export async function pushSet(target: PushTarget, jwt: string, fetch: OutboundFetch): Promise<PushOutcome> {
  const headers: Record<string, string> = { 'content-type': SET_MEDIA_TYPE, accept: 'application/json' };
  if (target.authorizationHeader) headers.authorization = target.authorizationHeader;
  let response: Response;
  try {
    response = await fetch(target.endpointUrl, { method: 'POST', headers, body: jwt, signal: AbortSignal.timeout(target.timeoutMs) });
  } catch (error) {
    return { kind: 'retry', error: `push to ${target.endpointUrl} failed: ${(error as Error).message}` };
  }
  if (response.status === 202) {
    await response.body?.cancel();
    return { kind: 'delivered' };
  }
  if (response.status === 400) return refusal(response);
  await response.body?.cancel();
  return { kind: 'retry', error: `push to ${target.endpointUrl} answered ${response.status}` };
}

async function refusal(response: Response): Promise<PushOutcome> {
  const body = (await response.json().catch(() => ({}))) as { err?: unknown; description?: unknown };
  const err = typeof body.err === 'string' ? body.err : 'invalid_request';
  return { kind: 'refused', err, description: typeof body.description === 'string' ? body.description : '' };
}
