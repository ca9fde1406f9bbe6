import { hostname } from 'node:os';
import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import type { ErrorDetail } from '../core/errors.ts';
import { MusterError } from '../core/errors.ts';
import type { Queryable, Store } from '../store/store.ts';

export type RunStatus = 'running' | 'applied' | 'held' | 'refused' | 'failed' | 'interrupted' | 'expired';

/** What an import did, by lifecycle event; the CLI prints it and the API returns it. */
export interface ImportSummary {
  rows: number;
  valid: number;
  invalid: number;
  unchanged: number;
  joiners: number;
  historical: number;
  movers: number;
  updated: number;
  leavers: number;
  leave: number;
  returns: number;
  rehires: number;
  suspended: number;
  activated: number;
  disabled: number;
  disputed: number;
  refusedAttributes: number;
  absent: number;
  changed: number;
  /** Records that would have made an identity under a hold active again: the hold and the suspension stay. */
  onHold: number;
  held?: { terminations: number; population: number; share: number; limitShare: number; limitCount: number | null };
}

export function emptySummary(): ImportSummary {
  return {
    rows: 0,
    valid: 0,
    invalid: 0,
    unchanged: 0,
    joiners: 0,
    historical: 0,
    movers: 0,
    updated: 0,
    leavers: 0,
    leave: 0,
    returns: 0,
    rehires: 0,
    suspended: 0,
    activated: 0,
    disabled: 0,
    disputed: 0,
    refusedAttributes: 0,
    absent: 0,
    changed: 0,
    onHold: 0,
  };
}

const EVENT_COUNTERS: Readonly<Record<string, keyof ImportSummary>> = {
  'identity.joiner': 'joiners',
  'identity.historical': 'historical',
  'identity.mover': 'movers',
  'identity.updated': 'updated',
  'identity.leaver': 'leavers',
  'identity.leave': 'leave',
  'identity.return': 'returns',
  'identity.rehire': 'rehires',
  'identity.suspended': 'suspended',
  'identity.activated': 'activated',
  'identity.disabled': 'disabled',
  'dispute.opened': 'disputed',
  'trust.changed': 'changed',
  'behave.changed': 'changed',
};

export function countEvent(summary: ImportSummary, type: string): void {
  const key = EVENT_COUNTERS[type];
  if (key) (summary[key] as number)++;
}

export interface ImportRun {
  id: string;
  source: string;
  format: string;
  fileName: string;
  filePath: string | null;
  fileSha256: string;
  status: RunStatus;
  options: { skipInvalid?: boolean };
  summary: ImportSummary;
  errors: ErrorDetail[];
  actor: string;
  createdAt: Date;
  finishedAt: Date | null;
}

const COLUMNS = 'id, source, format, file_name, file_path, file_sha256, status, options, summary, errors, actor, created_at, finished_at';

function fromRow(r: Record<string, any>): ImportRun {
  return {
    id: r.id,
    source: r.source,
    format: r.format,
    fileName: r.file_name,
    filePath: r.file_path,
    fileSha256: r.file_sha256,
    status: r.status,
    options: r.options,
    summary: r.summary,
    errors: r.errors,
    actor: r.actor,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

/** The process that runs an import, as its row names it. */
export const RUN_OWNER = `${hostname()} pid ${process.pid}`;

/** A running import beats this often (multi-process stores only); one silent for STALE_AFTER_MS is taken for dead. */
export const HEARTBEAT_MS = 30_000;
export const STALE_AFTER_MS = 4 * HEARTBEAT_MS;

export async function insertRun(db: Queryable, run: Omit<ImportRun, 'finishedAt'>): Promise<void> {
  await db.query(`INSERT INTO import_runs (${COLUMNS}, owner, heartbeat_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,NULL,$13,$12)`, [
    run.id,
    run.source,
    run.format,
    run.fileName,
    run.filePath,
    run.fileSha256,
    run.status,
    run.options,
    run.summary,
    JSON.stringify(run.errors),
    run.actor,
    run.createdAt,
    RUN_OWNER,
  ]);
}

/** A running import's sign of life. */
export async function beat(db: Queryable, id: string, at: Date): Promise<void> {
  await db.query(`UPDATE import_runs SET heartbeat_at = $2 WHERE id = $1 AND status = 'running'`, [id, at]);
}

export async function finishRun(db: Queryable, id: string, patch: { status: RunStatus; summary: ImportSummary; errors: readonly ErrorDetail[]; filePath?: string | null }, at: Date): Promise<void> {
  await db.query('UPDATE import_runs SET status = $2, summary = $3, errors = $4, finished_at = $5, file_path = COALESCE($6, file_path) WHERE id = $1', [
    id,
    patch.status,
    patch.summary,
    JSON.stringify(patch.errors),
    at,
    patch.filePath ?? null,
  ]);
}

export async function getRun(db: Queryable, id: string): Promise<ImportRun> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new MusterError('MUSTER_ERR_VALIDATION', `'${id}' is not an import run id`, [{ field: 'id', value: id, message: 'must be a UUID' }]);
  const [row] = await db.query(`SELECT ${COLUMNS} FROM import_runs WHERE id = $1`, [id]);
  if (!row) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no import run ${id}`, [{ field: 'id', value: id, message: 'not found' }]);
  return fromRow(row);
}

export async function listRuns(db: Queryable, options: { limit?: number; source?: string } = {}): Promise<ImportRun[]> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
  const rows = await db.query(`SELECT ${COLUMNS} FROM import_runs WHERE ($1::text IS NULL OR source = $1) ORDER BY created_at DESC, id LIMIT $2`, [options.source ?? null, limit]);
  return rows.map(fromRow);
}

/**
 * Runs left 'running' by a process that died are marked interrupted, at start-up. On a store only
 * one process opens, every running run is such a run; on PostgreSQL, those whose process has not
 * beaten for STALE_AFTER_MS. A run applies in one transaction, so nothing of it was committed: it
 * cannot be resumed, and its file must be imported again. Each is audited.
 */
export async function recoverInterruptedRuns(store: Store, clock: Clock, audit: AuditWriter): Promise<string[]> {
  const now = clock.now();
  const silentSince = store.capabilities.multipleConnections ? new Date(now.getTime() - STALE_AFTER_MS) : now;
  return store.transaction(async (tx) => {
    const rows = await tx.query<{ id: string; source: string; file_name: string; owner: string | null; seen: Date }>(
      `UPDATE import_runs SET status = 'interrupted', finished_at = $1,
         errors = jsonb_build_array(jsonb_build_object('message', 'interrupted: ' || coalesce(owner, 'the process running it') || ' stopped before finishing (last sign of life ' || to_char(coalesce(heartbeat_at, created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '); nothing of it was applied, and it cannot be resumed: import the file again'))
       WHERE status = 'running' AND coalesce(heartbeat_at, created_at) <= $2
       RETURNING id, source, file_name, owner, coalesce(heartbeat_at, created_at) AS seen`,
      [now, silentSince],
    );
    if (rows.length === 0) return [];
    await audit.append(
      tx,
      rows.map((r) => ({
        actor: 'muster',
        action: 'import.interrupted',
        target: r.id,
        reason: `${r.source} import of ${r.file_name} stopped before finishing; nothing was applied; import the file again`,
        data: { source: r.source, file: r.file_name, owner: r.owner, last_seen: r.seen },
      })),
      `start-${now.toISOString()}`,
    );
    return rows.map((r) => r.id);
  });
}
