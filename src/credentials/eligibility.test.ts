import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { hrCsv, hrLine, useHarness } from '../../test/support/muster.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { count, identityByKey, testWorker } from '../lifecycle/test-fixtures.ts';
import type { CaHierarchy } from '../pki/ca.ts';
import { CardService } from './card-service.ts';
import { lockIdentityCredentials, type CredentialRow } from './credential-repository.ts';
import { DerivedService } from './derived/bind.ts';
import { TestAuthenticator } from './derived/webauthn/test-authenticator.ts';
import { VETTING_HEADER, cardDeps, cardRequest, certificateStatusOf, credentialStatusOf, keyAndCsr, signChallenge, testCa } from './test-fixtures.ts';
import { applyTransition } from './transition.ts';
import type { IssuedPivCard } from './types.ts';

const by = { actor: 'operator:0ff1ce00-0000-4000-8000-000000000001', correlationId: 'corr-eligibility' };
const ORIGIN = 'http://localhost:8080';
const DAY_MS = 86_400_000;

interface Holder {
  id: string;
  card: IssuedPivCard;
  pki: { id: string; serial: string };
  alone: { id: string; serial: string };
  fido: string;
}

describeEachStore('eligibility drives credentials: withdrawn ends them, held suspends them, favorable restores what the hold took', (factory) => {
  const h = useHarness(factory, { import: { massChangeShare: 1 } });
  let ca: CaHierarchy;
  let cards: CardService;
  let derived: DerivedService;
  const people: Record<string, Holder> = {};

  const ocspStatus = (serial: string) => certificateStatusOf(h.store, ca.issuing.name, serial);
  const credentialStatus = (id: string) => credentialStatusOf(h.store, id);

  async function vetting(e1: string, e2: string): Promise<void> {
    const csv = [VETTING_HEADER, `E1,${e1},Tier 3,2025-11-01,true`, `E2,${e2},Tier 3,2025-11-01,true`].join('\n');
    const run = await h.imports.run({ source: 'vetting', file: await h.file(`vetting-${Math.random().toString(36).slice(2)}.csv`, `${csv}\n`), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
  }

  async function hr(lines: string[]): Promise<void> {
    const run = await h.imports.run({ source: 'hr', file: await h.file(`hr-${Math.random().toString(36).slice(2)}.csv`, hrCsv(lines)), actor: 'alice' });
    assert.equal(run.status, 'applied', JSON.stringify(run.errors));
  }

  async function runJobs(): Promise<void> {
    h.clock.advance(60_000);
    const result = await testWorker(h).runOnce();
    assert.equal(result.dead + result.retried, 0, JSON.stringify(result));
  }

  async function bindPki(identityId: string, card: IssuedPivCard, key: string): Promise<{ id: string; serial: string }> {
    const start = await derived.start(identityId, by);
    const device = await keyAndCsr(h.dir, `device-${Math.random().toString(36).slice(2)}`);
    const bound = await derived.bindPki(
      { identityId, challengeId: start.challengeId, pivCertificate: card.certificates[0]?.pem as string, signature: signChallenge(key, start.challenge), csr: device.csr },
      by,
    );
    return { id: bound.credentialId, serial: bound.reference };
  }

  async function holder(employee: string, aaguid: string): Promise<Holder> {
    const id = (await identityByKey(h.store, 'employee_id', employee)).id;
    const piv = await keyAndCsr(h.dir, `piv-${employee}`);
    const card = await cards.issue(await cardRequest(h, id, { pivAuthCsr: piv.csr }), by);
    await cards.activate(card.credentialId, by);
    const pki = await bindPki(id, card, piv.key);
    const alone = await bindPki(id, card, piv.key);
    const start = await derived.start(id, by);
    const registration = new TestAuthenticator(aaguid).register({ rpId: 'localhost', origin: ORIGIN, challenge: start.challenge });
    const fido = (
      await derived.bindFido2(
        { identityId: id, challengeId: start.challengeId, pivCertificate: card.certificates[0]?.pem as string, signature: signChallenge(piv.key, start.challenge), registration },
        by,
      )
    ).credentialId;
    await h.store.transaction(async (tx) => {
      const [row] = (await lockIdentityCredentials(tx, id, ['active'])).filter((r) => r.id === alone.id);
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
    return { id, card, pki, alone, fido };
  }

  before(async () => {
    ca = await testCa(h);
    const deps = cardDeps(h, ca);
    cards = new CardService(deps);
    const webauthn = { rpId: 'localhost', rpName: 'muster', origins: [ORIGIN], attestationRoots: [], requireTrustedAttestation: false, aal3Aaguids: [] };
    derived = new DerivedService({ ...deps, challengeSeconds: 300, recheckDays: 7, webauthn, keyAttestationRoots: [] });
    await hr([hrLine('E1'), hrLine('E2'), hrLine('E3')]);
    await vetting('favorable,current', 'interim,in_progress');
    people.E1 = await holder('E1', '11111111-2222-3333-4444-555555555555');
    people.E2 = await holder('E2', '66666666-2222-3333-4444-555555555555');
    await runJobs();
  });

  test('interim to pending holds every card and derived credential (certificateHold); favorable restores only what the hold took', async () => {
    const p = people.E2 as Holder;
    h.clock.advance(DAY_MS);
    await vetting('favorable,current', 'pending,in_progress');
    assert.equal(await count(h.store, `jobs WHERE kind = 'credentials.eligibility-hold' AND priority = 0 AND payload->>'identityId' = $1`, [p.id]), 1, 'an urgent job');
    await runJobs();
    for (const serial of [...p.card.certificates.map((c) => c.serial), p.pki.serial, p.alone.serial]) assert.equal(await ocspStatus(serial), 'revoked:certificateHold');
    for (const id of [p.card.credentialId, p.pki.id, p.fido, p.alone.id]) assert.equal(await credentialStatus(id), 'suspended');
    assert.equal(await count(h.store, `webauthn_credentials WHERE credential = $1 AND status = 'suspended'`, [p.fido]), 1);
    h.clock.advance(DAY_MS);
    await vetting('favorable,current', 'favorable,current');
    await runJobs();
    for (const serial of [...p.card.certificates.map((c) => c.serial), p.pki.serial]) assert.equal(await ocspStatus(serial), 'good');
    for (const id of [p.card.credentialId, p.pki.id, p.fido]) assert.equal(await credentialStatus(id), 'active');
    assert.equal(await count(h.store, `webauthn_credentials WHERE credential = $1 AND status = 'active'`, [p.fido]), 1);
    assert.equal(await credentialStatus(p.alone.id), 'suspended', 'suspended on its own before the hold: it stays suspended');
    assert.equal(await ocspStatus(p.alone.serial), 'revoked:certificateHold');
  });

  test('a hold and a leave overlap: neither the return nor a favorable determination alone brings the credentials back', async () => {
    const p = people.E2 as Holder;
    const live = [p.card.credentialId, p.pki.id, p.fido];
    h.clock.advance(DAY_MS);
    await hr([hrLine('E1'), hrLine('E2', { status: 'leave', leave_type: 'medical' }), hrLine('E3')]);
    await vetting('favorable,current', 'pending,in_progress');
    await runJobs();
    h.clock.advance(DAY_MS);
    await hr([hrLine('E1'), hrLine('E2'), hrLine('E3')]);
    await runJobs();
    for (const id of live) assert.equal(await credentialStatus(id), 'suspended', 'back from leave, but eligibility is still pending');
    h.clock.advance(DAY_MS);
    await hr([hrLine('E1'), hrLine('E2', { status: 'leave', leave_type: 'medical' }), hrLine('E3')]);
    await runJobs();
    await vetting('favorable,current', 'favorable,current');
    await runJobs();
    for (const id of live) assert.equal(await credentialStatus(id), 'suspended', 'eligibility favorable, but the holder is on leave');
    h.clock.advance(DAY_MS);
    await hr([hrLine('E1'), hrLine('E2'), hrLine('E3')]);
    await runJobs();
    for (const id of live) assert.equal(await credentialStatus(id), 'active');
    for (const serial of [...p.card.certificates.map((c) => c.serial), p.pki.serial]) assert.equal(await ocspStatus(serial), 'good');
    assert.equal(await credentialStatus(p.alone.id), 'suspended');
  });

  test('eligibility unfavorable ends every card and derived credential (privilegeWithdrawn) in urgent jobs, and ends the sessions', async () => {
    const p = people.E1 as Holder;
    h.clock.advance(DAY_MS);
    await vetting('unfavorable,revoked', 'favorable,current');
    const urgent = await h.store.query<{ kind: string }>(`SELECT kind FROM jobs WHERE priority = 0 AND status = 'pending' AND payload->>'identityId' = $1 ORDER BY kind`, [p.id]);
    assert.deepEqual(
      urgent.map((j) => j.kind),
      ['credentials.eligibility-withdraw', 'federation.sessions.end'],
    );
    await runJobs();
    for (const serial of [...p.card.certificates.map((c) => c.serial), p.pki.serial, p.alone.serial]) assert.equal(await ocspStatus(serial), 'revoked:privilegeWithdrawn');
    for (const id of [p.card.credentialId, p.pki.id, p.fido, p.alone.id]) assert.equal(await credentialStatus(id), 'terminated');
    assert.equal(await count(h.store, `webauthn_credentials WHERE credential = $1`, [p.fido]), 0);
    assert.equal(await count(h.store, `audit_log WHERE action = 'oidc.sessions.ended' AND target = $1`, [p.id]), 1);
    assert.equal(
      await count(h.store, `jobs WHERE kind = 'federation.signal' AND payload->>'identityId' = $1 AND payload->>'type' = 'credential.terminated'`, [p.id]),
      4,
      'relying parties are told of each',
    );
    h.clock.advance(DAY_MS);
    await vetting('favorable,current', 'favorable,current');
    await runJobs();
    assert.equal(await credentialStatus(p.card.credentialId), 'terminated', 'a favorable determination later does not bring an ended card back');
  });
});
