import { MusterError } from '../core/errors.ts';
import { currentProofing, currentSponsorship, type EvidenceRecord } from '../credentials/issuance-record-repository.ts';
import { recordProofing, recordSponsorship } from '../credentials/issuance-records.ts';
import { allHeldGrants } from '../operators/role-repository.ts';
import type { Muster } from './context.ts';

/** What the demo registrar saw: a passport (with photograph) and a birth certificate, in person. */
const DEMO_EVIDENCE: readonly EvidenceRecord[] = [
  { type: 'passport', issuer: 'U.S. Department of State', documentId: 'DEMO-P-0001', strength: 'superior', photo: true },
  { type: 'birth-certificate', issuer: 'demo state vital records', documentId: 'DEMO-BC-0001', strength: 'fair', photo: false },
];

/**
 * The sponsorship and IAL3 proofing a demo card rests on, made — when the person has none — by the demo's sponsor and
 * registrar operators (`muster demo` seeds them), each as itself: never by the applicant nor the issuer, never one person twice.
 */
export async function demoIssuanceRecords(muster: Muster, identityId: string, correlationId: string, issuerId?: string): Promise<void> {
  const deps = { store: muster.store, clock: muster.clock, audit: muster.audit };
  const grants = await allHeldGrants(muster.store);
  const holder = (role: string, not: readonly string[]) => grants.find((g) => g.role === role && !not.includes(g.identity_id))?.identity_id;
  const issuer = issuerId ?? '';
  const sponsor = holder('sponsor', [identityId, issuer]);
  const registrar = holder('registrar', [identityId, issuer, sponsor ?? '']);
  if (!sponsor || !registrar) {
    throw new MusterError('MUSTER_ERR_NOT_FOUND', 'a demo card needs a sponsor and a registrar operator other than the cardholder: run `muster demo` first', [
      { field: sponsor ? 'registrar' : 'sponsor', message: 'no operator holds the role' },
    ]);
  }
  const as = (id: string) => ({ operatorId: id, actor: `operator:${id}`, correlationId });
  if (!(await currentSponsorship(muster.store, identityId))) await recordSponsorship(deps, { identityId, reason: 'demo software card' }, as(sponsor));
  if (!(await currentProofing(muster.store, identityId))) {
    const proofedAt = new Date(muster.clock.now().getTime() - 60_000);
    await recordProofing(deps, { identityId, ial: 'IAL3', method: 'in-person', evidence: DEMO_EVIDENCE, proofedAt }, as(registrar));
  }
}
