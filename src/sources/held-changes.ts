import type { ErrorDetail } from '../core/errors.ts';
import { MusterError } from '../core/errors.ts';
import type { Queryable } from '../store/store.ts';

/** At most this many changed records are named when a confirmation is refused. */
const MAX_NAMED = 50;

/**
 * Refuses to confirm a held run when an identity linked to its source changed after the run was
 * held (an event, another import, a person): the held snapshot would undo those changes. Each
 * changed record is named with the events since. Called under the source's import lock.
 */
export async function refuseIfChangedSinceHold(db: Queryable, source: string, runId: string, heldAt: Date): Promise<void> {
  const rows = await db.query<{ key: string; types: string[]; last: Date; total: number }>(
    `SELECT l.source_key AS key, array_agg(e.type ORDER BY e.occurred_at, e.id) AS types, max(e.occurred_at) AS last, count(*) OVER ()::int AS total
     FROM events e JOIN source_links l ON l.identity_id = e.identity_id AND l.source = $1
     WHERE e.occurred_at > $2 AND e.type LIKE 'identity.%'
     GROUP BY l.source_key ORDER BY l.source_key LIMIT $3`,
    [source, heldAt, MAX_NAMED],
  );
  if (rows.length === 0) return;
  const total = rows[0]?.total ?? rows.length;
  const details: ErrorDetail[] = rows.map((r) => ({ key: r.key, message: `${[...new Set(r.types)].join(', ')} since the run was held (last at ${new Date(r.last).toISOString()})` }));
  throw new MusterError(
    'MUSTER_ERR_IMPORT_STATE',
    `${total} identities linked to ${source} changed since import run ${runId} was held at ${heldAt.toISOString()}; confirming would undo those changes. Nothing was applied: import a current file again`,
    details,
  );
}
