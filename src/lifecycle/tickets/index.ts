export { askAgain } from './ask-again.ts';
export { type CallbackDeps, type CallbackOrigin, type CallbackRequest, authenticateCallback } from './callback.ts';
export { ESCALATION_ACTOR, type EscalationResult, escalateOverdue, escalationSweep } from './escalate.ts';
export { TICKET_OUTCOMES, TICKET_STATUSES, type Ticket, type TicketOutcome, type TicketStatus, ticketAuditTarget } from './rows.ts';
export { type ActedBy, type Closing, type TicketDeps, type TicketFilter, TicketService } from './service.ts';
export { type TicketTarget, ticketTargetsOf } from './targets.ts';
