import type { AuditWriter } from '../../audit/writer.ts';
import type { Clock } from '../../core/clock.ts';
import { MusterError } from '../../core/errors.ts';
import { isUuid } from '../../core/ids.ts';
import type { Queryable, Store, Tx } from '../../store/store.ts';
import { askAgain } from './ask-again.ts';
import { listLimit } from '../admin.ts';
import { TICKET_COLUMNS, TICKET_OUTCOMES, TICKET_STATUSES, type Ticket, type TicketOutcome, ticketAuditTarget, ticketFromRow } from './rows.ts';

export interface TicketDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
}

export interface TicketFilter {
  readonly status?: string | undefined;
  readonly target?: string | undefined;
  /** Newest first; default 100, at most 1000. */
  readonly limit?: number | undefined;
}

/** How a ticket ended, and who says so. */
export interface Closing {
  readonly outcome: string;
  readonly note?: string | undefined;
  /** Recorded in `closed_by`: the admin, or the ITSM and the person it names. */
  readonly closedBy: string;
}

export interface ActedBy {
  readonly actor: string;
  readonly correlationId: string;
}

/** Tickets opened by deferred targets: listed, shown, and closed by the ITSM callback or an admin. */
export class TicketService {
  readonly #d: TicketDeps;

  constructor(deps: TicketDeps) {
    this.#d = deps;
  }

  async list(filter: TicketFilter = {}): Promise<Ticket[]> {
    if (filter.status !== undefined && !(TICKET_STATUSES as readonly string[]).includes(filter.status)) {
      throw new MusterError('MUSTER_ERR_VALIDATION', `unknown ticket status '${filter.status}'`, [{ field: 'status', value: filter.status, message: `one of ${TICKET_STATUSES.join(', ')}` }]);
    }
    const limit = listLimit(filter.limit);
    const rows = await this.#d.store.query(`SELECT ${TICKET_COLUMNS} FROM tickets WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR target = $2) ORDER BY opened_at DESC, id LIMIT $3`, [
      filter.status ?? null,
      filter.target ?? null,
      limit,
    ]);
    return rows.map(ticketFromRow);
  }

  /** The ticket, or null (also for an id that is not a UUID). */
  find(id: string): Promise<Ticket | null> {
    return findTicket(this.#d.store, id);
  }

  async get(id: string): Promise<Ticket> {
    return (await this.find(id)) ?? notFound(id);
  }

  /**
   * Closes an open or escalated ticket, audited as `ticket.closed`. A rejected ticket makes the
   * provisioning worker ask again; closing a closed ticket is a conflict.
   */
  async close(id: string, closing: Closing, by: ActedBy): Promise<Ticket> {
    const outcome = checkOutcome(closing.outcome);
    const { store, clock } = this.#d;
    return store.transaction(async (tx) => {
      const ticket = (await findTicket(tx, id, true)) ?? notFound(id);
      if (ticket.status === 'closed') {
        throw new MusterError('MUSTER_ERR_CONFLICT', `ticket ${id} is already closed (${ticket.outcome})`, [{ field: 'status', value: ticket.status, message: `closed by ${ticket.closedBy}` }]);
      }
      const now = clock.now();
      const [row] = await tx.query(`UPDATE tickets SET status = 'closed', outcome = $2, closed_at = $3, closed_by = $4 WHERE id = $1 RETURNING ${TICKET_COLUMNS}`, [
        id,
        outcome,
        now,
        closing.closedBy,
      ]);
      const requeued = outcome === 'rejected' && (await askAgain(tx, ticket, now));
      await auditClosed(tx, this.#d.audit, ticket, { outcome, note: closing.note ?? null, closedBy: closing.closedBy, requeued }, by);
      return ticketFromRow(row as NonNullable<typeof row>);
    });
  }
}

async function findTicket(db: Queryable, id: string, lock = false): Promise<Ticket | null> {
  if (!isUuid(id)) return null;
  const [row] = await db.query(`SELECT ${TICKET_COLUMNS} FROM tickets WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return row ? ticketFromRow(row) : null;
}

function notFound(id: string): never {
  throw new MusterError('MUSTER_ERR_NOT_FOUND', `no ticket ${id}`, [{ field: 'id', value: id, message: 'no such ticket' }]);
}

function checkOutcome(outcome: string): TicketOutcome {
  if ((TICKET_OUTCOMES as readonly string[]).includes(outcome)) return outcome as TicketOutcome;
  throw new MusterError('MUSTER_ERR_VALIDATION', `unknown ticket outcome '${outcome}'`, [{ field: 'outcome', value: outcome, message: `one of ${TICKET_OUTCOMES.join(', ')}` }]);
}

type Closed = { outcome: TicketOutcome; note: string | null; closedBy: string; requeued: boolean };

async function auditClosed(tx: Tx, audit: AuditWriter, ticket: Ticket, closed: Closed, by: ActedBy): Promise<void> {
  const reason = `${ticket.target}: ${ticket.operation} ${ticket.accountRef} ${closed.outcome}${closed.note ? `: ${closed.note}` : ''}`;
  const data = {
    ticket: ticket.id,
    target: ticket.target,
    identity_id: ticket.identityId,
    account: ticket.accountRef,
    operation: ticket.operation,
    outcome: closed.outcome,
    note: closed.note,
    closed_by: closed.closedBy,
    was: ticket.status,
    requeued: closed.requeued,
  };
  await audit.append(tx, [{ actor: by.actor, action: 'ticket.closed', target: ticketAuditTarget(ticket.id), reason, data }], by.correlationId);
}
