import { generateAuthenticationOptions, generateRegistrationOptions, type PublicKeyCredentialCreationOptionsJSON, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { checkChallenge, checkCredentialId, checkPolicy, refuse, WEBAUTHN_ALGORITHMS, WEBAUTHN_TIMEOUT_MS, type WebAuthnPolicy } from './policy.ts';

/** The person a credential is registered for; identityId becomes the opaque WebAuthn user handle. */
export interface WebAuthnUser {
  readonly identityId: string;
  readonly name: string;
  readonly displayName: string;
}

/** A credential the user may sign in with, as stored with its binding. */
export interface AllowedCredential {
  readonly credentialId: string;
  readonly transports?: string[];
}

function userHandle(identityId: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(Buffer.from(identityId, 'utf8'));
  if (bytes.byteLength === 0 || bytes.byteLength > 64) throw refuse('user.identityId', 'the user handle must be 1 to 64 bytes');
  return bytes;
}

/**
 * Options for `navigator.credentials.create`: direct attestation, user verification required,
 * a discoverable credential preferred, and the caller's credentials excluded so one authenticator
 * is not bound twice. The challenge is the caller's (base64url, at least 16 bytes), stored by the
 * caller until the response comes back.
 */
export async function registrationOptions(policy: WebAuthnPolicy, user: WebAuthnUser, challenge: string, exclude: readonly string[]): Promise<PublicKeyCredentialCreationOptionsJSON> {
  checkPolicy(policy);
  checkChallenge(challenge);
  exclude.forEach((id) => checkCredentialId(id, 'exclude'));
  return generateRegistrationOptions({
    rpName: policy.rpName,
    rpID: policy.rpId,
    userID: userHandle(user.identityId),
    userName: user.name,
    userDisplayName: user.displayName,
    challenge: new Uint8Array(Buffer.from(challenge, 'base64url')),
    timeout: WEBAUTHN_TIMEOUT_MS,
    attestationType: 'direct',
    excludeCredentials: exclude.map((id) => ({ id })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    supportedAlgorithmIDs: [...WEBAUTHN_ALGORITHMS],
  });
}

/** Options for `navigator.credentials.get`: user verification required, only the listed credentials. */
export async function authenticationOptions(policy: WebAuthnPolicy, challenge: string, allow: readonly AllowedCredential[]): Promise<PublicKeyCredentialRequestOptionsJSON> {
  checkPolicy(policy);
  checkChallenge(challenge);
  allow.forEach((credential) => checkCredentialId(credential.credentialId, 'allow'));
  return generateAuthenticationOptions({
    rpID: policy.rpId,
    challenge: new Uint8Array(Buffer.from(challenge, 'base64url')),
    timeout: WEBAUTHN_TIMEOUT_MS,
    userVerification: 'required',
    allowCredentials: allow.map((credential) => ({ id: credential.credentialId, ...(credential.transports ? { transports: [...credential.transports] } : {}) })),
  });
}
