import { z } from '@hono/zod-openapi';

export const PendingActionView = z
  .object({
    id: z.string(),
    kind: z.string(),
    target: z.string(),
    summary: z.string(),
    payload: z.record(z.string(), z.unknown()),
    requiredRole: z.string(),
    status: z.enum(['pending', 'confirmed', 'rejected', 'expired', 'failed']),
    proposedBy: z.string(),
    proposedAt: z.string(),
    reason: z.string(),
    expiresAt: z.string(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    decisionReason: z.string().nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('PendingAction', { description: 'an action one operator proposed, run only when another operator holding requiredRole confirms it before expiresAt' });
