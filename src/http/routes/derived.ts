import { z } from '@hono/zod-openapi';
import type { RegistrationResponseJSON } from '../../credentials/derived/webauthn/index.ts';
import { getCredential } from '../../credentials/queries.ts';
import { type MusterContext, type RouteModule, correlationIdOf, principalOf } from '../env.ts';
import { apiRoute } from '../route.ts';
import { ERROR_RESPONSES, Uuid, jsonResponse } from '../schemas.ts';
import { plain } from './import-schemas.ts';
import { Credential, DerivedCredential, Fido2Binding, PkiBinding } from './credential-schemas.ts';

const body = <S extends z.ZodType>(schema: S) => ({ body: { content: { 'application/json': { schema } }, required: true } });
const by = (c: MusterContext) => ({ actor: principalOf(c).actor, correlationId: correlationIdOf(c) });
const REFUSALS = { 404: ERROR_RESPONSES[404], 422: ERROR_RESPONSES[422] };

const start = apiRoute({
  method: 'post',
  path: '/api/derived/challenges',
  roles: ['issuer'],
  tags: ['derived'],
  summary: 'Open a Derived PIV binding ceremony: a one-time challenge to sign with the PIV Authentication key (also the WebAuthn challenge)',
  request: body(z.object({ identityId: z.guid() }).strict()),
  responses: { 201: jsonResponse(z.object({ challengeId: z.string(), challenge: z.string(), expiresAt: z.string(), webauthn: z.record(z.string(), z.unknown()) }), 'The ceremony'), ...REFUSALS },
});
const pki = apiRoute({
  method: 'post',
  path: '/api/derived/pki',
  roles: ['issuer'],
  tags: ['derived'],
  summary:
    'Bind a PKI-based Derived PIV credential: a certificate from the device CSR, .41 only when a key attestation proves the key is in hardware, otherwise .40 (a bare hardware claim is answered with a notice)',
  request: body(PkiBinding),
  responses: { 201: jsonResponse(z.object({ credential: DerivedCredential }), 'Bound'), ...REFUSALS },
});
const fido2 = apiRoute({
  method: 'post',
  path: '/api/derived/fido2',
  roles: ['issuer'],
  tags: ['derived'],
  summary: 'Bind a FIDO2 authenticator as a Derived PIV credential (AAGUID, attestation, AAL by policy)',
  request: body(Fido2Binding),
  responses: { 201: jsonResponse(z.object({ credential: DerivedCredential }), 'Bound'), ...REFUSALS },
});
const terminate = apiRoute({
  method: 'post',
  path: '/api/derived/{id}/terminate',
  roles: ['issuer', 'helpdesk', 'security-officer'],
  tags: ['derived'],
  summary: 'End a Derived PIV credential (device lost or retired)',
  request: { params: z.object({ id: Uuid }), ...body(z.object({ reason: z.enum(['lost', 'stolen', 'compromised', 'withdrawn']) }).strict()) },
  responses: { 200: jsonResponse(z.object({ credential: Credential }), 'The credential now'), 404: ERROR_RESPONSES[404], 409: ERROR_RESPONSES[409] },
});

export const derivedRoutes: RouteModule = (app, ctx) => {
  const derived = async () => (await ctx.credentials()).derived;
  app.openapi(start, async (c) => c.json(plain(await (await derived()).start(c.req.valid('json').identityId, by(c))), 201));
  app.openapi(pki, async (c) => c.json({ credential: plain(await (await derived()).bindPki(c.req.valid('json'), by(c))) }, 201));
  app.openapi(fido2, async (c) => {
    const request = c.req.valid('json');
    const bound = await (await derived()).bindFido2({ ...request, registration: request.registration as unknown as RegistrationResponseJSON }, by(c));
    return c.json({ credential: plain(bound) }, 201);
  });
  app.openapi(terminate, async (c) => {
    const { id } = c.req.valid('param');
    await (await derived()).terminate(id, c.req.valid('json').reason, by(c));
    return c.json({ credential: plain(await getCredential(ctx.store, id)) }, 200);
  });
};

/** The routes the command line acts as (it asks for the roles they name). */
export { start as derivedChallengeRoute, pki as derivedPkiRoute, terminate as derivedTerminateRoute };
