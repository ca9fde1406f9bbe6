import { MusterError } from '../../core/errors.ts';
import type { Queryable, Row } from '../../store/store.ts';
import { type Finding, type ReconciliationRun, type Situation, findingOf, runOf } from './runs.ts';

/** An account no identity owns, as the record keeps it. */
export interface Orphan {
  readonly target: string;
  readonly accountRef: string;
  readonly remoteId: string | null;
  /** orphan (enabled in the target), disabled or archived. */
  readonly status: string;
  readonly privileged: boolean;
  readonly groups: readonly string[];
  readonly fields: Record<string, string>;
  readonly foundAt: Date;
  readonly disabledAt: Date | null;
  readonly archivedAt: Date | null;
}

function orphanOf(row: Row): Orphan {
  const held = (row.synced ?? {}) as { groups?: string[]; fields?: Record<string, string> };
  return {
    target: row.target as string,
    accountRef: row.account_ref as string,
    remoteId: (row.remote_id as string | null) ?? null,
    status: row.status as string,
    privileged: Boolean(row.privileged),
    groups: held.groups ?? [],
    fields: held.fields ?? {},
    foundAt: row.created_at as Date,
    disabledAt: (row.disabled_at as Date | null) ?? null,
    archivedAt: (row.archived_at as Date | null) ?? null,
  };
}

/** Orphans not yet archived, by target, privileged first, then by key. */
export async function orphanReport(db: Queryable, options: { target?: string; limit?: number } = {}): Promise<Orphan[]> {
  const rows = await db.query(
    `SELECT target, account_ref, remote_id, status, privileged, synced, created_at, disabled_at, archived_at FROM accounts
     WHERE identity_id IS NULL AND status <> 'archived' AND ($1::text IS NULL OR target = $1)
     ORDER BY target, privileged DESC, account_ref LIMIT $2`,
    [options.target ?? null, options.limit ?? 10_000],
  );
  return rows.map(orphanOf);
}

/** Runs, newest first. */
export async function listRuns(db: Queryable, options: { target?: string; limit?: number } = {}): Promise<ReconciliationRun[]> {
  const rows = await db.query('SELECT * FROM reconciliation_runs WHERE ($1::text IS NULL OR target = $1) ORDER BY started_at DESC, id LIMIT $2', [options.target ?? null, options.limit ?? 100]);
  return rows.map(runOf);
}

export async function getRun(db: Queryable, id: string): Promise<ReconciliationRun> {
  const [row] = await db.query('SELECT * FROM reconciliation_runs WHERE id = $1', [id]);
  if (!row) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no reconciliation run ${id}`, [{ field: 'id', value: id, message: 'no such run' }]);
  return runOf(row);
}

/** A run's findings, privileged first, then by situation and key. */
export async function listFindings(db: Queryable, runId: string, options: { situation?: Situation; limit?: number } = {}): Promise<Finding[]> {
  await getRun(db, runId);
  const rows = await db.query(
    `SELECT * FROM reconciliation_findings WHERE run_id = $1 AND ($2::text IS NULL OR situation = $2)
     ORDER BY privileged DESC, situation, account_ref LIMIT $3`,
    [runId, options.situation ?? null, options.limit ?? 1000],
  );
  return rows.map(findingOf);
}
