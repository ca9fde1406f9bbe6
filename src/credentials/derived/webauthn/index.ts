export type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
export { decideAal, type AalEvidence } from './aal.ts';
export { verifyAuthentication, type StoredWebAuthnKey, type WebAuthnAssertion } from './authentication.ts';
export { authenticationOptions, registrationOptions, type AllowedCredential, type WebAuthnUser } from './options.ts';
export { WEBAUTHN_ALGORITHMS, type WebAuthnPolicy } from './policy.ts';
export { verifyRegistration, type WebAuthnBinding } from './registration.ts';
export { attestationChainsToAnchor } from './trust.ts';
