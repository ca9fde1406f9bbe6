import { z } from 'zod';
import { MusterError } from '../errors.ts';
import { FAL_VALUES, RELEASABLE_ATTRIBUTES, SIGNAL_ACTIONS, SIGNAL_NAMES, type Fal } from './profile.ts';

/**
 * A trust agreement (SP 800-217 §3, SP 800-63C-4 §3.4): who the population is, which IdP is the PIV IdP
 * for it, which relying parties it covers, what each may learn and why, at which assurance, which shared
 * signals flow and what the RP does on each, and whether a provisioning API is allowed. A relying party is
 * registered with muster's OP only through an agreement.
 */

export const AGREEMENT_ID = /^[a-z][a-z0-9._-]{0,63}$/;
const agencyCode = z.string().regex(/^[0-9A-Z]{4}$/, 'a 4-character SP 800-87 agency code');
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https, or http to a loopback host (judged on the parsed host: `http://localhost:80@elsewhere/` is not loopback). */
export function isHttpsOrLoopback(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

const httpsOrLoopback = z.url().refine(isHttpsOrLoopback, {
  message: 'an https URL (http only on loopback)',
});

const attribute = z.strictObject({
  name: z.enum(RELEASABLE_ATTRIBUTES),
  purpose: z.string().min(3).max(500).describe('why the RP needs it, as disclosed to the subscriber'),
});

const signal = z.strictObject({
  event: z.enum(SIGNAL_NAMES as [string, ...string[]]),
  action: z.enum(SIGNAL_ACTIONS),
});

const jwk = z.looseObject({ kty: z.string(), kid: z.string().optional() });

const relyingParty = z
  .strictObject({
    clientId: z.string().regex(/^[A-Za-z0-9._:-]{3,128}$/, 'letters, digits, . _ : - (3–128)'),
    name: z.string().min(1).max(200),
    redirectUris: z.array(httpsOrLoopback).min(1),
    postLogoutRedirectUris: z.array(httpsOrLoopback).default([]),
    tokenEndpointAuthMethod: z.enum(['private_key_jwt', 'tls_client_auth']).default('private_key_jwt'),
    /** Subject DN the RP's TLS client certificate must carry (tls_client_auth). */
    tlsClientAuthSubjectDn: z.string().min(1).optional(),
    /** The RP's public keys: client authentication (private_key_jwt) and, at FAL1, ID token encryption. */
    jwks: z.strictObject({ keys: z.array(jwk).min(1) }).optional(),
    jwksUri: httpsOrLoopback.optional(),
    /**
     * The OP may fetch this RP's URLs (`jwksUri`, `backchannelLogoutUri` on RP-initiated logout) on a private network
     * (RFC 1918, loopback, link-local, unique-local); refused by default. Needs `privateNetworkReason`; each such fetch is audited.
     */
    allowPrivateNetwork: z.boolean().default(false),
    privateNetworkReason: z.string().min(3).max(1000).optional(),
    /** Pairwise sector: relying parties (of any agreement) naming the same URI share subject identifiers; without it the RP has its own. */
    sectorIdentifierUri: httpsOrLoopback.optional(),
    fal: z.enum(FAL_VALUES).default('fal2'),
    /** FAL3: `idp` puts the PIV certificate's thumbprint in `cnf`; `rp` tells the RP to check its own bound authenticator. */
    boundAuthenticator: z.enum(['idp', 'rp']).optional(),
    /** Maximum authentication age the RP requires, seconds (the agreement's, besides any `max_age` it sends). */
    maxAuthenticationAge: z.number().int().min(0).optional(),
    /** OpenID Connect Back-Channel Logout 1.0: where the RP receives logout tokens when the OP ends a session it signed in to. */
    backchannelLogoutUri: httpsOrLoopback.optional(),
    /** The RP needs `sid` in every logout token (muster sends it whenever the session has one). */
    backchannelLogoutSessionRequired: z.boolean().default(false),
    /** Where the RP receives shared signals by push (RFC 8935); without it the RP polls or registers a stream itself. */
    signalEndpoint: httpsOrLoopback.optional(),
    /** Provisioning API (SCIM 2.0) of the RP, when the agreement allows it. */
    scim: z
      .strictObject({
        baseUrl: httpsOrLoopback,
        bearerTokenFile: z.string().min(1).optional(),
      })
      .optional(),
  })
  .refine((rp) => !rp.allowPrivateNetwork || rp.privateNetworkReason !== undefined, {
    message: "say why the OP may fetch this RP's URLs on a private network",
    path: ['privateNetworkReason'],
  })
  .refine((rp) => rp.tokenEndpointAuthMethod !== 'private_key_jwt' || rp.jwks !== undefined || rp.jwksUri !== undefined, {
    message: 'private_key_jwt needs jwks or jwksUri',
    path: ['jwks'],
  })
  .refine((rp) => rp.tokenEndpointAuthMethod !== 'tls_client_auth' || rp.tlsClientAuthSubjectDn !== undefined, {
    message: 'tls_client_auth needs tlsClientAuthSubjectDn',
    path: ['tlsClientAuthSubjectDn'],
  })
  .refine((rp) => rp.fal !== 'fal3' || rp.boundAuthenticator !== undefined, {
    message: 'FAL3 needs boundAuthenticator: idp or rp',
    path: ['boundAuthenticator'],
  })
  .refine((rp) => rp.fal !== 'fal1' || rp.jwks !== undefined || rp.jwksUri !== undefined, {
    message: 'FAL1 ID tokens are encrypted to the RP: give jwks or jwksUri',
    path: ['jwks'],
  });

const range = <T extends readonly [string, ...string[]]>(values: T) => z.strictObject({ min: z.enum(values), max: z.enum(values) });

export const agreementDocumentSchema = z.strictObject({
  name: z.string().min(1).max(200),
  description: z.string().max(2000).default(''),
  population: z.strictObject({
    agencyCodes: z.array(agencyCode).min(1),
    /** Organizational affiliations covered (global identifiers, e.g. `agency_code:9700/sub:HR` or a domain); empty: all of the agencies. */
    affiliations: z.array(z.string().min(1)).default([]),
  }),
  /** The PIV IdP for the population; `home` when it is the home agency IdP (required at FAL2 and above). */
  idp: z.strictObject({ issuer: httpsOrLoopback, home: z.boolean() }),
  relyingParties: z.array(relyingParty).default([]),
  attributes: z.array(attribute).default([]),
  assurance: z
    .strictObject({
      aal: range(['aal2', 'aal3'] as const).default({ min: 'aal2', max: 'aal3' }),
      fal: range(FAL_VALUES).default({ min: 'fal2', max: 'fal3' }),
    })
    .prefault({}),
  signals: z.array(signal).default([]),
  provisioning: z
    .strictObject({
      allowed: z.boolean().default(false),
      reason: z.string().min(3).max(1000).optional(),
    })
    .refine((p) => !p.allowed || p.reason !== undefined, { message: 'say why provisioning is allowed', path: ['reason'] })
    .prefault({}),
  consent: z.enum(['runtime', 'allowlisted']).default('runtime'),
  /**
   * Who of the population may sign in: everyone (`population`, the default when absent), or only those holding a
   * granted access request for a catalogue item of kind `rp` naming this agreement (`requested`).
   */
  access: z.enum(['population', 'requested']).optional(),
  /** Dynamic registration under this agreement (FAL2 and below; pairwise identifiers forced). */
  dynamicRegistration: z.boolean().default(false),
});

export type AgreementDocument = z.infer<typeof agreementDocumentSchema>;
export type AgreementRelyingParty = z.infer<typeof relyingParty>;

/** An agreement in force: its id and version with the checked document. */
export interface TrustAgreement {
  readonly id: string;
  readonly version: number;
  readonly status: 'active' | 'suspended' | 'ended';
  readonly document: AgreementDocument;
}

/** The FAL the agreement allows for one of its RPs: the RP's, within the agreement's range. */
export function falWithin(document: AgreementDocument, rp: AgreementRelyingParty): boolean {
  const order = FAL_VALUES as readonly Fal[];
  const at = order.indexOf(rp.fal);
  return at >= order.indexOf(document.assurance.fal.min) && at <= order.indexOf(document.assurance.fal.max);
}

/** Checks an agreement document: every problem named by its field, in one MUSTER_ERR_AGREEMENT. */
export function checkAgreement(id: string, input: unknown): AgreementDocument {
  const problems: { field: string; message: string }[] = [];
  if (!AGREEMENT_ID.test(id)) problems.push({ field: 'id', message: 'lower-case letters, digits, ".", "-" and "_", at most 64, starting with a letter' });
  const parsed = agreementDocumentSchema.safeParse(input);
  if (!parsed.success) for (const issue of parsed.error.issues) problems.push({ field: issue.path.join('.') || 'document', message: issue.message });
  if (parsed.success) problems.push(...duplicateClients(parsed.data), ...falOutside(parsed.data));
  if (problems.length > 0 || !parsed.success) {
    throw new MusterError('MUSTER_ERR_AGREEMENT', `trust agreement '${id}' has ${problems.length} problem(s): ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, problems);
  }
  return parsed.data;
}

function duplicateClients(document: AgreementDocument): { field: string; message: string }[] {
  const seen = new Set<string>();
  return document.relyingParties.flatMap((rp, i) => {
    const dup = seen.has(rp.clientId);
    seen.add(rp.clientId);
    return dup ? [{ field: `relyingParties.${i}.clientId`, message: `client id ${rp.clientId} appears twice` }] : [];
  });
}

function falOutside(document: AgreementDocument): { field: string; message: string }[] {
  return document.relyingParties.flatMap((rp, i) =>
    falWithin(document, rp) ? [] : [{ field: `relyingParties.${i}.fal`, message: `${rp.fal} is outside the agreement's FAL range ${document.assurance.fal.min}–${document.assurance.fal.max}` }],
  );
}
