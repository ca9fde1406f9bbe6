import { isMusterError } from '../core/errors.ts';
import { planIdentity } from '../core/identity/record.ts';
import { ChangeSet } from '../mur/change-set.ts';
import { loadIdentities } from '../mur/identity-repository.ts';
import { type ApplyContext, recordPlan } from './apply-identities.ts';
import type { AbsentLink } from './scan.ts';

/**
 * The digest a link keeps once its record left the snapshot: no record hashes to it, so the
 * record's return, even unchanged, is applied (a rehire or a return, per the status machine).
 */
export const ABSENT_DIGEST = 'absent';

/** Terminates live identities that a full snapshot no longer lists. */
export async function terminateAbsent(ctx: ApplyContext, absent: readonly AbsentLink[], batchSize: number, commit: (changes: ChangeSet) => Promise<void>): Promise<void> {
  for (let i = 0; i < absent.length; i += batchSize) {
    const batch = absent.slice(i, i + batchSize);
    const identities = await loadIdentities(
      ctx.db,
      batch.map((l) => l.identityId),
    );
    const changes = new ChangeSet();
    for (const link of batch) {
      const identity = identities.get(link.identityId);
      if (!identity) continue;
      identities.delete(link.identityId); // one plan per identity, even if two of its records left
      try {
        const plan = planIdentity(
          identity,
          { kind: identity.kind, status: 'terminated', attributes: {} },
          { source: ctx.source.name, record: 'absent', observedAt: ctx.now },
          ctx.source.authority,
          identity.id,
        );
        recordPlan(ctx, plan, identity, changes, 'absent from the full snapshot', String(identity.attributes.employee_id?.v ?? identity.attributes.npe_id?.v ?? identity.id));
        if (plan.next.status === 'terminated') changes.changedLinks.push({ source: ctx.source.name, key: link.key, identityId: identity.id, digest: ABSENT_DIGEST });
      } catch (error) {
        if (!isMusterError(error, 'MUSTER_ERR_STATUS_TRANSITION')) throw error;
        ctx.warnings.push({ file: ctx.fileName, field: 'status', key: identity.id, message: `warning: identity ${identity.id} is absent but stays ${identity.status}: ${error.message}` });
      }
    }
    await commit(changes);
  }
}
