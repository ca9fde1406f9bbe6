import type { ChangeSet } from '../mur/change-set.ts';
import type { Tx } from '../store/store.ts';
import { flagForReview, type CredentialRow } from './credential-repository.ts';
import { DERIVED_TYPES } from './types.ts';

const DAY_MS = 86_400_000;

export interface ReviewInput {
  readonly card: CredentialRow;
  readonly reason: string;
  readonly reviewDays: number;
  readonly actor: string;
  readonly now: Date;
}

/**
 * SP 800-157r1 §2.3: when a PIV card is lost, compromised or replaced, its holder's Derived PIV credentials stay valid,
 * but those bound in the last `reviewDays` (possibly by whoever holds the lost card) are flagged for review, each with
 * a `credential.review` event. Returns the flagged credential ids.
 */
export async function flagRecentDerived(tx: Tx, changes: ChangeSet, input: ReviewInput): Promise<string[]> {
  const since = new Date(input.now.getTime() - input.reviewDays * DAY_MS);
  const review = { reason: input.reason, card: input.card.id, flagged_at: input.now.toISOString() };
  const rows = await flagForReview(tx, input.card.identity_id, DERIVED_TYPES, since, review, input.now);
  for (const row of rows) {
    const payload = { credential_id: row.id, type: row.type, bound_at: new Date(row.issued_at).toISOString(), card_credential_id: input.card.id, card_reason: input.reason };
    const why = `bound within ${input.reviewDays} days before card ${input.card.reference ?? input.card.id} was ${input.reason}`;
    changes.events.push({
      type: 'credential.review',
      identityId: input.card.identity_id,
      payload,
      audit: { actor: input.actor, action: 'credential.review', target: input.card.identity_id, reason: why, data: payload },
    });
  }
  return rows.map((r) => r.id);
}
