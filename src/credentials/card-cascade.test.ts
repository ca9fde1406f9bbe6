import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { hrCsv, hrLine, useHarness } from '../../test/support/muster.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { count, identityByKey } from '../lifecycle/test-fixtures.ts';
import type { CaHierarchy } from '../pki/ca.ts';
import { CardService } from './card-service.ts';
import { DerivedService } from './derived/bind.ts';
import { TestAuthenticator } from './derived/webauthn/test-authenticator.ts';
import { lockIdentityCredentials, type CredentialRow } from './credential-repository.ts';
import { VETTING_HEADER, cardDeps, cardRequest, certificateStatusOf, credentialStatusOf, keyAndCsr, signChallenge, testCa } from './test-fixtures.ts';
import { applyTransition } from './transition.ts';
import type { IssuedPivCard } from './types.ts';

const by = { actor: 'operator:0ff1ce00-0000-4000-8000-000000000001', correlationId: 'corr-cascade' };
const ORIGIN = 'http://localhost:8080';
const vetting = [VETTING_HEADER, 'E1,favorable,current,Tier 3,2025-11-01,true'].join('\n');

describeEachStore('a card reaches its Derived PIV credentials: suspension holds them, withdrawal ends them, loss flags them', (factory) => {
  const h = useHarness(factory);
  let ca: CaHierarchy;
  let cards: CardService;
  let derived: DerivedService;
  let identityId = '';

  const ocspStatus = (serial: string) => certificateStatusOf(h.store, ca.issuing.name, serial);
  const credentialStatus = (id: string) => credentialStatusOf(h.store, id);

  async function issueCard(name: string): Promise<{ card: IssuedPivCard; key: string }> {
    const piv = await keyAndCsr(h.dir, name);
    const card = await cards.issue(await cardRequest(h, identityId, { pivAuthCsr: piv.csr }), by);
    await cards.activate(card.credentialId, by);
    return { card, key: piv.key };
  }

  async function bindPki(card: IssuedPivCard, key: string): Promise<{ id: string; serial: string }> {
    const start = await derived.start(identityId, by);
    const device = await keyAndCsr(h.dir, `device-${Math.random().toString(36).slice(2)}`);
    const request = { identityId, challengeId: start.challengeId, pivCertificate: card.certificates[0]?.pem as string, signature: signChallenge(key, start.challenge), csr: device.csr };
    const bound = await derived.bindPki(request, by);
    return { id: bound.credentialId, serial: bound.reference };
  }

  async function bindFido2(card: IssuedPivCard, key: string, aaguid: string): Promise<string> {
    const start = await derived.start(identityId, by);
    const registration = new TestAuthenticator(aaguid).register({ rpId: 'localhost', origin: ORIGIN, challenge: start.challenge });
    const bound = await derived.bindFido2(
      { identityId, challengeId: start.challengeId, pivCertificate: card.certificates[0]?.pem as string, signature: signChallenge(key, start.challenge), registration },
      by,
    );
    return bound.credentialId;
  }

  /** A derived credential suspended by an officer, not by its card. */
  async function suspendOnItsOwn(id: string): Promise<void> {
    await h.store.transaction(async (tx) => {
      const [row] = await lockIdentityCredentials(tx, identityId, ['active']).then((rows) => rows.filter((r) => r.id === id));
      const changes = await applyTransition(tx, {
        operation: 'suspend',
        credentials: [row as CredentialRow],
        actor: by.actor,
        why: 'device reported missing',
        details: { suspended_by: by.actor },
        now: h.clock.now(),
      });
      await changes.commit(tx, { now: h.clock.now(), correlationId: by.correlationId, audit: h.audit });
    });
  }

  before(async () => {
    ca = await testCa(h);
    const deps = { ...cardDeps(h, ca), reviewDays: 7 };
    cards = new CardService(deps);
    const webauthn = { rpId: 'localhost', rpName: 'muster', origins: [ORIGIN], attestationRoots: [], requireTrustedAttestation: false, aal3Aaguids: [] };
    derived = new DerivedService({ ...deps, challengeSeconds: 300, recheckDays: 7, webauthn, keyAttestationRoots: [] });
    assert.equal((await h.imports.run({ source: 'hr', file: await h.file('hr.csv', hrCsv([hrLine('E1')])), actor: 'alice' })).status, 'applied');
    assert.equal((await h.imports.run({ source: 'vetting', file: await h.file('vetting.csv', `${vetting}\n`), actor: 'alice' })).status, 'applied');
    identityId = (await identityByKey(h.store, 'employee_id', 'E1')).id;
  });

  test('a suspended card holds its derived credentials; reinstated, it releases only those it held', async () => {
    const { card, key } = await issueCard('suspend-piv');
    const kept = await bindPki(card, key);
    const alone = await bindPki(card, key);
    const fido = await bindFido2(card, key, '11111111-2222-3333-4444-555555555555');
    await suspendOnItsOwn(alone.id);
    await cards.suspend(card.credentialId, by, 'card left in a reader overnight');
    assert.equal(await credentialStatus(kept.id), 'suspended');
    assert.equal(await ocspStatus(kept.serial), 'revoked:certificateHold');
    assert.equal(await credentialStatus(fido), 'suspended');
    assert.equal(await count(h.store, `webauthn_credentials WHERE credential = $1 AND status = 'suspended'`, [fido]), 1);
    await cards.reinstate(card.credentialId, by, 'card found in the reader');
    assert.equal(await credentialStatus(kept.id), 'active');
    assert.equal(await ocspStatus(kept.serial), 'good');
    assert.equal(await count(h.store, `webauthn_credentials WHERE credential = $1 AND status = 'active'`, [fido]), 1);
    assert.equal(await credentialStatus(alone.id), 'suspended', 'suspended on its own before: the card does not release it');
    assert.equal(await ocspStatus(alone.serial), 'revoked:certificateHold');
    await cards.terminate(card.credentialId, 'superseded', by);
  });

  test('a lost card leaves its derived credentials active and good, flagged for review', async () => {
    const { card, key } = await issueCard('lost-piv');
    const pki = await bindPki(card, key);
    await cards.terminate(card.credentialId, 'lost', by);
    assert.equal(await credentialStatus(pki.id), 'active');
    assert.equal(await ocspStatus(pki.serial), 'good');
    const [row] = await h.store.query<{ details: { review?: { reason: string; card: string } } }>('SELECT details FROM credentials WHERE id = $1', [pki.id]);
    assert.deepEqual([row?.details.review?.reason, row?.details.review?.card], ['lost', card.credentialId]);
    await h.store.transaction(async (tx) => {
      const live = await lockIdentityCredentials(tx, identityId, ['active', 'suspended']);
      const changes = await applyTransition(tx, { operation: 'terminate', credentials: live, actor: by.actor, why: 'clean slate', now: h.clock.now() });
      await changes.commit(tx, { now: h.clock.now(), correlationId: by.correlationId, audit: h.audit });
    });
  });

  test('a card withdrawn ends its derived credentials: certificates revoked with its reason, authenticators removed', async () => {
    const { card, key } = await issueCard('withdrawn-piv');
    const pki = await bindPki(card, key);
    const held = await bindPki(card, key);
    const fido = await bindFido2(card, key, '66666666-2222-3333-4444-555555555555');
    await suspendOnItsOwn(held.id);
    await cards.terminate(card.credentialId, 'withdrawn', by);
    for (const d of [pki, held]) {
      assert.equal(await credentialStatus(d.id), 'terminated');
      assert.equal(await ocspStatus(d.serial), 'revoked:privilegeWithdrawn');
    }
    assert.equal(await credentialStatus(fido), 'terminated');
    assert.equal(await count(h.store, `webauthn_credentials WHERE credential = $1`, [fido]), 0);
    assert.equal(await count(h.store, `audit_log WHERE action = 'credential.terminated' AND data->>'card_credential_id' = $1`, [card.credentialId]), 3);
  });

  test('with credentials.cascadeToDerived off, a card suspended or withdrawn leaves its derived credentials alone', async () => {
    const own = new CardService({ ...cardDeps(h, ca), cascadeToDerived: false });
    const { card, key } = await issueCard('off-piv');
    const pki = await bindPki(card, key);
    await own.suspend(card.credentialId, by, 'card left in a reader');
    assert.equal(await credentialStatus(pki.id), 'active');
    await own.reinstate(card.credentialId, by, 'card found');
    await own.terminate(card.credentialId, 'withdrawn', by);
    assert.equal(await credentialStatus(pki.id), 'active');
    assert.equal(await ocspStatus(pki.serial), 'good');
  });
});
