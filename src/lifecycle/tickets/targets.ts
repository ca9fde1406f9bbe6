import type { MusterConfig } from '../../config/schema.ts';
import { TICKET_DEFAULTS } from '../../connectors/accounts/ticket/index.ts';

/** What the tickets service needs of one `ticket` target: where to escalate, and the shared secret. */
export interface TicketTarget {
  readonly name: string;
  readonly secret: string;
  readonly escalationUrl: string;
  readonly timeoutMs: number;
}

/** The configured `ticket` targets by name. */
export function ticketTargetsOf(config: MusterConfig): ReadonlyMap<string, TicketTarget> {
  const found = new Map<string, TicketTarget>();
  for (const [name, t] of Object.entries(config.targets)) {
    if (t.kind !== 'ticket') continue;
    found.set(name, { name, secret: t.secret, escalationUrl: t.escalationUrl ?? t.webhookUrl, timeoutMs: t.timeoutMs ?? TICKET_DEFAULTS.timeoutMs });
  }
  return found;
}
