import type { Queryable, Tx } from '../store/store.ts';

/** What credential issuance reads of the holder's identity and TRUST record; every query is built with Kysely. */

/** Locks the identity row until the transaction ends (nothing when there is none). */
export async function lockIdentityRow({ db }: Tx, id: string): Promise<void> {
  await db.selectFrom('identities').select('id').where('id', '=', id).forUpdate().execute();
}

/** The identity's status, or undefined when there is none. */
export async function identityStatus({ db }: Queryable, id: string): Promise<string | undefined> {
  return (await db.selectFrom('identities').select('status').where('id', '=', id).executeTakeFirst())?.status;
}

/** The identity's TRUST eligibility, or undefined when none is recorded. */
export async function trustEligibility({ db }: Queryable, identityId: string): Promise<string | undefined> {
  return (await db.selectFrom('trust').select('eligibility').where('identity_id', '=', identityId).executeTakeFirst())?.eligibility;
}
