import type { HeldEntitlement } from '../../core/access/policy.ts';
import type { Queryable } from '../../store/store.ts';

/** An entitlement a campaign (or an operator) took away: the recompute leaves it out until it is lifted. */
export interface Revocation {
  readonly target: string;
  readonly group: string;
  readonly campaignId: string | null;
  readonly reason: string;
}

/** What bounds an identity's access besides the policies: operator roles held, revocations, standing SoD exceptions. */
export interface AccessLimits {
  readonly roles: readonly HeldEntitlement[];
  readonly revoked: readonly Revocation[];
  /** Separation-of-duties policies an unexpired exception mitigates for the identity. */
  readonly excepted: ReadonlySet<string>;
}

const NONE: AccessLimits = Object.freeze({ roles: [], revoked: [], excepted: new Set<string>() });

/** The limits of these identities on `now`, three queries. */
export async function loadAccessLimits({ db }: Queryable, ids: readonly string[], now: Date): Promise<(id: string) => AccessLimits> {
  if (ids.length === 0) return () => NONE;
  const [roles, revoked, exceptions] = await Promise.all([
    db.selectFrom('operator_roles').select(['identity_id', 'role']).where('identity_id', 'in', ids).where('revoked_at', 'is', null).execute(),
    db.selectFrom('access_revocations').select(['identity_id', 'target', 'entitlement', 'campaign_id', 'reason']).where('identity_id', 'in', ids).where('lifted_at', 'is', null).execute(),
    db.selectFrom('sod_exceptions').select(['identity_id', 'policy']).where('identity_id', 'in', ids).where('revoked_at', 'is', null).where('expires_at', '>', now).execute(),
  ]);
  const byId = new Map<string, { roles: HeldEntitlement[]; revoked: Revocation[]; excepted: Set<string> }>();
  const of = (id: string) => {
    let entry = byId.get(id);
    if (!entry) byId.set(id, (entry = { roles: [], revoked: [], excepted: new Set() }));
    return entry;
  };
  for (const r of roles) of(r.identity_id).roles.push({ role: r.role });
  for (const r of revoked) of(r.identity_id).revoked.push({ target: r.target, group: r.entitlement, campaignId: r.campaign_id, reason: r.reason });
  for (const e of exceptions) of(e.identity_id).excepted.add(e.policy);
  return (id) => byId.get(id) ?? NONE;
}
