import { z } from '@hono/zod-openapi';

const at = z.string().openapi({ format: 'date-time' });
const atOrNull = at.nullable();
const ms = z.number().int().nullable().openapi({ description: 'milliseconds from start to end; null while not ended' });

const TracedEvent = z.object({
  id: z.number().int(),
  type: z.string(),
  identityId: z.string().nullable(),
  source: z.string().nullable(),
  correlationId: z.string(),
  occurredAt: at,
  causeEventId: z.number().int().nullable(),
});

const TracedOrigin = z
  .object({
    actor: z.string(),
    action: z.string(),
    reason: z.string().nullable(),
    auditSeq: z.number().int(),
    statusMove: z.object({ from: z.string().nullable(), to: z.string(), reason: z.string(), effectiveAt: atOrNull }).nullable(),
  })
  .nullable();

const TracedJob = z.object({
  id: z.number().int(),
  kind: z.string(),
  status: z.string(),
  attempts: z.number().int(),
  createdAt: at,
  finishedAt: atOrNull,
  durationMs: ms,
  lastError: z.string().nullable(),
});

const TracedOperation = z.object({
  id: z.number().int(),
  target: z.string(),
  status: z.string(),
  attempts: z.number().int(),
  reason: z.string(),
  createdAt: at,
  doneAt: atOrNull,
  durationMs: ms,
  result: z.array(z.string()).readonly().nullable(),
  error: z.string().nullable(),
  eventIds: z.array(z.number().int()).readonly(),
});

const TracedSignal = z.object({
  jti: z.string(),
  clientId: z.string(),
  eventType: z.string(),
  state: z.string(),
  attempts: z.number().int(),
  createdAt: at,
  deliveredAt: atOrNull,
  durationMs: ms,
  lastError: z.string().nullable(),
});

const TracedAuditEntry = z.object({
  seq: z.number().int(),
  at,
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  reason: z.string().nullable(),
  correlationId: z.string(),
});

/** The causal tree of one domain event (src/audit/trace/types.ts). */
export const EventTraceBody = z
  .object({
    event: TracedEvent,
    origin: TracedOrigin,
    jobs: z.array(TracedJob).readonly(),
    operations: z.array(TracedOperation).readonly(),
    revocations: z.array(z.object({ serial: z.string(), profile: z.string(), reason: z.string().nullable(), revokedAt: atOrNull, credentialId: z.string() })).readonly(),
    signals: z.array(TracedSignal).readonly(),
    tickets: z.array(z.object({ id: z.string(), target: z.string(), operation: z.string(), status: z.string(), outcome: z.string().nullable(), openedAt: at, closedAt: atOrNull })).readonly(),
    sessionsEnded: z.array(z.object({ at, auditSeq: z.number().int(), sessions: z.array(z.string()).readonly(), backchannelLogouts: z.array(z.string()).readonly() })).readonly(),
    audit: z.array(TracedAuditEntry).readonly(),
    caused: z.array(z.any()).readonly().openapi({ description: 'the trees, of this same shape, of the events its jobs made' }),
    settledAt: at,
    settledAfterMs: z.number().int(),
  })
  .openapi('EventTrace');
