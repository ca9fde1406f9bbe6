import type { Queryable } from '../../store/store.ts';

/** Just-in-time activations and the challenges a card holder signs, in the store. Every query is built with Kysely. */

export async function insertActivation(
  { db }: Queryable,
  row: { id: string; request_id: string; identity_id: string; method: string; evidence: unknown; activated_at: Date; expires_at: Date },
): Promise<void> {
  await db
    .insertInto('access_activations')
    .values({ ...row, evidence: JSON.stringify(row.evidence) })
    .execute();
}

/** Granted just-in-time requests whose activation has run out, locked. */
export function lapsedActivations({ db }: Queryable, now: Date, limit: number) {
  return db
    .selectFrom('access_requests')
    .selectAll()
    .where('jit', '=', true)
    .where('active_until', 'is not', null)
    .where('active_until', '<=', now)
    .orderBy('active_until')
    .limit(limit)
    .forUpdate()
    .execute();
}

export async function endActivations({ db }: Queryable, requestId: string, at: Date): Promise<void> {
  await db.updateTable('access_activations').set({ ended_at: at }).where('request_id', '=', requestId).where('ended_at', 'is', null).execute();
}

export async function insertChallenge({ db }: Queryable, row: { nonce: string; request_id: string; identity_id: string; expires_at: Date }): Promise<void> {
  await db.insertInto('access_challenges').values(row).execute();
}

/** Spends a challenge: the row if it was unused, else undefined. */
export async function spendChallenge({ db }: Queryable, nonce: string, at: Date) {
  return db.updateTable('access_challenges').set({ used_at: at }).where('nonce', '=', nonce).where('used_at', 'is', null).returningAll().executeTakeFirst();
}

/**
 * The catalogue items this identity holds by request now, by name: standing grants before their end date and
 * just-in-time grants while an activation runs (groups in targets and operator roles; access to a relying party is
 * not a role). Released as the `roles` claim.
 */
export async function heldItems({ db }: Queryable, identityId: string, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('access_requests')
    .select('item')
    .distinct()
    .where('beneficiary_id', '=', identityId)
    .where('status', '=', 'granted')
    .where('kind', 'in', ['group', 'role'])
    .where('ends_at', '>', now)
    .where((eb) => eb.or([eb('jit', '=', false), eb('active_until', '>', now)]))
    .orderBy('item')
    .execute();
  return rows.map((r) => r.item);
}
