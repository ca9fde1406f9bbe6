import type { Queryable } from '../../store/store.ts';

/**
 * Whether the identity holds a granted access request for a catalogue item of kind `rp` naming this trust agreement,
 * not yet ended: one read through the index on (beneficiary_id, status).
 */
export async function holdsRelyingPartyGrant({ db }: Queryable, identityId: string, agreementId: string, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom('access_requests')
    .select('id')
    .where('beneficiary_id', '=', identityId)
    .where('status', '=', 'granted')
    .where('kind', '=', 'rp')
    .where('entitlement', '=', agreementId)
    .where('ends_at', '>', now)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
