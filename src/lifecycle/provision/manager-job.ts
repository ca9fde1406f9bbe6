import { identityOfJob } from '../../queue/job.ts';
import { queueProvisioning } from '../access/write.ts';
import type { BatchJobHandler } from '../handlers.ts';
import { type ManagerOnLeave, managersOutOfStep } from './managers-repository.ts';

/** Queued by a mover: the MUR's `manager` may name someone else now. */
export const PROVISION_MANAGER_JOB = 'provisioning.manager';

/**
 * `provisioning.manager`: the identity's role attributes changed, so its accounts in the targets that name the
 * account of their holder's manager (Active Directory's `manager`: `targets`, each with what a manager's leaving
 * does) are provisioned again where they name another manager than the MUR now does.
 */
export function provisionManagerHandler(targets: ReadonlyMap<string, ManagerOnLeave>): BatchJobHandler {
  return {
    batch: async (items, tx, ctx) => {
      if (targets.size === 0) return;
      const events = new Map<string, number[]>();
      for (const { job } of items) {
        const id = identityOfJob(job);
        if (id !== undefined) events.set(id, [...(events.get(id) ?? []), ...(job.eventId === null ? [] : [job.eventId])]);
      }
      for (const [target, onLeave] of targets) {
        const moved = await managersOutOfStep(tx, target, [...events.keys()], onLeave);
        await queueProvisioning(
          tx,
          moved.map((id) => [target, id, 'the manager changed', events.get(id) ?? []] as const),
          ctx.now,
        );
      }
    },
  };
}
