import { z } from '@hono/zod-openapi';
import { Uuid } from '../schemas.ts';

export const SodViolation = z
  .object({
    identityId: z.string(),
    policy: z.string(),
    sides: z.array(z.array(z.string())).openapi({ description: 'what is held on each of the two sides' }),
    mitigated: z.object({ exceptionId: z.string(), approver: z.string(), compensatingControl: z.string(), expiresAt: z.string() }).nullable(),
  })
  .openapi('SodViolation');

export const ExceptionCreate = z
  .strictObject({
    identityId: Uuid,
    policy: z.string().min(1).max(64),
    compensatingControl: z.string().trim().min(1).max(2000),
    reason: z.string().trim().min(1).max(1000),
    days: z.number().int().min(1).max(365),
  })
  .openapi('SodExceptionCreate');

export const SodException = z
  .object({ id: z.string(), identityId: z.string(), policy: z.string(), approver: z.string(), compensatingControl: z.string(), expiresAt: z.string() })
  .openapi('SodException');

export const CampaignCreate = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    scope: z.string().min(1).max(80).openapi({
      description: 'privileged, target:<name>, agreement:<id> (one item per identity and relying party of the trust agreement that knows it) or derived-credentials',
    }),
    reviewers: z.enum(['manager', 'owner']),
    due: z.string().min(2).max(64).openapi({ description: 'a window ahead (14d, 2w) or an ISO 8601 time' }),
    unanswered: z.enum(['revoke', 'escalate']).optional(),
    reason: z.string().trim().min(1).max(1000),
  })
  .openapi('CampaignCreate');

export const Campaign = z
  .object({
    id: z.string(),
    name: z.string(),
    scope: z.string(),
    reviewers: z.string(),
    unanswered: z.string(),
    status: z.string(),
    dueAt: z.string(),
    createdBy: z.string(),
    createdAt: z.string(),
    closedAt: z.string().nullable(),
  })
  .openapi('Campaign');

export const CampaignItem = z
  .object({
    id: z.string(),
    campaignId: z.string(),
    identityId: z.string(),
    kind: z.string(),
    target: z.string(),
    entitlement: z.string(),
    privileged: z.boolean(),
    reviewerId: z.string().nullable(),
    decision: z.string().nullable(),
    comment: z.string().nullable(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    outcome: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).optional().openapi({
      description:
        "Items of a relying party (kind rp, target agreement:<id>, entitlement the client id): released (the attribute names the RP received: those consented to, else the agreement's), consentedAt, firstSignIn, lastSignIn, provisionedAt, account (the state of the account pushed to its provisioning API)",
    }),
  })
  .openapi('CampaignItem');

export const Decision = z.strictObject({ decision: z.enum(['keep', 'revoke']), comment: z.string().trim().min(1).max(2000) }).openapi('ReviewDecision');
