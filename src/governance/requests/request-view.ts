import type { ApprovalStep } from '../catalogue/index.ts';
import type { RequestRow } from './request-repository.ts';

/** The approval chain a request walks, fixed when it was made: the steps and the item's owners. */
export interface Chain {
  readonly steps: readonly ApprovalStep[];
  readonly owners: readonly string[];
}

/** A request as the API and the command line show it. */
export interface AccessRequest {
  readonly id: string;
  readonly item: string;
  readonly itemVersion: number;
  readonly kind: string;
  readonly beneficiaryId: string;
  readonly requesterId: string;
  readonly justification: string;
  readonly endsAt: string;
  readonly status: string;
  readonly steps: readonly ApprovalStep[];
  /** The step waiting on a decision (pending), `owner` when a move awaits re-approval, else null. */
  readonly waitingOn: string | null;
  readonly approvers: readonly string[];
  readonly stepDueAt: string | null;
  readonly escalatedTo: string | null;
  readonly gives: string;
  readonly privileged: boolean;
  readonly jit: boolean;
  readonly activeUntil: string | null;
  readonly createdAt: string;
  readonly decidedAt: string | null;
  readonly endedAt: string | null;
  readonly endReason: string | null;
}

export function chainOf(row: RequestRow): Chain {
  return row.chain as unknown as Chain;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function viewOf(row: RequestRow): AccessRequest {
  const chain = chainOf(row);
  const waitingOn = row.status === 'pending' ? (chain.steps[row.step] ?? null) : row.status === 'reapproval' ? 'owner' : null;
  return {
    id: row.id,
    item: row.item,
    itemVersion: row.item_version,
    kind: row.kind,
    beneficiaryId: row.beneficiary_id,
    requesterId: row.requester_id,
    justification: row.justification,
    endsAt: row.ends_at.toISOString(),
    status: row.status,
    steps: chain.steps,
    waitingOn,
    approvers: row.approvers as string[],
    stepDueAt: iso(row.step_due_at),
    escalatedTo: row.escalated_to,
    gives: row.kind === 'group' ? `${row.target}/${row.entitlement}` : row.kind === 'role' ? `role:${row.role}` : `rp:${row.entitlement}`,
    privileged: row.privileged,
    jit: row.jit,
    activeUntil: iso(row.active_until),
    createdAt: row.created_at.toISOString(),
    decidedAt: iso(row.decided_at),
    endedAt: iso(row.ended_at),
    endReason: row.end_reason,
  };
}
