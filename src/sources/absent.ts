import { isMusterError } from '../core/errors.ts';
import { planIdentity } from '../core/identity/record.ts';
import { ChangeSet } from '../mur/change-set.ts';
import { loadIdentities } from '../mur/identity-rows.ts';
import { type ApplyContext, recordPlan } from './apply-identities.ts';
import type { LinkInfo } from './links.ts';

/** Terminates live identities that a full snapshot no longer lists. */
export async function terminateAbsent(ctx: ApplyContext, absent: readonly LinkInfo[], batchSize: number, commit: (changes: ChangeSet) => Promise<void>): Promise<void> {
  for (let i = 0; i < absent.length; i += batchSize) {
    const identities = await loadIdentities(ctx.db, absent.slice(i, i + batchSize).map((l) => l.identityId));
    const changes = new ChangeSet();
    for (const identity of identities.values()) {
      try {
        const plan = planIdentity(identity, { kind: identity.kind, status: 'terminated', attributes: {} }, { source: ctx.source.name, record: 'absent', observedAt: ctx.now }, ctx.source.authority, identity.id);
        recordPlan(ctx, plan, identity, changes, 'absent from the full snapshot', String(identity.attributes.employee_id?.v ?? identity.attributes.npe_id?.v ?? identity.id));
      } catch (error) {
        if (!isMusterError(error, 'MUSTER_ERR_STATUS_TRANSITION')) throw error;
        ctx.warnings.push({ file: ctx.fileName, field: 'status', key: identity.id, message: `warning: identity ${identity.id} is absent but stays ${identity.status}: ${error.message}` });
      }
    }
    await commit(changes);
  }
}
