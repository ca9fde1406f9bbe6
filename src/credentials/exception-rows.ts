import type { Tx } from '../store/store.ts';

/** Exception kinds that allow a person one more live PIV card than the one the policy allows. */
export const CARD_EXCEPTION_KINDS: readonly string[] = ['additional-card', 'temporary-credential', 'card-replacement'];

/** An active, unexpired card exception of the identity that covers no credential yet (locked), or undefined. */
export async function unusedCardException(tx: Tx, identityId: string, now: Date): Promise<string | undefined> {
  const [row] = await tx.query<{ id: string }>(
    `SELECT id::text AS id FROM credential_exceptions
     WHERE identity_id = $1 AND status = 'active' AND credential_id IS NULL AND expires_at > $2 AND kind = ANY($3::text[])
     ORDER BY approved_at LIMIT 1 FOR UPDATE`,
    [identityId, now, CARD_EXCEPTION_KINDS],
  );
  return row?.id;
}

/** The exception now covers the credential: when the exception ends, so does the credential. */
export async function takeUpException(tx: Tx, exceptionId: string, credentialId: string): Promise<void> {
  await tx.query('UPDATE credential_exceptions SET credential_id = $2 WHERE id = $1', [exceptionId, credentialId]);
}
