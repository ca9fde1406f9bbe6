import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { SSF_ALG, type SetSigningKey } from './keys.ts';

/**
 * Security Event Tokens (RFC 8417 as profiled by SSF 1.0 §4): explicitly typed `secevent+jwt`, one event per SET,
 * the subject in `sub_id` (never `sub`), no `exp`.
 */

export const SET_TYPE = 'secevent+jwt';
export const SET_MEDIA_TYPE = 'application/secevent+jwt';

/** RFC 9493 / SSF subject identifiers muster sends. */
export type IssSubSubject = { readonly format: 'iss_sub'; readonly iss: string; readonly sub: string };
export type OpaqueSubject = { readonly format: 'opaque'; readonly id: string };
export type ComplexSubject = { readonly format: 'complex'; readonly user: IssSubSubject; readonly session?: OpaqueSubject };
/** RFC 9493 `email`: RISC identifier-changed names the old address this way. */
export interface EmailSubject {
  readonly format: 'email';
  readonly email: string;
}

export type SubjectId = IssSubSubject | OpaqueSubject | ComplexSubject | EmailSubject;

export const issSub = (iss: string, sub: string): IssSubSubject => ({ format: 'iss_sub', iss, sub });
export const opaque = (id: string): OpaqueSubject => ({ format: 'opaque', id });

/** CAEP fields allowed on every event (CAEP 1.0 §2). */
export interface CaepCommon {
  readonly event_timestamp?: number;
  readonly initiating_entity?: 'admin' | 'user' | 'policy' | 'system';
  readonly reason_admin?: Readonly<Record<string, string>>;
  readonly reason_user?: Readonly<Record<string, string>>;
}

export interface SetContent {
  readonly issuer: string;
  /** The receiver: the RP's client id. */
  readonly audience: string;
  readonly subject: SubjectId;
  /** The event type URI. */
  readonly event: string;
  readonly payload: Readonly<Record<string, unknown>>;
  /** One value for every SET of one root cause (the domain event). */
  readonly txn?: string;
  readonly issuedAt: Date;
  /** Chosen by the caller when it must know it beforehand; random otherwise. */
  readonly jti?: string;
}

export interface SignedSet {
  readonly jti: string;
  readonly jwt: string;
}

/** Signs one SET. */
export async function signSet(key: SetSigningKey, content: SetContent): Promise<SignedSet> {
  const jti = content.jti ?? randomUUID();
  const claims = { sub_id: content.subject, events: { [content.event]: content.payload }, ...(content.txn ? { txn: content.txn } : {}) };
  const jwt = await new SignJWT(claims)
    .setProtectedHeader({ alg: SSF_ALG, typ: SET_TYPE, kid: key.kid })
    .setIssuer(content.issuer)
    .setAudience(content.audience)
    .setIssuedAt(Math.floor(content.issuedAt.getTime() / 1000))
    .setJti(jti)
    .sign(key.key);
  return { jti, jwt };
}
