import type { MusterConfig } from '../../../config/schema.ts';
import type { WebAuthnPolicy } from '../../../credentials/derived/webauthn/index.ts';

/**
 * WebAuthn sign-in on the issuer's pages: the origin is the issuer's; the RP id is the configured one when the issuer's
 * host is it or lies under it (so authenticators bound at enrolment answer), else the issuer's host.
 */
export function signInWebAuthnPolicy(config: MusterConfig, issuer: string): WebAuthnPolicy {
  const url = new URL(issuer);
  const configured = config.credentials.webauthn;
  const rpId = url.hostname === configured.rpId || url.hostname.endsWith(`.${configured.rpId}`) ? configured.rpId : url.hostname;
  return { rpId, rpName: configured.rpName, origins: [url.origin], attestationRoots: [], requireTrustedAttestation: false, aal3Aaguids: [] };
}
