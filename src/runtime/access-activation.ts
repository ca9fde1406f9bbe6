import { type PivProof, verifyPivProof } from '../credentials/derived/piv-proof.ts';
import { ActivationService, type ChallengeVerifier } from '../governance/index.ts';
import type { Muster } from './context.ts';

export function activationService(muster: Muster): ActivationService {
  return new ActivationService({ store: muster.store, audit: muster.audit, clock: muster.clock, config: muster.config });
}

/**
 * A challenge signed with the PIV Authentication key, checked as a Derived PIV binding checks it: the certificate
 * issued by muster's issuing CA, valid, of this identity's active card, not revoked, and the signature verifying.
 */
export function pivChallengeVerifier(muster: Muster, proof: PivProof): ChallengeVerifier {
  return async (tx, identityId, challenge) => {
    const { issuing } = await muster.ca();
    const card = await verifyPivProof(tx, issuing, identityId, challenge, proof, muster.clock.now());
    return { certificate_serial: card.serial, card_credential_id: card.cardCredentialId };
  };
}
