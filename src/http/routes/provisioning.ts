import { z } from '@hono/zod-openapi';
import { retryJob, listJobs } from '../../lifecycle/admin.ts';
import { JOB_STATUSES } from '../../lifecycle/jobs.ts';
import { listOps, queueStatus, retryOp } from '../../lifecycle/provision/admin.ts';
import { OP_STATUSES } from '../../lifecycle/provision/ops.ts';
import { type RouteModule, principalOf } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, Uuid, jsonResponse, queryInt } from '../schemas.ts';
import { plain } from './import-schemas.ts';

const QueueStatus = z
  .object({
    target: z.string(),
    pending: z.number().int(),
    running: z.number().int(),
    failing: z.number().int().openapi({ description: 'pending after a failed attempt' }),
    dead: z.number().int(),
    done: z.number().int(),
    lagSeconds: z.number().openapi({ description: 'how long the oldest pending or running operation has waited' }),
  })
  .openapi('ProvisioningQueue');

const Operation = z
  .object({
    id: z.number().int(),
    target: z.string(),
    identityId: z.string(),
    reason: z.string(),
    status: z.enum(OP_STATUSES),
    attempts: z.number().int(),
    runAfter: z.string(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('ProvisioningOperation');

const Job = z
  .object({
    id: z.number().int(),
    kind: z.string(),
    idempotencyKey: z.string(),
    payload: z.record(z.string(), z.unknown()),
    status: z.enum(JOB_STATUSES),
    attempts: z.number().int(),
    runAfter: z.string(),
    lockedBy: z.string().nullable(),
    lockedUntil: z.string().nullable(),
    lastError: z.string().nullable(),
    eventId: z.number().int().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('OutboxJob');

const RowId = z.object({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
const RETRY_ERRORS = { 404: ERROR_RESPONSES[404], 409: ERROR_RESPONSES[409] };

const queues = apiRoute({
  method: 'get',
  path: '/api/provisioning/queues',
  roles: ['provisioning-admin', 'auditor'],
  tags: ['provisioning'],
  summary: 'The provisioning queue of every target: depth, failures, dead letters and lag',
  responses: { 200: jsonResponse(z.object({ items: z.array(QueueStatus) }), 'One per target') },
});
const operations = apiRoute({
  method: 'get',
  path: '/api/provisioning/operations',
  roles: ['provisioning-admin', 'auditor'],
  tags: ['provisioning'],
  summary: 'Provisioning operations, newest first (`status=dead` is the dead-letter queue)',
  request: { query: z.object({ status: z.enum(OP_STATUSES).optional(), target: z.string().max(32).optional(), identityId: Uuid.optional(), limit: queryInt(1, 1000).optional() }).strict() },
  responses: { 200: jsonResponse(z.object({ items: z.array(Operation) }), 'Operations') },
});
const retryOperation = apiRoute({
  method: 'post',
  path: '/api/provisioning/operations/{id}/retry',
  roles: ['provisioning-admin'],
  tags: ['provisioning'],
  summary: 'Put a dead operation back in the queue, due now, attempts reset (audited)',
  request: { params: RowId },
  responses: { 200: jsonResponse(z.object({ operation: Operation }), 'The operation now'), ...RETRY_ERRORS },
});
const jobs = apiRoute({
  method: 'get',
  path: '/api/jobs',
  roles: ['provisioning-admin', 'auditor'],
  tags: ['outbox'],
  summary: 'Outbox jobs, newest first (`status=dead` is the dead-letter queue)',
  request: { query: z.object({ status: z.enum(JOB_STATUSES).optional(), kind: z.string().max(100).optional(), limit: queryInt(1, 1000).optional() }).strict() },
  responses: { 200: jsonResponse(z.object({ items: z.array(Job) }), 'Jobs') },
});
const retryJobRoute = apiRoute({
  method: 'post',
  path: '/api/jobs/{id}/retry',
  roles: ['provisioning-admin'],
  tags: ['outbox'],
  summary: 'Put a dead job back in the queue, due now, attempts reset (audited)',
  request: { params: RowId },
  responses: { 200: jsonResponse(z.object({ job: Job }), 'The job now'), ...RETRY_ERRORS },
});

/** The provisioning queue of each target and its dead letters. */
export const provisioningRoutes: RouteModule = (app, ctx) => {
  app.openapi(queues, async (c) => c.json({ items: plain(await queueStatus(ctx.store, ctx.accessTargets.names, ctx.clock.now())) }, 200));
  app.openapi(operations, async (c) => c.json({ items: plain(await listOps(ctx.store, c.req.valid('query'))) }, 200));
  app.openapi(retryOperation, async (c) => c.json({ operation: plain(await retryOp(ctx.store, ctx.audit, ctx.clock, c.req.valid('param').id, principalOf(c).actor)) }, 200));
};

/** The outbox and its dead letters. */
export const outboxRoutes: RouteModule = (app, ctx) => {
  app.openapi(jobs, async (c) => c.json({ items: plain(await listJobs(ctx.store, c.req.valid('query'))) }, 200));
  app.openapi(retryJobRoute, async (c) => c.json({ job: plain(await retryJob(ctx.store, ctx.audit, ctx.clock, c.req.valid('param').id, principalOf(c).actor)) }, 200));
};

/** The routes the command line acts as (it asks for the roles they name). */
export { retryOperation as operationRetryRoute, retryJobRoute as jobRetryRoute };
