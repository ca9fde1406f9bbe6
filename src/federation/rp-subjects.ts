import { type RawBuilder, sql } from 'kysely';
import type { AlongsideWrite } from '../audit/audit-repository.ts';
import type { Queryable } from '../store/store.ts';

/** A relying party that knows an identity, under the subject identifier it knows it by. */
export interface RpSubject {
  readonly clientId: string;
  readonly sub: string;
  readonly firstUsedAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly provisionedAt: Date | null;
}

/** The identity signed in at the RP (an assertion was issued to it). */
export async function recordRpUse(db: Queryable, identityId: string, clientId: string, sub: string, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO federation_rp_subjects (identity_id, client_id, sub, first_used_at, last_used_at) VALUES ($1, $2, $3, $4, $4)
     ON CONFLICT (identity_id, client_id) DO UPDATE SET sub = $3, last_used_at = $4, first_used_at = COALESCE(federation_rp_subjects.first_used_at, $4)`,
    [identityId, clientId, sub, at],
  );
}

/** `recordRpUse` as a write beside audit entries (the token issued to the RP): its row comes `FROM` the source given. */
export function rpUseAlongside(identityId: string, clientId: string, sub: string, at: Date): AlongsideWrite {
  const write = (from: RawBuilder<unknown>) => sql`INSERT INTO federation_rp_subjects (identity_id, client_id, sub, first_used_at, last_used_at)
    SELECT ${identityId}::uuid, ${clientId}::text, ${sub}::text, ${at}::timestamptz, ${at}::timestamptz FROM ${from}
    ON CONFLICT (identity_id, client_id) DO UPDATE SET sub = EXCLUDED.sub, last_used_at = EXCLUDED.last_used_at,
      first_used_at = COALESCE(federation_rp_subjects.first_used_at, EXCLUDED.first_used_at)
    RETURNING 1`;
  // the same person's tokens at the same RP issued at once upsert the same row
  return Object.assign(write, { row: `federation_rp_subjects ${identityId} ${clientId}` });
}

/** The identity was pushed to the RP over its provisioning API. */
export async function recordRpProvisioned(db: Queryable, identityId: string, clientId: string, sub: string, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO federation_rp_subjects (identity_id, client_id, sub, provisioned_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (identity_id, client_id) DO UPDATE SET sub = $3, provisioned_at = COALESCE(federation_rp_subjects.provisioned_at, $4)`,
    [identityId, clientId, sub, at],
  );
}

/** Every RP that knows the identity: the ones shared signals go to. */
export async function rpSubjectsOf(db: Queryable, identityId: string): Promise<RpSubject[]> {
  const rows = await db.query<{ client_id: string; sub: string; first_used_at: Date | null; last_used_at: Date | null; provisioned_at: Date | null }>(
    'SELECT client_id, sub, first_used_at, last_used_at, provisioned_at FROM federation_rp_subjects WHERE identity_id = $1 ORDER BY client_id',
    [identityId],
  );
  return rows.map((r) => ({ clientId: r.client_id, sub: r.sub, firstUsedAt: r.first_used_at, lastUsedAt: r.last_used_at, provisionedAt: r.provisioned_at }));
}

/** The identity behind an RP's subject identifier (stream subjects, provisioning answers). */
export async function identityOfRpSubject(db: Queryable, clientId: string, sub: string): Promise<string | undefined> {
  const [row] = await db.query<{ identity_id: string }>('SELECT identity_id FROM federation_rp_subjects WHERE client_id = $1 AND sub = $2', [clientId, sub]);
  return row?.identity_id;
}

/** Of these events, those about an identity some relying party knows (has a subject for): one query. */
export async function eventsOfKnownIdentities(db: Queryable, eventIds: readonly number[]): Promise<Set<number>> {
  if (eventIds.length === 0) return new Set();
  const rows = await db.query<{ id: string }>('SELECT e.id FROM events e WHERE e.id = ANY($1::bigint[]) AND EXISTS (SELECT 1 FROM federation_rp_subjects s WHERE s.identity_id = e.identity_id)', [
    eventIds,
  ]);
  return new Set(rows.map((r) => Number(r.id)));
}
