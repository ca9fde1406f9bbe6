import type { Clock } from '../../../core/clock.ts';
import type { AgreementDocument } from '../../../core/federation/agreement.ts';
import type { CertificateAuthority } from '../../../pki/ca.ts';
import type { Queryable } from '../../../store/store.ts';
import type { CertificateMatch } from './certificate-match.ts';
import { matchForeignCertificate, type ForeignTrust } from './foreign-certificate.ts';
import { matchOwnCertificate } from './own-certificate.ts';
import type { PeerCertificates } from './peer-certificate.ts';

/**
 * Maps a presented certificate to an active credential of an active identity: muster's own certificates by its records,
 * another agency's through the relying party's trust agreement and the configured anchors.
 */
export function matchCertificate(
  db: Queryable,
  issuing: CertificateAuthority,
  clock: Clock,
  trust: ForeignTrust,
  peer: PeerCertificates,
  agreement: AgreementDocument | undefined,
): Promise<CertificateMatch> {
  if (peer.leaf.issuer === issuing.certificate.subject) return matchOwnCertificate(db, issuing, clock, peer.leaf);
  return matchForeignCertificate(db, trust, peer.leaf, peer.offered(), agreement);
}
