import { identityOfJob } from '../../queue/job.ts';
import { queueProvisioning } from '../access/write.ts';
import type { BatchJobHandler } from '../handlers.ts';
import { accountTargetsOf } from './certificates-repository.ts';

/** Queued by every event that changes which PIV certificates an identity holds in good standing. */
export const PROVISION_CERTIFICATES_JOB = 'provisioning.certificates';

/**
 * `provisioning.certificates`: a card was issued, activated, suspended, reinstated, updated, replaced or terminated,
 * so the holder's accounts in the targets that map certificates for smart card logon (an Active Directory's
 * altSecurityIdentities: `mappingTargets`) are provisioned again, and write the holder's good PIV Authentication
 * certificates.
 */
export function provisionCertificatesHandler(mappingTargets: readonly string[]): BatchJobHandler {
  return {
    batch: async (items, tx, ctx) => {
      if (mappingTargets.length === 0) return;
      const events = new Map<string, number[]>();
      for (const { job } of items) {
        const id = identityOfJob(job);
        if (id !== undefined) events.set(id, [...(events.get(id) ?? []), ...(job.eventId === null ? [] : [job.eventId])]);
      }
      const accounts = await accountTargetsOf(tx, [...events.keys()], mappingTargets);
      await queueProvisioning(
        tx,
        accounts.map(({ target, identityId }) => [target, identityId, 'card certificates changed', events.get(identityId) ?? []] as const),
        ctx.now,
      );
    },
  };
}
