import { MusterError } from '../../core/errors.ts';
import type { Row, Tx } from '../../store/store.ts';
import { queueProvisioning } from '../access/write.ts';
import { type RunContext, accountAudit, orphanSubject } from './context.ts';
import type { KeySet } from './key-set.ts';
import { type Finding, insertFindings, saveCounts } from './runs.ts';

const BATCH = 1000;

/**
 * Finds the accounts the record holds (with a remote id, not archived) that the listing did not
 * show: they were deleted in the target. Their remote id and synced state are forgotten; an
 * enabled one is queued for provisioning, which re-creates it; an orphan that went away is
 * archived. Rows synced after the run started are skipped: the listing may have passed them by; so
 * are rows whose key changed since the target last held them, which it lists under the old key until
 * provisioning renames them.
 */
export async function reconcileDeleted(run: RunContext, seen: KeySet): Promise<void> {
  if (seen.size === 0) await refuseEmptyListing(run);
  let after = '';
  for (;;) {
    const rows = await run.deps.store.query<{ id: string; account_ref: string }>(
      `SELECT id, account_ref FROM accounts WHERE target = $1 AND account_ref > $2 AND ${stillHeld('$3')} ORDER BY account_ref LIMIT $4`,
      [run.rule.name, after, run.startedAt, BATCH],
    );
    if (rows.length === 0) return;
    after = rows.at(-1)?.account_ref as string;
    const gone = rows.filter((r) => !seen.has(r.account_ref)).map((r) => r.id);
    if (gone.length > 0) await run.deps.store.transaction((tx) => recordDeleted(tx, run, gone));
    if (rows.length < BATCH) return;
  }
}

/** Rows the record says the target holds under their key, as of the start of the run (the parameter `startedAt` names). */
const stillHeld = (startedAt: string) =>
  `status <> 'archived' AND remote_id IS NOT NULL AND (synced_at IS NULL OR synced_at < ${startedAt}) AND (synced IS NULL OR NOT synced ? 'key' OR synced ->> 'key' = account_ref)`;

/** A target that lists nothing while the record holds accounts is misconfigured far more often than emptied. */
async function refuseEmptyListing(run: RunContext): Promise<void> {
  const [row] = await run.deps.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM accounts WHERE target = $1 AND ${stillHeld('$2')}`, [run.rule.name, run.startedAt]);
  if (!row || row.n === 0) return;
  throw new MusterError('MUSTER_ERR_CONFLICT', `target '${run.rule.name}' listed no accounts while the record holds ${row.n}; nothing was treated as deleted`, [
    { field: 'target', value: run.rule.name, message: 'empty listing' },
  ]);
}

async function recordDeleted(tx: Tx, run: RunContext, ids: readonly string[]): Promise<void> {
  const now = run.deps.clock.now();
  // read again under lock: the provisioning worker may have re-synced a row since the scan
  const rows = await tx.query(
    `SELECT id, identity_id, account_ref, status, remote_id, privileged, synced FROM accounts WHERE target = $1 AND id = ANY($2::uuid[]) AND ${stillHeld('$3')} ORDER BY account_ref FOR UPDATE`,
    [run.rule.name, ids, run.startedAt],
  );
  const owned = rows.filter((r) => r.identity_id !== null);
  const orphans = rows.filter((r) => r.identity_id === null);
  await tx.query('UPDATE accounts SET remote_id = NULL, synced = NULL, updated_at = $2 WHERE id = ANY($1::uuid[])', [owned.map((r) => r.id), now]);
  await tx.query(`UPDATE accounts SET remote_id = NULL, synced = NULL, status = 'archived', archived_at = $2, updated_at = $2 WHERE id = ANY($1::uuid[])`, [orphans.map((r) => r.id), now]);
  const recreate = owned.filter((r) => r.status === 'enabled');
  await queueProvisioning(
    tx,
    recreate.map((r) => [run.rule.name, r.identity_id as string, 'reconciliation: deleted in the target'] as const),
    now,
  );
  await insertFindings(
    tx,
    rows.map((r) => findingOf(run, r)),
  );
  await run.deps.audit.append(
    tx,
    rows.map((r) => {
      const subject = (r.identity_id as string | null) ?? orphanSubject(run.rule.name, r.account_ref as string);
      return accountAudit(run, 'reconciliation.deleted', subject, `account '${r.account_ref}' is gone from the target; ${actionOf(r)}`, {
        account: r.account_ref,
        remote_id: r.remote_id,
        status: r.status,
      });
    }),
    run.correlationId,
  );
  run.counts.deleted += rows.length;
  await saveCounts(tx, run.runId, run.counts);
}

function actionOf(row: Row): string {
  if (row.identity_id === null) return 'orphan record archived';
  return row.status === 'enabled' ? 'record cleared; provisioning queued to re-create it' : 'record cleared';
}

function findingOf(run: RunContext, row: Row): Finding {
  const synced = row.synced as { groups?: string[] } | null;
  return {
    runId: run.runId,
    target: run.rule.name,
    accountRef: row.account_ref as string,
    remoteId: row.remote_id as string,
    situation: 'deleted',
    identityId: (row.identity_id as string | null) ?? null,
    candidates: [],
    enabled: false,
    privileged: Boolean(row.privileged),
    drift: false,
    groups: synced?.groups ?? [],
    action: actionOf(row),
  };
}
