import type { Clock } from '../../../core/clock.ts';
import type { OutboundFetch } from '../../outbound/index.ts';

/** A `ticket` target's settings, as the connector needs them. */
export interface TicketOptions {
  /** The ITSM endpoint that receives each request as JSON. */
  readonly webhookUrl: string;
  /** Signs each request (HMAC-SHA-256) and authenticates the closing callback. */
  readonly secret: string;
  /** A request slower than this fails as unavailable (default 10 s). */
  readonly timeoutMs?: number;
  /** Muster's address as the ITSM reaches it; without it the callback is a path (`/hooks/tickets/<id>/close`). */
  readonly callbackBase?: string;
  /** For `requestedAt`; the system clock by default. */
  readonly clock?: Clock;
  /** The outbound client of the agency's targets; the default `outbound.agencyNetworks` ranges unless given. */
  readonly outbound?: OutboundFetch;
}

export const TICKET_DEFAULTS = { timeoutMs: 10_000 } as const;

/** Where the ITSM closes a ticket: outside `/api`, authenticated by the signature instead of a token. */
export function callbackUrl(base: string | undefined, ticket: string): string {
  return `${(base ?? '').replace(/\/+$/, '')}/hooks/tickets/${ticket}/close`;
}
