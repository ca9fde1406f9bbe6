import type { Tx } from '../../../store/store.ts';
import { TRANSMITTER_ACTOR } from '../transmitter.ts';
import type { SignalDeps } from './deps.ts';
import { queueSignals } from './queue.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const BATCH = 100;

/**
 * RISC account-purged, once, for every identity terminated longer than `archiveAfterDays` ago (the retention the
 * lifecycle keeps leavers' accounts for): relying parties may then delete what they still hold. Returns how many
 * identities were handled.
 */
export async function queueAccountPurges(deps: SignalDeps, archiveAfterDays: number): Promise<number> {
  const now = deps.clock.now();
  const before = new Date(now.getTime() - archiveAfterDays * DAY_MS);
  const due = await deps.store.query<{ id: string }>(
    `SELECT i.id FROM identities i
     WHERE i.status IN ('terminated', 'archived') AND NOT EXISTS (SELECT 1 FROM ssf_purged_identities p WHERE p.identity_id = i.id)
       AND (SELECT max(h.at) FROM status_history h WHERE h.identity_id = i.id AND h.to_status = 'terminated') <= $1
     ORDER BY i.id LIMIT $2`,
    [before, BATCH],
  );
  for (const { id } of due) await deps.store.transaction((tx) => purgeOne(tx, deps, id, now, archiveAfterDays));
  return due.length;
}

async function purgeOne(tx: Tx, deps: SignalDeps, identityId: string, now: Date, days: number): Promise<void> {
  const claimed = await tx.query('INSERT INTO ssf_purged_identities (identity_id, queued_at) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING identity_id', [identityId, now]);
  if (claimed.length === 0) return;
  const payload = {
    event_timestamp: Math.floor(now.getTime() / 1000),
    initiating_entity: 'policy',
    reason_admin: { en: `The PIV identity account was terminated more than ${days} days ago and is purged.` },
  };
  const queued = await queueSignals(tx, { issuer: deps.issuer(), vault: deps.vault, now, txn: `purge:${identityId}` }, identityId, [{ signal: 'account-purged', payload }]);
  if (queued.length === 0) return;
  await deps.audit.append(
    tx,
    [
      {
        actor: TRANSMITTER_ACTOR,
        action: 'signals.queued',
        target: identityId,
        reason: `account purged after ${days} days`,
        data: { sets: queued.map((q) => ({ client_id: q.clientId, signal: q.signal, jti: q.jti })) },
      },
    ],
    `purge-${identityId}`,
  );
}

/** The outbox worker's sweep: at most hourly by the clock. */
export function accountPurgeSweep(deps: SignalDeps, archiveAfterDays: number): () => Promise<void> {
  let last: number | null = null;
  return async () => {
    const now = deps.clock.now().getTime();
    if (last !== null && now - last < HOUR_MS) return;
    last = now;
    await queueAccountPurges(deps, archiveAfterDays);
  };
}
