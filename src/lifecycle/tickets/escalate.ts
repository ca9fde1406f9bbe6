import { sql } from 'kysely';
import { MusterError } from '../../core/errors.ts';
import { lockDueRows } from '../../queue/claim-repository.ts';
import { postSigned } from '../../connectors/accounts/ticket/index.ts';
import { describeError } from '../worker.ts';
import type { Queryable, Tx } from '../../store/store.ts';
import { TICKET_COLUMNS, type Ticket, ticketAuditTarget, ticketFromRow } from './rows.ts';
import type { TicketDeps } from './service.ts';
import type { TicketTarget } from './targets.ts';

export const ESCALATION_ACTOR = 'muster:tickets';

export interface EscalationResult {
  /** Ids of the tickets escalated by this pass. */
  readonly escalated: readonly string[];
  /** Tickets whose escalation could not be delivered; they stay open and are tried on the next pass. */
  readonly failed: readonly { readonly ticket: string; readonly error: string }[];
}

/**
 * Escalates every open ticket past its due time: a signed `{ ticket, escalation: true, … }` to the
 * target's escalation URL, then status `escalated`, audited as `ticket.escalated`. An escalated
 * ticket is never sent again, and two workers never both send one. Tickets of targets no longer
 * configured as ticket targets are left alone.
 */
export async function escalateOverdue(deps: TicketDeps, targets: ReadonlyMap<string, TicketTarget>, limit = 500): Promise<EscalationResult> {
  const now = deps.clock.now();
  const due = await deps.store.query<{ id: string }>(`SELECT id FROM tickets WHERE status = 'open' AND due_at <= $1 AND target = ANY($2::text[]) ORDER BY due_at LIMIT $3`, [
    now,
    [...targets.keys()],
    limit,
  ]);
  const escalated: string[] = [];
  const failed: { ticket: string; error: string }[] = [];
  for (const { id } of due) {
    try {
      if (await escalateOne(deps, targets, id)) escalated.push(id);
    } catch (error) {
      failed.push({ ticket: id, error: describeError(error) });
    }
  }
  return { escalated, failed };
}

async function escalateOne(deps: TicketDeps, targets: ReadonlyMap<string, TicketTarget>, id: string): Promise<boolean> {
  const { store } = deps;
  if (store.capabilities.multipleConnections) {
    // other workers may sweep at the same moment: the row stays locked while the ITSM answers
    return store.transaction(async (tx) => {
      const ticket = await openTicket(tx, id, true);
      return ticket !== null && (await send(deps, targets, ticket)) && markEscalated(tx, deps, ticket);
    });
  }
  // one process and one worker loop (PGlite): nothing races, and its only connection stays free meanwhile
  const ticket = await openTicket(store, id, false);
  return ticket !== null && (await send(deps, targets, ticket)) && store.transaction((tx) => markEscalated(tx, deps, ticket));
}

async function openTicket(db: Queryable, id: string, lock: boolean): Promise<Ticket | null> {
  // another worker escalating it holds its lock: skipped here
  if (lock && (await lockDueRows(db, { table: 'tickets', id: 'id', due: sql`c.id = ${id} AND c.status = 'open'`, order: sql`c.id`, limit: 1 })).length === 0) return null;
  const [row] = await db.query(`SELECT ${TICKET_COLUMNS} FROM tickets WHERE id = $1 AND status = 'open'`, [id]);
  return row ? ticketFromRow(row) : null;
}

/** False when the ticket's target is no longer a ticket target (nothing to sign with). */
async function send(deps: TicketDeps, targets: ReadonlyMap<string, TicketTarget>, ticket: Ticket): Promise<boolean> {
  const target = targets.get(ticket.target);
  if (!target) return false;
  const to = { target: target.name, url: target.escalationUrl, secret: target.secret, timeoutMs: target.timeoutMs };
  await postSigned(to, escalation(ticket, deps.clock.now()), `escalate ticket ${ticket.id}`);
  return true;
}

async function markEscalated(tx: Tx, deps: TicketDeps, ticket: Ticket): Promise<boolean> {
  const now = deps.clock.now();
  const updated = await tx.query(`UPDATE tickets SET status = 'escalated', escalated_at = $2 WHERE id = $1 AND status = 'open' RETURNING id`, [ticket.id, now]);
  if (updated.length === 0) return false;
  const data = { ticket: ticket.id, target: ticket.target, identity_id: ticket.identityId, account: ticket.accountRef, operation: ticket.operation, opened_at: ticket.openedAt, due_at: ticket.dueAt };
  const reason = `${ticket.target}: ${ticket.operation} ${ticket.accountRef} open since ${ticket.openedAt}, due ${ticket.dueAt}`;
  await deps.audit.append(tx, [{ actor: ESCALATION_ACTOR, action: 'ticket.escalated', target: ticketAuditTarget(ticket.id), reason, data }], `ticket-${ticket.id}`);
  return true;
}

function escalation(ticket: Ticket, now: Date): Record<string, unknown> {
  return {
    ticket: ticket.id,
    escalation: true,
    target: ticket.target,
    operation: ticket.operation,
    account: ticket.accountRef,
    identityId: ticket.identityId,
    openedAt: ticket.openedAt,
    dueAt: ticket.dueAt,
    escalatedAt: now.toISOString(),
  };
}

/** The outbox worker's periodic escalation pass; throws when an escalation could not be delivered (it is tried again next time). */
export function escalationSweep(deps: TicketDeps, targets: ReadonlyMap<string, TicketTarget>): () => Promise<void> {
  return async () => {
    if (targets.size === 0) return;
    const { failed } = await escalateOverdue(deps, targets);
    if (failed.length > 0) {
      throw new MusterError('MUSTER_ERR_TARGET_UNAVAILABLE', `${failed.length} ticket escalation(s) not delivered: ${failed.map((f) => `${f.ticket}: ${f.error}`).join('; ')}`);
    }
  };
}
