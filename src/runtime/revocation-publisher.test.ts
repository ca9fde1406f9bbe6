import assert from 'node:assert/strict';
import { before, after, test } from 'node:test';
import { hrCsv, hrLine, useHarness } from '../../test/support/muster.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { CardService } from '../credentials/card-service.ts';
import { VETTING_HEADER, cardDeps, cardRequest, testCa } from '../credentials/test-fixtures.ts';
import type { IssuedPivCard } from '../credentials/types.ts';
import { identityByKey } from '../lifecycle/test-fixtures.ts';
import { generateCaKey } from '../pki/keys.ts';
import { latestCrl } from '../pki/store/crl-store.ts';
import { issueResponder } from '../pki/store/responder.ts';
import { parseCrl } from '../pki/x509.ts';
import { OcspResponder } from '../protocols/ocsp/index.ts';
import type { CaHierarchy } from '../pki/ca.ts';
import { RevocationPublisher } from './revocation-publisher.ts';
import { read, requestFor } from '../protocols/ocsp/test-fixtures.ts';

const by = { actor: 'operator:0ff1ce00-0000-4000-8000-000000000001', correlationId: 'corr-publisher' };

describeEachStore('the revocation publisher keeps OCSP and the CRL in step with the store', (factory) => {
  const h = useHarness(factory);
  let ca: CaHierarchy;
  let cards: CardService;
  let card: IssuedPivCard;
  let responder: OcspResponder;
  let publisher: RevocationPublisher;

  /** What the responder now answers for a serial: good, revoked:<reason>, or unknown. */
  async function answer(serial: string): Promise<string> {
    const { certStatus, single } = read(await publisher.responder.respond(requestFor(ca.issuing, serial)));
    return certStatus === 'revoked' ? `revoked:${single?.certStatus.revoked?.revocationReason ?? '-'}` : String(certStatus);
  }

  async function crlSerials(): Promise<string[]> {
    const crl = await latestCrl(h.store, ca.issuing.name);
    return (parseCrl(crl?.der.slice() as Uint8Array).entries ?? []).map((e) => e.serialNumber.toLowerCase()).sort();
  }

  before(async () => {
    ca = await testCa(h);
    cards = new CardService(cardDeps(h, ca));
    await h.imports.run({ source: 'hr', file: await h.file('hr.csv', hrCsv([hrLine('E1')])), actor: 'alice' });
    await h.imports.run({ source: 'vetting', file: await h.file('v.csv', `${VETTING_HEADER}\nE1,favorable,current,Tier 3,2025-11-01,true\n`), actor: 'alice' });
    card = await cards.issue(await cardRequest(h, (await identityByKey(h.store, 'employee_id', 'E1')).id), by);
    await cards.activate(card.credentialId, by);
    responder = new OcspResponder({ issuer: ca.issuing, responder: await issueResponder(ca.issuing, await generateCaKey('ecdsa-p256'), h.clock), clock: h.clock, validityMinutes: 240 });
    publisher = new RevocationPublisher({ store: h.store, clock: h.clock, issuing: ca.issuing, responder, pollMs: 60_000, crlRefreshHours: 12, crlValidityHours: 24, ocspValidityMinutes: 240 });
    await publisher.start();
  });
  after(() => publisher.stop());

  test('on start: every certificate pre-signed good, and a first (empty) CRL', async () => {
    for (const c of card.certificates) assert.equal(await answer(c.serial), 'good');
    assert.equal((await latestCrl(h.store, ca.issuing.name))?.number, 1);
    assert.deepEqual(await crlSerials(), []);
  });

  test('a suspension: both answers say revoked (certificateHold) and a new CRL lists them; reinstatement takes them off', async () => {
    await cards.suspend(card.credentialId, by, 'reported missing');
    await publisher.sync();
    for (const c of card.certificates) assert.equal(await answer(c.serial), 'revoked:certificateHold');
    assert.deepEqual(await crlSerials(), card.certificates.map((c) => c.serial).sort());
    await cards.reinstate(card.credentialId, by, 'found');
    await publisher.sync();
    for (const c of card.certificates) assert.equal(await answer(c.serial), 'good');
    assert.deepEqual(await crlSerials(), []);
    assert.equal((await latestCrl(h.store, ca.issuing.name))?.number, 3);
  });

  test('nothing changed: no new CRL until the refresh interval has passed', async () => {
    await publisher.sync();
    assert.equal((await latestCrl(h.store, ca.issuing.name))?.number, 3);
    h.clock.advance(12 * 3_600_000);
    await publisher.sync();
    const latest = await latestCrl(h.store, ca.issuing.name);
    assert.equal(latest?.number, 4);
    assert.equal(latest?.nextUpdate.getTime(), h.clock.now().getTime() + 24 * 3_600_000);
  });

  test('a renewed responder takes over with every status already signed', async () => {
    await cards.suspend(card.credentialId, by, 'reported missing again');
    await publisher.sync();
    const renewed = new OcspResponder({ issuer: ca.issuing, responder: await issueResponder(ca.issuing, await generateCaKey('ecdsa-p256'), h.clock), clock: h.clock, validityMinutes: 240 });
    await publisher.replaceResponder(renewed);
    assert.equal(publisher.responder, renewed);
    for (const c of card.certificates) assert.equal(await answer(c.serial), 'revoked:certificateHold');
    await cards.reinstate(card.credentialId, by, 'found again');
    await publisher.sync();
    for (const c of card.certificates) assert.equal(await answer(c.serial), 'good');
  });

  test('past change 10, every suspension and reinstatement still reaches the CRL at once', async () => {
    const serials = card.certificates.map((c) => c.serial).sort();
    for (let round = 0; round < 4; round += 1) {
      await cards.suspend(card.credentialId, by, `missing, round ${round}`);
      await publisher.sync();
      assert.deepEqual(await crlSerials(), serials, `round ${round}: listed`);
      await cards.reinstate(card.credentialId, by, `found, round ${round}`);
      await publisher.sync();
      assert.deepEqual(await crlSerials(), [], `round ${round}: taken off`);
    }
    const [row] = await h.store.query<{ n: string }>('SELECT max(change_seq)::text AS n FROM certificates');
    assert.ok(Number(row?.n) > 10, 'the change sequence is past 10');
  });
});
