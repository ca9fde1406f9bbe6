import { isTerminationReason, REVIEW_REASONS, TERMINATION_REASONS, type TerminationReason } from '../core/credential/status.ts';
import { MusterError } from '../core/errors.ts';
import type { ChangeSet } from '../mur/change-set.ts';
import type { Tx } from '../store/store.ts';
import { updateCardCertificates, type CardUpdate } from './card-update.ts';
import { holdDerivedWithCard, releaseDerivedWithCard, terminateDerivedWithCard } from './card-cascade.ts';
import { issueCardInTx, issuePivCard, settleIssue } from './cards.ts';
import { lockCredential, type CredentialRow } from './credential-repository.ts';
import { refusalError, type Refusal } from './prerequisites.ts';
import { flagRecentDerived } from './review.ts';
import { applyTransition } from './transition.ts';
import { PIV_CARD, type CardDeps, type IssuedCertificateRecord, type IssuedPivCard, type PivCardRequest } from './types.ts';

export interface Actor {
  readonly actor: string;
  readonly correlationId: string;
}

export interface ReissueRequest {
  /** Why the old card goes: lost, stolen, compromised, damaged or superseded (e.g. a name change). */
  readonly reason: TerminationReason;
  readonly expiresAt: Date;
  readonly pivAuthCsr: string | Uint8Array;
  readonly cardAuthCsr: string | Uint8Array;
  readonly cardUuid?: string;
  /** The operator who matched the cardholder's biometrics to the enrolment record (FIPS 201-3 §2.9.1). */
  readonly verifiedBy: string;
}

const REISSUE_REASONS: ReadonlySet<string> = new Set(['lost', 'stolen', 'compromised', 'damaged', 'superseded']);

/** The PIV card operations of FIPS 201-3 §2.9: issue, activate, suspend, reinstate, reissue, terminate. */
export class CardService {
  readonly #deps: CardDeps;

  constructor(deps: CardDeps) {
    this.#deps = deps;
  }

