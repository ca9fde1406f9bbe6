import { randomUUID } from 'node:crypto';
import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import { MusterError } from '../core/errors.ts';
import { issuanceSeparationRefusal, type SeparationRefusal } from '../core/operators/separation.ts';
import type { Store, Tx } from '../store/store.ts';
import { currentProofing, currentSponsorship, type EvidenceRecord, insertProofing, insertSponsorship, type ProofingRecord, type SponsorshipRecord } from './issuance-record-repository.ts';
import { lockIdentity } from './prerequisites.ts';

export interface IssuanceRecordDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditWriter;
}

/** The operator making a record through its own authenticated call. */
export interface RecordingOperator {
  /** The operator's identity id in the MUR. */
  readonly operatorId: string;
  /** `operator:<id>`, the audit actor. */
  readonly actor: string;
  readonly correlationId: string;
  /** The token the call came with, kept in the audit entry. */
  readonly tokenId?: string;
}

export interface SponsorshipRequest {
  readonly identityId: string;
  readonly reason: string;
}

export interface ProofingRequest {
  readonly identityId: string;
  readonly ial: string;
  readonly method: ProofingRecord['method'];
  readonly evidence: readonly EvidenceRecord[];
  readonly proofedAt: Date;
}

/** The audit action of a record or issuance refused for separation of duties. */
export const SEPARATION_REFUSED = 'separation_of_duties.refused';

/**
 * A sponsor vouches for an applicant (FIPS 201-3 §2.8): the operator calling is the sponsor. Refused, audited, when
 * the sponsor is the applicant or the registrar of the applicant's current proofing.
 */
export async function recordSponsorship(deps: IssuanceRecordDeps, request: SponsorshipRequest, by: RecordingOperator): Promise<SponsorshipRecord> {
  if (!request.reason?.trim()) throw new MusterError('MUSTER_ERR_VALIDATION', 'a sponsorship needs a reason', [{ field: 'reason', message: 'required' }]);
  const now = deps.clock.now();
  return record<SponsorshipRecord>(deps, by, 'sponsorship', request.identityId, async (tx) => {
    const proofing = await currentProofing(tx, request.identityId);
    const refusal = issuanceSeparationRefusal({ applicant: request.identityId, sponsor: by.operatorId, registrar: proofing?.registrarId });
    if (refusal) return { refusal };
    const sponsorship: SponsorshipRecord = { id: randomUUID(), identityId: request.identityId, sponsorId: by.operatorId, reason: request.reason.trim(), recordedAt: now };
    await insertSponsorship(tx, sponsorship);
    const data = { sponsorship_id: sponsorship.id, sponsor_id: by.operatorId, ...tokenData(by) };
    await deps.audit.append(tx, [{ actor: by.actor, action: 'identity.sponsored', target: request.identityId, reason: sponsorship.reason, data }], by.correlationId);
    return { made: sponsorship };
  });
}

/**
 * A registrar records the identity proofing of an applicant (NIST SP 800-63A, FIPS 201-3 §2.7): the operator calling
 * is the registrar. Refused, audited, when the registrar is the applicant or the applicant's current sponsor.
 */
export async function recordProofing(deps: IssuanceRecordDeps, request: ProofingRequest, by: RecordingOperator): Promise<ProofingRecord> {
  const now = deps.clock.now();
  checkProofing(request, now);
  return record<ProofingRecord>(deps, by, 'proofing', request.identityId, async (tx) => {
    const sponsorship = await currentSponsorship(tx, request.identityId);
    const refusal = issuanceSeparationRefusal({ applicant: request.identityId, sponsor: sponsorship?.sponsorId, registrar: by.operatorId });
    if (refusal) return { refusal };
    const proofing: ProofingRecord = {
      id: randomUUID(),
      identityId: request.identityId,
      registrarId: by.operatorId,
      ial: request.ial,
      method: request.method,
      evidence: request.evidence,
      proofedAt: request.proofedAt,
      recordedAt: now,
    };
    await insertProofing(tx, proofing);
    const data = {
      proofing_id: proofing.id,
      registrar_id: by.operatorId,
      ial: proofing.ial,
      method: proofing.method,
      proofed_at: proofing.proofedAt.toISOString(),
      evidence: proofing.evidence.map((e) => ({ type: e.type, issuer: e.issuer, strength: e.strength, photo: e.photo })),
      ...tokenData(by),
    };
    await deps.audit.append(tx, [{ actor: by.actor, action: 'identity.proofed', target: request.identityId, reason: `${proofing.ial} proofing, ${proofing.method}`, data }], by.correlationId);
    return { made: proofing };
  });
}

/** The refusal error of a broken separation-of-duties rule, naming the rule in its detail. */
export function separationError(refusal: SeparationRefusal, what: string): MusterError {
  return new MusterError('MUSTER_ERR_SEPARATION_OF_DUTIES', `${what} refused (${refusal.rule}): ${refusal.message}`, [{ field: refusal.rule, message: refusal.message }]);
}

type Outcome<T> = { made: T } | { refusal: SeparationRefusal };

async function record<T>(deps: IssuanceRecordDeps, by: RecordingOperator, what: string, identityId: string, write: (tx: Tx) => Promise<Outcome<T>>): Promise<T> {
  const outcome = await deps.store.transaction(async (tx) => {
    await lockIdentity(tx, identityId);
    return write(tx);
  });
  if ('made' in outcome) return outcome.made;
  const { refusal } = outcome;
  const draft = { actor: by.actor, action: SEPARATION_REFUSED, target: identityId, reason: refusal.message, data: { rule: refusal.rule, operation: what, ...tokenData(by) } };
  await deps.store.transaction((tx) => deps.audit.append(tx, [draft], by.correlationId));
  throw separationError(refusal, `the ${what}`);
}

function tokenData(by: RecordingOperator): Record<string, string> {
  return by.tokenId ? { token_id: by.tokenId } : {};
}

const IALS: ReadonlySet<string> = new Set(['IAL1', 'IAL2', 'IAL3']);
const METHODS: ReadonlySet<string> = new Set(['in-person', 'supervised-remote']);
const STRENGTHS: ReadonlySet<string> = new Set(['fair', 'strong', 'superior']);

function checkProofing(request: ProofingRequest, now: Date): void {
  const bad = (field: string, message: string, value?: string) =>
    new MusterError('MUSTER_ERR_VALIDATION', `proofing ${field} ${message}`, [{ field, message, ...(value === undefined ? {} : { value }) }]);
  if (!IALS.has(request.ial)) throw bad('ial', 'must be IAL1, IAL2 or IAL3', String(request.ial));
  if (!METHODS.has(request.method)) throw bad('method', 'must be in-person or supervised-remote', String(request.method));
  if (!(request.proofedAt instanceof Date) || Number.isNaN(request.proofedAt.getTime()) || request.proofedAt.getTime() > now.getTime()) throw bad('proofedAt', 'must be a date not in the future');
  if (!Array.isArray(request.evidence) || request.evidence.length === 0) throw bad('evidence', 'must list the evidence seen');
  request.evidence.forEach((e, i) => {
    for (const key of ['type', 'issuer', 'documentId'] as const) if (typeof e[key] !== 'string' || !e[key].trim()) throw bad(`evidence[${i}].${key}`, 'is required');
    if (!STRENGTHS.has(e.strength)) throw bad(`evidence[${i}].strength`, 'must be fair, strong or superior', String(e.strength));
  });
}
