import { MusterError } from '../../../core/errors.ts';

/** How muster runs the WebAuthn ceremonies of a Derived PIV credential (SP 800-157r1 §2.2, FIDO2 authenticators). */
export interface WebAuthnPolicy {
  /** The relying party id, a registrable domain suffix of every origin, e.g. 'localhost'. */
  readonly rpId: string;
  readonly rpName: string;
  /** Accepted origins, e.g. 'https://id.agency.gov' or 'http://localhost:8080'. */
  readonly origins: readonly string[];
  /** PEM trust anchors for attestation statements, from configuration; no metadata download at run time. */
  readonly attestationRoots: readonly string[];
  /** Refuse authenticators whose attestation does not chain to attestationRoots (default false: accept 'none'/self at AAL2). */
  readonly requireTrustedAttestation: boolean;
  /** AAGUIDs (lowercase uuid) allowed at AAL3 when their attestation is trusted; empty = any trusted single-device authenticator. */
  readonly aal3Aaguids: readonly string[];
}

/**
 * COSE algorithms offered and accepted: ES256, ES384, EdDSA (FIPS 186-5) and RS256. Post-quantum
 * algorithms the library would add on its own are left out until the rest of muster verifies them.
 */
export const WEBAUTHN_ALGORITHMS: readonly number[] = [-7, -35, -8, -257];

/** How long the browser may wait for the user, in milliseconds. */
export const WEBAUTHN_TIMEOUT_MS = 120_000;

/** The one error of this module: the binding (or the login with it) is refused, naming what was wrong. */
export function refuse(field: string, message: string, cause?: unknown): MusterError {
  return new MusterError('MUSTER_ERR_DERIVED_BINDING', `WebAuthn ${field}: ${message}`, [{ field, message }], cause === undefined ? undefined : { cause });
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A challenge must be base64url of at least 16 random bytes (WebAuthn §13.4.3). */
export function checkChallenge(challenge: unknown, field = 'challenge'): asserts challenge is string {
  if (typeof challenge !== 'string' || !BASE64URL.test(challenge) || Buffer.from(challenge, 'base64url').byteLength < 16) {
    throw refuse(field, 'the challenge must be base64url of at least 16 bytes');
  }
}

/** A credential id must be non-empty base64url. */
export function checkCredentialId(id: unknown, field = 'credentialId'): asserts id is string {
  if (typeof id !== 'string' || !BASE64URL.test(id)) throw refuse(field, 'a credential id must be base64url');
}

/** The policy must name an RP id and at least one origin before any ceremony. */
export function checkPolicy(policy: WebAuthnPolicy): void {
  if (!policy.rpId) throw refuse('rpId', 'the policy names no relying party id');
  if (policy.origins.length === 0) throw refuse('origin', 'the policy accepts no origin');
}
