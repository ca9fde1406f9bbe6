import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../../../store/store.ts';
import type { LoginRecord } from '../login-record.ts';

/** A verified sign-in, before an OP session holds it. */
export interface VerifiedLogin extends Omit<LoginRecord, 'sessionUid' | 'lastActiveAt' | 'endedAt'> {
  /** The certificate signed in with (serial, issuer), for the audit entry. */
  readonly certificate?: { readonly serial: string; readonly issuer: string };
}

type StepKind = 'webauthn' | 'certificate';
interface StepRow extends Record<string, unknown> {
  identity_id: string | null;
  login: (Omit<VerifiedLogin, 'authTime'> & { authTime: string }) | null;
  secret: string | null;
}

const hash = (secret: string): string => createHash('sha256').update(secret).digest('base64url');
const later = (at: Date, seconds: number): Date => new Date(at.getTime() + seconds * 1000);

/** How long each step may wait for the next, in seconds. */
export const STEP_SECONDS = { webauthn: 300, certificate: 120 } as const;

async function put(db: Queryable, uid: string, kind: StepKind, secret: string | null, login: VerifiedLogin | null, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO oidc_sign_in_steps (interaction_uid, kind, secret, identity_id, login, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (interaction_uid, kind) DO UPDATE SET secret = $3, identity_id = $4, login = $5, created_at = $6, expires_at = $7`,
    [uid, kind, secret, login?.identityId ?? null, login ? JSON.stringify(login) : null, at, later(at, STEP_SECONDS[kind])],
  );
}

/** Takes a step once: it is deleted as it is read, and only while it has not expired (and matches `secret`, when given). */
async function take(db: Queryable, uid: string, kind: StepKind, at: Date, secret?: string): Promise<StepRow | undefined> {
  const bySecret = secret === undefined ? '' : ' AND secret = $4';
  const [row] = await db.query<StepRow>(
    `DELETE FROM oidc_sign_in_steps WHERE interaction_uid = $1 AND kind = $2 AND expires_at >= $3${bySecret} RETURNING identity_id::text AS identity_id, login, secret`,
    secret === undefined ? [uid, kind, at] : [uid, kind, at, secret],
  );
  return row;
}

function loginOf(row: StepRow | undefined): VerifiedLogin | undefined {
  if (!row?.login) return undefined;
  return { ...row.login, amr: [...row.login.amr], authTime: new Date(row.login.authTime) };
}

/** A fresh WebAuthn challenge for the interaction, replacing any earlier one. */
export async function newChallenge(db: Queryable, uid: string, at: Date): Promise<string> {
  const challenge = randomBytes(32).toString('base64url');
  await put(db, uid, 'webauthn', challenge, null, at);
  return challenge;
}

/** The interaction's WebAuthn challenge, used up by reading it. */
export async function takeChallenge(db: Queryable, uid: string, at: Date): Promise<string | undefined> {
  return (await take(db, uid, 'webauthn', at))?.secret ?? undefined;
}

/** Keeps a certificate sign-in for the interaction; returns the one-time ticket that completes it. */
export async function holdCertificateLogin(db: Queryable, uid: string, login: VerifiedLogin, at: Date): Promise<string> {
  const ticket = randomBytes(32).toString('base64url');
  await put(db, uid, 'certificate', hash(ticket), login, at);
  return ticket;
}

/** The certificate sign-in the ticket stands for, used up by reading it. */
export async function takeCertificateLogin(db: Queryable, uid: string, ticket: string, at: Date): Promise<VerifiedLogin | undefined> {
  return loginOf(await take(db, uid, 'certificate', at, hash(ticket)));
}

/** Deletes the steps whose time ran out (every read ignores them already); the OP's hourly maintenance runs it. */
export async function purgeExpiredSteps(db: Queryable, at: Date): Promise<number> {
  return (await db.query('DELETE FROM oidc_sign_in_steps WHERE expires_at < $1 RETURNING interaction_uid', [at])).length;
}
