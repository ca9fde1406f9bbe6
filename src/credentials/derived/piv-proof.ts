import { createHash, createPublicKey, verify } from 'node:crypto';
import { MusterError } from '../../core/errors.ts';
import type { CertificateAuthority } from '../../pki/ca.ts';
import { subjectDn } from '../../pki/names.ts';
import { X509Certificate } from '../../pki/x509.ts';
import type { Tx } from '../../store/store.ts';
import { certificateOfCard, identityCertificates } from '../certificate-repository.ts';
import { PIV_CARD } from '../types.ts';

/** What the applicant presents: the PIV Authentication certificate from the card and its signature over the challenge. */
export interface PivProof {
  /** PEM or base64 DER. */
  readonly pivCertificate: string;
  /** base64 or base64url: ECDSA (DER) or RSA PKCS#1 v1.5 signature over the challenge's bytes. */
  readonly signature: string;
}

/** The verified card behind a proof. */
export interface ProvenCard {
  readonly serial: string;
  readonly der: Uint8Array;
  readonly cardCredentialId: string;
  readonly cardUuid: string;
  readonly subject: string;
}

const MAX_CERT_CHARS = 16_384;

function refuse(field: string, message: string, cause?: unknown): MusterError {
  return new MusterError('MUSTER_ERR_DERIVED_BINDING', `binding refused: ${message}`, [{ field, message }], cause ? { cause } : undefined);
}

function parseCertificate(text: string): X509Certificate {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_CERT_CHARS) throw refuse('pivCertificate', 'a PEM or base64 DER certificate of at most 16 KiB is required');
  try {
    return new X509Certificate(text.includes('-----BEGIN') ? text : Buffer.from(text, 'base64'));
  } catch (cause) {
    throw refuse('pivCertificate', 'not an X.509 certificate', cause);
  }
}

function checkSignature(certificate: X509Certificate, challenge: string, signature: string): void {
  const bytes = Buffer.from(typeof signature === 'string' ? signature : '', 'base64');
  if (bytes.length === 0 || bytes.length > 1024) throw refuse('signature', 'a base64 signature over the challenge is required');
  const key = createPublicKey({ key: Buffer.from(certificate.publicKey.rawData), format: 'der', type: 'spki' });
  // the PIV key's own strength: SHA-384 for P-384, SHA-256 for P-256 and RSA
  const hash = key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'sha384' : 'sha256';
  const ok = verify(hash, Buffer.from(challenge, 'base64url'), { key, dsaEncoding: 'der' }, bytes);
  if (!ok) throw refuse('signature', 'the signature over the challenge does not verify with the PIV Authentication key');
}

/**
 * SP 800-157r1 §2.1: the applicant proves possession of a valid PIV card by signing the challenge with its PIV
 * Authentication key. Refused unless the certificate was issued by muster's issuing CA (signature checked), is within
 * its validity, is a PIV Authentication certificate of this identity on an active card, is not revoked or on hold, and
 * the signature verifies.
 */
export async function verifyPivProof(tx: Tx, issuing: CertificateAuthority, identityId: string, challenge: string, proof: PivProof, now: Date): Promise<ProvenCard> {
  const certificate = parseCertificate(proof.pivCertificate);
  const card = await checkPivCertificate(tx, issuing, identityId, certificate, now);
  checkSignature(certificate, challenge, proof.signature);
  return card;
}

/**
 * The same checks of a PIV Authentication certificate muster saw the holder authenticate with (mutual TLS at its OP,
 * in the console session that binds), given by its SHA-256 thumbprint: the signature over the challenge is the
 * TLS handshake's own. Refused unless it is one of the identity's PIV Authentication certificates, valid, good, on an active card.
 */
export async function verifyPivSession(tx: Tx, issuing: CertificateAuthority, identityId: string, thumbprint: string, now: Date): Promise<ProvenCard> {
  const own = (await identityCertificates(tx, identityId)).find((row) => row.profile === 'piv-auth' && createHash('sha256').update(row.der).digest('base64url') === thumbprint);
  if (!own) throw refuse('pivCertificate', 'the session was not opened with a PIV Authentication certificate of this identity');
  return checkPivCertificate(tx, issuing, identityId, new X509Certificate(own.der), now);
}

async function checkPivCertificate(tx: Tx, issuing: CertificateAuthority, identityId: string, certificate: X509Certificate, now: Date): Promise<ProvenCard> {
  const signedByUs = certificate.issuer === issuing.certificate.subject && (await certificate.verify({ publicKey: issuing.certificate.publicKey, signatureOnly: true }).catch(() => false));
  if (!signedByUs) throw refuse('pivCertificate', `the certificate was not issued by ${issuing.name} (a foreign or forged PIV certificate)`);
  if (certificate.notBefore > now || certificate.notAfter <= now)
    throw refuse('pivCertificate', `the certificate is not valid now (${certificate.notBefore.toISOString()} – ${certificate.notAfter.toISOString()})`);
  const serial = certificate.serialNumber.toLowerCase();
  const row = await certificateOfCard(tx, serial, issuing.name);
  if (!row || row.profile !== 'piv-auth' || row.card_type !== PIV_CARD) throw refuse('pivCertificate', 'the certificate is not a PIV Authentication certificate muster issued');
  if (row.identity_id !== identityId) throw refuse('pivCertificate', 'the PIV card belongs to another identity');
  if (row.status !== 'good') throw refuse('pivCertificate', `the PIV Authentication certificate is revoked (${row.reason ?? 'unspecified'})`);
  if (row.card_status !== 'active') throw refuse('pivCertificate', `the PIV card is ${row.card_status}, not active`);
  return { serial, der: new Uint8Array(certificate.rawData), cardCredentialId: row.credential_id, cardUuid: row.card_uuid, subject: subjectDn(certificate) };
}
