import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { promisify } from 'node:util';
import { type Harness, hrCsv, hrLine, useHarness } from '../../test/support/muster.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { count, identityByKey, testWorker } from '../lifecycle/test-fixtures.ts';
import type { CaHierarchy } from '../pki/ca.ts';
import { createCrl, crlPem } from '../pki/crl.ts';
import { issuePivCard } from './cards.ts';
import { ExceptionService } from './exceptions.ts';
import { subjectNameRefusal } from './prerequisites.ts';
import { revocationSnapshot } from './revocation.ts';
import { VETTING_HEADER, cardDeps, cardRequest, issuanceRecordsFor, issuanceStaff, leaverTerminateJob, opensslVerify, testCa } from './test-fixtures.ts';
import type { IssuedPivCard, PivCardRequest } from './types.ts';

const YEAR_MS = 365 * 86_400_000;
/** The issuing operator's audit actor (the service checks who issues; the face checks the role). */
const ISSUER = 'operator:0ff1ce00-0000-4000-8000-000000000001';
const run = promisify(execFile);
const LONG_NAME = `${'Maximiliana '.repeat(6)}Featherstonehaugh`;
const people = (e1 = 'active') =>
  hrCsv([hrLine('E1', { status: e1 }), hrLine('E2'), hrLine('E3', { status: 'leave', leave_type: 'medical' }), hrLine('E4'), hrLine('E5'), hrLine('E6'), hrLine('E7', { full_name: LONG_NAME })]);
const vetting = [
  VETTING_HEADER,
  'E1,favorable,current,Tier 3,2025-11-01,true',
  'E2,unfavorable,current,Tier 3,2025-11-01,false',
  'E3,favorable,current,Tier 3,2025-11-01,true',
  'E5,pending,in_progress,Tier 3,,false',
  'E6,favorable,current,Tier 3,2025-11-01,true',
  'E7,favorable,current,Tier 3,2025-11-01,true',
].join('\n');

async function weakCsr(h: Harness, name: string, newkey: string[]): Promise<string> {
  const out = join(h.dir, `${name}-${Math.random().toString(36).slice(2)}.csr`);
  await run('openssl', ['req', '-new', ...newkey, '-nodes', '-keyout', `${out}.key`, '-out', out, '-subj', '/CN=applicant']);
  return readFile(out, 'utf8');
}

