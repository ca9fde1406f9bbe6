import type { BatchItem, BatchJobHandler } from '../handlers.ts';
import { planIdentities } from './plan.ts';
import { keepNewRefusals } from './sod-refusals.ts';
import { activePolicies } from './policies.ts';
import type { AccessTargets } from './targets.ts';
import { type Thread, writeAccess } from './write.ts';

/**
 * The `access.recompute` handler: recomputes each identity's accounts and entitlements from the
 * policies in force, records them, and queues provisioning for each target that changes. Runs
 * in batches (a mass termination brings thousands at once); a replay finds nothing left to change.
 */
export function recomputeHandler(targets: AccessTargets): BatchJobHandler {
  return {
    batch: async (items: readonly BatchItem[], tx, ctx) => {
      const why = new Map<string, string[]>();
      const threads = new Map<string, Thread>();
      for (const { job, correlationId } of items) {
        const id = job.payload.identityId;
        if (typeof id !== 'string') continue;
        why.set(id, [...new Set([...(why.get(id) ?? []), String(job.payload.type ?? job.kind)])]);
        threads.set(id, joinThread(threads.get(id), correlationId, job.eventId));
      }
      if (why.size === 0) return;
      const policies = await activePolicies(tx);
      const planned = await planIdentities(tx, [...why.keys()], policies, targets, ctx.now, (id) => (why.get(id) ?? []).join('+'));
      // a refusal already audited for the identity only counts a repeat (sod_refusals, shown in /metrics)
      const plans = await keepNewRefusals(tx, [...why.keys()], planned, ctx.now);
      await writeAccess(tx, plans, { now: ctx.now, audit: ctx.audit, threadOf: (id) => threads.get(id) ?? { correlationId: 'access', eventIds: [] } });
    },
  };
}

/** Several jobs of one identity in a batch: the newest request's correlation id, and every event, oldest first. */
function joinThread(had: Thread | undefined, correlationId: string, eventId: number | null): Thread {
  const eventIds = [...(had?.eventIds ?? []), ...(eventId === null ? [] : [eventId])].sort((a, b) => a - b);
  const newest = had === undefined || eventId === null || eventId >= (had.eventIds.at(-1) ?? 0);
  return { correlationId: newest ? correlationId : had.correlationId, eventIds };
}
