import type { Queryable, Row } from '../../store/store.ts';

export const SITUATIONS = ['linked', 'unlinked', 'unmatched', 'disputed', 'deleted'] as const;
export type Situation = (typeof SITUATIONS)[number];

/**
 * What one run found; `privileged` counts privileged orphans, `disabled` the orphans it disabled, `drift` the
 * linked accounts that drift (enabled against the record, or memberships changed in the target),
 * `memberships` each membership changed in the target, `membershipsRemoved` those it removed.
 */
export type RunCounts = {
  accounts: number;
  linked: number;
  unlinked: number;
  unmatched: number;
  disputed: number;
  deleted: number;
  drift: number;
  memberships: number;
  membershipsRemoved: number;
  privileged: number;
  disabled: number;
  /** Orphans the target refused to disable, and memberships it refused to remove. */
  failed: number;
};

export function emptyCounts(): RunCounts {
  return { accounts: 0, linked: 0, unlinked: 0, unmatched: 0, disputed: 0, deleted: 0, drift: 0, memberships: 0, membershipsRemoved: 0, privileged: 0, disabled: 0, failed: 0 };
}

export interface ReconciliationRun {
  readonly id: string;
  readonly target: string;
  readonly actor: string;
  readonly status: 'running' | 'done' | 'failed';
  readonly counts: RunCounts;
  readonly error: string | null;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
}

/** One account that needs a person's eye (linked accounts without drift are only counted). */
export interface Finding {
  readonly runId: string;
  readonly target: string;
  readonly accountRef: string;
  readonly remoteId: string;
  readonly situation: Situation;
  readonly identityId: string | null;
  readonly candidates: readonly string[];
  readonly enabled: boolean;
  readonly privileged: boolean;
  readonly drift: boolean;
  readonly groups: readonly string[];
  /** What reconciliation did about it. */
  readonly action: string;
}

export function runOf(row: Row): ReconciliationRun {
  return {
    id: row.id as string,
    target: row.target as string,
    actor: row.actor as string,
    status: row.status as ReconciliationRun['status'],
    counts: { ...emptyCounts(), ...(row.counts as Partial<RunCounts>) },
    error: (row.error as string | null) ?? null,
    startedAt: row.started_at as Date,
    finishedAt: (row.finished_at as Date | null) ?? null,
  };
}

export async function insertRun(db: Queryable, id: string, target: string, actor: string, now: Date): Promise<ReconciliationRun> {
  const [row] = await db.query(`INSERT INTO reconciliation_runs (id, target, actor, status, counts, started_at) VALUES ($1, $2, $3, 'running', $4, $5) RETURNING *`, [
    id,
    target,
    actor,
    emptyCounts(),
    now,
  ]);
  return runOf(row as Row);
}

/** Records the counts so far (a long run shows its progress). */
export async function saveCounts(db: Queryable, id: string, counts: RunCounts): Promise<void> {
  await db.query('UPDATE reconciliation_runs SET counts = $2 WHERE id = $1', [id, counts]);
}

export async function finishRun(db: Queryable, id: string, counts: RunCounts, error: string | null, now: Date): Promise<ReconciliationRun> {
  const [row] = await db.query('UPDATE reconciliation_runs SET status = $2, counts = $3, error = $4, finished_at = $5 WHERE id = $1 RETURNING *', [
    id,
    error === null ? 'done' : 'failed',
    counts,
    error,
    now,
  ]);
  return runOf(row as Row);
}

const FINDING_COLUMNS = ['run_id', 'target', 'account_ref', 'remote_id', 'situation', 'identity_id', 'candidates', 'enabled', 'privileged', 'drift', 'groups', 'action'] as const;

/** Writes findings in one COPY. */
export async function insertFindings(db: Queryable, findings: readonly Finding[]): Promise<void> {
  if (findings.length === 0) return;
  await db.copyRows(
    'reconciliation_findings',
    FINDING_COLUMNS,
    findings.map((f) => [f.runId, f.target, f.accountRef, f.remoteId, f.situation, f.identityId, [...f.candidates], f.enabled, f.privileged, f.drift, [...f.groups], f.action]),
  );
}

export function findingOf(row: Row): Finding {
  return {
    runId: row.run_id as string,
    target: row.target as string,
    accountRef: row.account_ref as string,
    remoteId: row.remote_id as string,
    situation: row.situation as Situation,
    identityId: (row.identity_id as string | null) ?? null,
    candidates: row.candidates as string[],
    enabled: Boolean(row.enabled),
    privileged: Boolean(row.privileged),
    drift: Boolean(row.drift),
    groups: row.groups as string[],
    action: row.action as string,
  };
}
