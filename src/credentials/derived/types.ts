import type { CardDeps } from '../types.ts';
import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON, WebAuthnPolicy } from './webauthn/index.ts';
import type { PivProof } from './piv-proof.ts';

export interface DerivedDeps extends CardDeps {
  readonly challengeSeconds: number;
  readonly recheckDays: number;
  readonly webauthn: WebAuthnPolicy;
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

export interface BindingBase extends PivProof {
  readonly identityId: string;
  readonly challengeId: string;
}

export interface PkiBindingRequest extends BindingBase {
  /** PKCS#10 from the device's key. */
  readonly csr: string | Uint8Array;
  /** The key is in hardware (a secure element): policy id-fpki-common-pivAuth-derived-hardware (.41). */
  readonly hardwareBacked: boolean;
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
  readonly aaguid?: string;
  readonly aal?: string;
  readonly attestationFormat?: string;
  readonly attestationTrusted?: boolean;
}
