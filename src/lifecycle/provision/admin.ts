import type { AuditWriter } from '../../audit/writer.ts';
import type { Clock } from '../../core/clock.ts';
import { MusterError } from '../../core/errors.ts';
import { listLimit } from '../admin.ts';
import type { Queryable, Store } from '../../store/store.ts';
import { carryOpEvents } from './op-events.ts';
import { OP_COLUMNS, OP_STATUSES, type OpStatus, type ProvisioningOp, opFromRow } from './ops.ts';

/** The queue of one target at a glance. */
export interface TargetQueue {
  readonly target: string;
  readonly pending: number;
  readonly running: number;
  readonly dead: number;
  /** Seconds the oldest pending or running operation has waited (0 when none). */
  readonly lagSeconds: number;
  /** Operations whose last attempt failed and that wait for another. */
  readonly failing: number;
  readonly done: number;
}

/** Per-target queue depth, lag and failures, for every target named in `targets` or in the queue. */
export async function queueStatus(db: Queryable, targets: readonly string[], now: Date): Promise<TargetQueue[]> {
  const rows = await db.query(
    `SELECT target,
       count(*) FILTER (WHERE status = 'pending')::int AS pending, count(*) FILTER (WHERE status = 'running')::int AS running,
       count(*) FILTER (WHERE status = 'dead')::int AS dead, count(*) FILTER (WHERE status = 'done')::int AS done,
       count(*) FILTER (WHERE status = 'pending' AND last_error IS NOT NULL)::int AS failing,
       min(created_at) FILTER (WHERE status IN ('pending', 'running')) AS oldest
     FROM provisioning_ops GROUP BY target`,
  );
  const byTarget = new Map(rows.map((r) => [r.target as string, r]));
  const names = [...new Set([...targets, ...byTarget.keys()])].sort();
  return names.map((target) => {
    const r = byTarget.get(target);
    const oldest = r?.oldest as Date | null | undefined;
    return {
      target,
      pending: Number(r?.pending ?? 0),
      running: Number(r?.running ?? 0),
      dead: Number(r?.dead ?? 0),
      done: Number(r?.done ?? 0),
      failing: Number(r?.failing ?? 0),
      lagSeconds: oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0,
    };
  });
}

export interface OpFilter {
  readonly status?: string | undefined;
  readonly target?: string | undefined;
  readonly identityId?: string | undefined;
  /** Newest first; default 100, at most 1000. */
  readonly limit?: number | undefined;
}

/** Provisioning operations, newest first (the dead-letter queue: `{ status: 'dead' }`). */
export async function listOps(db: Queryable, filter: OpFilter = {}): Promise<ProvisioningOp[]> {
  if (filter.status !== undefined && !(OP_STATUSES as readonly string[]).includes(filter.status)) {
    throw new MusterError('MUSTER_ERR_VALIDATION', `unknown operation status '${filter.status}'`, [{ field: 'status', value: filter.status, message: `one of ${OP_STATUSES.join(', ')}` }]);
  }
  const limit = listLimit(filter.limit);
  const rows = await db.query(
    `SELECT ${OP_COLUMNS} FROM provisioning_ops WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR target = $2) AND ($3::uuid IS NULL OR identity_id = $3)
     ORDER BY id DESC LIMIT $4`,
    [filter.status ?? null, filter.target ?? null, filter.identityId ?? null, limit],
  );
  return rows.map(opFromRow);
}

/** Puts a dead operation back in the queue, due now, attempts reset; audited as `provision.retried`. */
export async function retryOp(store: Store, audit: AuditWriter, clock: Clock, id: number, actor: string): Promise<ProvisioningOp> {
  return store.transaction(async (tx) => {
    const [row] = await tx.query(`SELECT ${OP_COLUMNS} FROM provisioning_ops WHERE id = $1 FOR UPDATE`, [id]);
    if (!row) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no provisioning operation ${id}`, [{ field: 'id', value: String(id), message: 'no such operation' }]);
    const op = opFromRow(row);
    if (op.status !== 'dead')
      throw new MusterError('MUSTER_ERR_CONFLICT', `operation ${id} is ${op.status}; only a dead operation can be retried`, [{ field: 'status', value: op.status, message: 'not dead' }]);
    const now = clock.now();
    const pending = await tx.query(`SELECT id FROM provisioning_ops WHERE target = $1 AND identity_id = $2 AND status = 'pending'`, [op.target, op.identityId]);
    const status: OpStatus = pending.length > 0 ? 'done' : 'pending';
    const [updated] = await tx.query(
      `UPDATE provisioning_ops SET status = $2, attempts = 0, run_after = $3, updated_at = $3, done_at = CASE WHEN $2 = 'done' THEN $3::timestamptz END WHERE id = $1 RETURNING ${OP_COLUMNS}`,
      [id, status, now],
    );
    if (status === 'done') await carryOpEvents(tx, id, op.target, op.identityId);
    const data = { op_id: id, target: op.target, identity_id: op.identityId, attempts: op.attempts, last_error: op.lastError, folded_into: pending[0]?.id ?? null };
    await audit.append(tx, [{ actor, action: 'provision.retried', target: op.identityId, reason: `dead operation ${id} (${op.target}) put back in the queue`, data }], `provision-${id}`);
    return opFromRow(updated as NonNullable<typeof updated>);
  });
}
