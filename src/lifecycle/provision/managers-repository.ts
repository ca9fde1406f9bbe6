import { type RawBuilder, sql } from 'kysely';
import type { Queryable } from '../../store/store.ts';

/**
 * The manager a target's account names: the account, in the same target, of the identity the MUR's `manager`
 * attribute names (its employee id, or its identity id). Only an account muster made or linked there (it has a
 * remote id) can be named; until the manager's account exists, the report's account names none.
 */

/** What a report's account names once its manager's account is disabled: still the manager (`keep`), or none (`clear`). */
export type ManagerOnLeave = 'keep' | 'clear';

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** The remote id of the manager's account of the identity `i`, or null. */
function managerAccountOf(target: string, onLeave: ManagerOnLeave): RawBuilder<string | null> {
  const named = sql`i.attributes -> 'manager' ->> 'v'`;
  const manager = sql`COALESCE(
    (SELECT mi.id FROM identities mi WHERE mi.attributes -> 'employee_id' ->> 'v' = ${named} AND mi.id <> i.id ORDER BY (mi.status = 'active') DESC, mi.id LIMIT 1),
    CASE WHEN ${named} ~ ${UUID} THEN (SELECT mi.id FROM identities mi WHERE mi.id = (${named})::uuid AND mi.id <> i.id) END)`;
  const live = onLeave === 'clear' ? sql`m.status = 'enabled'` : sql`m.status <> 'archived'`;
  return sql<string | null>`(SELECT m.remote_id FROM accounts m WHERE m.target = ${target} AND m.identity_id = ${manager} AND m.remote_id IS NOT NULL AND ${live})`;
}

/** The remote id of the manager's account, in `target`, of each of these identities (null where there is none). */
export async function managerAccounts({ db }: Queryable, target: string, identityIds: readonly string[], onLeave: ManagerOnLeave): Promise<Map<string, string | null>> {
  if (identityIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('identities as i')
    .select(['i.id', managerAccountOf(target, onLeave).as('manager')])
    .where('i.id', 'in', [...identityIds])
    .execute();
  return new Map(rows.map((r) => [r.id as string, r.manager]));
}

/**
 * Which of these identities' accounts in `target` name another manager than they should: the account was synced,
 * and the manager it was last given differs from the one the MUR and the manager's account name now.
 */
export async function managersOutOfStep(db: Queryable, target: string, identityIds: readonly string[], onLeave: ManagerOnLeave): Promise<string[]> {
  if (identityIds.length === 0) return [];
  const rows = await outOfStep(db, target, sql`i.id IN (${sql.join([...identityIds])})`, onLeave);
  return rows.map((r) => r.id);
}

/** A report whose account names another manager than it should, and the identity the MUR names as its manager. */
export interface ReportOutOfStep {
  readonly report: string;
  readonly manager: string;
}

/** The reports of these identities (the MUR's `manager` names them) whose accounts in `target` name another manager than they should. */
export async function reportsOutOfStep(db: Queryable, target: string, managerIds: readonly string[], onLeave: ManagerOnLeave): Promise<ReportOutOfStep[]> {
  if (managerIds.length === 0) return [];
  const managers = await db.db
    .selectFrom('identities as n')
    .select(['n.id', sql<string | null>`n.attributes -> 'employee_id' ->> 'v'`.as('employee_id')])
    .where('n.id', 'in', [...managerIds])
    .execute();
  const byName = new Map<string, string>();
  for (const m of managers) {
    byName.set(m.id as string, m.id as string);
    if (m.employee_id) byName.set(m.employee_id, m.id as string);
  }
  const rows = await outOfStep(db, target, sql`i.attributes -> 'manager' ->> 'v' IN (${sql.join([...byName.keys()])})`, onLeave);
  return rows.flatMap((r) => {
    const manager = r.named === null ? undefined : byName.get(r.named);
    return manager === undefined ? [] : [{ report: r.id, manager }];
  });
}

async function outOfStep({ db }: Queryable, target: string, which: RawBuilder<unknown>, onLeave: ManagerOnLeave): Promise<{ id: string; named: string | null }[]> {
  const rows = await db
    .selectFrom('accounts as a')
    .innerJoin('identities as i', 'i.id', 'a.identity_id')
    .select(['i.id', sql<string | null>`i.attributes -> 'manager' ->> 'v'`.as('named')])
    .where('a.target', '=', target)
    .where('a.status', '<>', 'archived')
    .where('a.synced', 'is not', null)
    .where(sql<boolean>`${which} AND (a.synced ->> 'manager') IS DISTINCT FROM ${managerAccountOf(target, onLeave)}`)
    .orderBy('i.id')
    .execute();
  return rows.map((r) => ({ id: r.id as string, named: r.named }));
}
