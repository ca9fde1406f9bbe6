import type { CardDeps } from '../types.ts';
import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON, WebAuthnPolicy } from './webauthn/index.ts';
import type { KeyAttestation } from './key-attestation.ts';
import type { PivProof } from './piv-proof.ts';

export interface DerivedDeps extends CardDeps {
  readonly challengeSeconds: number;
  readonly recheckDays: number;
  readonly webauthn: WebAuthnPolicy;
  /** PEM roots that a device key attestation must chain to for a `.41` certificate; none: every PKI credential is `.40`. */
  readonly keyAttestationRoots?: readonly string[];
}

/** The start of a binding ceremony. */
export interface CeremonyStart {
  readonly challengeId: string;
  /** base64url: sign its bytes with the PIV Authentication key; also the WebAuthn challenge. */
  readonly challenge: string;
  readonly expiresAt: Date;
  /** For a FIDO2 binding: options for navigator.credentials.create. */
  readonly webauthn: PublicKeyCredentialCreationOptionsJSON;
}

export interface BindingBase extends Partial<PivProof> {
  readonly identityId: string;
  readonly challengeId: string;
}

/**
 * The holder binding their own credential in a console session they opened with their PIV card at muster's OP: the
 * SHA-256 thumbprint (base64url) of the PIV Authentication certificate muster saw in that sign-in stands for the
 * signature over the challenge (SP 800-157r1 §2.1).
 */
export interface HolderPivSession {
  readonly certThumbprint: string;
}

export interface PkiBindingRequest extends BindingBase {
  /** PKCS#10 from the device's key. */
  readonly csr: string | Uint8Array;
  /**
   * The applicant says the key is in hardware. Only a verified `keyAttestation` earns policy .41
   * (id-fpki-common-derived-pivAuth-hardware); a bare claim gets .40, and the response says so.
   */
  readonly hardwareBacked?: boolean;
  readonly keyAttestation?: KeyAttestation;
}

export interface Fido2BindingRequest extends BindingBase {
  readonly registration: RegistrationResponseJSON;
}

export interface DerivedCredential {
  readonly credentialId: string;
  readonly identityId: string;
  readonly type: string;
  /** The certificate serial (PKI) or the WebAuthn credential id (FIDO2). */
  readonly reference: string;
  readonly boundAt: Date;
  readonly pivSerial: string;
  readonly certificatePem?: string;
  readonly policy?: string;
  /** PKI: whether a verified key attestation put the key in hardware (policy .41). */
  readonly hardwareAttested?: boolean;
  /** PKI: why a hardware claim was not honoured (the credential is .40, software). */
  readonly notice?: string;
  readonly aaguid?: string;
  readonly aal?: string;
  readonly attestationFormat?: string;
  readonly attestationTrusted?: boolean;
}
