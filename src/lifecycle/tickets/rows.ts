import type { Row } from '../../store/store.ts';

export const TICKET_STATUSES = ['open', 'escalated', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const TICKET_OUTCOMES = ['done', 'rejected'] as const;
export type TicketOutcome = (typeof TICKET_OUTCOMES)[number];

/** One request carried to an ITSM endpoint, as muster recorded it. */
export interface Ticket {
  readonly id: string;
  readonly target: string;
  readonly identityId: string | null;
  readonly accountRef: string;
  /** What the provisioning worker asked: create, update, enable, disable, `add <group>`, `remove <group>`. */
  readonly operation: string;
  readonly request: Record<string, unknown>;
  readonly status: TicketStatus;
  readonly outcome: TicketOutcome | null;
  readonly openedAt: string;
  readonly dueAt: string;
  readonly escalatedAt: string | null;
  readonly closedAt: string | null;
  readonly closedBy: string | null;
}

export const TICKET_COLUMNS = 'id, target, identity_id, account_ref, operation, request, status, outcome, opened_at, due_at, escalated_at, closed_at, closed_by';

const iso = (value: unknown): string | null => (value instanceof Date ? value.toISOString() : null);

export function ticketFromRow(row: Row): Ticket {
  return {
    id: row.id as string,
    target: row.target as string,
    identityId: (row.identity_id as string | null) ?? null,
    accountRef: row.account_ref as string,
    operation: row.operation as string,
    request: (row.request ?? {}) as Record<string, unknown>,
    status: row.status as TicketStatus,
    outcome: (row.outcome as TicketOutcome | null) ?? null,
    openedAt: iso(row.opened_at) as string,
    dueAt: iso(row.due_at) as string,
    escalatedAt: iso(row.escalated_at),
    closedAt: iso(row.closed_at),
    closedBy: (row.closed_by as string | null) ?? null,
  };
}

/** The audit target of everything that happens to one ticket. */
export function ticketAuditTarget(id: string): string {
  return `ticket:${id}`;
}
