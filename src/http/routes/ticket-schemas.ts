import { z } from '@hono/zod-openapi';

export const TicketView = z
  .object({
    id: z.string(),
    target: z.string(),
    identityId: z.string().nullable(),
    accountRef: z.string(),
    operation: z.string().openapi({ description: 'create, update, enable, disable, `add <group>`, `remove <group>`' }),
    request: z.record(z.string(), z.unknown()),
    status: z.enum(['open', 'escalated', 'closed']),
    outcome: z.enum(['done', 'rejected']).nullable(),
    openedAt: z.string(),
    dueAt: z.string(),
    escalatedAt: z.string().nullable(),
    closedAt: z.string().nullable(),
    closedBy: z.string().nullable(),
  })
  .openapi('Ticket');

export const TicketHistory = z.array(z.object({ seq: z.number(), at: z.string(), actor: z.string(), action: z.string(), reason: z.string().nullable() }));

export const TicketClosing = z
  .object({
    ticket: z.guid().openapi({ description: 'the ticket closed: must be the id in the path (the signature covers it)' }),
    outcome: z.enum(['done', 'rejected']).openapi({ description: 'done: carried out; rejected: refused, muster asks again' }),
    note: z.string().max(2000).optional(),
    closedBy: z.string().min(1).max(200).optional().openapi({ description: 'the person in the ITSM who closed it' }),
  })
  .strict()
  .openapi('TicketClosing');
