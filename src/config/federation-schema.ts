import { z } from 'zod';
import { issuerProblem } from './issuer.ts';

/**
 * PIV federation: muster's OpenID Provider (the home agency IdP), its mutual-TLS sign-in listener, its keys,
 * the shared-signals transmitter and provisioning to relying parties. Each part keeps its keys in its own object.
 */

const url = z.string().url();

/** The OP issuer: one value for every token, SET and statement muster signs; a trailing `/` is dropped. */
const issuer = url
  .superRefine((value, ctx) => {
    const problem = issuerProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((value) => value.replace(/\/+$/, ''));

/** `http://<host>:<port>/oidc`: the issuer when `federation.oidc.issuer` is not set (an IPv6 host in brackets). */
export function defaultIssuer(host: string, port: number, tls = false): string {
  return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}/oidc`;
}

const oidc = z.strictObject({
  issuer: issuer
    .optional()
    .describe(
      'the OP issuer, named by every token, SET and statement muster signs; default http://<server.host>:<server.port>/oidc, resolved once when the configuration is loaded (with server.port 0, only muster serve knows it)',
    ),
  idTokenTtlSeconds: z.number().int().min(30).max(3600).default(300).describe('ID token lifetime (SP 800-63C: short, about 5 minutes)'),
  accessTokenTtlSeconds: z.number().int().min(30).max(3600).default(600),
  codeTtlSeconds: z.number().int().min(10).max(300).default(60).describe('authorization code lifetime (single use)'),
  keyRotationDays: z.number().int().min(1).max(365).default(30).describe('a new signing key every N days; the old one stays published until its tokens have expired'),
});

const mtls = z
  .strictObject({
    host: z.string().default('127.0.0.1').describe('address of the mutual-TLS listener (PIV sign-in, tls_client_auth)'),
    port: z.number().int().min(0).max(65535).default(8443).describe('port of the mutual-TLS listener; 0 picks a free one'),
    hostnames: z.array(z.string().min(1)).default(['localhost', '127.0.0.1']).describe("names on the listener's TLS server certificate (issued at each start by muster's TLS CA)"),
    certificateFile: z.string().min(1).optional().describe("PEM server certificate (then its chain) to use instead of one from muster's TLS CA; needs keyFile"),
    keyFile: z.string().min(1).optional().describe('PEM private key of certificateFile (unencrypted PKCS#8 or SEC1)'),
    foreignAnchorFiles: z.array(z.string().min(1)).default([]).describe("PEM files of other agencies' PIV trust anchors; their cardholders sign in only under an agreement covering their agency"),
    foreignIntermediateFiles: z
      .array(z.string().min(1))
      .default([])
      .describe("PEM files (one or more certificates each) of the CAs between those anchors and other agencies' cards: used to build a card's path, never trusted themselves"),
  })
  .refine((m) => (m.certificateFile === undefined) === (m.keyFile === undefined), { message: 'certificateFile and keyFile are given together', path: ['keyFile'] });

const ssf = z.strictObject({
  pushTimeoutMs: z.number().int().min(100).default(5000).describe('a push delivery slower than this counts as a failure'),
  pushMaxAttempts: z.number().int().min(1).default(12).describe('push attempts before a SET is marked failed (it stays for polling)'),
  pollMs: z.number().int().min(10).default(250).describe('how often the push worker looks for due deliveries'),
  retryBaseMs: z.number().int().min(10).default(1000).describe('push back-off: the delay after the first failure (doubling each time, with jitter, at most 15 minutes)'),
  minVerificationIntervalSeconds: z.number().int().min(0).default(30).describe('a receiver may ask for a verification event at most this often (429 otherwise)'),
});

const record = z.strictObject({
  organizationName: z.string().min(1).max(200).optional().describe('the organization named in the home agency IdP record; default agency.name'),
  contacts: z.array(z.string().min(1)).min(1).default(['mailto:icam@agency.example']).describe('technical contacts of the home agency IdP'),
  affiliations: z.array(z.string().min(1)).default([]).describe('organizational affiliations the IdP covers (global identifiers); empty: all of the agency'),
  authorityHints: z.array(url).default([]).describe('entity ids of the federation authorities above the IdP (OpenID Federation)'),
  entityConfigurationTtlSeconds: z
    .number()
    .int()
    .min(300)
    .max(7 * 86400)
    .default(86400)
    .describe('lifetime of the signed entity configuration'),
});

const provisioning = z.strictObject({
  termination: z.enum(['delete', 'deactivate']).default('delete').describe('a terminated account at a relying party: deactivated (PATCH active=false) then deleted, or only deactivated'),
  timeoutMs: z.number().int().min(100).default(10_000).describe("a request to a relying party's SCIM service slower than this fails and is retried"),
});

export const federationSchema = z.strictObject({
  oidc: oidc.prefault({}),
  mtls: mtls.prefault({}),
  ssf: ssf.prefault({}),
  record: record.prefault({}),
  provisioning: provisioning.prefault({}),
});

export type FederationConfig = z.infer<typeof federationSchema>;
