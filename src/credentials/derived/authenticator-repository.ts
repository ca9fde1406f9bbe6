import { sql } from 'kysely';
import type { Queryable, Tx } from '../../store/store.ts';

/** The WebAuthn authenticators bound as FIDO2 Derived PIV credentials; every query is built with Kysely. */

/** The WebAuthn credential ids already registered for the identity. */
export async function authenticatorIds({ db }: Queryable, identityId: string): Promise<string[]> {
  const rows = await db.selectFrom('webauthn_credentials').select('credential_id').where('identity_id', '=', identityId).execute();
  return rows.map((r) => r.credential_id);
}

/** An authenticator to record, active, for the muster credential `credential`. */
export type NewAuthenticator = { credential_id: string; credential: string; identity_id: string; public_key: Uint8Array; counter: number; aaguid: string; created_at: Date };

export async function insertAuthenticator({ db }: Tx, a: NewAuthenticator): Promise<void> {
  await db
    .insertInto('webauthn_credentials')
    .values({ ...a, public_key: sql<Buffer>`decode(${Buffer.from(a.public_key).toString('hex')}, 'hex')`, status: 'active' })
    .execute();
}
