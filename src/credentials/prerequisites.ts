import { MusterError, type MusterErrorCode } from '../core/errors.ts';
import { isUuid } from '../core/ids.ts';
import type { IdentityState } from '../core/identity/record.ts';
import { issuanceSeparationRefusal, issuerActorRefusal, operatorIdOf } from '../core/operators/separation.ts';
import { loadIdentities } from '../mur/identity-repository.ts';
import type { Tx } from '../store/store.ts';
import { liveCredentialCount } from './credential-repository.ts';
import { CARD_EXCEPTION_KINDS, unusedCardException } from './exception-repository.ts';
import { lockIdentityRow, trustEligibility } from './holder-repository.ts';
import { currentProofing, currentSponsorship, type ProofingRecord, type SponsorshipRecord } from './issuance-record-repository.ts';
import { PIV_CARD, type PivCardRequest } from './types.ts';

/** The issuance rules a request can break; each refusal names one. */
export type IssuanceRule = 'identity-status' | 'trust-eligibility' | 'proofing' | 'sponsor-approval' | 'separation-of-duties' | 'card-expiry' | 'subject-name' | 'one-card' | 'csr' | 'key-reuse';

export interface Refusal {
  readonly rule: IssuanceRule;
  readonly message: string;
  /** The request field or attribute at fault (e.g. pivAuthCsr, full_name); the rule itself when absent. */
  readonly field?: string;
  /** The error code thrown; MUSTER_ERR_CREDENTIAL_REFUSED when absent. */
  readonly code?: MusterErrorCode;
}

/** X.520 ub-common-name: a commonName holds at most 64 characters. */
export const MAX_COMMON_NAME = 64;
// C0 and C1 controls, DEL, and the line and paragraph separators: none may reach a certificate subject.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** FIPS 201-3 §2.8: a card is issued on a favorable adjudication, or on an interim (favorable checks, investigation initiated). */
const ISSUABLE_ELIGIBILITY: ReadonlySet<string> = new Set(['favorable', 'interim']);
const MAX_CARD_YEARS = 6;

/** The sponsorship and identity proofing an issuance rests on: the identity's newest records. */
export interface IssuanceRecords {
  readonly sponsorship?: SponsorshipRecord | undefined;
  readonly proofing?: ProofingRecord | undefined;
}

/** Reads the identity's current sponsorship and proofing records. */
export async function issuanceRecords(tx: Tx, identityId: string): Promise<IssuanceRecords> {
  return { sponsorship: await currentSponsorship(tx, identityId), proofing: await currentProofing(tx, identityId) };
}

/** Rules that need only the request: card expiry. */
export function requestRefusal(request: PivCardRequest, now: Date): Refusal | null {
  const limit = new Date(now);
  limit.setUTCFullYear(limit.getUTCFullYear() + MAX_CARD_YEARS);
  const expiry = request.expiresAt.getTime();
  if (!(expiry > now.getTime() && expiry <= limit.getTime())) {
    return { rule: 'card-expiry', message: `card expiry ${request.expiresAt.toISOString()} must be after now and at most ${MAX_CARD_YEARS} years away (${limit.toISOString()})` };
  }
  return null;
}

/**
 * Rules on the records (FIPS 201-3 §2.7, §2.8): an IAL3 proofing that saw two identity documents, one with a photograph,
 * and a sponsorship; then separation of duties: the issuer a named operator, and sponsor, registrar and issuer three people,
 * none the applicant.
 */
export function recordsRefusal(records: IssuanceRecords, applicant: string, issuerActor: string): Refusal | null {
  const { proofing, sponsorship } = records;
  if (!proofing || proofing.ial !== 'IAL3') {
    return { rule: 'proofing', message: `identity proofing must be IAL3, recorded by a registrar (POST /api/identities/{id}/proofing); got ${proofing?.ial ?? 'none'}` };
  }
  if (proofing.evidence.length < 2 || !proofing.evidence.some((e) => e.photo)) {
    return { rule: 'proofing', message: `identity proofing ${proofing.id} saw ${proofing.evidence.length} document(s); a PIV card needs two, one bearing a photograph` };
  }
  if (!sponsorship) return { rule: 'sponsor-approval', message: 'a sponsorship recorded by a sponsor (POST /api/identities/{id}/sponsorship) is required' };
  const broken = issuerActorRefusal(issuerActor) ?? issuanceSeparationRefusal({ applicant, sponsor: sponsorship.sponsorId, registrar: proofing.registrarId, issuer: operatorIdOf(issuerActor) });
  return broken ? { rule: 'separation-of-duties', field: broken.rule, message: broken.message, code: 'MUSTER_ERR_SEPARATION_OF_DUTIES' } : null;
}

