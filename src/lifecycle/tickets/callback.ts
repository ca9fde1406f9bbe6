import { recordAudit } from '../../audit/queries.ts';
import type { RefusalAggregator } from '../../audit/refusal-aggregator.ts';
import { signatureMatches } from '../../connectors/accounts/ticket/index.ts';
import { MusterError } from '../../core/errors.ts';
import { type Ticket, ticketAuditTarget } from './rows.ts';
import type { TicketDeps, TicketService } from './service.ts';
import type { TicketTarget } from './targets.ts';

/** Where a callback came from, for the audit entry of a refusal. */
export interface CallbackOrigin {
  readonly remoteAddress: string | null;
  readonly method: string;
  readonly path: string;
}

export interface CallbackRequest {
  readonly ticketId: string;
  /** The body exactly as received: the signature covers these bytes. */
  readonly body: Uint8Array;
  readonly signature: string | undefined;
  readonly origin: CallbackOrigin;
  readonly correlationId: string;
}

export interface CallbackDeps extends TicketDeps {
  readonly tickets: TicketService;
  readonly targets: ReadonlyMap<string, TicketTarget>;
  /** When given, refusals from one address are audited a few at once and the rest as one entry per window. */
  readonly refusals?: RefusalAggregator;
}

/**
 * Authenticates the ITSM's closing callback: the body must carry the HMAC-SHA-256 signature of its
 * ticket's target secret and name that same ticket (so a signed body cannot close another ticket).
 * Every refusal is audited as `ticket.refused` and thrown: 404 for an unknown ticket, else 401.
 */
export async function authenticateCallback(deps: CallbackDeps, request: CallbackRequest): Promise<Ticket> {
  const ticket = await deps.tickets.find(request.ticketId);
  if (!ticket) return refuse(deps, request, { reason: 'no such ticket', code: 'MUSTER_ERR_NOT_FOUND' });
  const target = deps.targets.get(ticket.target);
  if (!target) return refuse(deps, request, { reason: `target '${ticket.target}' is not a configured ticket target`, ticket });
  if (request.signature === undefined || request.signature.trim() === '') return refuse(deps, request, { reason: 'missing X-Muster-Signature header', ticket });
  if (!signatureMatches(target.secret, request.body, request.signature)) return refuse(deps, request, { reason: 'signature does not match the body', ticket });
  if (namedTicket(request.body) !== ticket.id) return refuse(deps, request, { reason: 'the signed body names another ticket', ticket });
  return ticket;
}

function namedTicket(body: Uint8Array): unknown {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).ticket : undefined;
  } catch {
    return undefined;
  }
}

interface Refusal {
  readonly reason: string;
  /** 401 unless the ticket is unknown (404). */
  readonly code?: 'MUSTER_ERR_NOT_FOUND' | 'MUSTER_ERR_UNAUTHENTICATED';
  readonly ticket?: Ticket;
}

async function refuse(deps: CallbackDeps, request: CallbackRequest, refusal: Refusal): Promise<never> {
  const { origin } = request;
  const { reason, code = 'MUSTER_ERR_UNAUTHENTICATED' } = refusal;
  // the id comes from an unauthenticated path: keep what is logged short
  const id = request.ticketId.slice(0, 64);
  const data = { ticket: id, target: refusal.ticket?.target ?? null, remoteAddress: origin.remoteAddress, method: origin.method, path: origin.path.slice(0, 200) };
  const draft = { actor: 'anonymous', action: 'ticket.refused', target: ticketAuditTarget(id), reason, data };
  if (deps.refusals) {
    const source = `address:${origin.remoteAddress ?? 'in-process'}`;
    await deps.refusals.refuse({ source, draft, sample: { method: origin.method, path: data.path, reason }, correlationId: request.correlationId });
  } else await recordAudit(deps.store, deps.audit, draft, request.correlationId);
  const message = code === 'MUSTER_ERR_NOT_FOUND' ? `no ticket ${id}` : `ticket callback refused: ${reason}`;
  throw new MusterError(code, message, [{ field: 'ticket', value: id, message: reason }]);
}
