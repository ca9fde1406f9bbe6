import { z } from 'zod';
import { UUID_PATTERN } from '../core/ids.ts';
import { pkiListenSchema } from './limits-schema.ts';

const hours = (max: number, fallback: number, what: string) => z.number().positive().max(max).default(fallback).describe(what);

/** Keys held in a PKCS#11 token instead of encrypted in the store. */
const hsm = z.strictObject({
  module: z.string().min(1).describe('path of the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so'),
  tokenLabel: z.string().min(1).describe('label of the token holding the CA keys'),
  pin: z.string().min(4).describe('user PIN of the token (MUSTER_PKI_HSM_PIN)'),
  rootKeyLabel: z.string().min(1).default('muster-root'),
  issuingKeyLabel: z.string().min(1).default('muster-issuing'),
  wrapKeyLabel: z.string().min(1).default('muster-wrap').describe('AES key on the token that wraps the data keys of the sealed signing and cookie keys; generated on first start'),
});

/** PEM files of an existing CA to adopt on first start instead of creating one. */
const importCa = z.strictObject({
  rootCertificate: z.string().min(1),
  issuingCertificate: z.string().min(1),
  issuingKey: z.string().min(1).describe('encrypted PKCS#8 PEM of the issuing CA key'),
  keyPassphrase: z.string().min(8).describe('passphrase of issuingKey'),
});

const webauthn = z.strictObject({
  rpId: z.string().min(1).default('localhost').describe('WebAuthn relying-party id: the host name of the enrolment page'),
  rpName: z.string().min(1).default('muster'),
  origins: z.array(z.string().url()).min(1).default(['http://localhost:8080']).describe('origins the enrolment page is served from'),
  attestationRoots: z.array(z.string().min(1)).default([]).describe('PEM files of trusted authenticator attestation roots (no metadata download)'),
  requireTrustedAttestation: z.boolean().default(false).describe('refuse authenticators whose attestation does not chain to attestationRoots'),
  aal3Aaguids: z
    .array(
      z
        .string()
        .regex(UUID_PATTERN)
        .transform((id) => id.toLowerCase()),
    )
    .default([])
    .describe('AAGUIDs allowed at AAL3 (empty: any trusted single-device authenticator)'),
});

export const pkiSchema = z.strictObject({
  baseUrl: z
    .string()
    .url()
    .refine((u) => u.startsWith('http://'), 'CRL and OCSP pointers must be http:// (RFC 5280 §4.2.1.13)')
    .optional()
    .describe('public http:// base of the CA certificates, CRL and OCSP responder; default http://<server.host>:<server.port>'),
  listen: pkiListenSchema.optional().describe('serve OCSP and the CRLs on a listener of their own, so that a flood on the API never stops revocation checking; unset: on the server listener'),
  keyAlgorithm: z.enum(['ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-3072']).default('ecdsa-p384'),
  keyPassphrase: z.string().min(12).optional().describe('encrypts the CA keys, and seals the signing and cookie keys, in the store (MUSTER_PKI_KEY_PASSPHRASE); default: pki.keyPassphraseFile'),
  keyPassphraseFile: z
    .string()
    .min(1)
    .optional()
    .describe('file holding the key passphrase, kept outside dataDir (MUSTER_PKI_KEY_PASSPHRASE_FILE); default <dataDir>/pki-key-passphrase, created on first start (profile demo only)'),
  rootName: z.string().min(1).optional().describe('root CA distinguished name; default CN=<agency.name> Root CA,…'),
  issuingName: z.string().min(1).optional(),
  hsm: hsm.optional(),
  import: importCa.optional(),
  crlRefreshHours: hours(18, 12, 'a new CRL at least this often, even without revocations'),
  crlValidityHours: hours(48, 24, 'nextUpdate of each CRL, after thisUpdate'),
  ocspValidityMinutes: z.number().int().min(5).max(2880).default(240).describe('nextUpdate of OCSP answers; re-signed when half of it has passed'),
  ocspRequestCacheEntries: z.number().int().min(1).max(1_000_000).default(10_000).describe('distinct OCSP request encodings whose parse is remembered (least recently used dropped first)'),
  publishPollMs: z.number().int().min(20).max(60_000).default(200).describe('how often the publisher looks for certificate status changes made by other processes'),
});

export const credentialSchema = z.strictObject({
  systemCode: z
    .string()
    .regex(/^[0-9]{4}$/)
    .default('0001')
    .describe('FASC-N system code'),
  challengeSeconds: z.number().int().min(30).max(3600).default(300).describe('life of a Derived PIV binding challenge'),
  recheckDays: z.number().int().min(1).max(30).default(7).describe('the PIV Authentication certificate of a binding is checked again after this many days'),
  reviewDays: z.number().int().min(1).max(30).default(7).describe('on card loss or reissue, derived credentials bound this recently are flagged for review'),
  cascadeToDerived: z
    .boolean()
    .default(true)
    .describe("a card's suspension holds its Derived PIV credentials and its reinstatement releases them; a card terminated as left or withdrawn terminates them"),
  keyAttestationRoots: z.array(z.string().min(1)).default([]).describe('PEM files of device key attestation roots: a PKI Derived PIV key attested under one gets policy .41 (hardware); otherwise .40'),
  exceptionMaxDays: z.number().int().min(1).max(365).default(30).describe('longest a credential exception may last'),
  notifications: z
    .strictObject({
      maildir: z.string().min(1).optional().describe('Maildir that binding notifications are delivered to; default <dataDir>/mail'),
      webhook: z.string().url().optional().describe('also POST each notification as JSON to this URL'),
    })
    .prefault({}),
  webauthn: webauthn.prefault({}),
});
