import type { Kysely } from 'kysely';
import type { Database } from '../store/database.ts';

/** An operator role of an identity as the single view shows it: who granted it, when and why, and its end. */
export interface OperatorRoleView {
  readonly role: string;
  readonly reason: string;
  readonly grantedBy: string;
  readonly grantedAt: string;
  readonly revokedBy: string | null;
  readonly revokedAt: string | null;
  readonly revokeReason: string | null;
}

/** Every operator role the identity was granted, oldest first; those held now have no revokedAt. */
export async function operatorRolesOf(db: Kysely<Database>, identityId: string): Promise<OperatorRoleView[]> {
  const rows = await db.selectFrom('operator_roles').selectAll().where('identity_id', '=', identityId).orderBy('granted_at').orderBy('role').execute();
  return rows.map((r) => ({
    role: r.role,
    reason: r.reason,
    grantedBy: r.granted_by,
    grantedAt: new Date(r.granted_at).toISOString(),
    revokedBy: r.revoked_by,
    revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
    revokeReason: r.revoke_reason,
  }));
}
