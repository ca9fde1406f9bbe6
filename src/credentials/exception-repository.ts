import { sql } from 'kysely';
import type { Queryable, Tx } from '../store/store.ts';

/** Exception kinds that allow a person one more live PIV card than the one the policy allows. */
export const CARD_EXCEPTION_KINDS: readonly string[] = ['additional-card', 'temporary-credential', 'card-replacement'];

/** An active, unexpired card exception of the identity that covers no credential yet (locked), or undefined. */
export async function unusedCardException({ db }: Tx, identityId: string, now: Date): Promise<string | undefined> {
  const row = await db
    .selectFrom('credential_exceptions')
    .select(sql<string>`id::text`.as('id'))
    .where('identity_id', '=', identityId)
    .where('status', '=', 'active')
    .where('credential_id', 'is', null)
    .where('expires_at', '>', now)
    .where(sql<boolean>`kind = ANY(${CARD_EXCEPTION_KINDS}::text[])`)
    .orderBy('approved_at')
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
  return row?.id;
}

/** The exception now covers the credential: when the exception ends, so does the credential. */
export async function takeUpException({ db }: Tx, exceptionId: string, credentialId: string): Promise<void> {
  await db.updateTable('credential_exceptions').set({ credential_id: credentialId }).where('id', '=', exceptionId).execute();
}

/** A row of `credential_exceptions`, uuids as text. */
export type ExceptionRow = {
  id: string;
  identity_id: string;
  credential_id: string | null;
  kind: string;
  reason: string;
  compensating_control: string;
  requested_by: string;
  approved_by: string;
  approved_at: Date;
  expires_at: Date;
  status: 'active' | 'expired' | 'ended';
  ended_at: Date | null;
};

/** An exception to write, active from `approved_at`. */
export type NewException = Omit<ExceptionRow, 'status' | 'ended_at'>;

const EXCEPTION_COLUMNS = [
  sql<string>`id::text`.as('id'),
  sql<string>`identity_id::text`.as('identity_id'),
  sql<string | null>`credential_id::text`.as('credential_id'),
  'kind',
  'reason',
  'compensating_control',
  'requested_by',
  'approved_by',
  'approved_at',
  'expires_at',
  sql<ExceptionRow['status']>`status`.as('status'),
  'ended_at',
] as const;

export async function insertException({ db }: Tx, row: NewException): Promise<void> {
  await db
    .insertInto('credential_exceptions')
    .values({ ...row, status: 'active' })
    .execute();
}

/** The newest 500 exceptions, of one identity or of all. */
export async function listExceptions({ db }: Queryable, identityId?: string): Promise<ExceptionRow[]> {
  let query = db.selectFrom('credential_exceptions').select(EXCEPTION_COLUMNS);
  if (identityId) query = query.where('identity_id', '=', identityId);
  return query.orderBy('approved_at', 'desc').limit(500).execute();
}

/** An active exception → `status` (expired or ended) at `now`; the row as it now is, or undefined when it was not active. */
export async function closeException({ db }: Tx, id: string, status: 'expired' | 'ended', now: Date): Promise<ExceptionRow | undefined> {
  return db.updateTable('credential_exceptions').set({ status, ended_at: now }).where('id', '=', id).where('status', '=', 'active').returning(EXCEPTION_COLUMNS).executeTakeFirst();
}
