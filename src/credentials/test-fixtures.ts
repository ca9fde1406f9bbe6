import { execFile } from 'node:child_process';
import { randomUUID, sign } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Harness } from '../../test/support/muster.ts';
import type { AuditWriter } from '../audit/writer.ts';
import type { Clock } from '../core/clock.ts';
import { createCaHierarchy, type CaHierarchy } from '../pki/ca.ts';
import { testOperator } from '../operators/test-operators.ts';
import type { Store } from '../store/store.ts';
import type { EvidenceRecord } from './issuance-record-repository.ts';
import { type RecordingOperator, recordProofing, recordSponsorship } from './issuance-records.ts';
import { revocationSnapshot } from './revocation.ts';
import { CREDENTIALS_TERMINATE_JOB } from './terminate.ts';
import type { CardDeps, PivCardRequest } from './types.ts';

const run = promisify(execFile);
export const URLS = { caIssuers: 'http://pki.demo.gov/ca.crt', ocsp: 'http://pki.demo.gov/ocsp', crl: 'http://pki.demo.gov/ca.crl' };
export const VETTING_HEADER = 'employee_id,eligibility,status,investigation_type,adjudication_date,continuous_vetting';
const YEAR_MS = 365 * 86_400_000;

/** An in-memory ECDSA P-256 root and issuing CA, valid from the harness clock. */
export function testCa(h: Harness): Promise<CaHierarchy> {
  return createCaHierarchy({ rootName: 'CN=Test Root,O=U.S. Government,C=US', issuingName: 'CN=Test PIV Issuing,O=U.S. Government,C=US', keyAlgorithm: 'ecdsa-p256' }, h.clock);
}

export function cardDeps(h: Harness, ca: CaHierarchy): CardDeps {
  return { store: h.store, clock: h.clock, audit: h.audit, ca: ca.issuing, urls: URLS, agencyCode: h.config.agency.code, agencyName: h.config.agency.name };
}

