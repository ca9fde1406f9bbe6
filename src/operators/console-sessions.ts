import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AuditDraft } from '../audit/chain.ts';
import { recordAudit } from '../audit/queries.ts';
import { RefusalBudget } from '../audit/refusal-budget.ts';
import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import { REAUTHENTICATION } from '../core/federation/profile.ts';
import { isFixedRole } from '../core/operators/roles.ts';
import type { Store, Tx } from '../store/store.ts';
import { type ConsoleSessionKind, type ConsoleSessionRow, insertSession, markEnded, markEndedForIdentity, markSeen, purgeSessions, sessionBySecretHash } from './console-session-repository.ts';
import { operatorActor } from './principal.ts';
import { heldRoles, lockIdentity } from './role-repository.ts';

/**
 * Server-side sessions of the web console. The browser holds only a random secret (in a `__Host-` cookie); the store
 * keeps its SHA-256 hash. A session is opened by a sign-in at AAL3 through muster's own OpenID Provider and lasts
 * while the operator is active, still holds a role, and stays within the SP 800-63B AAL3 reauthentication limits:
 * 12 hours from the authentication, 15 minutes of inactivity. The roles are read from `operator_roles` on every
 * request, so a role revoked takes effect at once.
 */

/** The AAL3 reauthentication limits (SP 800-63B), in milliseconds. */
export const CONSOLE_LIMITS = Object.freeze({
  overallMs: REAUTHENTICATION.aal3.maxAgeSeconds * 1000,
  idleMs: REAUTHENTICATION.aal3.idleSeconds * 1000,
});
/** How long a started sign-in waits for the OP's answer. */
export const SIGN_IN_WAIT_MS = 10 * 60_000;
/** Activity is written at most this often (the idle limit is measured from it). */
const TOUCH_INTERVAL_MS = 15_000;
/** Refusals of one kind audited a minute. */
const REFUSALS_AUDITED_PER_MINUTE = 20;

export interface ConsoleSessionDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  readonly clock: Clock;
}

/** An operator signed in to the console: who, with which roles now, and the session (its id, never the secret). */
export interface ConsoleOperator {
  readonly sessionId: string;
  readonly identityId: string;
  /** `operator`: the pages of the roles held; `self`: a cardholder's own pages only (no role, ever, in this session). */
  readonly kind: ConsoleSessionKind;
  /** The roles the operator holds now; none in a `self` session. */
  readonly roles: readonly string[];
  /** `operator:<identity-id>`: the actor of what the console writes. */
  readonly actor: string;
  readonly authTime: Date;
  /** The assurance of the sign-in (`acr` of the ID token): the console opens only AAL3 sessions. */
  readonly acr: string | null;
  /** The ID token the session was opened with: the hint of RP-initiated logout. */
  readonly idToken: string | null;
}

/** Why a presented session does not let the request on. `overall` and `idle` are the reauthentication limits. */
export type SessionRefusal = 'none' | 'unknown' | 'ended' | 'pending' | 'overall' | 'idle' | 'inactive' | 'no-role';

export type SessionCheck = { readonly ok: true; readonly operator: ConsoleOperator } | { readonly ok: false; readonly reason: SessionRefusal };

/** What the OP asserted, once `muster/rp` checked it: the identity behind the pairwise subject, and the authentication. */
export interface ConsoleAssertion {
  readonly identityId: string;
  readonly authTime: Date;
  readonly acr: string;
  readonly idToken: string;
}

/** Why a sign-in opens no session. */
export type SignInRefusal = 'unknown-sign-in' | 'not-an-operator' | 'inactive';

