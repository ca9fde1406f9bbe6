import type { Tx } from '../../store/store.ts';

export interface OpenedTicket {
  readonly id: string;
  readonly target: string;
  readonly identityId: string;
  readonly accountRef: string;
  readonly operation: string;
  /** The domain event whose operation opened it. */
  readonly eventId: number | null;
}

/** Records tickets a deferred target opened; a replayed operation that reopens the same ticket id changes nothing. */
export async function recordTickets(tx: Tx, tickets: readonly OpenedTicket[], now: Date, dueAt: Date): Promise<void> {
  if (tickets.length === 0) return;
  await tx.query(
    `INSERT INTO tickets (id, target, identity_id, account_ref, operation, request, status, opened_at, due_at, event_id)
     SELECT u.id, u.t, u.i, u.k, u.o, jsonb_build_object('operation', u.o, 'account', u.k), 'open', $6, $7, u.e
     FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $8::bigint[]) AS u(id, t, i, k, o, e)
     ON CONFLICT (id) DO NOTHING`,
    [
      tickets.map((t) => t.id),
      tickets.map((t) => t.target),
      tickets.map((t) => t.identityId),
      tickets.map((t) => t.accountRef),
      tickets.map((t) => t.operation),
      now,
      dueAt,
      tickets.map((t) => t.eventId),
    ],
  );
}
