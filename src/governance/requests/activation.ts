import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditWriter } from '../../audit/writer.ts';
import type { MusterConfig } from '../../config/schema.ts';
import type { Clock } from '../../core/clock.ts';
import { MusterError } from '../../core/errors.ts';
import { ACR } from '../../core/federation/profile.ts';
import type { Store, Tx } from '../../store/store.ts';
import { catalogueHistory } from '../catalogue/index.ts';
import { type Acting, commitEvent } from './grant-writes.ts';
import { endActivations, heldItems, insertActivation, insertChallenge, lapsedActivations, spendChallenge } from './activation-repository.ts';
import { type RequestRow, lockRequest, updateRequest } from './request-repository.ts';
import type { Requester } from './requests.ts';

export interface ActivationDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  readonly clock: Clock;
  readonly config: MusterConfig;
}

/** A sign-in at muster's OP, as the console session holds it. */
export interface ConsoleSignIn {
  readonly acr: string | null;
  readonly authTime: Date;
}

/** Checks a card holder's signature over a challenge in the caller's transaction; throws when it does not verify. Returns what to record (the certificate serial). */
export type ChallengeVerifier = (tx: Tx, identityId: string, challenge: string) => Promise<Record<string, unknown>>;

export interface Activation {
  readonly requestId: string;
  readonly item: string;
  readonly activeUntil: string;
  readonly method: 'console-aal3' | 'piv-challenge';
}

export const FRESH_AAL3_RULE = 'just-in-time access is activated only after a fresh AAL3 sign-in at muster';

/**
 * Just-in-time privileged access: a person holding a granted request for a `jit` item activates it for at most the
 * item's `activationHours` (never past the grant's end date), only after a fresh AAL3 sign-in at muster's OP or by
 * signing a challenge with the PIV Authentication key of their active card. The recompute its `access.activated`
 * event queues puts the access in the target; the scheduler task ends it at expiry.
 */
export class ActivationService {
  readonly #d: ActivationDeps;

  constructor(deps: ActivationDeps) {
    this.#d = deps;
  }

