import { z } from '@hono/zod-openapi';

const isoDate = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const pem = (what: string) =>
  z
    .string()
    .min(1)
    .max(16_384)
    .openapi({ description: `${what} (PEM)` });

export const Certificate = z
  .object({
    serial: z.string(),
    issuer: z.string(),
    profile: z.string(),
    status: z.string(),
    reason: z.string().nullable(),
    revokedAt: z.string().nullable(),
    notBefore: z.string(),
    notAfter: z.string(),
    identityId: z.string(),
    credentialId: z.string(),
    pem: z.string(),
  })
  .openapi('Certificate');

export const Credential = z
  .object({
    id: z.string(),
    identityId: z.string(),
    type: z.string(),
    status: z.string(),
    reference: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    issuedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    certificates: z.array(Certificate),
  })
  .openapi('Credential');

export const CardRequest = z
  .object({
    identityId: z.guid(),
    cardUuid: z.guid().optional(),
    expiresAt: isoDate.openapi({ description: 'the card expiry, at most six years away' }),
    pivAuthCsr: pem('PKCS#10 for the PIV Authentication key, generated on the card'),
    cardAuthCsr: pem('PKCS#10 for the Card Authentication key, generated on the card'),
  })
  .strict()
  .openapi('CardRequest', { description: "the identity's current sponsorship and proofing records are used; sponsor, registrar and issuer must be three people, none the applicant" });

export const SponsorshipRequest = z.object({ reason: z.string().trim().min(1).max(1000).openapi({ description: 'why the sponsor vouches for the applicant' }) }).strict();

export const Sponsorship = z
  .object({ id: z.string(), identityId: z.string(), sponsorId: z.string(), reason: z.string(), recordedAt: z.string() })
  .openapi('Sponsorship', { description: 'a sponsor vouching for an applicant (FIPS 201-3 §2.8)' });

const Evidence = z
  .object({
    type: z.string().trim().min(1).max(100).openapi({ description: 'e.g. passport, drivers-license, state-id, military-id, birth-certificate' }),
    issuer: z.string().trim().min(1).max(200),
    documentId: z.string().trim().min(1).max(100).openapi({ description: "the document's own number" }),
    strength: z.enum(['fair', 'strong', 'superior']).openapi({ description: 'NIST SP 800-63A evidence strength' }),
    photo: z.boolean().openapi({ description: 'the document bears a photograph of the applicant' }),
    expiresAt: z.string().max(40).optional(),
  })
  .strict();

export const ProofingRequest = z
  .object({
    ial: z.enum(['IAL1', 'IAL2', 'IAL3']).openapi({ description: 'NIST SP 800-63A identity assurance level reached; a PIV card needs IAL3' }),
    method: z.enum(['in-person', 'supervised-remote']),
    evidence: z.array(Evidence).min(1).max(5).openapi({ description: 'the identity documents seen; a PIV card needs two, one bearing a photograph (FIPS 201-3 §2.7)' }),
    proofedAt: isoDate,
  })
  .strict()
  .openapi('ProofingRequest');

export const Proofing = z
  .object({
    id: z.string(),
    identityId: z.string(),
    registrarId: z.string(),
    ial: z.string(),
    method: z.string(),
    evidence: z.array(z.record(z.string(), z.unknown())),
    proofedAt: z.string(),
    recordedAt: z.string(),
  })
  .openapi('Proofing', { description: 'the identity proofing of an applicant by a registrar (NIST SP 800-63A)' });

export const Reason = z.object({ reason: z.string().min(1).max(1000) }).strict();

export const TerminateCard = z.object({ reason: z.enum(['lost', 'stolen', 'compromised', 'damaged', 'superseded', 'left', 'withdrawn']) }).strict();

export const ReissueCard = z
  .object({
    reason: z.enum(['lost', 'stolen', 'compromised', 'damaged', 'superseded']),
    expiresAt: isoDate,
    cardUuid: z.guid().optional(),
    verifiedBy: z.string().min(1),
    pivAuthCsr: pem("PKCS#10 for the new card's PIV Authentication key"),
    cardAuthCsr: pem("PKCS#10 for the new card's Card Authentication key"),
  })
  .strict()
  .openapi('ReissueRequest');

export const UpdateCard = z
  .object({
    reason: z.string().min(1).max(1000),
    pivAuthCsr: pem('PKCS#10 for a new PIV Authentication key').optional(),
    cardAuthCsr: pem('PKCS#10 for a new Card Authentication key').optional(),
  })
  .strict()
  .openapi('CardUpdate');

export const IssuedCard = z
  .object({
    credentialId: z.string(),
    identityId: z.string(),
    cardUuid: z.string(),
    fascn: z.string(),
    credentialNumber: z.string(),
    expiresAt: z.string(),
    certificates: z.array(z.object({ profile: z.string(), serial: z.string(), pem: z.string(), notBefore: z.string(), notAfter: z.string() })),
  })
  .openapi('IssuedCard');

const proof = {
  identityId: z.guid(),
  challengeId: z.guid(),
  pivCertificate: pem('the PIV Authentication certificate read from the card'),
  signature: z.string().min(1).max(2048).openapi({ description: "base64 signature over the challenge's bytes with the PIV Authentication key" }),
};

const KeyAttestation = z
  .object({
    certificate: pem('the attestation certificate over the device key (e.g. a PIV slot attestation)'),
    chain: z.array(pem('an intermediate up to a configured attestation root')).max(4).optional(),
  })
  .strict()
  .openapi('KeyAttestation', { description: 'proof that the key is in hardware: required for policy .41' });

export const PkiBinding = z
  .object({
    ...proof,
    csr: pem("PKCS#10 from the device's key"),
    hardwareBacked: z.boolean().default(false).openapi({ description: 'a claim only: without a verified keyAttestation the credential is .40 (software)' }),
    keyAttestation: KeyAttestation.optional(),
  })
  .strict()
  .openapi('DerivedPkiBinding');
export const Fido2Binding = z
  .object({ ...proof, registration: z.record(z.string(), z.unknown()).openapi({ description: 'PublicKeyCredential.toJSON() of navigator.credentials.create' }) })
  .strict()
  .openapi('DerivedFido2Binding');

export const DerivedCredential = z
  .object({
    credentialId: z.string(),
    identityId: z.string(),
    type: z.string(),
    reference: z.string(),
    boundAt: z.string(),
    pivSerial: z.string(),
    certificatePem: z.string().optional(),
    policy: z.string().optional(),
    hardwareAttested: z.boolean().optional(),
    notice: z.string().optional(),
    aaguid: z.string().optional(),
    aal: z.string().optional(),
    attestationFormat: z.string().optional(),
    attestationTrusted: z.boolean().optional(),
  })
  .openapi('DerivedCredential');

export const ExceptionRequest = z
  .object({
    identityId: z.guid(),
    kind: z.string().min(1).max(100),
    credentialId: z.guid().optional(),
    reason: z.string().min(1).max(1000),
    compensatingControl: z.string().min(1).max(1000),
    requestedBy: z.string().min(1),
    approvedBy: z.string().min(1),
    expiresAt: isoDate,
  })
  .strict()
  .openapi('ExceptionRequest');

export const CredentialException = z
  .object({
    id: z.string(),
    identityId: z.string(),
    kind: z.string(),
    credentialId: z.string().optional(),
    reason: z.string(),
    compensatingControl: z.string(),
    requestedBy: z.string(),
    approvedBy: z.string(),
    approvedAt: z.string(),
    expiresAt: z.string(),
    status: z.string(),
    endedAt: z.string().nullable(),
  })
  .openapi('CredentialException');
