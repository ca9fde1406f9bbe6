import { randomBytes, randomUUID } from 'node:crypto';
import { MusterError } from '../../core/errors.ts';
import type { Tx } from '../../store/store.ts';
import { insertChallenge, lockChallenge, markChallengeUsed } from './challenge-repository.ts';

export interface BindingChallenge {
  readonly id: string;
  readonly identityId: string;
  /** 32 random bytes, base64url: signed with the PIV Authentication key, and the WebAuthn challenge. */
  readonly challenge: string;
  readonly expiresAt: Date;
}

/** Opens a binding ceremony for an identity: a fresh challenge, usable once before it expires. */
export async function createChallenge(tx: Tx, identityId: string, now: Date, lifeSeconds: number): Promise<BindingChallenge> {
  const challenge: BindingChallenge = { id: randomUUID(), identityId, challenge: randomBytes(32).toString('base64url'), expiresAt: new Date(now.getTime() + lifeSeconds * 1000) };
  await insertChallenge(tx, { id: challenge.id, identity_id: identityId, challenge: challenge.challenge, expires_at: challenge.expiresAt }, now);
  return challenge;
}

/**
 * Uses up a challenge: refused (MUSTER_ERR_DERIVED_BINDING) if unknown, another identity's, expired or already used —
 * a replayed ceremony never binds. The caller commits this before anything else, so a failed binding still spends it.
 */
export async function consumeChallenge(tx: Tx, challengeId: string, identityId: string, now: Date): Promise<BindingChallenge> {
  const row = await lockChallenge(tx, challengeId);
  const refuse = (message: string) => new MusterError('MUSTER_ERR_DERIVED_BINDING', message, [{ field: 'challengeId', value: challengeId, message }]);
  if (!row || row.identity_id !== identityId) throw refuse('unknown binding challenge for this identity');
  if (row.used_at) throw refuse('the binding challenge was already used (a replay)');
  if (new Date(row.expires_at).getTime() <= now.getTime()) throw refuse('the binding challenge has expired');
  await markChallengeUsed(tx, challengeId, now);
  return { id: row.id, identityId, challenge: row.challenge, expiresAt: new Date(row.expires_at) };
}
