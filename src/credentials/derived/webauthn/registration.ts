import { verifyRegistrationResponse, type RegistrationResponseJSON, type VerifiedRegistrationResponse } from '@simplewebauthn/server';
import { decodeAttestationObject } from '@simplewebauthn/server/helpers';
import './library.ts';
import { decideAal } from './aal.ts';
import { checkChallenge, checkPolicy, refuse, WEBAUTHN_ALGORITHMS, type WebAuthnPolicy } from './policy.ts';
import { refusing } from './refusal.ts';
import { checkRegistrationShape } from './shape.ts';
import { attestationChainsToAnchor } from './trust.ts';

/** What a verified registration binds to the Derived PIV credential; the caller stores it. */
export interface WebAuthnBinding {
  /** base64url */
  credentialId: string;
  /** The COSE public key. */
  publicKey: Uint8Array;
  counter: number;
  /** Lowercase uuid; all zeros when the authenticator does not say. */
  aaguid: string;
  /** 'packed', 'none', 'tpm', … */
  attestationFormat: string;
  /** The statement's x5c chains to one of the policy's attestationRoots. */
  attestationTrusted: boolean;
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  userVerified: boolean;
  transports: string[];
  aal: 'AAL2' | 'AAL3';
}

type RegistrationInfo = NonNullable<VerifiedRegistrationResponse['registrationInfo']>;

async function verified(policy: WebAuthnPolicy, response: RegistrationResponseJSON, expectedChallenge: string): Promise<RegistrationInfo> {
  const result = await refusing(() =>
    verifyRegistrationResponse({
      response,
      expectedChallenge,
      expectedOrigin: [...policy.origins],
      expectedRPID: policy.rpId,
      expectedType: 'webauthn.create',
      requireUserPresence: true,
      requireUserVerification: true,
      supportedAlgorithmIDs: [...WEBAUTHN_ALGORITHMS],
    }),
  );
  if (!result.verified) throw refuse('attestation', 'the attestation statement signature does not verify');
  if (!result.registrationInfo.userVerified) throw refuse('userVerification', 'the authenticator did not verify the user');
  return result.registrationInfo;
}

async function trusted(policy: WebAuthnPolicy, info: RegistrationInfo): Promise<boolean> {
  const x5c = decodeAttestationObject(info.attestationObject).get('attStmt').get('x5c');
  if (!x5c || x5c.length === 0) return false;
  return refusing(() => attestationChainsToAnchor(x5c, policy.attestationRoots, new Date()));
}

/**
 * Verifies a registration (`PublicKeyCredential.toJSON()` of `navigator.credentials.create`) against the
 * challenge the caller issued: type, challenge, origin, RP id hash, user presence and verification, key
 * algorithm, and the attestation statement's signature. Then decides trust in the attestation (its x5c
 * against `policy.attestationRoots` only, offline) and the AAL (see {@link decideAal}).
 * @throws MusterError MUSTER_ERR_DERIVED_BINDING naming the field that was wrong; nothing is bound then.
 */
export async function verifyRegistration(policy: WebAuthnPolicy, response: RegistrationResponseJSON, expectedChallenge: string): Promise<WebAuthnBinding> {
  checkPolicy(policy);
  checkChallenge(expectedChallenge);
  checkRegistrationShape(response);
  const info = await verified(policy, response, expectedChallenge);
  const attestationTrusted = await trusted(policy, info);
  if (policy.requireTrustedAttestation && !attestationTrusted) {
    throw refuse('attestation', `the '${info.fmt}' attestation does not chain to a configured attestation root`);
  }
  const evidence = { attestationTrusted, deviceType: info.credentialDeviceType, backedUp: info.credentialBackedUp, userVerified: info.userVerified, aaguid: info.aaguid.toLowerCase() };
  return {
    credentialId: info.credential.id,
    publicKey: new Uint8Array(info.credential.publicKey),
    counter: info.credential.counter,
    attestationFormat: info.fmt,
    ...evidence,
    transports: [...(info.credential.transports ?? [])],
    aal: decideAal(policy, evidence),
  };
}