export type OpenedSession = { readonly ok: true; readonly secret: string; readonly operator: ConsoleOperator } | { readonly ok: false; readonly reason: SignInRefusal };

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export class ConsoleSessions {
  readonly #d: ConsoleSessionDeps;
  readonly #budget: RefusalBudget;

  constructor(deps: ConsoleSessionDeps) {
    this.#d = deps;
    this.#budget = new RefusalBudget(REFUSALS_AUDITED_PER_MINUTE, deps.clock);
  }

  /** Keeps a started sign-in (state, nonce, PKCE verifier) server-side; returns the secret for the browser's cookie. */
  async beginSignIn(record: unknown): Promise<string> {
    const secret = newSecret();
    await insertSession(this.#d.store, { id: randomUUID(), secretHash: hashSecret(secret), identityId: null, signIn: record, authTime: null, acr: null, idToken: null, at: this.#d.clock.now() });
    return secret;
  }

  /** The sign-in the browser started, if it is still waiting; undefined otherwise. */
  async pendingSignIn(secret: string | undefined): Promise<unknown> {
    const row = await this.#row(secret);
    if (!row || row.identity_id !== null || row.ended_at !== null) return undefined;
    if (this.#d.clock.now().getTime() - row.created_at.getTime() > SIGN_IN_WAIT_MS) return undefined;
    return row.sign_in ?? undefined;
  }

  /**
   * Ends the pending sign-in and opens a session under a new secret (audited `console.session.started`, with its kind):
   * an `operator` session for an active identity holding at least one fixed operator role; a `self` session for an
   * active person holding no role at all (a cardholder: their own pages only). A source's feed, or an identity that is
   * not active, is refused (audited `console.refused`, bounded).
   */
  async open(pendingSecret: string | undefined, assertion: ConsoleAssertion, correlationId: string): Promise<OpenedSession> {
    const { store, clock, audit } = this.#d;
    const now = clock.now();
    const pending = await this.#row(pendingSecret);
    if (!pending || pending.identity_id !== null || pending.ended_at !== null) return this.#refuseSignIn('unknown-sign-in', assertion.identityId, correlationId);
    const outcome = await store.transaction(async (tx) => {
      // the sign-in is used once, even by two answers at the same moment
      if (!(await markEnded(tx, pending.id, now, 'signed in'))) return { ok: false as const, reason: 'unknown-sign-in' as const };
      const identity = await lockIdentity(tx, assertion.identityId);
      if (identity?.status !== 'active') return { ok: false as const, reason: 'inactive' as const };
      const held = await heldRoles(tx, assertion.identityId);
      const kind = sessionKind(identity.kind, held);
      if (!kind) return { ok: false as const, reason: 'not-an-operator' as const };
      const roles = kind === 'operator' ? held : [];
      const secret = newSecret();
      const id = randomUUID();
      await insertSession(tx, {
        id,
        secretHash: hashSecret(secret),
        identityId: assertion.identityId,
        signIn: null,
        authTime: assertion.authTime,
        acr: assertion.acr,
        idToken: assertion.idToken,
        kind,
        at: now,
      });
      const actor = operatorActor(assertion.identityId);
      const data = { session_id: id, kind, roles, acr: assertion.acr, auth_time: assertion.authTime.toISOString() };
      await audit.append(tx, [{ actor, action: 'console.session.started', target: `console-session:${id}`, data }], correlationId);
      const operator: ConsoleOperator = { sessionId: id, identityId: assertion.identityId, kind, roles, actor, authTime: assertion.authTime, acr: assertion.acr, idToken: assertion.idToken };
      return { ok: true as const, secret, operator };
    });
    return outcome.ok ? outcome : this.#refuseSignIn(outcome.reason, assertion.identityId, correlationId);
  }

  /**
   * The operator of a presented secret, checked now: the session live, the identity active, a role held, and the
   * reauthentication limits kept. A session past a limit, or whose operator stopped being one, is ended (audited).
   */
  async check(secret: string | undefined, correlationId: string): Promise<SessionCheck> {
    if (secret === undefined) return { ok: false, reason: 'none' };
    const row = await this.#row(secret);
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.ended_at !== null) return { ok: false, reason: 'ended' };
    if (row.identity_id === null || row.auth_time === null) return { ok: false, reason: 'pending' };
    const now = this.#d.clock.now();
    const limit = limitPassed(row, now);
    if (limit) return this.#endFor(row, limit, correlationId);
    if (row.identity_status !== 'active') return this.#endFor(row, 'inactive', correlationId);
    const roles = row.kind === 'self' ? [] : await heldRoles(this.#d.store, row.identity_id);
    if (row.kind === 'operator' && !roles.some(isFixedRole)) return this.#endFor(row, 'no-role', correlationId);
    if (now.getTime() - row.last_seen_at.getTime() >= TOUCH_INTERVAL_MS) await markSeen(this.#d.store, row.id, now);
    return {
      ok: true,
      operator: { sessionId: row.id, identityId: row.identity_id, kind: row.kind, roles, actor: operatorActor(row.identity_id), authTime: row.auth_time, acr: row.acr, idToken: row.id_token },
    };
  }

  /** Ends a session (sign-out); audited as `console.session.ended` by `actor`. Ending an ended session records nothing. */
  async end(sessionId: string, actor: string, reason: string, correlationId: string): Promise<boolean> {
    const { store, clock, audit } = this.#d;
    return store.transaction(async (tx) => {
      const ended = await markEnded(tx, sessionId, clock.now(), reason);
      if (ended) await audit.append(tx, [{ actor, action: 'console.session.ended', target: `console-session:${sessionId}`, reason, data: { session_id: sessionId } }], correlationId);
      return ended;
    });
  }

  /** Audits (bounded) a console page refused to an operator without the role it needs: `console.forbidden`. */
  async forbid(operator: ConsoleOperator, route: string, needed: readonly string[], correlationId: string): Promise<void> {
    const reason = `${route} needs the role ${needed.join(' or ')}`;
    const data = { route, needed, held: operator.roles, session_id: operator.sessionId };
    const admitted = this.#budget.admit(`forbidden:${operator.sessionId}`, { actor: operator.actor, action: 'console.forbidden', target: `console-session:${operator.sessionId}`, reason, data });
    if (admitted) await recordAudit(this.#d.store, this.#d.audit, admitted, correlationId);
  }

  /** Audits (bounded) an answer of the OP the console refused (an ID token below AAL3, a failed check): `console.refused`. */
  async refuseAnswer(reason: string, correlationId: string): Promise<void> {
    const admitted = this.#budget.admit('console:answer', { actor: 'anonymous', action: 'console.refused', target: null, reason, data: { refusal: 'assertion' } });
    if (admitted) await recordAudit(this.#d.store, this.#d.audit, admitted, correlationId);
  }

  /** Deletes sign-ins past their wait (finished or not), and sessions that ended longer ago than the overall limit. */
  purge(): Promise<number> {
    const now = this.#d.clock.now().getTime();
    return purgeSessions(this.#d.store, { endedBefore: new Date(now - CONSOLE_LIMITS.overallMs), startedBefore: new Date(now - SIGN_IN_WAIT_MS) });
  }

  async #row(secret: string | undefined) {
    if (secret === undefined || !SECRET_PATTERN.test(secret)) return undefined;
    return sessionBySecretHash(this.#d.store, hashSecret(secret));
  }

  async #endFor(row: ConsoleSessionRow, reason: 'overall' | 'idle' | 'inactive' | 'no-role', correlationId: string): Promise<SessionCheck> {
    await this.end(row.id, 'muster', END_REASONS[reason], correlationId);
    return { ok: false, reason };
  }

  async #refuseSignIn(reason: SignInRefusal, identityId: string, correlationId: string): Promise<OpenedSession> {
    const draft: AuditDraft = { actor: 'anonymous', action: 'console.refused', target: identityId, reason: SIGN_IN_REASONS[reason], data: { refusal: reason } };
    const admitted = this.#budget.admit(`console:${identityId}`, draft);
    if (admitted) await recordAudit(this.#d.store, this.#d.audit, admitted, correlationId);
    return { ok: false, reason };
  }
}

/** An operator session for a holder of a fixed role; a self session for a person holding no role at all; none for a source's feed. */
function sessionKind(identityKind: string, held: readonly string[]): ConsoleSessionKind | undefined {
  if (held.some(isFixedRole)) return 'operator';
  return identityKind === 'person' && held.length === 0 ? 'self' : undefined;
}

const END_REASONS = {
  overall: 'past the AAL3 reauthentication limit of 12 hours',
  idle: 'past the AAL3 inactivity limit of 15 minutes',
  inactive: 'the operator is no longer active',
  'no-role': 'the operator holds no role any more',
} as const;

const SIGN_IN_REASONS: Readonly<Record<SignInRefusal, string>> = {
  'unknown-sign-in': 'the answer matches no sign-in this browser started',
  'not-an-operator': "the identity holds no operator role and is not a cardholder (a source's feed)",
  inactive: 'the identity is not active',
};

function limitPassed(row: ConsoleSessionRow, now: Date): 'overall' | 'idle' | undefined {
  if (row.auth_time && now.getTime() - row.auth_time.getTime() >= CONSOLE_LIMITS.overallMs) return 'overall';
  if (now.getTime() - row.last_seen_at.getTime() >= CONSOLE_LIMITS.idleMs) return 'idle';
  return undefined;
}

/** Ends every console session of the identity inside `tx` (a leaver, hold or suspension); one audit entry each. */
export async function endConsoleSessionsOf(tx: Tx, audit: AuditWriter, identityId: string, why: { actor: string; reason: string; at: Date }, correlationId: string): Promise<number> {
  const ended = await markEndedForIdentity(tx, identityId, why.at, why.reason);
  const drafts = ended.map((id) => ({ actor: why.actor, action: 'console.session.ended', target: `console-session:${id}`, reason: why.reason, data: { session_id: id, identity_id: identityId } }));
  await audit.append(tx, drafts, correlationId);
  return ended.length;
}
