import type { IdentityState } from '../core/identity/record.ts';
import { createIssuer } from '../pki/issue.ts';
import type { Tx } from '../store/store.ts';
import { insertCertificate } from './certificate-repository.ts';
import { refusalError, subjectName, subjectNameRefusal } from './prerequisites.ts';
import type { CardDeps, IssuedCertificateRecord, PivCardRequest } from './types.ts';

export interface CardIdentifiers {
  readonly credentialId: string;
  readonly cardUuid: string;
  readonly fascn: Uint8Array;
}

export interface StoredCertificate extends IssuedCertificateRecord {
  readonly der: Uint8Array;
}

/** What the `certificates` table keeps of an issued certificate. */
export type CertificateToStore = Pick<StoredCertificate, 'serial' | 'der' | 'notBefore' | 'notAfter'> & { readonly profile: string };

/** Escapes an RDN value for a string distinguished name (RFC 4514). */
function rdn(value: string): string {
  return value.replace(/[\\,+"<>;=]/g, '\\$&').replace(/^[\s#]/, '\\$&');
}

/** The cardholder's name for the subject; a name a certificate cannot carry is refused, naming its attribute. */
function personName(identity: IdentityState): string {
  const refusal = subjectNameRefusal(identity);
  if (refusal) throw refusalError(refusal);
  return subjectName(identity).name;
}

/**
 * Issues the card's PIV Authentication (subject: the cardholder's name) and Card Authentication certificates
 * (subject: the card UUID only, since it is read without a PIN over the contactless interface). Both carry the
 * FASC-N and card UUID and end no later than the card.
 */
export async function issueCardCertificates(
  deps: CardDeps,
  identity: IdentityState,
  request: PivCardRequest,
  ids: CardIdentifiers,
  profiles: readonly CardProfile[] = ['piv-auth', 'card-auth'],
): Promise<StoredCertificate[]> {
  const issuer = createIssuer({ ca: deps.ca, clock: deps.clock, urls: deps.urls });
  const org = `${deps.agencyName ? `OU=${rdn(deps.agencyName)},` : ''}O=U.S. Government,C=US`;
  const common = { fascn: ids.fascn, cardUuid: ids.cardUuid, notAfterLimit: request.expiresAt };
  const wanted = {
    'piv-auth': () => issuer.issue('piv-auth', { ...common, csr: request.pivAuthCsr, subject: `CN=${rdn(personName(identity))},${org}` }),
    'card-auth': () => issuer.issue('card-auth', { ...common, csr: request.cardAuthCsr, subject: `CN=${ids.cardUuid},${org}` }),
  };
  const issued: StoredCertificate[] = [];
  for (const profile of profiles) {
    const c = await wanted[profile]();
    issued.push({ profile, serial: c.serial.toLowerCase(), pem: c.pem, der: c.der, notBefore: c.certificate.notBefore, notAfter: c.certificate.notAfter });
  }
  return issued;
}

export type CardProfile = 'piv-auth' | 'card-auth';

/** Records issued certificates (status good) for a credential. */
export async function storeCertificates(tx: Tx, issuer: string, identityId: string, credentialId: string, certificates: readonly CertificateToStore[]): Promise<void> {
  for (const c of certificates) {
    await insertCertificate(tx, { serial: c.serial, issuer, identity_id: identityId, credential_id: credentialId, profile: c.profile, not_before: c.notBefore, not_after: c.notAfter, der: c.der });
  }
}
