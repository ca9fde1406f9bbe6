import { MusterError } from '../../core/errors.ts';
import type { PivCardRequest } from '../../credentials/types.ts';
import type { EvidenceRecord } from '../../credentials/issuance-record-repository.ts';
import type { ProofingRequest } from '../../credentials/issuance-records.ts';

/** The issuance forms read into the requests the services take; a malformed field is refused naming it. */

type Field = (name: string) => string;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const STRENGTHS = ['fair', 'strong', 'superior'] as const;

function invalid(field: string, value: string, message: string): never {
  throw new MusterError('MUSTER_ERR_VALIDATION', `${field}: ${message}`, [{ field, value, message }]);
}

function dateOf(field: string, value: string): Date {
  const at = DATE.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) invalid(field, value, 'not a date (YYYY-MM-DD)');
  return at;
}

function evidenceOf(field: Field, n: number): EvidenceRecord | undefined {
  const text = (name: string) => field(`evidence${n}-${name}`).trim();
  const [type, issuer, documentId] = [text('type'), text('issuer'), text('number')];
  if (!type && !issuer && !documentId) return undefined;
  if (!type || !issuer || !documentId) invalid(`Document ${n}`, type, 'give its kind, who issued it and its number');
  const strength = text('strength');
  if (!(STRENGTHS as readonly string[]).includes(strength)) invalid(`Document ${n} strength`, strength, 'fair, strong or superior');
  return { type, issuer, documentId, strength: strength as EvidenceRecord['strength'], photo: text('photo') === 'yes' };
}

/** The proofing form: the day proofed is taken as now when it is today (a proofing is never in the future). */
export function proofingRequest(identityId: string, field: Field, now: Date): ProofingRequest {
  const method = field('method');
  if (method !== 'in-person' && method !== 'supervised-remote') invalid('How', method, 'in-person or supervised-remote');
  const day = dateOf('Proofed on', field('proofedOn').trim());
  const proofedAt = day.toISOString().slice(0, 10) === now.toISOString().slice(0, 10) ? now : day;
  const evidence = [evidenceOf(field, 1), evidenceOf(field, 2)].filter((e): e is EvidenceRecord => e !== undefined);
  if (evidence.length === 0) invalid('Document 1', '', 'name at least one document seen');
  return { identityId, ial: field('ial'), method, evidence, proofedAt };
}

/** The issuance form: the expiry day and the two key requests made on the card. */
export function cardRequest(identityId: string, field: Field): PivCardRequest {
  const pivAuthCsr = field('pivAuthCsr').trim();
  const cardAuthCsr = field('cardAuthCsr').trim();
  if (!pivAuthCsr) invalid('PIV Authentication key request', '', 'required');
  if (!cardAuthCsr) invalid('Card Authentication key request', '', 'required');
  return { identityId, expiresAt: dateOf('Card expiry', field('expires').trim()), pivAuthCsr, cardAuthCsr };
}
