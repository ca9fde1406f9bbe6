import { sql } from 'kysely';
import type { Queryable } from '../store/store.ts';

/** Of these identities, those the OP still holds anything for: a session, grant, code or token (of `models`), or a sign-in not ended. */
export async function identitiesWithSessions(db: Queryable, ids: readonly string[], models: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const [payloads, logins] = [
    await db.db.selectFrom('oidc_payloads').select('account_id').distinct().where('account_id', 'in', ids).where('model', 'in', models).execute(),
    await db.db.selectFrom('oidc_logins').select('identity_id').distinct().where('identity_id', 'in', ids).where('ended_at', 'is', null).execute(),
  ];
  return new Set([...payloads.flatMap((r) => (r.account_id ? [r.account_id] : [])), ...logins.map((r) => r.identity_id)]);
}

/**
 * Of these `credential.*` events, those whose credential has no sign-in of its holder left to end (ids as text): their
 * jobs have nothing to do. An event that names no credential, or is not found, is not among them (its job runs, and fails, as alone).
 */
export async function credentialEventsWithoutSessions(db: Queryable, eventIds: readonly number[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const rows = await db.db
    .selectFrom('events as e')
    .select(sql<string>`e.id::text`.as('id'))
    .where('e.id', 'in', eventIds)
    .where(sql`e.payload ->> 'credential_id'`, 'is not', null)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('oidc_logins as l')
            .select('l.session_uid')
            .whereRef('l.identity_id', '=', 'e.identity_id')
            .where(sql<boolean>`l.credential_id = e.payload ->> 'credential_id'`)
            .where('l.ended_at', 'is', null),
        ),
      ),
    )
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** A value of an event's payload (`credential_id` of a `credential.*` event, `client_id` of `rp.access-ended`), if it holds one. */
export async function eventPayloadValue(db: Queryable, eventId: number | string, key: 'credential_id' | 'client_id'): Promise<unknown> {
  const row = await db.db.selectFrom('events').select('payload').where('id', '=', Number(eventId)).executeTakeFirst();
  return (row?.payload as Record<string, unknown> | undefined)?.[key];
}