  get #freshMs(): number {
    return this.#d.config.governance.requests.jitFreshSeconds * 1000;
  }

  /** From the console: the session's sign-in must be AAL3 and at most `jitFreshSeconds` old. */
  async fromConsole(requestId: string, signIn: ConsoleSignIn, by: Requester): Promise<Activation> {
    const now = this.#d.clock.now();
    const age = now.getTime() - signIn.authTime.getTime();
    if (signIn.acr !== ACR.aal3 || age > this.#freshMs || age < -60_000) {
      await this.#refuse(requestId, by, signIn.acr !== ACR.aal3 ? 'the sign-in is not AAL3' : `the sign-in is ${Math.round(age / 1000)} s old`);
      throw refuseFresh(signIn.acr !== ACR.aal3 ? 'the sign-in is not AAL3' : `the sign-in is ${Math.round(age / 1000)} s old; sign in again with the PIV card`);
    }
    return this.#activate(requestId, by, 'console-aal3', { acr: signIn.acr, auth_time: signIn.authTime.toISOString() });
  }

  /** A challenge for the command line: 32 random bytes (base64url) to sign with the PIV Authentication key, usable once. */
  async challenge(requestId: string, by: Requester): Promise<{ nonce: string; expiresAt: string }> {
    const now = this.#d.clock.now();
    const nonce = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.#freshMs);
    await this.#d.store.transaction(async (tx) => {
      await eligible(tx, requestId, by.identityId, now);
      await insertChallenge(tx, { nonce, request_id: requestId, identity_id: by.identityId, expires_at: expiresAt });
    });
    return { nonce, expiresAt: expiresAt.toISOString() };
  }

  /** With a signed challenge: spent first (a replay never activates), then verified against the card's active certificate. */
  async withChallenge(requestId: string, nonce: string, verify: ChallengeVerifier, by: Requester): Promise<Activation> {
    const now = this.#d.clock.now();
    const spent = await this.#d.store.transaction((tx) => spendChallenge(tx, nonce, now));
    const wrong = !spent
      ? 'unknown or already used challenge'
      : spent.request_id !== requestId || spent.identity_id !== by.identityId
        ? 'the challenge was issued for another request'
        : spent.expires_at <= now
          ? 'the challenge has expired'
          : undefined;
    if (wrong) {
      await this.#refuse(requestId, by, wrong);
      throw refuseFresh(wrong);
    }
    try {
      const evidence = await this.#d.store.transaction((tx) => verify(tx, by.identityId, nonce));
      return await this.#activate(requestId, by, 'piv-challenge', evidence);
    } catch (error) {
      if (error instanceof MusterError && error.code !== 'MUSTER_ERR_ACCESS_REQUEST') await this.#refuse(requestId, by, error.message);
      throw error;
    }
  }

  async #activate(requestId: string, by: Requester, method: Activation['method'], evidence: Record<string, unknown>): Promise<Activation> {
    const now = this.#d.clock.now();
    return this.#d.store.transaction(async (tx) => {
      const row = await eligible(tx, requestId, by.identityId, now);
      const item = (await catalogueHistory(tx, row.item)).find((v) => v.version === row.item_version);
      const hours = item?.document.activationHours ?? 1;
      const until = new Date(Math.min(now.getTime() + hours * 3_600_000, row.ends_at.getTime()));
      await updateRequest(tx, requestId, { active_until: until });
      await insertActivation(tx, { id: randomUUID(), request_id: requestId, identity_id: by.identityId, method, evidence, activated_at: now, expires_at: until });
      const acting: Acting = { actor: by.actor, now, correlationId: by.correlationId, audit: this.#d.audit };
      await commitEvent(tx, row, 'access.activated', `activated until ${until.toISOString()} (${method})`, acting, { active_until: until.toISOString(), method });
      return { requestId, item: row.item, activeUntil: until.toISOString(), method };
    });
  }

  async #refuse(requestId: string, by: Requester, why: string): Promise<void> {
    await this.#d.store.transaction((tx) =>
      this.#d.audit.append(
        tx,
        [{ actor: by.actor, action: 'access.activation-refused', target: by.identityId, reason: `${FRESH_AAL3_RULE}: ${why}`, data: { request_id: requestId, rule: FRESH_AAL3_RULE } }],
        by.correlationId,
      ),
    );
  }
}

function refuseFresh(why: string): MusterError {
  return new MusterError('MUSTER_ERR_ACCESS_REQUEST', `${FRESH_AAL3_RULE}: ${why}`, [{ field: 'authentication', message: `rule: ${FRESH_AAL3_RULE}` }]);
}

/** The request, locked, when this identity may activate it now. */
async function eligible(tx: Tx, requestId: string, identityId: string, now: Date): Promise<RequestRow> {
  const row = await lockRequest(tx, requestId);
  if (!row || row.beneficiary_id !== identityId) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no access request ${requestId} of yours`, [{ field: 'id', value: requestId, message: 'not yours' }]);
  if (!row.jit) throw new MusterError('MUSTER_ERR_ACCESS_REQUEST', `${row.item} is not activated just in time`, [{ field: 'id', value: requestId, message: 'not jit' }]);
  if (row.status !== 'granted' || row.ends_at <= now)
    throw new MusterError('MUSTER_ERR_ACCESS_REQUEST', `request ${requestId} is ${row.status}: nothing to activate`, [{ field: 'id', value: requestId, message: row.status }]);
  return row;
}

/** Ends the activations that ran out: the access leaves the targets, and relying parties hear of the new `roles` (token-claims-change). */
export async function endLapsedActivations(tx: Tx, by: Acting, limit: number): Promise<number> {
  const rows = await lapsedActivations(tx, by.now, limit);
  for (const row of rows) {
    await updateRequest(tx, row.id, { active_until: null });
    await endActivations(tx, row.id, by.now);
    await commitEvent(tx, row, 'access.deactivated', 'the activation reached its expiry', by, { roles: await heldItems(tx, row.beneficiary_id, by.now) });
  }
  return rows.length;
}

export { heldItems };
