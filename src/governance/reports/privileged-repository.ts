import { sql } from 'kysely';
import type { Queryable } from '../../store/store.ts';
import { IS_PRIVILEGED, PHISHING_RESISTANT, USER_TYPE, holdsActive } from './credential-kinds.ts';

export interface PrivilegedWithoutPivRow {
  readonly identity_id: string;
  readonly status: string;
  readonly user_type: string;
  readonly full_name: string | null;
  readonly privileged_entitlements: number;
  readonly operator_roles: string;
}

/** Identities not terminated or archived that hold privilege and no active PIV card or Derived PIV credential. One query. */
export function privilegedWithoutPiv({ db }: Queryable, limit = 10_000): Promise<PrivilegedWithoutPivRow[]> {
  return db
    .selectFrom('identities as i')
    .where('i.status', 'not in', ['terminated', 'archived'])
    .where(IS_PRIVILEGED)
    .where(sql<boolean>`not ${holdsActive(PHISHING_RESISTANT)}`)
    .select([
      'i.id as identity_id',
      'i.status',
      USER_TYPE.as('user_type'),
      sql<string | null>`i.attributes->'full_name'->>'v'`.as('full_name'),
      sql<number>`(select count(*)::int from entitlements e where e.identity_id = i.id and e.privileged and e.status = 'active')`.as('privileged_entitlements'),
      sql<string>`coalesce((select string_agg(r.role, ' ' order by r.role) from operator_roles r where r.identity_id = i.id and r.revoked_at is null), '')`.as('operator_roles'),
    ])
    .orderBy('i.id')
    .limit(limit)
    .execute();
}
