import type { Tx } from '../../store/store.ts';
import { queueProvisioning } from '../access/write.ts';
import type { Ticket } from './rows.ts';

/**
 * After a rejected ticket, muster no longer knows what the target holds: forget the synced state
 * (and for a rejected creation, the account itself) and queue the account, so that the
 * provisioning worker asks for everything its record says. False when there is no account to ask for.
 */
export async function askAgain(tx: Tx, ticket: Ticket, now: Date): Promise<boolean> {
  if (ticket.identityId === null) return false;
  const reset = await tx.query(
    `UPDATE accounts SET synced = NULL, remote_id = CASE WHEN $3 = 'create' THEN NULL ELSE remote_id END
     WHERE target = $1 AND identity_id = $2 RETURNING id`,
    [ticket.target, ticket.identityId, ticket.operation],
  );
  if (reset.length === 0) return false;
  // the operation asked again carries on the thread of the event whose operation opened the ticket
  const opened = await tx.db.selectFrom('tickets').select('event_id').where('id', '=', ticket.id).executeTakeFirst();
  const eventIds = opened?.event_id ? [opened.event_id] : [];
  await queueProvisioning(tx, [[ticket.target, ticket.identityId, `ticket ${ticket.id} (${ticket.operation}) was rejected`, eventIds]], now);
  return true;
}
