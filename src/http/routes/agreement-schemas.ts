import { z } from '@hono/zod-openapi';

// Documents stay loose here: the agreement checker answers 422 MUSTER_ERR_AGREEMENT naming each field.
const AgreementDocument = z.record(z.string(), z.unknown()).openapi('TrustAgreementDocument', {
  description:
    'A trust agreement (SP 800-217 §3): `{ name, description, population: { agencyCodes, affiliations }, idp: { issuer, home }, relyingParties: [{ clientId, name, redirectUris, tokenEndpointAuthMethod, jwks | jwksUri, fal, boundAuthenticator, … }], attributes: [{ name, purpose }], assurance: { aal, fal }, signals: [{ event, action }], provisioning, consent, dynamicRegistration }`; see docs/federation.md',
});

export const AgreementId = z.string().min(1).max(64).openapi({ description: 'lower-case letters, digits, ".", "-" and "_", starting with a letter' });

export const AgreementVersion = z
  .object({
    id: z.string(),
    version: z.number().int(),
    status: z.enum(['active', 'suspended', 'ended']),
    document: AgreementDocument,
    author: z.string(),
    reason: z.string(),
    createdAt: z.string(),
  })
  .openapi('TrustAgreementVersion');

export const SaveAgreement = z
  .object({ document: AgreementDocument, reason: z.string().min(1).max(1000) })
  .strict()
  .openapi('TrustAgreementSave');

export const AgreementStatusChange = z
  .object({
    status: z.enum(['active', 'suspended', 'ended']).openapi({ description: '`suspended`: its relying parties sign no one in until it is `active` again; `ended` is final' }),
    reason: z.string().min(1).max(1000),
  })
  .strict()
  .openapi('TrustAgreementStatusChange');
