import { amrOf } from '../assurance.ts';
import { matchCertificate } from '../certificate-sign-in.ts';
import { peerCertificates } from '../peer-certificate.ts';
import { loaded, type SignInStep } from './context.ts';

/**
 * The presented certificate, matched to an active credential of an active person: muster's own by its record, status
 * and path (one query), another agency's by its path, CRLs and the MUR.
 */
export const verifyCertificate: SignInStep = async (c) => {
  const { deps } = c.x;
  const party = loaded(c.party, 'relying party');
  const match = await matchCertificate(deps.store, (await deps.ca()).issuing, deps.clock, deps.trust, peerCertificates(c.x.req.socket), party.agreement.agreement.document);
  c.login = {
    identityId: match.identityId,
    credentialId: match.credentialId,
    credentialType: match.credentialType,
    aal: match.aal,
    amr: amrOf(match.credentialType, match.aal),
    certThumbprint: match.thumbprint,
    authTime: deps.clock.now(),
    certificate: { serial: match.serial, issuer: match.issuer },
  };
  if (match.rpRevoked !== undefined) c.rpRevoked = match.rpRevoked;
};
