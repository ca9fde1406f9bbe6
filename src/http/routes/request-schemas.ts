import { z } from '@hono/zod-openapi';
import { OPERATOR_ROLES, type FixedRole } from '../../core/operators/roles.ts';
import type { RouteRoles } from '../route.ts';

/** Every operator role: a route anyone holding a token may call (reading the catalogue, requesting for oneself, deciding as a named approver). */
export const ANY_OPERATOR = Object.keys(OPERATOR_ROLES) as FixedRole[] as unknown as RouteRoles;

export const AccessRequest = z
  .object({
    id: z.string(),
    item: z.string(),
    itemVersion: z.number().int(),
    kind: z.string(),
    beneficiaryId: z.string(),
    requesterId: z.string(),
    justification: z.string(),
    endsAt: z.string(),
    status: z.enum(['pending', 'granted', 'denied', 'expired', 'reapproval', 'ended']),
    steps: z.array(z.string()),
    waitingOn: z.string().nullable(),
    approvers: z.array(z.string()),
    stepDueAt: z.string().nullable(),
    escalatedTo: z.string().nullable(),
    gives: z.string(),
    privileged: z.boolean(),
    jit: z.boolean(),
    activeUntil: z.string().nullable(),
    createdAt: z.string(),
    decidedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    endReason: z.string().nullable(),
  })
  .openapi('AccessRequest');

export const NewAccessRequest = z
  .object({
    item: z.string().min(1).max(64).openapi({ description: 'the catalogue item' }),
    beneficiaryId: z.guid().optional().openapi({ description: 'a direct report of the caller (the manager the MUR names); default the caller' }),
    justification: z.string().min(1).max(2000),
    endsAt: z.iso.datetime({ offset: true }).openapi({ description: "when the access ends; at most the item's maxDays ahead" }),
  })
  .strict()
  .openapi('AccessRequestNew');
