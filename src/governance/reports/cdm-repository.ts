import { sql } from 'kysely';
import type { Queryable } from '../../store/store.ts';
import { USER_TYPE } from './credential-kinds.ts';

/** One page of identities after `afterId` (keyset order), as CDM USER objects. */
export function userPage({ db }: Queryable, afterId: string | null, size: number) {
  let query = db
    .selectFrom('identities as i')
    .select([
      'i.id as user_id',
      sql<string | null>`i.attributes->'full_name'->>'v'`.as('full_name'),
      sql<string | null>`i.attributes->'email'->>'v'`.as('email'),
      USER_TYPE.as('user_type'),
      'i.status',
    ])
    .orderBy('i.id')
    .limit(size);
  if (afterId !== null) query = query.where('i.id', '>', afterId);
  return query.execute();
}

/** CRED objects of these identities: the credential types issued, with status and validity. */
export function credentialsOf({ db }: Queryable, ids: readonly string[]) {
  return db
    .selectFrom('credentials')
    .select(['identity_id as user_id', 'type as credential_type', 'status as credential_status', 'issued_at as issued', 'expires_at as expires'])
    .where('identity_id', 'in', ids)
    .orderBy('identity_id')
    .orderBy('id')
    .execute();
}

/** BEHAVE objects of these identities: security training types and status. */
export function trainingOf({ db }: Queryable, ids: readonly string[]) {
  return db
    .selectFrom('behave')
    .select([
      'identity_id as user_id',
      'course as training_type',
      'status as training_status',
      sql<string | null>`to_char(completed, 'YYYY-MM-DD')`.as('completed'),
      sql<string | null>`to_char(expires, 'YYYY-MM-DD')`.as('expires'),
    ])
    .where('identity_id', 'in', ids)
    .orderBy('identity_id')
    .orderBy('course')
    .execute();
}

/** PRIV objects of these identities: privilege type, status, associated system. */
export function privilegesOf({ db }: Queryable, ids: readonly string[]) {
  return db
    .selectFrom('privileges')
    .select(['identity_id as user_id', 'privilege_type', 'status as privilege_status', 'system as associated_system'])
    .where('identity_id', 'in', ids)
    .orderBy('identity_id')
    .orderBy('id')
    .execute();
}
