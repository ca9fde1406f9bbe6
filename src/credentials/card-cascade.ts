import type { TerminationReason } from '../core/credential/status.ts';
import { TERMINATION_REASONS } from '../core/credential/status.ts';
import type { Tx } from '../store/store.ts';
import { lockDerivedOfCard, type CredentialRow } from './credential-repository.ts';
import { applyTransition } from './transition.ts';
import { DERIVED_TYPES } from './types.ts';

/**
 * Card terminations that end the cardholder's eligibility (FIPS 201-3 §2.9.4; SP 800-157r1 §2.3): the Derived PIV
 * credentials bound with the card end with it. A lost, stolen, compromised, damaged or superseded card leaves them
 * (recent ones are flagged for review instead).
 */
export const ELIGIBILITY_ENDING_REASONS: ReadonlySet<TerminationReason> = new Set(['left', 'withdrawn']);

/** Marks a derived credential held because its card was suspended, so that a reinstatement restores exactly these. */
const HELD_WITH_CARD = 'card';

interface Cascade {
  readonly card: CredentialRow;
  readonly actor: string;
  readonly now: Date;
}

/** A terminated card's live derived credentials are terminated with the same RFC 5280 reason: the changes to commit. */
export async function terminateDerivedWithCard(tx: Tx, c: Cascade & { reason: TerminationReason }) {
  const credentials = ELIGIBILITY_ENDING_REASONS.has(c.reason) ? await lockDerivedOfCard(tx, c.card.id, DERIVED_TYPES, ['issued', 'active', 'suspended']) : [];
  const why = `card ${c.card.reference ?? c.card.id} ${c.reason}: ${credentials.length} derived credential(s) terminated with it`;
  const cause = { card_credential_id: c.card.id, card_reason: c.reason };
  return applyTransition(tx, {
    operation: 'terminate',
    credentials,
    actor: c.actor,
    why,
    revocationReason: TERMINATION_REASONS[c.reason],
    details: { termination_reason: c.reason },
    cause,
    now: c.now,
  });
}

/** A suspended card's active derived credentials are suspended with it (certificates on hold, authenticators disabled). */
export async function holdDerivedWithCard(tx: Tx, c: Cascade) {
  const credentials = await lockDerivedOfCard(tx, c.card.id, DERIVED_TYPES, ['active']);
  const why = `card ${c.card.reference ?? c.card.id} suspended: ${credentials.length} derived credential(s) held with it`;
  const details = { suspended_by: HELD_WITH_CARD, held_with: c.card.id };
  return applyTransition(tx, { operation: 'suspend', credentials, actor: c.actor, why, details, cause: { card_credential_id: c.card.id }, now: c.now });
}

/** A reinstated card's derived credentials that its suspension held are reinstated; others stay suspended. */
export async function releaseDerivedWithCard(tx: Tx, c: Cascade) {
  const held = (await lockDerivedOfCard(tx, c.card.id, DERIVED_TYPES, ['suspended'])).filter((d) => d.details.suspended_by === HELD_WITH_CARD && d.details.held_with === c.card.id);
  const why = `card ${c.card.reference ?? c.card.id} reinstated: ${held.length} derived credential(s) released with it`;
  return applyTransition(tx, {
    operation: 'reinstate',
    credentials: held,
    actor: c.actor,
    why,
    details: { suspended_by: null, held_with: null },
    cause: { card_credential_id: c.card.id },
    now: c.now,
  });
}
