import type { AuditDraft } from '../audit/chain.ts';
import type { IdentityState } from '../core/identity/record.ts';
import { ChangeSet } from '../mur/change-set.ts';
import { encodeFascn } from '../pki/fascn.ts';
import { PROFILES } from '../pki/profiles.ts';
import type { Tx } from '../store/store.ts';
import { issueCardCertificates, storeCertificates, type StoredCertificate } from './certificates.ts';
import { cardKeyRefusal } from './card-keys.ts';
import { insertCredential, nextPivCredentialNumber } from './credential-repository.ts';
import { takeUpException } from './exception-repository.ts';
import {
  checkRequestShape,
  identityRefusal,
  type IssuanceRecords,
  issuanceRecords,
  oneCardRefusal,
  recordsRefusal,
  refusalError,
  requestRefusal,
  subjectNameRefusal,
  type Refusal,
} from './prerequisites.ts';
import { DEFAULT_SYSTEM_CODE, PIV_CARD, type CardDeps, type IssuedPivCard, type PivCardRequest } from './types.ts';

const DAY_MS = 86_400_000;

export type IssueOutcome = { readonly card: IssuedPivCard } | { readonly refusal: Refusal; readonly records?: IssuanceRecords };

/** Extra facts a card record carries, e.g. the card it replaces. */
export type CardExtras = Record<string, unknown>;

/**
 * Issues a PIV card (state `issued`, until `activate`): checks the prerequisites (active person, TRUST favorable or interim, an IAL3 proofing
 * record, a sponsorship record, sponsor, registrar and issuer three people none of them the applicant, expiry within six years), then in one transaction writes the card (`credentials`), its
 * PIV Authentication and Card Authentication certificates (`certificates`), the `credential.issued` event and
 * the audit entries. A refusal is audited as `credential.refused` and thrown as MUSTER_ERR_CREDENTIAL_REFUSED.
 */
export async function issuePivCard(deps: CardDeps, request: PivCardRequest, actor: string, correlationId: string): Promise<IssuedPivCard> {
  checkRequestShape(request);
  const now = deps.clock.now();
  const outcome = await deps.store.transaction((tx) => issueCardInTx(tx, deps, { request, actor, correlationId, now }));
  return settleIssue(deps, outcome, request, actor, correlationId);
}

/** The card of an outcome, or — for a refusal — the refusal audited (in its own transaction) and thrown. */
export async function settleIssue(deps: CardDeps, outcome: IssueOutcome, request: PivCardRequest, actor: string, correlationId: string): Promise<IssuedPivCard> {
  if ('card' in outcome) return outcome.card;
  await deps.store.transaction((tx) => deps.audit.append(tx, [refusalAudit(outcome.refusal, request, actor, outcome.records)], correlationId));
  throw refusalError(outcome.refusal);
}

/**
 * Checks the prerequisites and, when they hold, writes the card in `tx` (state `issued`): the request and the MUR,
 * a subject name a certificate can carry, one live card per person (or an exception the card takes up), and keys
 * that are strong, distinct and certified for nobody else. `replacing` is the card a reissue terminates.
 */
export async function issueCardInTx(tx: Tx, deps: CardDeps, w: Omit<CardWrite, 'identity' | 'records'>): Promise<IssueOutcome> {
  const early = requestRefusal(w.request, w.now);
  const { identity, refusal } = await identityRefusal(tx, w.request);
  const records = await issuanceRecords(tx, identity.id);
  const broken = refusal ?? early ?? recordsRefusal(records, identity.id, w.actor) ?? subjectNameRefusal(identity);
  if (broken) return { refusal: broken, records };
  const gate = await oneCardRefusal(tx, identity.id, w.now, w.replacing);
  if (gate.refusal) return { refusal: gate.refusal };
  const csrs = [
    { field: 'pivAuthCsr', csr: w.request.pivAuthCsr },
    { field: 'cardAuthCsr', csr: w.request.cardAuthCsr },
  ];
  const keys = await cardKeyRefusal(tx, identity.id, csrs, [], cardCertificateEnd(w.now, w.request.expiresAt));
  if (keys.refusal) return { refusal: keys.refusal };
  const extras = gate.exceptionId ? { ...w.extras, exception_id: gate.exceptionId } : w.extras;
  const card = await writeCard(tx, deps, { ...w, identity, records, ...(extras ? { extras } : {}) });
  if (gate.exceptionId) await takeUpException(tx, gate.exceptionId, card.credentialId);
  return { card };
}

/** When the card's certificates end: the profile's longest validity, never past the card. */
export function cardCertificateEnd(now: Date, cardExpiry: Date): Date {
  return new Date(Math.min(now.getTime() + PROFILES['piv-auth'].maxValidityDays * DAY_MS, cardExpiry.getTime()));
}

