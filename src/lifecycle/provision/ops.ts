import type { AccountFields } from '../../core/access/account-fields.ts';
import type { Queryable, Row, Tx } from '../../store/store.ts';
import type { AccountRecord, SyncedState } from './converge.ts';

export const OP_STATUSES = ['pending', 'running', 'done', 'dead'] as const;
export type OpStatus = (typeof OP_STATUSES)[number];

/** One row of the provisioning queue. */
export interface ProvisioningOp {
  readonly id: number;
  readonly target: string;
  readonly identityId: string;
  readonly reason: string;
  readonly status: OpStatus;
  readonly attempts: number;
  readonly runAfter: Date;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export const OP_COLUMNS = 'id, target, identity_id, reason, status, attempts, run_after, last_error, created_at, updated_at';

export function opFromRow(row: Row): ProvisioningOp {
  return {
    id: Number(row.id),
    target: row.target as string,
    identityId: row.identity_id as string,
    reason: row.reason as string,
    status: row.status as OpStatus,
    attempts: Number(row.attempts),
    runAfter: row.run_after as Date,
    lastError: (row.last_error as string | null) ?? null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}

export interface OpClaim {
  readonly target: string;
  readonly workerId: string;
  readonly now: Date;
  readonly leaseMs: number;
  readonly limit: number;
}

/** Claims due operations of one target (and those whose worker's lease ran out); each claim counts an attempt. */
export async function claimOps(db: Queryable, claim: OpClaim): Promise<ProvisioningOp[]> {
  const rows = await db.query(
    `UPDATE provisioning_ops o SET status = 'running', attempts = o.attempts + 1, locked_by = $2, locked_until = $3, updated_at = $4
     WHERE o.id IN (
       SELECT id FROM provisioning_ops WHERE target = $1 AND ((status = 'pending' AND run_after <= $4) OR (status = 'running' AND locked_until < $4))
       ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED)
     RETURNING ${OP_COLUMNS.split(', ')
       .map((c) => `o.${c}`)
       .join(', ')}`,
    [claim.target, claim.workerId, new Date(claim.now.getTime() + claim.leaseMs), claim.now, claim.limit],
  );
  return rows.map(opFromRow).sort((a, b) => a.id - b.id);
}

/** The account records (desired and synced state, active groups) of these identities in one target. */
export async function loadRecords(db: Queryable, target: string, identityIds: readonly string[]): Promise<Map<string, AccountRecord & { desiredVersion: number }>> {
  const rows = await db.query(
    `SELECT a.identity_id, a.account_ref, a.status, a.fields, a.remote_id, a.synced, a.desired_version,
       COALESCE((SELECT jsonb_agg(e.entitlement ORDER BY e.entitlement) FROM entitlements e
                 WHERE e.identity_id = a.identity_id AND e.target = a.target AND e.status = 'active'), '[]'::jsonb) AS groups
     FROM accounts a WHERE a.target = $1 AND a.identity_id = ANY($2::uuid[])`,
    [target, identityIds],
  );
  return new Map(
    rows.map((r) => [
      r.identity_id as string,
      {
        identityId: r.identity_id as string,
        target,
        key: r.account_ref as string,
        status: r.status as AccountRecord['status'],
        fields: (r.fields ?? {}) as AccountFields,
        groups: r.groups as string[],
        remoteId: (r.remote_id as string | null) ?? null,
        synced: (r.synced as SyncedState | null) ?? null,
        desiredVersion: Number(r.desired_version),
      },
    ]),
  );
}

export interface SyncWrite {
  readonly identityId: string;
  readonly remoteId: string | null;
  readonly synced: SyncedState | null;
  readonly version: number;
}

/** Records what each target now holds, and that those operations are done. */
export async function recordSynced(tx: Tx, target: string, writes: readonly SyncWrite[], doneIds: readonly number[], workerId: string, now: Date): Promise<void> {
  if (writes.length > 0) {
    await tx.query(
      `UPDATE accounts a SET remote_id = u.r, synced = u.s::jsonb, synced_version = GREATEST(a.synced_version, u.v), synced_at = $6
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[]) AS u(i, r, s, v) WHERE a.target = $1 AND a.identity_id = u.i`,
      [target, writes.map((w) => w.identityId), writes.map((w) => w.remoteId), writes.map((w) => (w.synced ? JSON.stringify(w.synced) : null)), writes.map((w) => w.version), now],
    );
  }
  if (doneIds.length > 0) {
    await tx.query(
      `UPDATE provisioning_ops SET status = 'done', locked_by = NULL, locked_until = NULL, last_error = NULL, updated_at = $2, done_at = $2
       WHERE id = ANY($1::bigint[]) AND status = 'running' AND locked_by = $3`,
      [doneIds, now, workerId],
    );
  }
}

/**
 * Puts a failed operation back in the queue after `runAfter`. With `spend` false (the target
 * was unavailable) the attempt is given back: a target that is down for an hour dead-letters nothing.
 */
export async function requeueOp(tx: Tx, op: ProvisioningOp, runAfter: Date, error: string, spend: boolean, workerId: string, now: Date): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE provisioning_ops SET status = 'pending', run_after = $2, last_error = $3, attempts = attempts - $4, locked_by = NULL, locked_until = NULL, updated_at = $5
     WHERE id = $1 AND status = 'running' AND locked_by = $6
       AND NOT EXISTS (SELECT 1 FROM provisioning_ops p WHERE p.target = $7 AND p.identity_id = $8 AND p.status = 'pending')
     RETURNING id`,
    [op.id, runAfter, error, spend ? 0 : 1, now, workerId, op.target, op.identityId],
  );
  if (rows.length > 0) return true;
  // a newer operation for the same account is already pending and will do this one's work
  await tx.query(`UPDATE provisioning_ops SET status = 'done', locked_by = NULL, locked_until = NULL, last_error = $2, updated_at = $3, done_at = $3 WHERE id = $1 AND locked_by = $4`, [
    op.id,
    error,
    now,
    workerId,
  ]);
  return false;
}

export async function markOpDead(tx: Tx, op: ProvisioningOp, error: string, workerId: string, now: Date): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE provisioning_ops SET status = 'dead', last_error = $2, locked_by = NULL, locked_until = NULL, updated_at = $3 WHERE id = $1 AND status = 'running' AND locked_by = $4 RETURNING id`,
    [op.id, error, now, workerId],
  );
  return rows.length > 0;
}
