import type { AccountFields } from '../port.ts';

export const TICKET_OPERATIONS = ['create', 'update', 'rename', 'disable', 'enable', 'delete', 'add-member', 'remove-member'] as const;
export type TicketOperation = (typeof TICKET_OPERATIONS)[number];

/** The account a request is about: its key (login), for a rename the new key, and for a creation its correlation id and state. */
export interface TicketAccount {
  readonly id: string;
  /** For a rename: the new key. */
  readonly key?: string;
  readonly correlationId?: string;
  readonly fields?: AccountFields;
  readonly enabled?: boolean;
}

/** What the ITSM endpoint receives for each change a person must carry out. */
export interface TicketRequest {
  readonly ticket: string;
  readonly target: string;
  readonly operation: TicketOperation;
  readonly account: TicketAccount;
  readonly group?: string;
  readonly requestedAt: string;
  /** Where the ITSM POSTs the outcome, signed with the same secret. */
  readonly callback: string;
}