interface CardWrite {
  readonly identity: IdentityState;
  readonly records: IssuanceRecords;
  readonly request: PivCardRequest;
  readonly actor: string;
  readonly correlationId: string;
  readonly now: Date;
  readonly extras?: CardExtras;
  /** The card a reissue replaces: it does not count against the one-card rule. */
  readonly replacing?: string;
}

async function writeCard(tx: Tx, deps: CardDeps, w: CardWrite): Promise<IssuedPivCard> {
  const credentialNumber = await nextCredentialNumber(tx);
  const systemCode = deps.systemCode ?? DEFAULT_SYSTEM_CODE;
  const fascn = encodeFascn({ agencyCode: deps.agencyCode, systemCode, credentialNumber });
  const ids = { credentialId: crypto.randomUUID(), cardUuid: (w.request.cardUuid ?? crypto.randomUUID()).toLowerCase(), fascn };
  const certificates = await issueCardCertificates(deps, w.identity, w.request, ids);
  const card: IssuedPivCard = {
    credentialId: ids.credentialId,
    identityId: w.identity.id,
    cardUuid: ids.cardUuid,
    fascn: Buffer.from(fascn).toString('hex'),
    credentialNumber,
    expiresAt: w.request.expiresAt,
    certificates: certificates.map(({ der: _der, ...rest }) => rest),
  };
  const details = { fascn: card.fascn, agency_code: deps.agencyCode, system_code: systemCode, credential_number: credentialNumber, ...approvalData(w.records), ...(w.extras ?? {}) };
  await insertCredential(tx, {
    id: card.credentialId,
    identity_id: card.identityId,
    type: PIV_CARD,
    status: 'issued',
    reference: card.cardUuid,
    details,
    issued_at: w.now,
    expires_at: card.expiresAt,
  });
  await storeCertificates(tx, deps.ca.name, card.identityId, card.credentialId, certificates);
  await issuedChanges(card, certificates, w, deps.ca.name).commit(tx, { now: w.now, correlationId: w.correlationId, audit: deps.audit });
  return card;
}

async function nextCredentialNumber(tx: Tx): Promise<string> {
  return String(await nextPivCredentialNumber(tx)).padStart(6, '0');
}

/** The records a card rests on, as its details and its event carry them: who sponsored and who proofed, when. */
function approvalData(records: IssuanceRecords | undefined): Record<string, unknown> {
  const a = records?.sponsorship;
  const p = records?.proofing;
  return {
    sponsor_approval: a ? { sponsorship_id: a.id, approved_by: `operator:${a.sponsorId}`, approved_at: iso(a.recordedAt), reason: a.reason } : null,
    proofing: p ? { proofing_id: p.id, ial: p.ial, method: p.method, at: iso(p.proofedAt), by: `operator:${p.registrarId}` } : null,
  };
}

function issuedChanges(card: IssuedPivCard, certificates: readonly StoredCertificate[], w: CardWrite, issuer: string): ChangeSet {
  const changes = new ChangeSet();
  const approval = approvalData(w.records);
  const approvedBy = w.records.sponsorship ? `operator:${w.records.sponsorship.sponsorId}` : null;
  const approvedAt = iso(w.records.sponsorship?.recordedAt);
  const payload = {
    credential_id: card.credentialId,
    type: PIV_CARD,
    card_uuid: card.cardUuid,
    fascn: card.fascn,
    credential_number: card.credentialNumber,
    expires_at: card.expiresAt.toISOString(),
    serials: certificates.map((c) => c.serial),
    ...approval,
    ...(w.extras?.exception_id ? { exception_id: w.extras.exception_id } : {}),
  };
  const reason = `PIV card ${card.cardUuid} approved by ${approvedBy} at ${approvedAt}`;
  changes.events.push({ type: 'credential.issued', identityId: card.identityId, payload, audit: { actor: w.actor, action: 'credential.issued', target: card.identityId, reason, data: payload } });
  changes.audits.push(
    ...certificates.map(
      (c): AuditDraft => ({
        actor: w.actor,
        action: 'certificate.issued',
        target: card.identityId,
        reason: `${c.profile} certificate for card ${card.cardUuid}`,
        data: {
          serial: c.serial,
          profile: c.profile,
          issuer,
          credential_id: card.credentialId,
          not_before: c.notBefore.toISOString(),
          not_after: c.notAfter.toISOString(),
          approved_by: approvedBy,
          approved_at: approvedAt,
        },
      }),
    ),
  );
  return changes;
}

function refusalAudit(refusal: Refusal, request: PivCardRequest, actor: string, records?: IssuanceRecords): AuditDraft {
  return {
    actor,
    action: 'credential.refused',
    target: request.identityId,
    reason: refusal.message,
    data: { rule: refusal.rule, field: refusal.field ?? refusal.rule, type: PIV_CARD, card_expires_at: iso(request.expiresAt), ...approvalData(records) },
  };
}

/** ISO text of a date, or null for a missing or invalid one (a refused request may carry either). */
function iso(value: Date | undefined): string | null {
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : null;
}
