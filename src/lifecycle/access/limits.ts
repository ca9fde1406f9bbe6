import type { AccessChange, CurrentAccess } from '../../core/access/diff.ts';
import type { DesiredAccess, DesiredEntitlement } from '../../core/access/evaluate.ts';
import type { HeldEntitlement } from '../../core/access/policy.ts';
import { type SeparationRule, type SodConflict, findConflicts, heldKey } from '../../core/access/sod.ts';
import type { AccessLimits } from './limits-repository.ts';

/** A grant separation of duties refused: the entitlement, and the conflict it would have made. */
export interface SodRefusal {
  readonly target: string;
  readonly group: string;
  readonly conflict: SodConflict;
}

const key = (e: { target: string; group: string }) => `${e.target}/${e.group}`;

/** The desired access without what was revoked: a revoked entitlement stays away until the revocation is lifted. */
export function withoutRevoked(desired: DesiredAccess, limits: AccessLimits): DesiredAccess {
  if (limits.revoked.length === 0) return desired;
  const revoked = new Set(limits.revoked.map(key));
  return { ...desired, entitlements: desired.entitlements.filter((e) => !revoked.has(key(e))) };
}

/**
 * Preventive separation of duties: a new grant that would make a conflict with what the identity will hold
 * (its entitlements after the change, its operator roles) is left out and answered as a refusal. Conflicts
 * made only of what is held already are not refused here: the detective scan lists them.
 */
export function refuseConflicts(current: CurrentAccess, desired: DesiredAccess, limits: AccessLimits, rules: readonly SeparationRule[]): { desired: DesiredAccess; refused: SodRefusal[] } {
  if (rules.length === 0) return { desired, refused: [] };
  const had = new Set(current.entitlements.map(key));
  const after: HeldEntitlement[] = [...desired.entitlements.map((e) => ({ target: e.target, group: e.group })), ...limits.roles];
  const isNew = (h: HeldEntitlement) => !('role' in h) && !had.has(key(h));
  const refused: SodRefusal[] = [];
  for (const conflict of findConflicts(after, rules, limits.excepted)) {
    for (const h of conflict.sides.flat()) if (isNew(h) && !('role' in h)) refused.push({ target: h.target, group: h.group, conflict });
  }
  if (refused.length === 0) return { desired, refused };
  const out = new Set(refused.map((r) => heldKey({ target: r.target, group: r.group })));
  const entitlements: DesiredEntitlement[] = desired.entitlements.filter((e) => !out.has(heldKey({ target: e.target, group: e.group })));
  return { desired: { ...desired, entitlements }, refused };
}

/** Each entitlement removed because it was revoked names its campaign (or who revoked it) in its reason. */
export function nameRevocations(change: AccessChange, limits: AccessLimits): AccessChange {
  if (limits.revoked.length === 0 || change.removed.length === 0) return change;
  const byKey = new Map(limits.revoked.map((r) => [key(r), r]));
  const removed = change.removed.map((r) => {
    const revocation = byKey.get(key(r));
    return revocation ? { ...r, reason: revocation.reason, ...(revocation.campaignId ? { campaign: revocation.campaignId } : {}) } : r;
  });
  return { ...change, removed };
}
