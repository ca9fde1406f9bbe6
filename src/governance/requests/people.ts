import { sql } from 'kysely';
import type { Queryable } from '../../store/store.ts';

/**
 * The people a request names, as an approver or a manager reads them: a name and an employee id beside the identity
 * id. A direct report is an active identity whose `manager` attribute names the manager by employee id or identity id
 * (as `managerOf` reads it); the `identities_manager` index finds them without reading the MUR.
 */
export interface PersonName {
  readonly id: string;
  readonly name: string;
  readonly employeeId: string | null;
}

/** The most reports a manager's list shows. */
export const REPORTS_LIMIT = 500;

const nameText = sql<string>`coalesce(nullif(i.attributes -> 'full_name' ->> 'v', ''), trim(concat_ws(' ', i.attributes -> 'given_name' ->> 'v', i.attributes -> 'family_name' ->> 'v')), i.id::text)`;
const employeeText = sql<string | null>`i.attributes -> 'employee_id' ->> 'v'`;

/** Names and employee ids of these identities, by id (an id the MUR does not hold is left out). */
export async function peopleNamed({ db }: Queryable, ids: readonly string[]): Promise<Map<string, PersonName>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db
    .selectFrom('identities as i')
    .select(['i.id', nameText.as('name'), employeeText.as('employeeId')])
    .where('i.id', 'in', unique)
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

/** The active direct reports of a manager, by name (at most REPORTS_LIMIT). */
export async function directReports({ db }: Queryable, managerId: string): Promise<PersonName[]> {
  const manager = await db.selectFrom('identities as i').select(employeeText.as('employeeId')).where('i.id', '=', managerId).executeTakeFirst();
  const keys = [managerId, ...(manager?.employeeId ? [manager.employeeId] : [])];
  return db
    .selectFrom('identities as i')
    .select(['i.id', nameText.as('name'), employeeText.as('employeeId')])
    .where(sql<string>`i.attributes -> 'manager' ->> 'v'`, 'in', keys)
    .where('i.status', '=', 'active')
    .where('i.id', '<>', managerId)
    .orderBy('name')
    .orderBy('i.id')
    .limit(REPORTS_LIMIT)
    .execute();
}

const IDENTITY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The identity each key names: an identity id as it is, an employee id through the MUR; a key naming nobody is left out. */
export async function identitiesByKey({ db }: Queryable, keys: readonly string[]): Promise<Map<string, string>> {
  const found = new Map(keys.filter((k) => IDENTITY_ID.test(k)).map((k) => [k, k.toLowerCase()]));
  const employeeIds = keys.filter((k) => !IDENTITY_ID.test(k));
  if (employeeIds.length === 0) return found;
  const rows = await db
    .selectFrom('identities as i')
    .select(['i.id', employeeText.as('employeeId')])
    .where(employeeText, 'in', employeeIds)
    .execute();
  for (const r of rows) if (r.employeeId) found.set(r.employeeId, r.id);
  return found;
}