/** Rules on the MUR: an active person whose TRUST eligibility allows a card. Locks the identity row. */
export async function identityRefusal(tx: Tx, request: PivCardRequest): Promise<{ identity: IdentityState; refusal: Refusal | null }> {
  const identity = await lockIdentity(tx, request.identityId);
  if (identity.kind !== 'person' || identity.status !== 'active') {
    return { identity, refusal: { rule: 'identity-status', message: `identity is ${identity.kind}, ${identity.status}: a PIV card needs an active person` } };
  }
  const eligibility = await trustEligibility(tx, identity.id);
  if (eligibility === undefined || !ISSUABLE_ELIGIBILITY.has(eligibility)) {
    return { identity, refusal: { rule: 'trust-eligibility', message: `TRUST eligibility is ${eligibility ?? 'not recorded'}: favorable or interim is required` } };
  }
  return { identity, refusal: null };
}

/** The cardholder name that becomes the PIV Authentication subject's CN, and the attribute it comes from. */
export function subjectName(identity: IdentityState): { readonly name: string; readonly field: string } {
  const a = identity.attributes;
  const full = a.full_name?.v;
  if (typeof full === 'string' && full) return { name: full, field: 'full_name' };
  return { name: [a.given_name?.v, a.family_name?.v].filter(Boolean).join(' '), field: 'given_name' };
}

/** A name that would make a broken subject: missing, over 64 characters, or holding control characters. */
export function subjectNameRefusal(identity: IdentityState): Refusal | null {
  const { name, field } = subjectName(identity);
  const refuse = (message: string): Refusal => ({ rule: 'subject-name', field, message: `the cardholder name (${field}) ${message}` });
  if (!name) return refuse('is empty: the PIV Authentication subject needs it');
  if ([...name].length > MAX_COMMON_NAME) return refuse(`has ${[...name].length} characters; a certificate commonName holds at most ${MAX_COMMON_NAME} characters (X.520 ub-common-name)`);
  return CONTROL.test(name) ? refuse('holds a control character, which a certificate subject may not carry') : null;
}

/**
 * One live (issued, active or suspended) PIV card per person (FIPS 201-3 §2.9): another needs an active credential
 * exception that covers no credential yet; its id is returned, and the card issued takes it up.
 */
export async function oneCardRefusal(tx: Tx, identityId: string, now: Date, replacing?: string): Promise<{ exceptionId?: string; refusal: Refusal | null }> {
  const live = await liveCredentialCount(tx, identityId, PIV_CARD, replacing ?? '');
  if (live === 0) return { refusal: null };
  const exceptionId = await unusedCardException(tx, identityId, now);
  if (exceptionId) return { exceptionId, refusal: null };
  const held = live === 1 ? 'a live PIV card' : `${live} live PIV cards`;
  return { refusal: { rule: 'one-card', field: 'identityId', message: `the person already holds ${held}; another needs an approved credential exception (kinds ${CARD_EXCEPTION_KINDS.join(', ')})` } };
}

/** Locks and loads an identity for a credential operation; a malformed or unknown id is refused, naming identityId. */
export async function lockIdentity(tx: Tx, id: string): Promise<IdentityState> {
  if (!isUuid(id)) throw new MusterError('MUSTER_ERR_VALIDATION', 'identityId must be a UUID', [{ field: 'identityId', value: id, message: 'must be a UUID' }]);
  await lockIdentityRow(tx, id);
  const identity = (await loadIdentities(tx, [id])).get(id);
  if (!identity) throw new MusterError('MUSTER_ERR_NOT_FOUND', `no identity ${id}`, [{ field: 'identityId', value: id, message: 'not found' }]);
  return identity;
}

/** Checks the request's own fields for shape (not the issuance rules). */
export function checkRequestShape(request: PivCardRequest): void {
  if (request.cardUuid !== undefined && !isUuid(request.cardUuid)) {
    throw new MusterError('MUSTER_ERR_VALIDATION', 'cardUuid must be a UUID', [{ field: 'cardUuid', value: request.cardUuid, message: 'must be a UUID' }]);
  }
  if (!validDate(request.expiresAt)) throw new MusterError('MUSTER_ERR_VALIDATION', 'expiresAt must be a date', [{ field: 'expiresAt', message: 'must be a date' }]);
}

function validDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

export function refusalError(refusal: Refusal): MusterError {
  const message = `PIV card refused (${refusal.rule}): ${refusal.message}`;
  return new MusterError(refusal.code ?? 'MUSTER_ERR_CREDENTIAL_REFUSED', message, [{ field: refusal.field ?? refusal.rule, message: refusal.message }]);
}
