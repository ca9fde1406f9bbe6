/** A credential as the single view of an identity shows it (the MUR's read side and the credential detail share it). */
export interface CredentialView {
  readonly id: string;
  readonly type: string;
  readonly status: string;
  readonly reference: string | null;
  readonly details: Record<string, unknown>;
  readonly issuedAt: string | null;
  readonly expiresAt: string | null;
  readonly updatedAt: string;
}
