import { verifyAuthenticationResponse, type AuthenticationResponseJSON } from '@simplewebauthn/server';
import { checkChallenge, checkPolicy, refuse, type WebAuthnPolicy } from './policy.ts';
import { refusing } from './refusal.ts';
import { checkAuthenticationShape } from './shape.ts';

/** What verifying a login needs from the stored binding. */
export interface StoredWebAuthnKey {
  readonly credentialId: string;
  readonly publicKey: Uint8Array;
  readonly counter: number;
}

/** A verified login: store `newCounter` with the binding. */
export interface WebAuthnAssertion {
  newCounter: number;
  userVerified: boolean;
}

/**
 * Verifies an authentication (`PublicKeyCredential.toJSON()` of `navigator.credentials.get`) with the
 * bound credential: the credential id, type, challenge, origin, RP id hash, user presence and
 * verification, the signature, and the signature counter, which must grow whenever either it or the
 * stored one is non-zero (a counter that does not grow may mean a cloned authenticator).
 * @throws MusterError MUSTER_ERR_DERIVED_BINDING naming the field that was wrong.
 */
export async function verifyAuthentication(policy: WebAuthnPolicy, response: AuthenticationResponseJSON, expectedChallenge: string, binding: StoredWebAuthnKey): Promise<WebAuthnAssertion> {
  checkPolicy(policy);
  checkChallenge(expectedChallenge);
  checkAuthenticationShape(response);
  if (response.id !== binding.credentialId) throw refuse('credentialId', 'the response is for another credential than the one bound');
  const result = await refusing(() =>
    verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: [...policy.origins],
      expectedRPID: policy.rpId,
      expectedType: 'webauthn.get',
      requireUserVerification: true,
      credential: { id: binding.credentialId, publicKey: new Uint8Array(binding.publicKey), counter: binding.counter },
    }),
  );
  if (!result.verified) throw refuse('signature', 'the assertion signature does not verify with the bound public key');
  if (!result.authenticationInfo.userVerified) throw refuse('userVerification', 'the authenticator did not verify the user');
  return { newCounter: result.authenticationInfo.newCounter, userVerified: result.authenticationInfo.userVerified };
}