/** A P-256 key and CSR made by openssl in `dir`: the key PEM (to sign challenges) and the CSR PEM. */
export async function keyAndCsr(dir: string, name: string): Promise<{ key: string; csr: string }> {
  const csr = join(dir, `${name}.csr`);
  await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${csr}.key`, '-out', csr, '-subj', '/CN=applicant']);
  return { key: await readFile(`${csr}.key`, 'utf8'), csr: await readFile(csr, 'utf8') };
}

/** A PEM CSR for a fresh P-256 key, made by openssl. */
export async function opensslCsr(dir: string, name: string): Promise<string> {
  return (await keyAndCsr(dir, name)).csr;
}

/** The applicant's side of a binding ceremony: an ECDSA/SHA-256 signature (DER, base64) over the challenge's bytes. */
export function signChallenge(keyPem: string, challenge: string): string {
  return sign('sha256', Buffer.from(challenge, 'base64url'), { key: keyPem, dsaEncoding: 'der' }).toString('base64');
}

/** Two documents seen in person, one with a photograph: what FIPS 201-3 §2.7 asks of PIV identity proofing. */
export const PIV_EVIDENCE: readonly EvidenceRecord[] = [
  { type: 'passport', issuer: 'U.S. Department of State', documentId: 'P1234567', strength: 'superior', photo: true, expiresAt: '2031-01-01' },
  { type: 'birth-certificate', issuer: 'State of Virginia', documentId: 'BC-778899', strength: 'fair', photo: false },
];

/** Operators of the MUR (active people) holding `sponsor` and `registrar`, made once per harness. */
const ISSUANCE_STAFF = new WeakMap<Store, Promise<{ sponsor: RecordingOperator; registrar: RecordingOperator }>>();

/** What the issuance fixtures need: a harness or a started muster. */
type RecordsDeps = { readonly store: Store; readonly clock: Clock; readonly audit: AuditWriter };

export function issuanceStaff(h: RecordsDeps): Promise<{ sponsor: RecordingOperator; registrar: RecordingOperator }> {
  let staff = ISSUANCE_STAFF.get(h.store);
  if (!staff) {
    staff = (async () => {
      const sponsor = await testOperator(h, ['sponsor']);
      const registrar = await testOperator(h, ['registrar']);
      const of = (o: { identityId: string; actor: string; tokenId: string }): RecordingOperator => ({ operatorId: o.identityId, actor: o.actor, tokenId: o.tokenId, correlationId: randomUUID() });
      return { sponsor: of(sponsor), registrar: of(registrar) };
    })();
    ISSUANCE_STAFF.set(h.store, staff);
  }
  return staff;
}

/**
 * The records an issuance rests on, made by the harness's sponsor and registrar: a sponsorship and an IAL3 in-person
 * proofing. `ial` makes a weaker proofing; `sponsorship: false` leaves the sponsorship out.
 */
export async function issuanceRecordsFor(h: RecordsDeps, identityId: string, options: { ial?: string; sponsorship?: boolean } = {}): Promise<void> {
  const { sponsor, registrar } = await issuanceStaff(h);
  const deps = { store: h.store, clock: h.clock, audit: h.audit };
  if (options.sponsorship ?? true) await recordSponsorship(deps, { identityId, reason: 'new hire, needs LACS and PACS' }, sponsor);
  const proofedAt = new Date(h.clock.now().getTime() - 7_200_000);
  await recordProofing(deps, { identityId, ial: options.ial ?? 'IAL3', method: 'in-person', evidence: PIV_EVIDENCE, proofedAt }, registrar);
}

/** A request that meets every prerequisite, the identity's sponsorship and proofing recorded first; `over` breaks one. */
export async function cardRequest(h: Harness, identityId: string, over: Partial<PivCardRequest> = {}, options: { records?: boolean } = {}): Promise<PivCardRequest> {
  const now = h.clock.now();
  if (options.records ?? true) await issuanceRecordsFor(h, identityId);
  return {
    identityId,
    expiresAt: new Date(now.getTime() + 5 * YEAR_MS),
    pivAuthCsr: await opensslCsr(h.dir, `piv-${identityId}-${Math.random().toString(36).slice(2)}`),
    cardAuthCsr: await opensslCsr(h.dir, `card-${identityId}-${Math.random().toString(36).slice(2)}`),
    ...over,
  };
}

/** Runs `openssl verify` against the in-memory chain at the harness time; resolves with its output, never rejects. */
export async function opensslVerify(h: Harness, ca: CaHierarchy, leafPem: string, crlPem?: string): Promise<{ ok: boolean; output: string }> {
  const file = async (name: string, text: string) => {
    const path = join(h.dir, name);
    await writeFile(path, text);
    return path;
  };
  const root = await file('root.pem', ca.root.certificate.toString('pem'));
  const issuing = await file('issuing.pem', ca.issuing.certificate.toString('pem'));
  const leaf = await file(`leaf-${Math.random().toString(36).slice(2)}.pem`, leafPem);
  const at = String(Math.floor(h.clock.now().getTime() / 1000) + 60);
  const crl = crlPem ? ['-crl_check', '-CRLfile', await file('issuing.crl', crlPem)] : [];
  try {
    const { stdout, stderr } = await run('openssl', ['verify', '-attime', at, '-CAfile', root, '-untrusted', issuing, ...crl, leaf]);
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** The identity's latest `identity.leaver` event queued its `credentials.terminate` job through the outbox. */
export async function leaverTerminateJob(store: Store, identityId: string, _at: Date): Promise<void> {
  const event = await store.db.selectFrom('events').select('id').where('type', '=', 'identity.leaver').where('identity_id', '=', identityId).orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (!event) throw new Error(`no identity.leaver event for ${identityId}`);
  const job = await store.db.selectFrom('jobs').select('id').where('kind', '=', CREDENTIALS_TERMINATE_JOB).where('event_id', '=', event.id).executeTakeFirst();
  if (!job) throw new Error(`the outbox did not queue ${CREDENTIALS_TERMINATE_JOB} for event ${event.id}`);
}

/** What muster's status store (the source of OCSP answers and CRLs) says of a certificate: its status, or `revoked:<reason>`. */
export async function certificateStatusOf(store: Store, issuer: string, serial: string): Promise<string> {
  const status = (await revocationSnapshot(store, issuer)).statuses.get(serial);
  return status?.status === 'revoked' ? `revoked:${status.reason}` : String(status?.status);
}

/** A credential's status in the MUR. */
export async function credentialStatusOf(store: Store, id: string): Promise<string> {
  const row = await store.db.selectFrom('credentials').select('status').where('id', '=', id).executeTakeFirst();
  return String(row?.status);
}
