import type { AuditWriter } from '../../audit/writer.ts';
import type { MusterConfig } from '../../config/schema.ts';
import type { JobHandler } from '../../queue/job.ts';
import { type Acting, endGrant } from './grant-writes.ts';
import { grantsOf } from './request-repository.ts';
import { chainOf } from './request-view.ts';
import { GOVERNANCE_ACTOR } from './sweep.ts';

/** Job kind queued by every `identity.mover` event (core/events.ts). */
export const MOVER_REAPPROVAL_JOB = 'governance.mover-reapproval';

/**
 * On a mover, each access the person holds by request gives nothing until one of its item's owners approves it
 * again (`governance.requests.moverReapproval`, default true): the grant waits as `reapproval` in the owners' inbox,
 * and ends when denied or left undecided. Idempotent: a grant already waiting is not granted.
 */
export function moverReapprovalHandler(config: MusterConfig): JobHandler<AuditWriter> {
  return async (job, tx, ctx) => {
    const identityId = job.payload.identityId;
    if (!config.governance.requests.moverReapproval || typeof identityId !== 'string') return;
    const by: Acting = { actor: GOVERNANCE_ACTOR, now: ctx.now, correlationId: ctx.correlationId, audit: ctx.audit, causeEventId: ctx.causeEventId ?? null };
    const due = new Date(ctx.now.getTime() + config.governance.requests.approvalTimeoutHours * 3_600_000);
    for (const row of await grantsOf(tx, identityId, ctx.now)) {
      const owners = chainOf(row).owners.filter((o) => o !== identityId);
      await endGrant(
        tx,
        row,
        { status: 'reapproval', step: chainOf(row).steps.length, approvers: owners, step_due_at: due, escalated_to: null },
        'the person moved: the owner must approve it again',
        by,
      );
    }
  };
}
