import type { WebAuthnPolicy } from './policy.ts';

/** What the AAL decision looks at, all from a verified registration. */
export interface AalEvidence {
  readonly attestationTrusted: boolean;
  readonly deviceType: 'singleDevice' | 'multiDevice';
  readonly backedUp: boolean;
  readonly userVerified: boolean;
  readonly aaguid: string;
}

/**
 * The authenticator assurance level a WebAuthn Derived PIV authenticator earns (SP 800-63B §4, SP 800-157r1):
 *
 * - AAL3 needs a hardware-protected, non-exportable key, which only trusted attestation can show: the
 *   attestation chains to a configured root, the credential is single-device and not backed up (a synced
 *   passkey can leave the authenticator), user verification was performed (multi-factor), and the
 *   AAGUID is in `aal3Aaguids` (or that list is empty).
 * - AAL2 otherwise: a multi-factor cryptographic authenticator (UV is always required) whose key
 *   protection cannot be shown — 'none' or self attestation, an unknown root, or a synced credential.
 *
 * Refusing untrusted attestation (`requireTrustedAttestation`) is decided before this, by the caller.
 */
export function decideAal(policy: WebAuthnPolicy, evidence: AalEvidence): 'AAL2' | 'AAL3' {
  const allowed = policy.aal3Aaguids.length === 0 || policy.aal3Aaguids.includes(evidence.aaguid.toLowerCase());
  const hardwareBound = evidence.deviceType === 'singleDevice' && !evidence.backedUp;
  return evidence.attestationTrusted && hardwareBound && evidence.userVerified && allowed ? 'AAL3' : 'AAL2';
}