describeEachStore('PIV card issuance and the termination cascade', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });
  let ca: CaHierarchy;
  const ids: Record<string, string> = {};
  let card: IssuedPivCard;

  before(async () => {
    ca = await testCa(h);
    const hr = await h.imports.run({ source: 'hr', file: await h.file('hr0.csv', people()), actor: 'alice' });
    assert.equal(hr.status, 'applied', JSON.stringify(hr.errors));
    const trust = await h.imports.run({ source: 'vetting', file: await h.file('vetting.csv', `${vetting}\n`), actor: 'alice' });
    assert.equal(trust.status, 'applied', JSON.stringify(trust.errors));
    for (const key of ['E1', 'E2', 'E3', 'E4', 'E5', 'E6', 'E7']) ids[key] = (await identityByKey(h.store, 'employee_id', key)).id;
  });

  const refusals: [string, string, (h: Harness) => Promise<PivCardRequest>][] = [
    ['a person on leave', 'identity-status', (h) => cardRequest(h, ids.E3 as string)],
    ['unfavorable TRUST eligibility', 'trust-eligibility', (h) => cardRequest(h, ids.E2 as string)],
    ['pending TRUST eligibility', 'trust-eligibility', (h) => cardRequest(h, ids.E5 as string)],
    ['no TRUST record', 'trust-eligibility', (h) => cardRequest(h, ids.E4 as string)],
    [
      'IAL2 proofing',
      'proofing',
      async (h) => {
        const request = await cardRequest(h, ids.E1 as string);
        await issuanceRecordsFor(h, ids.E1 as string, { ial: 'IAL2' });
        return request;
      },
    ],
    [
      'no sponsorship recorded',
      'sponsor-approval',
      async (h) => {
        await issuanceRecordsFor(h, ids.E6 as string, { sponsorship: false });
        return cardRequest(h, ids.E6 as string, {}, { records: false });
      },
    ],
    ['an expiry over six years away', 'card-expiry', (h) => cardRequest(h, ids.E1 as string, { expiresAt: new Date(h.clock.now().getTime() + 6 * YEAR_MS + 3 * 86_400_000) })],
  ];

  for (const [what, rule, make] of refusals) {
    test(`refuses a card for ${what} (${rule}) and audits the refusal`, async () => {
      const request = await make(h);
      const before = await count(h.store, `audit_log WHERE action = 'credential.refused'`);
      await assert.rejects(issuePivCard(cardDeps(h, ca), request, ISSUER, 'corr-refused'), (e: any) => e.code === 'MUSTER_ERR_CREDENTIAL_REFUSED' && e.details[0]?.field === rule);
      const [entry] = await h.store.query<{ actor: string; target: string; data: { rule: string } }>(
        `SELECT actor, target, data FROM audit_log WHERE action = 'credential.refused' ORDER BY seq DESC LIMIT 1`,
      );
      assert.equal(await count(h.store, `audit_log WHERE action = 'credential.refused'`), before + 1);
      assert.deepEqual([entry?.actor, entry?.target, entry?.data.rule], [ISSUER, request.identityId, rule]);
      assert.equal(await count(h.store, 'credentials'), 0);
      assert.equal(await count(h.store, 'certificates'), 0);
    });
  }

  /** A refusal naming the request field (or attribute) it is about, with its own code, audited as credential.refused. */
  async function refusedNaming(request: PivCardRequest, code: string, rule: string, field: string, message: RegExp, issuer = ISSUER): Promise<void> {
    const before = await count(h.store, `audit_log WHERE action = 'credential.refused'`);
    const cards = await count(h.store, 'credentials');
    await assert.rejects(issuePivCard(cardDeps(h, ca), request, issuer, 'corr-refused'), (e: any) => e.code === code && e.details[0]?.field === field && message.test(e.message));
    const [entry] = await h.store.query<{ target: string; data: { rule: string; field: string } }>(`SELECT target, data FROM audit_log WHERE action = 'credential.refused' ORDER BY seq DESC LIMIT 1`);
    assert.equal(await count(h.store, `audit_log WHERE action = 'credential.refused'`), before + 1);
    assert.deepEqual([entry?.target, entry?.data.rule, entry?.data.field], [request.identityId, rule, field]);
    assert.equal(await count(h.store, 'credentials'), cards, 'nothing was issued');
  }

  test('refuses a card issued by an actor that is not an operator: no system actor skips the issuer check (issuer-is-operator)', async () => {
    await refusedNaming(await cardRequest(h, ids.E1 as string), 'MUSTER_ERR_SEPARATION_OF_DUTIES', 'separation-of-duties', 'issuer-is-operator', /cli:root is not an operator/, 'cli:root');
  });

  test('refuses the same key for PIV Authentication and Card Authentication, naming cardAuthCsr', async () => {
    const request = await cardRequest(h, ids.E1 as string);
    await refusedNaming({ ...request, cardAuthCsr: request.pivAuthCsr }, 'MUSTER_ERR_CREDENTIAL_REFUSED', 'key-reuse', 'cardAuthCsr', /same key/);
  });

  test('refuses an RSA exponent of 3 and a SHA-1 CSR, naming the CSR field', async () => {
    await refusedNaming(
      await cardRequest(h, ids.E1 as string, { pivAuthCsr: await weakCsr(h, 'e3', ['-newkey', 'rsa:2048', '-pkeyopt', 'rsa_keygen_pubexp:3']) }),
      'MUSTER_ERR_PKI_CSR',
      'csr',
      'pivAuthCsr',
      /exponent 3/,
    );
    await refusedNaming(
      await cardRequest(h, ids.E1 as string, { cardAuthCsr: await weakCsr(h, 'sha1', ['-sha1', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']) }),
      'MUSTER_ERR_PKI_CSR',
      'csr',
      'cardAuthCsr',
      /SHA-1/,
    );
  });

  test('refuses a cardholder name longer than 64 characters (X.520 ub-common-name), naming full_name', async () => {
    await refusedNaming(await cardRequest(h, ids.E7 as string), 'MUSTER_ERR_CREDENTIAL_REFUSED', 'subject-name', 'full_name', /64 characters/);
  });

  test('refuses an RSA-2048 key for certificates that would end after 2030-12-31 (FPKI CP §6.1.5), naming the CSR field', async () => {
    const today = h.clock.now();
    h.clock.set('2028-06-01T12:00:00Z');
    try {
      const rsa2048 = await weakCsr(h, 'rsa2048', ['-newkey', 'rsa:2048']);
      await refusedNaming(await cardRequest(h, ids.E1 as string, { cardAuthCsr: rsa2048 }), 'MUSTER_ERR_PKI_CSR', 'csr', 'cardAuthCsr', /2030-12-31.*3072/);
    } finally {
      h.clock.set(today);
    }
  });

  test('a name with control characters cannot become a certificate subject', () => {
    const identity = (full_name: string) => ({ id: 'x', attributes: { full_name: { v: full_name } } }) as any;
    assert.match(subjectNameRefusal(identity('Jane\u0000Doe'))?.message ?? '', /control character/);
    assert.equal(subjectNameRefusal(identity('Jane\nDoe'))?.field, 'full_name');
    assert.equal(subjectNameRefusal(identity('Jane\u0085Doe'))?.rule, 'subject-name');
    assert.equal(subjectNameRefusal(identity("Zoë O'Brien-Nuñez")), null);
  });

  let e1Request: PivCardRequest;

  test('issues a card with PIV Auth and Card Auth certificates that chain to the root', async () => {
    const request = await cardRequest(h, ids.E1 as string);
    e1Request = request;
    card = await issuePivCard(cardDeps(h, ca), request, ISSUER, 'corr-issue');
    assert.equal(card.credentialNumber, '000001');
    assert.deepEqual(
      card.certificates.map((c) => c.profile),
      ['piv-auth', 'card-auth'],
    );
    for (const c of card.certificates) {
      assert.ok(c.notAfter.getTime() <= request.expiresAt.getTime());
      const verified = await opensslVerify(h, ca, c.pem);
      assert.ok(verified.ok, verified.output);
    }
    const before = await revocationSnapshot(h.store, ca.issuing.name);
    assert.deepEqual([before.revoked.length, before.statuses.get(card.certificates[0]?.serial as string)?.status], [0, 'good']);
    const clean = crlPem(await createCrl({ ca: ca.issuing, clock: h.clock, crlNumber: 1, revoked: before.revoked }));
    const checked = await opensslVerify(h, ca, card.certificates[0]?.pem as string, clean);
    assert.ok(checked.ok, checked.output);
    const [row] = await h.store.query<{ type: string; status: string; reference: string; details: Record<string, unknown> }>('SELECT type, status, reference, details FROM credentials WHERE id = $1', [
      card.credentialId,
    ]);
    assert.deepEqual([row?.type, row?.status, row?.reference], ['piv_card', 'issued', card.cardUuid]);
    assert.deepEqual([row?.details.fascn, row?.details.agency_code, row?.details.system_code, row?.details.credential_number], [card.fascn, '9700', '0001', '000001']);
    assert.equal(await count(h.store, `certificates WHERE credential_id = $1 AND status = 'good'`, [card.credentialId]), 2);
    assert.equal(await count(h.store, `events WHERE type = 'credential.issued' AND identity_id = $1`, [ids.E1]), 1);
    const audits = await h.store.query<{ action: string; reason: string; data: { approved_by?: string; approved_at?: string; sponsor_approval?: { approved_by: string } } }>(
      `SELECT action, reason, data FROM audit_log WHERE correlation_id = 'corr-issue' ORDER BY seq`,
    );
    assert.deepEqual(
      audits.map((a) => a.action),
      ['credential.issued', 'certificate.issued', 'certificate.issued'],
    );
    const { sponsor } = await issuanceStaff(h);
    assert.match(audits[0]?.reason ?? '', new RegExp(`approved by ${sponsor.actor} at 2026-03-02T09:00:00\\.000Z`));
    assert.equal(audits[0]?.data.sponsor_approval?.approved_by, sponsor.actor);
    assert.equal(audits[1]?.data.approved_at, '2026-03-02T09:00:00.000Z');
  });

  test('a leaver: every credential terminated, every certificate revoked, and the CRL says so', async () => {
    h.clock.advance(86_400_000);
    const hr = await h.imports.run({ source: 'hr', file: await h.file('hr1.csv', people('terminated')), actor: 'alice' });
    assert.equal(hr.status, 'applied', JSON.stringify(hr.errors));
    await leaverTerminateJob(h.store, ids.E1 as string, h.clock.now());
    assert.equal(await count(h.store, `jobs WHERE kind = 'credentials.terminate' AND status = 'pending'`), 1);
    const result = await testWorker(h).runOnce();
    assert.equal(result.dead + result.retried, 0, JSON.stringify(result));
    const certs = await h.store.query<{ status: string; reason: string; revoked_at: Date }>('SELECT status, reason, revoked_at FROM certificates WHERE identity_id = $1', [ids.E1]);
    assert.equal(certs.length, 2);
    for (const c of certs) assert.deepEqual([c.status, c.reason, new Date(c.revoked_at).toISOString()], ['revoked', 'affiliationChanged', h.clock.now().toISOString()]);
    assert.equal(await count(h.store, `credentials WHERE identity_id = $1 AND status = 'terminated'`, [ids.E1]), 1);
    assert.equal(await count(h.store, `events WHERE type = 'credential.terminated'`), 1);
    assert.equal(await count(h.store, `audit_log WHERE actor = 'muster:credentials' AND action IN ('credential.terminated', 'certificate.revoked')`), 3);

    const snapshot = await revocationSnapshot(h.store, ca.issuing.name);
    assert.deepEqual(snapshot.revoked.map((r) => r.serial).sort(), card.certificates.map((c) => c.serial).sort());
    for (const c of card.certificates) assert.equal(snapshot.statuses.get(c.serial)?.status, 'revoked');
    const crl = crlPem(await createCrl({ ca: ca.issuing, clock: h.clock, crlNumber: 2, revoked: snapshot.revoked }));
    for (const c of card.certificates) {
      const verified = await opensslVerify(h, ca, c.pem, crl);
      assert.equal(verified.ok, false);
      assert.match(verified.output, /certificate revoked/);
    }
  });

  test('running the termination again changes nothing', async () => {
    while ((await testWorker(h).runOnce()).claimed > 0); // the jobs the termination's own events queued (shared signals)
    const before = { events: await count(h.store, 'events'), audit: await count(h.store, 'audit_log') };
    await h.store.query(`UPDATE jobs SET status = 'pending', attempts = 0 WHERE kind = 'credentials.terminate'`);
    const result = await testWorker(h).runOnce();
    assert.equal(result.done, 1, JSON.stringify(result));
    assert.equal(await count(h.store, 'events'), before.events);
    assert.equal(await count(h.store, `audit_log WHERE actor = 'muster:credentials'`), 3);
    assert.ok((await count(h.store, 'audit_log')) >= before.audit);
  });

  test("refuses a key already bound to another person's certificate, naming the field", async () => {
    await refusedNaming(await cardRequest(h, ids.E6 as string, { pivAuthCsr: e1Request.pivAuthCsr }), 'MUSTER_ERR_CREDENTIAL_REFUSED', 'key-reuse', 'pivAuthCsr', /another identity/);
    await refusedNaming(await cardRequest(h, ids.E6 as string, { cardAuthCsr: e1Request.cardAuthCsr }), 'MUSTER_ERR_CREDENTIAL_REFUSED', 'key-reuse', 'cardAuthCsr', /another identity/);
  });

  test('one live card per person: another needs an active exception, which the card uses up and ends with', async () => {
    const deps = cardDeps(h, ca);
    const first = await issuePivCard(deps, await cardRequest(h, ids.E6 as string), ISSUER, 'corr-e6-1');
    await refusedNaming(await cardRequest(h, ids.E6 as string), 'MUSTER_ERR_CREDENTIAL_REFUSED', 'one-card', 'identityId', /already holds a live PIV card/);
    const exceptions = new ExceptionService({ store: h.store, clock: h.clock, audit: h.audit, maxDays: 30 });
    const granted = await exceptions.grant(
      {
        identityId: ids.E6 as string,
        kind: 'additional-card',
        reason: 'second card for a secure facility',
        compensatingControl: 'card kept on site',
        requestedBy: 'sponsor.sam',
        approvedBy: 'security.sue',
        expiresAt: new Date(h.clock.now().getTime() + 10 * 86_400_000),
      },
      { actor: ISSUER, correlationId: 'corr-e6-x' },
    );
    const second = await issuePivCard(deps, await cardRequest(h, ids.E6 as string), ISSUER, 'corr-e6-2');
    const [used] = await exceptions.list(ids.E6 as string);
    assert.deepEqual([used?.id, used?.credentialId], [granted.id, second.credentialId], 'the exception now covers the extra card');
    const [issued] = await h.store.query<{ data: { exception_id?: string } }>(`SELECT data FROM audit_log WHERE action = 'credential.issued' AND correlation_id = 'corr-e6-2'`);
    assert.equal(issued?.data.exception_id, granted.id);
    await refusedNaming(await cardRequest(h, ids.E6 as string), 'MUSTER_ERR_CREDENTIAL_REFUSED', 'one-card', 'identityId', /already holds 2 live PIV cards/);
    await exceptions.end(granted.id, 'the facility card is no longer needed', { actor: ISSUER, correlationId: 'corr-e6-end' });
    const statuses = await h.store.query<{ id: string; status: string }>(`SELECT id::text AS id, status FROM credentials WHERE identity_id = $1`, [ids.E6]);
    assert.deepEqual(Object.fromEntries(statuses.map((r) => [r.id, r.status])), { [first.credentialId]: 'issued', [second.credentialId]: 'terminated' });
  });
});
