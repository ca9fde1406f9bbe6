import { z } from '@hono/zod-openapi';
import { pendingActions } from '../../runtime/pending-actions.ts';
import { type MusterContext, type RouteModule, correlationIdOf, principalOf } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, Uuid, jsonResponse } from '../schemas.ts';
import { plain } from './import-schemas.ts';
import { PendingActionView } from './pending-action-schemas.ts';

const Decision = z.object({ reason: z.string().trim().min(1).max(1000) }).strict();
const decisionBody = { body: { content: { 'application/json': { schema: Decision } }, required: true } };
const DECISION_ERRORS = { 403: ERROR_RESPONSES[403], 404: ERROR_RESPONSES[404], 409: ERROR_RESPONSES[409] };
const one = jsonResponse(z.object({ pendingAction: PendingActionView }), 'The action now');

const list = apiRoute({
  method: 'get',
  path: '/api/pending-actions',
  roles: ['federation-admin', 'operator-admin', 'security-officer', 'ca-operator', 'auditor'],
  tags: ['operators'],
  summary: 'Two-person actions, newest first: what each would do, who proposed it, the role its confirmer needs, when it expires',
  request: { query: z.object({ status: z.enum(['pending', 'confirmed', 'rejected', 'expired', 'failed']).optional() }) },
  responses: { 200: jsonResponse(z.object({ items: z.array(PendingActionView) }), 'The actions') },
});

const confirm = apiRoute({
  method: 'post',
  path: '/api/pending-actions/{id}/confirm',
  roles: ['federation-admin', 'operator-admin'],
  tags: ['operators'],
  summary: 'Confirm a pending action and run it: refused (403, audited) to its proposer and to a token without the role it needs; 409 once it is not pending',
  request: { params: z.object({ id: Uuid }), ...decisionBody },
  responses: { 200: one, ...DECISION_ERRORS },
});

const reject = apiRoute({
  method: 'post',
  path: '/api/pending-actions/{id}/reject',
  roles: ['federation-admin', 'operator-admin'],
  tags: ['operators'],
  summary: 'Reject a pending action: it never runs (its proposer may withdraw it)',
  request: { params: z.object({ id: Uuid }), ...decisionBody },
  responses: { 200: one, ...DECISION_ERRORS },
});

const decider = (c: MusterContext) => ({ ...principalOf(c), correlationId: correlationIdOf(c) });

/** `/api/pending-actions`: two-person rules (docs/operators.md#two-person-rules). */
export const pendingActionRoutes: RouteModule = (app, ctx) => {
  app.openapi(list, async (c) => c.json({ items: plain(await pendingActions(ctx).list(c.req.valid('query').status)) }, 200));
  app.openapi(confirm, async (c) => c.json({ pendingAction: plain(await pendingActions(ctx).confirm(c.req.valid('param').id, decider(c), c.req.valid('json').reason)) }, 200));
  app.openapi(reject, async (c) => c.json({ pendingAction: plain(await pendingActions(ctx).reject(c.req.valid('param').id, decider(c), c.req.valid('json').reason)) }, 200));
};
