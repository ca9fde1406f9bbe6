import { sql } from 'kysely';
import type { AccountFields } from '../../core/access/account-fields.ts';
import { claimLeased } from '../../queue/claim-repository.ts';
import type { QueueItem, QueueTable } from '../../queue/durable-queue.ts';
import { leasedStats } from '../../queue/stats-repository.ts';
import type { Queryable, Row, Tx } from '../../store/store.ts';
import type { AccountRecord, SyncedState } from './converge.ts';
import { type ManagerOnLeave, managerAccounts } from './managers-repository.ts';

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

/** A claimed operation, with the event that queued it and that event's correlation id. */
export interface ClaimedOp extends ProvisioningOp, QueueItem {}

function claimedOpFromRow(row: Row): ClaimedOp {
  return {
    ...opFromRow(row),
    eventId: row.event_id === null || row.event_id === undefined ? null : Number(row.event_id),
    correlationId: (row.correlation_id as string | null | undefined) ?? null,
  };
}

const RETURNING = sql`q.id, q.target, q.identity_id, q.reason, q.status, q.attempts, q.run_after, q.last_error, q.created_at, q.updated_at, q.event_id,
  (SELECT e.correlation_id FROM events e WHERE e.id = q.event_id) AS correlation_id`;

/** The provisioning queue: one key per target; due operations (and those whose worker's lease ran out) oldest first. */
export const OP_QUEUE: QueueTable<ClaimedOp> = {
  name: 'provisioning',
  async claim(db, claim) {
    const key = claim.key === undefined ? {} : { key: { column: 'target', value: claim.key } };
    const rows = await claimLeased(db, { table: 'provisioning_ops', order: sql`c.id`, returning: RETURNING, ...key }, claim);
    return rows.map(claimedOpFromRow).sort((a, b) => a.id - b.id);
  },
  stats: (now) => leasedStats('provisioning_ops', now),
};

/**
 * The account records (desired and synced state, active groups) of these identities in one target; with `managers`,
 * the remote id of each one's manager's account there.
 */
export async function loadRecords(db: Queryable, target: string, identityIds: readonly string[], managers?: ManagerOnLeave): Promise<Map<string, AccountRecord & { desiredVersion: number }>> {
  const managerOf = managers ? await managerAccounts(db, target, identityIds, managers) : null;
  const rows = await db.query(
    `SELECT a.identity_id, a.account_ref, a.status, a.fields, a.remote_id, a.synced, a.desired_version,
       COALESCE((SELECT jsonb_agg(e.entitlement ORDER BY e.entitlement) FROM entitlements e
                 WHERE e.identity_id = a.identity_id AND e.target = a.target AND e.status = 'active'), '[]'::jsonb) AS groups,
       COALESCE((SELECT jsonb_agg(encode(c.der, 'base64') ORDER BY c.serial) FROM certificates c
                 WHERE c.identity_id = a.identity_id AND c.profile = 'piv-auth' AND c.status = 'good'), '[]'::jsonb) AS certificates
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
        certificates: (r.certificates as string[]).map((der) => new Uint8Array(Buffer.from(der, 'base64'))),
        ...(managerOf ? { manager: managerOf.get(r.identity_id as string) ?? null } : {}),
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
