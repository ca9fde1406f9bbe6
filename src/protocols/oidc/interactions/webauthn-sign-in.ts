import type { Aal } from '../../../core/federation/profile.ts';
import { isMusterError } from '../../../core/errors.ts';
import { authenticationOptions, verifyAuthentication, type PublicKeyCredentialRequestOptionsJSON, type WebAuthnPolicy } from '../../../credentials/derived/webauthn/index.ts';
import { DERIVED_FIDO2 } from '../../../credentials/types.ts';
import type { Queryable } from '../../../store/store.ts';
import { type CredentialOfCertificate, CREDENTIAL_JOIN } from './certificate-match.ts';
import { SignInRefused } from './refusal.ts';
import { newChallenge, takeChallenge } from './steps.ts';

/** A FIDO2 Derived PIV authenticator that signed the interaction's challenge. */
export interface AuthenticatorMatch {
  readonly identityId: string;
  readonly credentialId: string;
  readonly aal: Aal;
  readonly authenticatorId: string;
}

type AuthenticatorRow = CredentialOfCertificate & { authenticator_id: string; public_key: Uint8Array; counter: string; authenticator_status: string };

/** Options for `navigator.credentials.get`: a fresh challenge for the interaction, any discoverable credential. */
export async function signInOptions(db: Queryable, policy: WebAuthnPolicy, uid: string, at: Date): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return authenticationOptions(policy, await newChallenge(db, uid, at), []);
}

async function authenticator(db: Queryable, id: string): Promise<AuthenticatorRow | undefined> {
  const [row] = await db.query<AuthenticatorRow & Record<string, unknown>>(
    `SELECT w.credential_id AS authenticator_id, w.public_key, w.counter::text AS counter, w.status AS authenticator_status, ${CREDENTIAL_JOIN}
     JOIN webauthn_credentials w ON w.credential = k.id WHERE w.credential_id = $1`,
    [id],
  );
  return row;
}

function refuseInvalid(error: unknown, subject: { credentialId: string; identityId: string }): never {
  if (!isMusterError(error)) throw error;
  const field = error.details[0]?.field;
  if (field === 'counter') throw new SignInRefused('webauthn-replayed', "the security key's signature counter did not advance: the response was replayed or the key was cloned", subject);
  throw new SignInRefused('webauthn-invalid', "the security key's response did not verify", subject);
}

function requireUsable(row: AuthenticatorRow): void {
  const subject = { credentialId: row.credential_id, identityId: row.identity_id };
  if (row.credential_type !== DERIVED_FIDO2) throw new SignInRefused('unknown-authenticator', 'this security key is not a Derived PIV credential', subject);
  if (row.authenticator_status !== 'active' || row.credential_status !== 'active') throw new SignInRefused('credential-inactive', "this security key's Derived PIV credential is not active", subject);
  if (row.identity_status !== 'active' || row.identity_kind !== 'person') throw new SignInRefused('identity-inactive', 'the account this security key belongs to is not active', subject);
}

/** Stores the new counter only if no other sign-in moved it first; a lost race is a replay. */
async function advanceCounter(db: Queryable, row: AuthenticatorRow, counter: number): Promise<void> {
  const moved = await db.query('UPDATE webauthn_credentials SET counter = $3 WHERE credential_id = $1 AND counter = $2 RETURNING credential_id', [row.authenticator_id, row.counter, counter]);
  if (moved.length === 0) throw new SignInRefused('webauthn-replayed', 'this security-key response was already used', { credentialId: row.credential_id, identityId: row.identity_id });
}

/**
 * Verifies `navigator.credentials.get()`'s response against the interaction's challenge (used once, so a replayed
 * response finds none) with muster's WebAuthn verifier: origin, RP id, user verification, signature, and a counter that
 * must advance. The Derived PIV credential and its holder must be active now; the AAL is the one decided at binding.
 */
export async function verifySignIn(db: Queryable, policy: WebAuthnPolicy, uid: string, response: unknown, at: Date): Promise<AuthenticatorMatch> {
  const id = (response as { id?: unknown } | null)?.id;
  if (typeof id !== 'string' || id.length === 0 || id.length > 1024) throw new SignInRefused('bad-request', 'the request carries no security-key response');
  const challenge = await takeChallenge(db, uid, at);
  if (!challenge) throw new SignInRefused('webauthn-replayed', 'this security-key response was already used, or it came too late; try again');
  const row = await authenticator(db, id);
  if (!row) throw new SignInRefused('unknown-authenticator', 'this security key is not registered with muster');
  const subject = { credentialId: row.credential_id, identityId: row.identity_id };
  const handle = (response as { response?: { userHandle?: unknown } }).response?.userHandle;
  if (handle !== undefined && handle !== Buffer.from(row.identity_id, 'utf8').toString('base64url'))
    throw new SignInRefused('webauthn-invalid', 'the security key answered for another account', subject);
  const verified = await verifyAuthentication(policy, response as Parameters<typeof verifyAuthentication>[1], challenge, {
    credentialId: row.authenticator_id,
    publicKey: new Uint8Array(row.public_key),
    counter: Number(row.counter),
  }).catch((error: unknown) => refuseInvalid(error, subject));
  await advanceCounter(db, row, verified.newCounter);
  requireUsable(row);
  return { identityId: row.identity_id, credentialId: row.credential_id, aal: row.details.aal === 'AAL3' ? 'aal3' : 'aal2', authenticatorId: row.authenticator_id };
}