  issue(request: PivCardRequest, by: Actor): Promise<IssuedPivCard> {
    return issuePivCard(this.#deps, request, by.actor, by.correlationId);
  }

  activate(credentialId: string, by: Actor, reason = 'cardholder activated the card'): Promise<void> {
    return this.#simple(credentialId, 'activate', by, reason);
  }

  suspend(credentialId: string, by: Actor, reason: string): Promise<void> {
    return this.#simple(credentialId, 'suspend', by, reason, { suspended_by: by.actor });
  }

  reinstate(credentialId: string, by: Actor, reason: string): Promise<void> {
    return this.#simple(credentialId, 'reinstate', by, reason, { suspended_by: null });
  }

  /** Post-issuance update: new certificates for the keys named, same FASC-N and card UUID; the old ones superseded. */
  async update(credentialId: string, update: CardUpdate, by: Actor): Promise<IssuedCertificateRecord[]> {
    if (!update.reason) throw new MusterError('MUSTER_ERR_VALIDATION', 'an update needs a reason', [{ field: 'reason', message: 'required' }]);
    const now = this.#deps.clock.now();
    type Outcome = { issued: IssuedCertificateRecord[] } | { refusal: Refusal; identityId: string };
    const outcome = await this.#deps.store.transaction(async (tx): Promise<Outcome> => {
      const card = await this.#card(tx, credentialId);
      const result = await updateCardCertificates(tx, this.#deps, card, update, by.actor, now);
      if ('refusal' in result) return { ...result, identityId: card.identity_id };
      await result.changes.commit(tx, { now, correlationId: by.correlationId, audit: this.#deps.audit });
      return { issued: result.issued.map(({ der: _der, ...rest }) => rest) };
    });
    if ('issued' in outcome) return outcome.issued;
    const { refusal, identityId } = outcome;
    const draft = {
      actor: by.actor,
      action: 'credential.refused',
      target: identityId,
      reason: refusal.message,
      data: { rule: refusal.rule, field: refusal.field ?? refusal.rule, type: PIV_CARD, operation: 'update', credential_id: credentialId },
    };
    await this.#deps.store.transaction((tx) => this.#deps.audit.append(tx, [draft], by.correlationId));
    throw refusalError(refusal);
  }

  /**
   * Ends a card: every certificate revoked for the reason's RFC 5280 code; recent derived credentials flagged on loss;
   * on `left` or `withdrawn` its derived credentials terminated with it.
   */
  async terminate(credentialId: string, reason: string, by: Actor): Promise<void> {
    if (!isTerminationReason(reason)) throw badReason(reason, Object.keys(TERMINATION_REASONS));
    const now = this.#deps.clock.now();
    await this.#deps.store.transaction(async (tx) => {
      const changes = await this.#terminateCard(tx, await this.#card(tx, credentialId), reason, by.actor, now);
      await changes.commit(tx, { now, correlationId: by.correlationId, audit: this.#deps.audit });
    });
  }

  /**
   * Replaces a card: a new card (new FASC-N and card UUID, new certificates from the new card's CSRs) for the same
   * identity under its current sponsorship and proofing records, and the old card terminated — in one transaction.
   */
  async reissue(credentialId: string, request: ReissueRequest, by: Actor): Promise<IssuedPivCard> {
    if (!REISSUE_REASONS.has(request.reason)) throw badReason(request.reason, [...REISSUE_REASONS]);
    if (!request.verifiedBy) throw new MusterError('MUSTER_ERR_VALIDATION', 'a reissue needs the operator who verified the cardholder', [{ field: 'verifiedBy', message: 'required' }]);
    const now = this.#deps.clock.now();
    let pivRequest: PivCardRequest | undefined;
    const outcome = await this.#deps.store.transaction(async (tx) => {
      const old = await this.#card(tx, credentialId);
      if (old.status === 'terminated')
        throw new MusterError('MUSTER_ERR_CREDENTIAL_STATE', `card ${credentialId} is terminated; issue a new card instead`, [{ field: 'status', value: old.status, message: 'terminated' }]);
      pivRequest = reissueRequest(old, request);
      const extras = { reissued_from: old.id, reissue_reason: request.reason, verified_by: request.verifiedBy };
      const issued = await issueCardInTx(tx, this.#deps, { request: pivRequest, actor: by.actor, correlationId: by.correlationId, now, extras, replacing: old.id });
      if (!('card' in issued)) return issued;
      const changes = await this.#terminateCard(tx, old, request.reason === 'damaged' ? 'damaged' : request.reason === 'superseded' ? 'superseded' : request.reason, by.actor, now);
      changes.events.push(reissuedEvent(old, issued.card, request, by.actor));
      await changes.commit(tx, { now, correlationId: by.correlationId, audit: this.#deps.audit });
      return issued;
    });
    return settleIssue(this.#deps, outcome, pivRequest as PivCardRequest, by.actor, by.correlationId);
  }

  async #simple(credentialId: string, operation: 'activate' | 'suspend' | 'reinstate', by: Actor, why: string, details?: Record<string, unknown>): Promise<void> {
    if (!why) throw new MusterError('MUSTER_ERR_VALIDATION', `${operation} needs a reason`, [{ field: 'reason', message: 'required' }]);
    const now = this.#deps.clock.now();
    await this.#deps.store.transaction(async (tx) => {
      const card = await this.#card(tx, credentialId);
      const changes = await applyTransition(tx, { operation, credentials: [card], actor: by.actor, why, now, ...(details ? { details } : {}) });
      await this.#cascade(tx, changes, operation, { card, actor: by.actor, now });
      await changes.commit(tx, { now, correlationId: by.correlationId, audit: this.#deps.audit });
    });
  }

  async #terminateCard(tx: Tx, card: CredentialRow, reason: TerminationReason, actor: string, now: Date): Promise<ChangeSet> {
    const why = `card ${card.reference ?? card.id} ${reason}`;
    const changes = await applyTransition(tx, { operation: 'terminate', credentials: [card], actor, why, revocationReason: TERMINATION_REASONS[reason], details: { termination_reason: reason }, now });
    if (REVIEW_REASONS.has(reason)) await flagRecentDerived(tx, changes, { card, reason, reviewDays: this.#deps.reviewDays ?? 7, actor, now });
    if (this.#deps.cascadeToDerived ?? true) merge(changes, await terminateDerivedWithCard(tx, { card, reason, actor, now }));
    return changes;
  }

  /** A card's suspension holds its derived credentials, its reinstatement releases them (when the agency wants it). */
  async #cascade(tx: Tx, changes: ChangeSet, operation: 'activate' | 'suspend' | 'reinstate', c: { card: CredentialRow; actor: string; now: Date }): Promise<void> {
    if (!(this.#deps.cascadeToDerived ?? true)) return;
    if (operation === 'suspend') merge(changes, await holdDerivedWithCard(tx, c));
    if (operation === 'reinstate') merge(changes, await releaseDerivedWithCard(tx, c));
  }

  async #card(tx: Tx, credentialId: string): Promise<CredentialRow> {
    const card = await lockCredential(tx, credentialId);
    if (!card || card.type !== PIV_CARD) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no PIV card ${credentialId}`, [{ field: 'credentialId', value: credentialId, message: 'not found' }]);
    return card;
  }
}

function merge(into: ChangeSet, from: ChangeSet): void {
  into.events.push(...from.events);
  into.audits.push(...from.audits);
}

function badReason(reason: string, allowed: readonly string[]): MusterError {
  return new MusterError('MUSTER_ERR_VALIDATION', `reason must be one of ${allowed.join(', ')}`, [{ field: 'reason', value: reason, message: `one of ${allowed.join(', ')}` }]);
}

function reissueRequest(old: CredentialRow, request: ReissueRequest): PivCardRequest {
  return {
    identityId: old.identity_id,
    expiresAt: request.expiresAt,
    pivAuthCsr: request.pivAuthCsr,
    cardAuthCsr: request.cardAuthCsr,
    ...(request.cardUuid ? { cardUuid: request.cardUuid } : {}),
  };
}

function reissuedEvent(old: CredentialRow, card: IssuedPivCard, request: ReissueRequest, actor: string): ChangeSet['events'][number] {
  const payload = {
    credential_id: card.credentialId,
    replaces: old.id,
    old_card_uuid: old.reference,
    card_uuid: card.cardUuid,
    fascn: card.fascn,
    reason: request.reason,
    verified_by: request.verifiedBy,
  };
  const why = `card ${old.reference} replaced by ${card.cardUuid} (${request.reason}), cardholder verified by ${request.verifiedBy}`;
  return { type: 'credential.reissued', identityId: old.identity_id, payload, audit: { actor, action: 'credential.reissued', target: old.identity_id, reason: why, data: payload } };
}
