import { z } from '@hono/zod-openapi';
import { produceEvidence } from '../../runtime/evidence/index.ts';
import { type MusterContext, type RouteModule, correlationIdOf, principalOf } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, queryInt } from '../schemas.ts';
import { IdentityParams } from './identity-schemas.ts';

const EvidenceBundle = z
  .object({
    payload: z.string().openapi({ description: 'the evidence JSON, base64url (docs/evidence.md)' }),
    signatures: z.array(z.object({ protected: z.string().openapi({ description: 'base64url {"alg":"EdDSA","typ":"muster-evidence+jws","kid":…}' }), signature: z.string() })).length(1),
  })
  .openapi('EvidenceBundle', { description: 'A JWS in the general JSON serialization, signed by the audit key; save the body byte for byte and check it with `muster evidence verify`' });

const show = apiRoute({
  method: 'get',
  path: '/api/identities/{id}/evidence',
  roles: ['auditor', 'security-officer'],
  tags: ['identities'],
  summary: "Signed evidence that a leaver's credentials, accounts, signals and sessions ended",
  description: 'Reads every target back now, signs OCSP answers and seals the audit log if no checkpoint covers the leaver yet; the issue is audited.',
  request: { params: IdentityParams, query: z.strictObject({ event: queryInt(1, Number.MAX_SAFE_INTEGER).optional().openapi({ description: "the leaver event (default: the identity's latest)" }) }) },
  responses: { 200: { description: 'The bundle', content: { 'application/json': { schema: EvidenceBundle } } }, 404: ERROR_RESPONSES[404] },
});

const by = (c: MusterContext) => ({ actor: principalOf(c).actor, correlationId: correlationIdOf(c) });

export const evidenceRoutes: RouteModule = (app, ctx) => {
  app.openapi(show, async (c) => {
    const made = await produceEvidence(ctx, { identityId: c.req.valid('param').id, eventId: c.req.valid('query').event, ...by(c) });
    // the exact bytes that were signed, so the body can be saved and verified as it is
    return c.body(made.text, 200, { 'content-type': 'application/json' }) as never;
  });
};
