import { sql } from 'kysely';
import type { Queryable } from '../store/store.ts';

/** Serialises grants, so that two bootstraps cannot both find no operator. */
const OPERATORS_LOCK = 7_266_017;

/** Operator roles in the store: one row per grant, ended by revoking it. Every query is built with Kysely. */

export interface RoleGrantRow {
  id: string;
  identity_id: string;
  role: string;
  reason: string;
  granted_by: string;
  granted_at: Date;
}

export interface NewRoleGrant {
  readonly id: string;
  readonly identityId: string;
  readonly role: string;
  readonly reason: string;
  readonly grantedBy: string;
  readonly grantedAt: Date;
}

const GRANT_COLUMNS = ['id', 'identity_id', 'role', 'reason', 'granted_by', 'granted_at'] as const;

export async function insertGrant({ db }: Queryable, grant: NewRoleGrant): Promise<void> {
  await db
    .insertInto('operator_roles')
    .values({ id: grant.id, identity_id: grant.identityId, role: grant.role, reason: grant.reason, granted_by: grant.grantedBy, granted_at: grant.grantedAt })
    .execute();
}

/** The roles the identity holds now, by name. */
export async function heldRoles({ db }: Queryable, identityId: string): Promise<string[]> {
  const rows = await db.selectFrom('operator_roles').select('role').where('identity_id', '=', identityId).where('revoked_at', 'is', null).orderBy('role').execute();
  return rows.map((r) => r.role);
}

/** Every role held now, by operator then role. */
export function allHeldGrants({ db }: Queryable): Promise<RoleGrantRow[]> {
  return db.selectFrom('operator_roles').select(GRANT_COLUMNS).where('revoked_at', 'is', null).orderBy('identity_id').orderBy('role').execute();
}

/** Is any role held, or was any ever granted? (The bootstrap works only on a store that never had an operator.) */
export async function anyGrantEver({ db }: Queryable): Promise<boolean> {
  return (await db.selectFrom('operator_roles').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** Ends a held role; false when the identity does not hold it. */
export async function markRoleRevoked({ db }: Queryable, identityId: string, role: string, by: string, reason: string, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('operator_roles')
    .set({ revoked_by: by, revoked_at: at, revoke_reason: reason })
    .where('identity_id', '=', identityId)
    .where('role', '=', role)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The kind and status of an identity, locked until the transaction ends (undefined if there is none). */
export function lockIdentity({ db }: Queryable, id: string): Promise<{ id: string; kind: string; status: string } | undefined> {
  return db.selectFrom('identities').select(['id', 'kind', 'status']).where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Takes the operators' lock until the transaction ends. */
export async function lockOperators({ db }: Queryable): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${OPERATORS_LOCK})`.execute(db);
}
