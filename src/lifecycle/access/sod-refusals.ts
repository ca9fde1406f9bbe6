import type { Tx } from '../../store/store.ts';
import type { AccessPlan } from './plan.ts';
import { type RefusalKey, forgetEndedRefusals, recordRefusals, refusalKey } from './sod-refusal-repository.ts';

/**
 * Keeps `sod_refusals` in step with this recompute and answers the plans with only the refusals that are new: one
 * already standing for the identity, policy and entitlement counts a repeat and is not audited again; a standing
 * refusal of a recomputed identity that this recompute no longer makes is forgotten, so that it is audited again if it
 * comes back. At most two statements per batch, whatever its size.
 */
export async function keepNewRefusals(tx: Tx, recomputed: readonly string[], plans: readonly AccessPlan[], now: Date): Promise<AccessPlan[]> {
  const keys: RefusalKey[] = plans.flatMap((p) => p.refused.map((r) => ({ identityId: p.identityId, policy: r.conflict.policy, target: r.target, entitlement: r.group })));
  await forgetEndedRefusals(tx, recomputed, keys);
  if (keys.length === 0) return [...plans];
  const fresh = await recordRefusals(tx, keys, now);
  return plans.map((p) => ({ ...p, refused: p.refused.filter((r) => fresh.has(refusalKey({ identityId: p.identityId, policy: r.conflict.policy, target: r.target, entitlement: r.group }))) }));
}
