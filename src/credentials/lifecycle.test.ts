import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { hrCsv, hrLine, useHarness } from '../../test/support/muster.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { count, identityByKey, testWorker } from '../lifecycle/test-fixtures.ts';
import type { CaHierarchy } from '../pki/ca.ts';
import { CardService } from './card-service.ts';
import { DerivedService } from './derived/bind.ts';
import { type TestAttestationRoot, testAttestationRoot } from './derived/test-attestation.ts';
import { TestAuthenticator } from './derived/webauthn/test-authenticator.ts';
import { ExceptionService } from './exceptions.ts';
import { VETTING_HEADER, cardDeps, cardRequest, keyAndCsr, signChallenge, testCa } from './test-fixtures.ts';
import type { IssuedPivCard } from './types.ts';

const DAY_MS = 86_400_000;
const by = { actor: 'operator:0ff1ce00-0000-4000-8000-000000000001', correlationId: 'corr-test' };
const ORIGIN = 'http://localhost:8080';
const people = (e1 = 'active', leave = '') => hrCsv([hrLine('E1', { status: e1, leave_type: leave }), hrLine('E2'), hrLine('E3'), hrLine('E4')]);
const vetting = [VETTING_HEADER, 'E1,favorable,current,Tier 3,2025-11-01,true', 'E2,favorable,current,Tier 3,2025-11-01,true'].join('\n');

