import { z } from '@hono/zod-openapi';
import { recordProofing, recordSponsorship, type RecordingOperator } from '../../credentials/issuance-records.ts';
import { type MusterContext, type RouteModule, correlationIdOf, principalOf } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, Uuid, jsonResponse } from '../schemas.ts';
import { Proofing, ProofingRequest, Sponsorship, SponsorshipRequest } from './credential-schemas.ts';
import { plain } from './import-schemas.ts';

const body = <S extends z.ZodType>(schema: S) => ({ body: { content: { 'application/json': { schema } }, required: true } });
const REFUSALS = { 403: ERROR_RESPONSES[403], 404: ERROR_RESPONSES[404] };

const sponsor = apiRoute({
  method: 'post',
  path: '/api/identities/{id}/sponsorship',
  roles: ['sponsor'],
  tags: ['identities'],
  summary: 'Sponsor an applicant for a PIV card, as the calling operator; refused (403, audited) to the applicant and to its registrar',
  request: { params: z.object({ id: Uuid }), ...body(SponsorshipRequest) },
  responses: { 201: jsonResponse(z.object({ sponsorship: Sponsorship }), 'The sponsorship recorded'), ...REFUSALS },
});

const proof = apiRoute({
  method: 'post',
  path: '/api/identities/{id}/proofing',
  roles: ['registrar'],
  tags: ['identities'],
  summary: 'Record the identity proofing of an applicant (IAL, method, evidence), as the calling operator; refused (403, audited) to the applicant and to its sponsor',
  request: { params: z.object({ id: Uuid }), ...body(ProofingRequest) },
  responses: { 201: jsonResponse(z.object({ proofing: Proofing }), 'The proofing recorded'), ...REFUSALS },
});

function operatorOf(c: MusterContext): RecordingOperator {
  const p = principalOf(c);
  return { operatorId: p.identityId, actor: p.actor, tokenId: p.tokenId, correlationId: correlationIdOf(c) };
}

/** `/api/identities/{id}/sponsorship` and `/proofing`: the records a PIV card issuance rests on (FIPS 201-3 §2.7, §2.8). */
export const issuanceRecordRoutes: RouteModule = (app, ctx) => {
  const deps = { store: ctx.store, clock: ctx.clock, audit: ctx.audit };
  app.openapi(sponsor, async (c) => {
    const made = await recordSponsorship(deps, { identityId: c.req.valid('param').id, reason: c.req.valid('json').reason }, operatorOf(c));
    return c.json({ sponsorship: plain(made) }, 201);
  });
  app.openapi(proof, async (c) => {
    const made = await recordProofing(deps, { identityId: c.req.valid('param').id, ...c.req.valid('json') }, operatorOf(c));
    return c.json({ proofing: plain(made) }, 201);
  });
};
