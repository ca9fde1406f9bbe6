import { MusterError } from '../core/errors.ts';
import { isUuid } from '../core/ids.ts';
import type { IdentityState } from '../core/identity/record.ts';
import { loadIdentities } from '../mur/identity-rows.ts';
import type { Tx } from '../store/store.ts';
import type { PivCardRequest } from './types.ts';

/** The issuance rules a request can break; each refusal names one. */
export type IssuanceRule = 'identity-status' | 'trust-eligibility' | 'proofing' | 'sponsor-approval' | 'card-expiry';

export interface Refusal {
  readonly rule: IssuanceRule;
  readonly message: string;
}

/** FIPS 201-3 §2.8: a card is issued on a favorable adjudication, or on an interim (favorable checks, investigation initiated). */
const ISSUABLE_ELIGIBILITY: ReadonlySet<string> = new Set(['favorable', 'interim']);
const MAX_CARD_YEARS = 6;

/** Rules that need only the request: card expiry, proofing, sponsor approval. */
export function requestRefusal(request: PivCardRequest, now: Date): Refusal | null {
  const limit = new Date(now);
  limit.setUTCFullYear(limit.getUTCFullYear() + MAX_CARD_YEARS);
  const expiry = request.expiresAt.getTime();
  if (!(expiry > now.getTime() && expiry <= limit.getTime())) {
    return { rule: 'card-expiry', message: `card expiry ${request.expiresAt.toISOString()} must be after now and at most ${MAX_CARD_YEARS} years away (${limit.toISOString()})` };
  }
  const proofing = request.proofing;
  if (!proofing || proofing.ial !== 'IAL3' || !proofing.by || !validDate(proofing.at)) {
    return { rule: 'proofing', message: `identity proofing must be IAL3 with who and when (got ${proofing?.ial ?? 'none'})` };
  }
  const approval = request.sponsorApproval;
  if (!approval || !approval.approvedBy || !approval.reason || !validDate(approval.approvedAt) || approval.approvedAt.getTime() > now.getTime()) {
    return { rule: 'sponsor-approval', message: 'a sponsor approval (who, when, why; not in the future) is required' };
  }
  return null;
}

/** Rules on the MUR: an active person whose TRUST eligibility allows a card. Locks the identity row. */
export async function identityRefusal(tx: Tx, request: PivCardRequest): Promise<{ identity: IdentityState; refusal: Refusal | null }> {
  const identity = await lockIdentity(tx, request.identityId);
  if (identity.kind !== 'person' || identity.status !== 'active') {
    return { identity, refusal: { rule: 'identity-status', message: `identity is ${identity.kind}, ${identity.status}: a PIV card needs an active person` } };
  }
  const [trust] = await tx.query<{ eligibility: string }>('SELECT eligibility FROM trust WHERE identity_id = $1', [identity.id]);
  if (!trust || !ISSUABLE_ELIGIBILITY.has(trust.eligibility)) {
    return { identity, refusal: { rule: 'trust-eligibility', message: `TRUST eligibility is ${trust?.eligibility ?? 'not recorded'}: favorable or interim is required` } };
  }
  return { identity, refusal: null };
}

/** Locks and loads an identity for a credential operation; a malformed or unknown id is refused, naming identityId. */
export async function lockIdentity(tx: Tx, id: string): Promise<IdentityState> {
  if (!isUuid(id)) throw new MusterError('MUSTER_ERR_VALIDATION', 'identityId must be a UUID', [{ field: 'identityId', value: id, message: 'must be a UUID' }]);
  await tx.query('SELECT id FROM identities WHERE id = $1 FOR UPDATE', [id]);
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
  return new MusterError('MUSTER_ERR_CREDENTIAL_REFUSED', `PIV card refused: ${refusal.message}`, [{ field: refusal.rule, message: refusal.message }]);
}