describeEachStore('credential lifecycle: card operations, Derived PIV binding, cascade, exceptions', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });
  let ca: CaHierarchy;
  let cards: CardService;
  let derived: DerivedService;
  let exceptions: ExceptionService;
  let attestation: TestAttestationRoot;
  const ids: Record<string, string> = {};
  let card: IssuedPivCard;
  let pivKey = '';
  let pivCsr = '';
  let otherCard: IssuedPivCard;
  let otherKey = '';

  async function certStatus(serial: string): Promise<string> {
    const [row] = await h.store.query<{ status: string; reason: string | null }>('SELECT status, reason FROM certificates WHERE serial = $1', [serial]);
    return `${row?.status}${row?.reason ? `:${row.reason}` : ''}`;
  }

  async function credentialStatus(id: string): Promise<string> {
    const [row] = await h.store.query<{ status: string }>('SELECT status FROM credentials WHERE id = $1', [id]);
    return String(row?.status);
  }

  async function importHr(name: string, csv: string): Promise<void> {
    const run = await h.imports.run({ source: 'hr', file: await h.file(name, csv), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
  }

  async function issueWithKey(identityId: string, name: string): Promise<{ card: IssuedPivCard; key: string }> {
    const piv = await keyAndCsr(h.dir, name);
    const issued = await cards.issue(await cardRequest(h, identityId, { pivAuthCsr: piv.csr }), by);
    await cards.activate(issued.credentialId, by);
    if (identityId === ids.E1) pivCsr = piv.csr;
    return { card: issued, key: piv.key };
  }

  async function bindPki(identityId: string, key: string, pem: string, hardwareBacked = false, attested = false) {
    const start = await derived.start(identityId, by);
    const device = await keyAndCsr(h.dir, `device-${Math.random().toString(36).slice(2)}`);
    const keyAttestation = attested ? await attestation.attest(device.csr) : undefined;
    const request = {
      identityId,
      challengeId: start.challengeId,
      pivCertificate: pem,
      signature: signChallenge(key, start.challenge),
      csr: device.csr,
      hardwareBacked,
      ...(keyAttestation ? { keyAttestation } : {}),
    };
    return { request, credential: await derived.bindPki(request, by) };
  }

  before(async () => {
    ca = await testCa(h);
    const deps = { ...cardDeps(h, ca), reviewDays: 7 };
    cards = new CardService(deps);
    const webauthn = { rpId: 'localhost', rpName: 'muster', origins: [ORIGIN], attestationRoots: [], requireTrustedAttestation: false, aal3Aaguids: [] };
    attestation = await testAttestationRoot(h.clock);
    derived = new DerivedService({ ...deps, challengeSeconds: 300, recheckDays: 7, webauthn, keyAttestationRoots: [attestation.rootPem] });
    exceptions = new ExceptionService({ store: h.store, clock: h.clock, audit: h.audit, maxDays: 30 });
    await importHr('hr0.csv', people());
    const trust = await h.imports.run({ source: 'vetting', file: await h.file('vetting.csv', `${vetting}\n`), actor: 'alice' });
    assert.equal(trust.status, 'applied', JSON.stringify(trust.errors));
    for (const key of ['E1', 'E2', 'E3']) ids[key] = (await identityByKey(h.store, 'employee_id', key)).id;
    ({ card, key: pivKey } = await issueWithKey(ids.E1 as string, 'e1-piv'));
    ({ card: otherCard, key: otherKey } = await issueWithKey(ids.E2 as string, 'e2-piv'));
  });

  test('a card is issued, then activated once; a second activation is refused for its state', async () => {
    assert.equal(await credentialStatus(card.credentialId), 'active');
    await assert.rejects(cards.activate(card.credentialId, by), (e: any) => e.code === 'MUSTER_ERR_CREDENTIAL_STATE' && /it is active/.test(e.message));
    assert.equal(await count(h.store, `events WHERE type = 'credential.activated'`), 2);
  });

  test('suspend puts both certificates on hold; reinstate releases them', async () => {
    await cards.suspend(card.credentialId, by, 'card left in a reader overnight');
    for (const c of card.certificates) assert.equal(await certStatus(c.serial), 'revoked:certificateHold');
    await assert.rejects(cards.suspend(card.credentialId, by, 'again'), (e: any) => e.code === 'MUSTER_ERR_CREDENTIAL_STATE');
    await cards.reinstate(card.credentialId, by, 'card found in the reader');
    for (const c of card.certificates) assert.equal(await certStatus(c.serial), 'good');
    assert.equal(await credentialStatus(card.credentialId), 'active');
    assert.equal(await count(h.store, `audit_log WHERE action IN ('certificate.held', 'certificate.released')`), 4);
  });

  test('a PKI Derived PIV credential: a bare hardware claim gets .40, said in the response and the audit; .41 needs a verified key attestation; a recheck is scheduled', async () => {
    const pem = card.certificates[0]?.pem as string;
    const claimed = await bindPki(ids.E1 as string, pivKey, pem, true);
    assert.deepEqual([claimed.credential.policy, claimed.credential.hardwareAttested], ['2.16.840.1.101.3.2.1.3.40', false]);
    assert.match(claimed.credential.notice ?? '', /hardware was claimed but not proven \(no key attestation was presented\)/);
    const [bound] = await h.store.query<{ data: Record<string, unknown> }>(`SELECT data FROM audit_log WHERE action = 'credential.bound' AND data->>'credential_id' = $1`, [
      claimed.credential.credentialId,
    ]);
    assert.deepEqual(
      [bound?.data.policy, bound?.data.hardware_claimed, bound?.data.hardware_attested, bound?.data.software_reason],
      ['2.16.840.1.101.3.2.1.3.40', true, false, 'no key attestation was presented'],
    );
    const claimedCert = new (await import('../pki/x509.ts')).X509Certificate(claimed.credential.certificatePem as string);
    assert.match(claimedCert.getExtension('2.5.29.32')?.toString('text') ?? '', /2\.16\.840\.1\.101\.3\.2\.1\.3\.40/);
    const hard = await bindPki(ids.E1 as string, pivKey, pem, true, true);
    assert.deepEqual([hard.credential.policy, hard.credential.hardwareAttested, hard.credential.notice], ['2.16.840.1.101.3.2.1.3.41', true, undefined]);
    const { X509Certificate } = await import('../pki/x509.ts');
    const issued = new X509Certificate(hard.credential.certificatePem as string);
    assert.equal(issued.subject, new X509Certificate(pem).subject, "the subject is the cardholder's, whatever the CSR asked for (CN=applicant)");
    assert.doesNotMatch(issued.subject, /applicant/);
    assert.equal(await certStatus(hard.credential.reference), 'good');
    const [job] = await h.store.query<{ run_after: Date }>(`SELECT run_after FROM jobs WHERE kind = 'credentials.derived-recheck' AND payload->>'credentialId' = $1`, [hard.credential.credentialId]);
    assert.equal(new Date(job?.run_after as Date).toISOString(), new Date(h.clock.now().getTime() + 7 * DAY_MS).toISOString());
    const [row] = await h.store.query<{ details: { piv_serial: string; piv_certificate: string } }>('SELECT details FROM credentials WHERE id = $1', [hard.credential.credentialId]);
    assert.equal(row?.details.piv_serial, card.certificates[0]?.serial);
    assert.ok((row?.details.piv_certificate.length ?? 0) > 200, 'a copy of the PIV Authentication certificate is kept');
  });

  test('a FIDO2 Derived PIV authenticator is bound in the same ceremony (AAL2 without trusted attestation)', async () => {
    const start = await derived.start(ids.E1 as string, by);
    const registration = new TestAuthenticator('11111111-2222-3333-4444-555555555555').register({ rpId: 'localhost', origin: ORIGIN, challenge: start.challenge });
    const bound = await derived.bindFido2(
      { identityId: ids.E1 as string, challengeId: start.challengeId, pivCertificate: card.certificates[0]?.pem as string, signature: signChallenge(pivKey, start.challenge), registration },
      by,
    );
    assert.deepEqual([bound.aaguid, bound.aal, bound.attestationFormat], ['11111111-2222-3333-4444-555555555555', 'AAL2', 'none']);
    assert.equal(await count(h.store, `webauthn_credentials WHERE identity_id = $1 AND status = 'active'`, [ids.E1]), 1);
  });

  test("binding refusals: replayed challenge, bad signature, another person's card, a Card Authentication certificate — each audited, nothing bound", async () => {
    const pem = card.certificates[0]?.pem as string;
    const before = await count(h.store, 'credentials');
    const { request } = await bindPki(ids.E1 as string, pivKey, pem);
    const bound = before + 1;
    await assert.rejects(derived.bindPki(request, by), (e: any) => e.code === 'MUSTER_ERR_DERIVED_BINDING' && /already used/.test(e.message));
    const fresh = async () => derived.start(ids.E1 as string, by);
    let s = await fresh();
    await assert.rejects(derived.bindPki({ ...request, challengeId: s.challengeId, signature: signChallenge(otherKey, s.challenge) }, by), (e: any) => e.details[0]?.field === 'signature');
    s = await fresh();
    await assert.rejects(
      derived.bindPki({ ...request, challengeId: s.challengeId, pivCertificate: otherCard.certificates[0]?.pem as string, signature: signChallenge(otherKey, s.challenge) }, by),
      (e: any) => /another identity/.test(e.message),
    );
    s = await fresh();
    await assert.rejects(
      derived.bindPki({ ...request, challengeId: s.challengeId, pivCertificate: card.certificates[1]?.pem as string, signature: signChallenge(pivKey, s.challenge) }, by),
      (e: any) => /not a PIV Authentication/.test(e.message),
    );
    s = await fresh();
    await assert.rejects(
      derived.bindPki({ ...request, challengeId: s.challengeId, pivCertificate: 'garbage', signature: signChallenge(pivKey, s.challenge) }, by),
      (e: any) => e.details[0]?.field === 'pivCertificate',
    );
    const foreignCa = await testCa(h);
    await exceptions.grant(
      {
        identityId: ids.E2 as string,
        kind: 'additional-card',
        reason: 'a card of another CA',
        compensatingControl: 'test only',
        requestedBy: 'sponsor.sam',
        approvedBy: 'security.sue',
        expiresAt: new Date(h.clock.now().getTime() + 30 * DAY_MS),
      },
      by,
    );
    const foreign = await new CardService({ ...cardDeps(h, foreignCa) }).issue(await cardRequest(h, ids.E2 as string, { pivAuthCsr: (await keyAndCsr(h.dir, 'foreign')).csr }), by);
    s = await fresh();
    await assert.rejects(
      derived.bindPki({ ...request, challengeId: s.challengeId, pivCertificate: foreign.certificates[0]?.pem as string, signature: signChallenge(pivKey, s.challenge) }, by),
      (e: any) => /foreign or forged/.test(e.message),
    );
    s = await fresh();
    await assert.rejects(derived.bindPki({ ...request, challengeId: s.challengeId, signature: signChallenge(pivKey, s.challenge), csr: 'not a csr' }, by), (e: any) => e.code === 'MUSTER_ERR_PKI_CSR');
    s = await fresh();
    const otherKeyAttestation = await attestation.attest((await keyAndCsr(h.dir, 'other-device')).csr);
    const unbound = (await keyAndCsr(h.dir, 'unbound-device')).csr;
    await assert.rejects(
      derived.bindPki({ ...request, challengeId: s.challengeId, signature: signChallenge(pivKey, s.challenge), csr: unbound, hardwareBacked: true, keyAttestation: otherKeyAttestation }, by),
      (e: any) => e.details[0]?.field === 'keyAttestation' && /another key/.test(e.message),
    );
    s = await fresh();
    const untrusted = await (await testAttestationRoot(h.clock, 'CN=Unknown Maker')).attest(unbound);
    await assert.rejects(
      derived.bindPki({ ...request, challengeId: s.challengeId, signature: signChallenge(pivKey, s.challenge), csr: unbound, hardwareBacked: true, keyAttestation: untrusted }, by),
      (e: any) => e.details[0]?.field === 'keyAttestation' && /attestation root/.test(e.message),
    );
    s = await fresh();
    await assert.rejects(
      derived.bindPki({ ...request, challengeId: s.challengeId, signature: signChallenge(pivKey, s.challenge), csr: pivCsr }, by),
      (e: any) => e.details[0]?.field === 'csr' && /already certified/.test(e.message),
    );
    assert.equal(await count(h.store, `credentials WHERE type LIKE 'derived%'`), bound - 2);
    assert.equal(await count(h.store, `audit_log WHERE action = 'derived.refused'`), 10);
  });

  test('each binding is notified to the address on record through the Maildir connector', async () => {
    const result = await testWorker(h).runOnce();
    assert.equal(result.dead + result.retried, 0, JSON.stringify(result));
    const files = await readdir(join(h.dir, 'mail', 'new'));
    assert.equal(files.length, 4);
    const message = await readFile(join(h.dir, 'mail', 'new', files[0] as string), 'utf8');
    assert.match(message, /^To: given1\.family1@demo\.gov\r$/m);
    assert.match(message, /Subject: A Derived PIV credential was bound/);
    assert.equal(await count(h.store, `audit_log WHERE action = 'notification.sent'`), 4);
  });

  test('leave suspends every credential (holds, authenticator disabled); the return restores them', async () => {
    h.clock.advance(DAY_MS);
    await importHr('hr-leave.csv', people('leave', 'medical'));
    await testWorker(h).runOnce();
    assert.equal(await count(h.store, `credentials WHERE identity_id = $1 AND status = 'suspended'`, [ids.E1]), 5);
    assert.equal(await count(h.store, `certificates WHERE identity_id = $1 AND reason = 'certificateHold'`, [ids.E1]), 5);
    assert.equal(await count(h.store, `webauthn_credentials WHERE identity_id = $1 AND status = 'suspended'`, [ids.E1]), 1);
    h.clock.advance(DAY_MS);
    await importHr('hr-return.csv', people());
    await testWorker(h).runOnce();
    assert.equal(await count(h.store, `credentials WHERE identity_id = $1 AND status = 'active'`, [ids.E1]), 5);
    assert.equal(await count(h.store, `certificates WHERE identity_id = $1 AND status = 'good'`, [ids.E1]), 5);
    assert.equal(await count(h.store, `webauthn_credentials WHERE identity_id = $1 AND status = 'active'`, [ids.E1]), 1);
  });

  test('a lost card is reissued: new FASC-N and UUID, old certificates revoked keyCompromise, recent derived flagged; the 7-day recheck ends them', async () => {
    const piv = await keyAndCsr(h.dir, 'e1-piv-2');
    const replacement = await cards.reissue(
      card.credentialId,
      { reason: 'lost', expiresAt: card.expiresAt, pivAuthCsr: piv.csr, cardAuthCsr: (await keyAndCsr(h.dir, 'e1-card-2')).csr, verifiedBy: 'registrar.rita' },
      by,
    );
    assert.notEqual(replacement.fascn, card.fascn);
    assert.notEqual(replacement.cardUuid, card.cardUuid);
    assert.equal(replacement.identityId, card.identityId);
    for (const c of card.certificates) assert.equal(await certStatus(c.serial), 'revoked:keyCompromise');
    assert.equal(await count(h.store, `events WHERE type = 'credential.review'`), 4);
    assert.equal(await count(h.store, `credentials WHERE identity_id = $1 AND status = 'active' AND type LIKE 'derived%'`, [ids.E1]), 4, 'derived credentials are kept');
    h.clock.advance(8 * DAY_MS);
    const result = await testWorker(h).runOnce();
    assert.equal(result.dead + result.retried, 0, JSON.stringify(result));
    assert.equal(await count(h.store, `credentials WHERE identity_id = $1 AND status = 'terminated' AND type LIKE 'derived%'`, [ids.E1]), 4);
    assert.equal(await count(h.store, `audit_log WHERE action = 'derived.rechecked' AND data->>'outcome' = 'terminated'`), 4);
    assert.equal(await count(h.store, `webauthn_credentials WHERE identity_id = $1`, [ids.E1]), 0);
  });

  test('exceptions: approver, reason, compensating control and a bounded expiry; it ends by itself', async () => {
    const base = {
      identityId: ids.E2 as string,
      kind: 'card-replacement',
      reason: 'card damaged, replacement ordered',
      compensatingControl: 'escorted access only',
      requestedBy: 'sponsor.sam',
      approvedBy: 'security.sue',
      expiresAt: new Date(h.clock.now().getTime() + 3 * DAY_MS),
    };
    await assert.rejects(exceptions.grant({ ...base, approvedBy: 'sponsor.sam' }, by), (e: any) => e.code === 'MUSTER_ERR_EXCEPTION' && e.details[0].field === 'approvedBy');
    await assert.rejects(exceptions.grant({ ...base, compensatingControl: ' ' }, by), (e: any) => e.details[0].field === 'compensatingControl');
    await assert.rejects(exceptions.grant({ ...base, expiresAt: new Date(h.clock.now().getTime() + 31 * DAY_MS) }, by), (e: any) => e.details[0].field === 'expiresAt');
    const granted = await exceptions.grant(base, by);
    const ofKind = async () => (await exceptions.list(ids.E2)).filter((e) => e.kind === 'card-replacement');
    assert.equal((await ofKind()).map((e) => e.status).join(), 'active');
    h.clock.advance(4 * DAY_MS);
    await testWorker(h).runOnce();
    const [row] = await ofKind();
    assert.deepEqual([row?.id, row?.status], [granted.id, 'expired']);
    assert.equal(await count(h.store, `audit_log WHERE action = 'exception.expired'`), 1);
  });

  test('a post-issuance update: a new PIV Authentication certificate on the same card, the old one superseded', async () => {
    const fresh = await keyAndCsr(h.dir, 'e2-piv-update');
    const [issued] = await cards.update(otherCard.credentialId, { pivAuthCsr: fresh.csr, reason: 'name change' }, by);
    assert.equal(issued?.profile, 'piv-auth');
    assert.equal(await certStatus(otherCard.certificates[0]?.serial as string), 'revoked:superseded');
    assert.equal(await certStatus(otherCard.certificates[1]?.serial as string), 'good', 'the Card Authentication certificate is untouched');
    const { X509Certificate } = await import('../pki/x509.ts');
    const cert = new X509Certificate(issued?.pem as string);
    assert.match(cert.getExtension('2.5.29.17')?.toString('text') ?? '', new RegExp(otherCard.cardUuid));
    await assert.rejects(cards.update(otherCard.credentialId, { reason: 'nothing' }, by), (e: any) => e.code === 'MUSTER_ERR_VALIDATION');
    const refusals = await count(h.store, `audit_log WHERE action = 'credential.refused' AND data->>'operation' = 'update'`);
    const cardKey = (await h.store.query<{ serial: string }>(`SELECT serial FROM certificates WHERE credential_id = $1 AND profile = 'card-auth'`, [otherCard.credentialId])).length;
    assert.equal(cardKey, 1);
    const e1Csr = (await keyAndCsr(h.dir, 'e2-piv-again')).csr;
    await cards.update(otherCard.credentialId, { pivAuthCsr: e1Csr, reason: 'key rollover' }, by);
    await assert.rejects(
      cards.update(otherCard.credentialId, { cardAuthCsr: e1Csr, reason: 'card key rollover' }, by),
      (e: any) => e.code === 'MUSTER_ERR_CREDENTIAL_REFUSED' && e.details[0]?.field === 'cardAuthCsr' && /same key/.test(e.message),
    );
    await assert.rejects(
      cards.update(otherCard.credentialId, { pivAuthCsr: pivCsr, reason: 'a key of another person' }, by),
      (e: any) => e.details[0]?.field === 'pivAuthCsr' && /another identity/.test(e.message),
    );
    assert.equal(await count(h.store, `audit_log WHERE action = 'credential.refused' AND data->>'operation' = 'update'`), refusals + 2);
  });

  test('a leaver: the new card and every remaining credential terminated', async () => {
    await importHr('hr-left.csv', people('terminated'));
    await testWorker(h).runOnce();
    assert.equal(await count(h.store, `credentials WHERE identity_id = $1 AND status <> 'terminated'`, [ids.E1]), 0);
    assert.equal(await count(h.store, `certificates WHERE identity_id = $1 AND status = 'good'`, [ids.E1]), 0);
  });
});
