import type { Queryable } from '../store/store.ts';

/** Two-person actions in the store (table `pending_actions`). Every query is built with Kysely. */

export type PendingStatus = 'pending' | 'confirmed' | 'rejected' | 'expired' | 'failed';

export interface PendingAction {
  readonly id: string;
  readonly kind: string;
  /** What the action changes, e.g. `agreement:benefits` or `operator:<id>`. */
  readonly target: string;
  /** One line a confirming operator reads: what will happen. */
  readonly summary: string;
  readonly payload: Record<string, unknown>;
  /** The role the confirming operator must hold. */
  readonly requiredRole: string;
  readonly status: PendingStatus;
  readonly proposedBy: string;
  readonly proposedAt: Date;
  readonly reason: string;
  readonly expiresAt: Date;
  readonly decidedBy: string | null;
  readonly decidedAt: Date | null;
  readonly decisionReason: string | null;
  readonly result: Record<string, unknown> | null;
}

type Row = {
  id: string;
  kind: string;
  target: string;
  summary: string;
  payload: unknown;
  required_role: string;
  status: string;
  proposed_by: string;
  proposed_at: Date | string;
  reason: string;
  expires_at: Date | string;
  decided_by: string | null;
  decided_at: Date | string | null;
  decision_reason: string | null;
  result: unknown;
};

export async function insertPendingAction({ db }: Queryable, a: PendingAction): Promise<void> {
  await db
    .insertInto('pending_actions')
    .values({
      id: a.id,
      kind: a.kind,
      target: a.target,
      summary: a.summary,
      payload: JSON.stringify(a.payload),
      required_role: a.requiredRole,
      status: a.status,
      proposed_by: a.proposedBy,
      proposed_at: a.proposedAt,
      reason: a.reason,
      expires_at: a.expiresAt,
    })
    .execute();
}

/** One action, locked until the transaction ends when `lock` is set. */
export async function pendingActionById({ db }: Queryable, id: string, lock = false): Promise<PendingAction | undefined> {
  const query = db.selectFrom('pending_actions').selectAll().where('id', '=', id);
  const row = await (lock ? query.forUpdate() : query).executeTakeFirst();
  return row ? actionOf(row as Row) : undefined;
}

/** Actions newest first, of one status when given. */
export async function listPendingActions({ db }: Queryable, status?: PendingStatus, limit = 200): Promise<PendingAction[]> {
  let query = db.selectFrom('pending_actions').selectAll().orderBy('proposed_at', 'desc').orderBy('id').limit(limit);
  if (status) query = query.where('status', '=', status);
  return (await query.execute()).map((row) => actionOf(row as Row));
}

export async function decidePendingAction(
  { db }: Queryable,
  id: string,
  decision: { status: PendingStatus; by: string; at: Date; reason: string | null; result?: Record<string, unknown> | null },
): Promise<void> {
  await db
    .updateTable('pending_actions')
    .set({
      status: decision.status,
      decided_by: decision.by,
      decided_at: decision.at,
      decision_reason: decision.reason,
      ...(decision.result === undefined ? {} : { result: decision.result === null ? null : JSON.stringify(decision.result) }),
    })
    .where('id', '=', id)
    .execute();
}

/** Marks every pending action whose time is up as expired; returns them. */
export async function expirePendingActions({ db }: Queryable, now: Date, by: string): Promise<PendingAction[]> {
  const rows = await db
    .updateTable('pending_actions')
    .set({ status: 'expired', decided_by: by, decided_at: now, decision_reason: 'not confirmed in time' })
    .where('status', '=', 'pending')
    .where('expires_at', '<=', now)
    .returningAll()
    .execute();
  return rows.map((row) => actionOf(row as Row));
}

function parsed(value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  return (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>;
}

const date = (v: Date | string) => new Date(v);

function actionOf(r: Row): PendingAction {
  return {
    id: r.id,
    kind: r.kind,
    target: r.target,
    summary: r.summary,
    payload: parsed(r.payload) ?? {},
    requiredRole: r.required_role,
    status: r.status as PendingStatus,
    proposedBy: r.proposed_by,
    proposedAt: date(r.proposed_at),
    reason: r.reason,
    expiresAt: date(r.expires_at),
    decidedBy: r.decided_by,
    decidedAt: r.decided_at === null ? null : date(r.decided_at),
    decisionReason: r.decision_reason,
    result: parsed(r.result),
  };
}
