import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Store } from '../store/store.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { findCertificate, insertCertificate, issuerCertificates, issuerCertificatesChangedSince, serialCertifying } from './certificate-repository.ts';
import { holdCertificates, insertCredential, lockIdentityCredentials, revokeCertificates } from './credential-repository.ts';

const T = new Date('2026-03-01T12:00:00.000Z');
const LATER = new Date('2027-03-01T12:00:00.000Z');
const ISSUER = 'CN=Test PIV CA,O=U.S. Government,C=US';
const ids = { ada: '00000000-0000-4000-8000-000000000001', bob: '00000000-0000-4000-8000-000000000002' };
const cards = { ada: '00000000-0000-4000-8000-0000000000a1', bob: '00000000-0000-4000-8000-0000000000b1' };
/** A DER stand-in that holds a key's bytes verbatim, and bytes a text round trip would spoil. */
const KEY = Uint8Array.from([0x30, 0x00, 0xff, 0x5c, 0x27, 0x0a, 0x80]);
const der = (n: number) => Uint8Array.from([0x30, 0x82, n, 0x00, ...KEY, 0xfe]);

async function seed(store: Store): Promise<void> {
  for (const [name, id] of Object.entries(ids)) {
    await store.query(`INSERT INTO identities (id, kind, status, attributes, provenance, flags, last_updated, created_at, updated_at) VALUES ($1, 'person', 'active', '{}', '{}', '[]', $2, $2, $2)`, [
      id,
      T,
    ]);
    await insertCredential(store, {
      id: cards[name as keyof typeof cards],
      identity_id: id,
      type: 'piv-card',
      status: 'active',
      reference: `card-${name}`,
      details: { n: 1 },
      issued_at: T,
      expires_at: LATER,
    });
  }
  for (let n = 1; n <= 11; n += 1) {
    await insertCertificate(store, {
      serial: n.toString(16).padStart(2, '0'),
      issuer: ISSUER,
      identity_id: ids.ada,
      credential_id: cards.ada,
      profile: 'piv-auth',
      not_before: T,
      not_after: LATER,
      der: der(n),
    });
  }
}

describeEachStore('certificate and credential repositories', (factory) => {
  let store: Store;
  before(async () => {
    store = await factory.open();
    await seed(store);
  });
  after(async () => store.close());

  it('a certificate is stored and read back with its exact DER bytes and its dates', async () => {
    const c = await findCertificate(store, '0b');
    assert.deepEqual(new Uint8Array(c?.der ?? []), der(11));
    assert.equal(c?.credential_id, cards.ada);
    assert.equal(c?.not_after.toISOString(), LATER.toISOString());
    assert.equal(await findCertificate(store, 'ff'), undefined);
  });

  it("a key already certified is found for another identity, never for the key's own", async () => {
    assert.equal(await serialCertifying(store, KEY, ids.bob), '01');
    assert.equal(await serialCertifying(store, KEY, ids.ada), undefined);
    assert.equal(await serialCertifying(store, Uint8Array.from([0x01, 0x02, 0x03, 0x04]), ''), undefined);
  });

  it('status changes come in change_seq order as numbers (the tenth after the ninth), and revocations first in a snapshot', async () => {
    const all = await issuerCertificatesChangedSince(store, ISSUER, 0);
    assert.deepEqual(
      all.map((r) => r.serial),
      ['01', '02', '03', '04', '05', '06', '07', '08', '09', '0a', '0b'],
    );
    const seqs = all.map((r) => Number(r.change_seq));
    assert.deepEqual(
      seqs,
      [...seqs].sort((x, y) => x - y),
    );
    const revoked = await store.transaction((tx) => revokeCertificates(tx, [cards.ada], 'keyCompromise', T, ['0a']));
    assert.deepEqual(revoked, [{ serial: '0a', credential_id: cards.ada, profile: 'piv-auth' }]);
    const since = await issuerCertificatesChangedSince(store, ISSUER, seqs.at(-1) as number);
    assert.deepEqual(
      since.map((r) => [r.serial, r.status, r.reason]),
      [['0a', 'revoked', 'keyCompromise']],
    );
    assert.equal((await issuerCertificates(store, ISSUER))[0]?.serial, '0a');
  });

  it('no credential ids change nothing; an identity’s credentials are locked by status', async () => {
    assert.deepEqual(await store.transaction((tx) => holdCertificates(tx, [], T)), []);
    const active = await store.transaction((tx) => lockIdentityCredentials(tx, ids.bob, ['active']));
    assert.deepEqual(
      active.map((c) => [c.id, c.reference, c.details]),
      [[cards.bob, 'card-bob', { n: 1 }]],
    );
    assert.deepEqual(await store.transaction((tx) => lockIdentityCredentials(tx, ids.bob, ['terminated'])), []);
  });
});
