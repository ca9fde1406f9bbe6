import type { ChangeSet } from './change-set.ts';
import type { Queryable } from '../store/store.ts';

/** The ids of `ids` under an active hold (placed by a security officer; no source can lift it). */
export async function heldIdentities(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.db
    .selectFrom('identity_holds')
    .select('identity_id')
    .where('released_at', 'is', null)
    .where('identity_id', 'in', [...ids])
    .execute();
  return new Set(rows.map((r) => r.identity_id));
}

/** Remembers on the active hold the status a source asked for, the status a release returns to. */
export function keepSourceStatus(changes: ChangeSet, identityId: string, status: string): void {
  changes.rows.push({
    table: 'identity_holds',
    count: 1,
    write: async (tx) => {
      await tx.db.updateTable('identity_holds').set({ source_status: status }).where('identity_id', '=', identityId).where('released_at', 'is', null).execute();
    },
  });
}

/** A hold as shown: on the identity view, in the list of active holds. */
export interface Hold {
  readonly id: string;
  readonly identityId: string;
  readonly reason: string;
  readonly placedBy: string;
  readonly placedAt: string;
  readonly priorStatus: string;
  /** The status the authoritative source asked for while the hold stood; the status a release returns to. */
  readonly sourceStatus: string | null;
  readonly releasedBy: string | null;
  readonly releasedAt: string | null;
  readonly releaseReason: string | null;
}

export function holdFromRow(r: Record<string, unknown>): Hold {
  const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string | Date).toISOString());
  return {
    id: String(r.id),
    identityId: String(r.identity_id),
    reason: String(r.reason),
    placedBy: String(r.placed_by),
    placedAt: iso(r.placed_at) as string,
    priorStatus: String(r.prior_status),
    sourceStatus: (r.source_status as string | null) ?? null,
    releasedBy: (r.released_by as string | null) ?? null,
    releasedAt: iso(r.released_at),
    releaseReason: (r.release_reason as string | null) ?? null,
  };
}
