import type { AuditWriter } from '../../audit/writer.ts';
import type { MusterConfig } from '../../config/schema.ts';
import type { Clock } from '../../core/clock.ts';
import type { Store, Tx } from '../../store/store.ts';
import { endLapsedActivations } from './activation.ts';
import { managerOf } from './approvers.ts';
import { type Acting, endGrant } from './grant-writes.ts';
import { type RequestRow, endedGrants, overdueRequests, updateRequest } from './request-repository.ts';

export const GOVERNANCE_ACTOR = 'governance';
const BATCH = 200;

export interface SweepDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  readonly clock: Clock;
  readonly config: MusterConfig;
}

export interface SweepResult {
  readonly escalated: number;
  readonly expired: number;
  readonly ended: number;
  readonly deactivated: number;
}

/**
 * The periodic work of access requests, by muster's clock: an approval step undecided past its due time escalates
 * once to the approvers' managers, and expires when still undecided; a grant whose end date has come ends (its
 * access is removed by the recompute its `access.ended` event queues); a just-in-time activation past its expiry ends.
 */
export async function sweepRequests(deps: SweepDeps): Promise<SweepResult> {
  const now = deps.clock.now();
  const by: Acting = { actor: GOVERNANCE_ACTOR, now, correlationId: `access-sweep-${now.toISOString()}`, audit: deps.audit };
  const timeoutMs = deps.config.governance.requests.approvalTimeoutHours * 3_600_000;
  let escalated = 0;
  let expired = 0;
  let ended = 0;
  let deactivated = 0;
  await deps.store.transaction(async (tx) => {
    deactivated = await endLapsedActivations(tx, by, BATCH);
    for (const row of await overdueRequests(tx, now, BATCH)) {
      if (row.escalated_to === null && (await escalate(tx, row, by, timeoutMs))) escalated++;
      else {
        await expire(tx, row, by);
        expired++;
      }
    }
    for (const row of await endedGrants(tx, now, BATCH)) {
      await endGrant(tx, row, { status: 'ended', ended_at: now, end_reason: 'its end date passed' }, 'its end date passed', by);
      ended++;
    }
  });
  return { escalated, expired, ended, deactivated };
}

/** Adds the managers of the step's approvers (never the requester or the beneficiary); false when there are none. */
async function escalate(tx: Tx, row: RequestRow, by: Acting, timeoutMs: number): Promise<boolean> {
  const current = row.approvers as string[];
  const managers = new Set<string>();
  for (const approver of current) {
    const manager = await managerOf(tx, approver);
    if (manager && manager !== row.requester_id && manager !== row.beneficiary_id && !current.includes(manager)) managers.add(manager);
  }
  const [first] = managers;
  if (!first) return false;
  const approvers = [...current, ...managers];
  await updateRequest(tx, row.id, { approvers, escalated_to: first, step_due_at: new Date(by.now.getTime() + timeoutMs) });
  await by.audit.append(
    tx,
    [
      {
        actor: GOVERNANCE_ACTOR,
        action: 'access.escalated',
        target: row.beneficiary_id,
        reason: `${row.item}: undecided by ${row.step_due_at?.toISOString()}; escalated to ${[...managers].join(', ')}`,
        data: { request_id: row.id, step: row.step, approvers },
      },
    ],
    by.correlationId,
  );
  return true;
}

async function expire(tx: Tx, row: RequestRow, by: Acting): Promise<void> {
  const reapproval = row.status === 'reapproval';
  await updateRequest(tx, row.id, {
    status: reapproval ? 'ended' : 'expired',
    decided_at: by.now,
    approvers: [],
    step_due_at: null,
    ...(reapproval ? { ended_at: by.now, end_reason: 'not re-approved in time after a move' } : {}),
  });
  await by.audit.append(
    tx,
    [{ actor: GOVERNANCE_ACTOR, action: 'access.expired', target: row.beneficiary_id, reason: `${row.item}: no decision in time`, data: { request_id: row.id, step: row.step, status: row.status } }],
    by.correlationId,
  );
}
