import { z } from '@hono/zod-openapi';
import { remoteAddress } from '../remote.ts';
import { bodyLimit } from 'hono/body-limit';
import type { MiddlewareHandler } from 'hono';
import { listAuditEntries } from '../../audit/queries.ts';
import { SIGNATURE_HEADER } from '../../connectors/accounts/ticket/index.ts';
import { MusterError } from '../../core/errors.ts';
import { type CallbackDeps, TicketService, authenticateCallback, ticketAuditTarget, ticketTargetsOf } from '../../lifecycle/tickets/index.ts';
import { type Env, type RouteModule, correlationIdOf } from '../env.ts';
import { apiRoute, publicRoute } from '../route.ts';
import { ERROR_RESPONSES, Uuid, jsonResponse, queryInt } from '../schemas.ts';
import { plain } from './import-schemas.ts';
import { TicketClosing, TicketHistory, TicketView } from './ticket-schemas.ts';

/** Name of the signature security scheme of the ITSM callback in the OpenAPI document. */
const SIGNATURE_SCHEME = 'ticketSignature';
const CALLBACK_PATH = '/hooks/tickets/:id/close';
const MAX_CALLBACK_BYTES = 16 * 1024;

const list = apiRoute({
  method: 'get',
  path: '/api/tickets',
  roles: ['provisioning-admin', 'auditor'],
  tags: ['tickets'],
  summary: 'Tickets opened for targets with no API, newest first',
  request: { query: z.object({ status: z.enum(['open', 'escalated', 'closed']).optional(), target: z.string().min(1).max(32).optional(), limit: queryInt(1, 1000).default(100) }).strict() },
  responses: { 200: jsonResponse(z.object({ items: z.array(TicketView) }), 'Tickets') },
});
const show = apiRoute({
  method: 'get',
  path: '/api/tickets/{id}',
  roles: ['provisioning-admin', 'auditor'],
  tags: ['tickets'],
  summary: 'One ticket with its audit history (escalation, closing, refused callbacks)',
  request: { params: z.object({ id: Uuid }) },
  responses: { 200: jsonResponse(z.object({ ticket: TicketView, history: TicketHistory }), 'The ticket'), 404: ERROR_RESPONSES[404] },
});
const close = publicRoute({
  method: 'post',
  path: '/hooks/tickets/{id}/close',
  tags: ['tickets'],
  summary: 'The ITSM closes a ticket: authenticated by `X-Muster-Signature: sha256=<hex HMAC-SHA-256 of the raw body with the target secret>`, not by a token',
  security: [{ [SIGNATURE_SCHEME]: [] }],
  request: { params: z.object({ id: Uuid }), body: { content: { 'application/json': { schema: TicketClosing } }, required: true } },
  responses: {
    200: jsonResponse(z.object({ ticket: TicketView }), 'Closed'),
    400: ERROR_RESPONSES[400],
    401: { description: 'Missing or wrong signature, or the body names another ticket (audited as ticket.refused)', content: ERROR_RESPONSES[401].content },
    404: ERROR_RESPONSES[404],
    409: { description: 'The ticket is already closed', content: ERROR_RESPONSES[409].content },
  },
});

export const ticketRoutes: RouteModule = (app, ctx) => {
  const tickets = new TicketService(ctx);
  const deps: CallbackDeps = { store: ctx.store, clock: ctx.clock, audit: ctx.audit, tickets, targets: ticketTargetsOf(ctx.config), refusals: ctx.refusals };
  app.openAPIRegistry.registerComponent('securitySchemes', SIGNATURE_SCHEME, {
    type: 'apiKey',
    in: 'header',
    name: 'X-Muster-Signature',
    description: "sha256=<hex HMAC-SHA-256 of the raw request body, keyed with the ticket target's secret>",
  });
  app.openapi(list, async (c) => c.json({ items: plain(await tickets.list(c.req.valid('query'))) }, 200));
  app.openapi(show, async (c) => {
    const ticket = await tickets.get(c.req.valid('param').id);
    const history = await listAuditEntries(ctx.store, { target: ticketAuditTarget(ticket.id), limit: 1000 });
    return c.json({ ticket: plain(ticket), history: plain(history.reverse().map(({ seq, at, actor, action, reason }) => ({ seq, at, actor, action, reason }))) }, 200);
  });
  // before the route, so that the signature is checked (and a refusal audited) before the body is validated
  app.use(CALLBACK_PATH, bodyLimit({ maxSize: MAX_CALLBACK_BYTES, onError: () => tooLarge() }), verifySignature(deps));
  app.openapi(close, async (c) => {
    const { id } = c.req.valid('param');
    const { outcome, note, closedBy } = c.req.valid('json');
    const ticket = await tickets.get(id);
    const actor = `itsm:${ticket.target}`;
    const closed = await tickets.close(id, { outcome, note, closedBy: closedBy ? `${actor}/${closedBy}` : actor }, { actor, correlationId: correlationIdOf(c) });
    return c.json({ ticket: plain(closed) }, 200);
  });
};

function verifySignature(deps: CallbackDeps): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const origin = { remoteAddress: remoteAddress(c), method: c.req.method, path: c.req.path };
    // the signature covers the bytes as sent; Hono keeps them for the JSON validator after us
    const body = new Uint8Array(await c.req.arrayBuffer());
    await authenticateCallback(deps, { ticketId: c.req.param('id') ?? '', body, signature: c.req.header(SIGNATURE_HEADER), origin, correlationId: correlationIdOf(c) });
    await next();
  };
}

function tooLarge(): never {
  throw new MusterError('MUSTER_ERR_VALIDATION', `a ticket callback body is at most ${MAX_CALLBACK_BYTES} bytes`, [{ field: '(body)', message: 'too large' }]);
}
