import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { describeEachStore } from '../../test/support/stores.ts';
import type { Store } from '../store/store.ts';
import { statusChangesSince } from './revocation.ts';

const ISSUER = 'CN=Order Test Issuing CA,O=U.S. Government,C=US';
const AT = new Date('2026-03-02T09:00:00Z');

/** Twelve certificates of one credential, so that change_seq runs past 9 (text order would put 10 before 9). */
async function seedCertificates(store: Store, count: number): Promise<void> {
  const identity = randomUUID();
  const credential = randomUUID();
  await store.query('INSERT INTO identities (id, kind, status, last_updated, created_at, updated_at) VALUES ($1, $2, $3, $4, $4, $4)', [identity, 'person', 'active', AT]);
  await store.query('INSERT INTO credentials (id, identity_id, type, status, updated_at) VALUES ($1, $2, $3, $4, $5)', [credential, identity, 'piv_card', 'active', AT]);
  for (let i = 0; i < count; i += 1) {
    await store.query(`INSERT INTO certificates (serial, issuer, identity_id, credential_id, profile, not_before, not_after, der) VALUES ($1, $2, $3, $4, 'piv-auth', $5, $5, '\\x00')`, [
      `5${i.toString(16).padStart(3, '0')}`,
      ISSUER,
      identity,
      credential,
      AT,
    ]);
  }
}

describeEachStore('certificate status changes', (factory) => {
  let store: Store;
  before(async () => {
    store = await factory.open();
    await seedCertificates(store, 12);
  });
  after(async () => {
    await store.close();
  });

  test('come in change_seq order, numerically, past ten changes', async () => {
    const changes = await statusChangesSince(store, ISSUER, 0);
    assert.equal(changes.length, 12);
    const seqs = changes.map((c) => c.changeSeq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
    assert.ok((seqs.at(-1) ?? 0) >= 10, 'the sequence reaches two digits');
  });

  test('the last change read is the newest, so a poll from it finds nothing older', async () => {
    const all = await statusChangesSince(store, ISSUER, 0);
    const newest = Math.max(...all.map((c) => c.changeSeq));
    assert.equal(all.at(-1)?.changeSeq, newest);
    assert.deepEqual(await statusChangesSince(store, ISSUER, newest), []);
  });
});
