import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { describeEachStore } from '../../../test/support/stores.ts';
import { createSoftHsmToken, softHsmSkip, type SoftHsmToken } from '../../../test/support/softhsm.ts';
import { pgliteFactory } from '../../../test/support/stores.ts';
import { hsmCustody } from '../../runtime/hsm.ts';
import type { Store } from '../../store/store.ts';
import { createCaHierarchy } from '../ca.ts';
import { exportCaKeyPem } from '../keys.ts';
import type { SoftwareCaKey } from '../keys.ts';
import { loadOrCreateCa, renewResponderIfDue, type CaStoreOptions } from './ca-store.ts';
import { RESPONDER_RENEW_DAYS } from './responder.ts';
import { loadOrCreateTlsCa } from './tls-ca.ts';

const DAY_MS = 86_400_000;
const names = { rootName: 'CN=Store Test Root,O=U.S. Government,C=US', issuingName: 'CN=Store Test Issuing,O=U.S. Government,C=US' };

function options(clock: ManualClock, passphrase = 'correct horse battery', over: Partial<CaStoreOptions> = {}): CaStoreOptions {
  return { clock, ...names, algorithm: 'ecdsa-p256', custody: { passphrase }, ...over };
}

describeEachStore('the CA kept in the store', (factory) => {
  let store: Store;
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  before(async () => {
    store = await factory.open();
  });
  after(async () => {
    await store.close();
  });

  test('created on first start; the same root, issuing CA and responder on the next', async () => {
    const first = await loadOrCreateCa(store, options(clock));
    const again = await loadOrCreateCa(store, options(clock));
    assert.equal(again.root.certificate.toString('base64'), first.root.certificate.toString('base64'));
    assert.equal(again.issuing.keyId, first.issuing.keyId);
    assert.equal(again.responder.certificate.serialNumber, first.responder.certificate.serialNumber);
    const rows = await store.query<{ role: string; key_pem: string | null }>('SELECT role, key_pem FROM ca_keys ORDER BY role');
    assert.deepEqual(
      rows.map((r) => r.role),
      ['issuing', 'ocsp', 'root'],
    );
    for (const row of rows) assert.match(row.key_pem ?? '', /BEGIN ENCRYPTED PRIVATE KEY/);
    const signed = await again.issuing.key.sign(new Uint8Array([1, 2, 3]));
    assert.ok(signed.byteLength > 60, 'the loaded key signs');
  });

  test('a wrong passphrase is refused, naming the key', async () => {
    await assert.rejects(loadOrCreateCa(store, options(clock, 'not the passphrase')), (e: any) => e.code === 'MUSTER_ERR_PKI_KEY' && e.details[0]?.key === 'keyEncryptionPassphrase');
  });

  test('the responder certificate is renewed when fewer than 30 days remain', async () => {
    const ca = await loadOrCreateCa(store, options(clock));
    assert.equal(await renewResponderIfDue(store, ca, options(clock)), ca.responder);
    clock.advance((120 - RESPONDER_RENEW_DAYS + 1) * DAY_MS);
    const renewed = await renewResponderIfDue(store, ca, options(clock));
    assert.notEqual(renewed.certificate.serialNumber, ca.responder.certificate.serialNumber);
    assert.equal((await loadOrCreateCa(store, options(clock))).responder.certificate.serialNumber, renewed.certificate.serialNumber);
  });
});

describe('adopting an existing CA from PEM files', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-ca-import-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('the issuing CA signs; the root stays offline; mismatched files are refused', async () => {
    const clock = new ManualClock('2026-03-02T09:00:00Z');
    const theirs = await createCaHierarchy({ ...names, keyAlgorithm: 'ecdsa-p256' }, clock);
    const other = await createCaHierarchy({ ...names, keyAlgorithm: 'ecdsa-p256' }, clock);
    const file = async (name: string, text: string) => {
      await writeFile(join(dir, name), text);
      return join(dir, name);
    };
    const files = {
      rootCertificate: await file('root.pem', theirs.root.certificate.toString('pem')),
      issuingCertificate: await file('issuing.pem', theirs.issuing.certificate.toString('pem')),
      issuingKey: await file('issuing.key', await exportCaKeyPem(theirs.issuing.key as SoftwareCaKey, 'their passphrase')),
      keyPassphrase: 'their passphrase',
    };
    const mismatched = await pgliteFactory.open();
    const wrongKey = { ...files, issuingKey: await file('other.key', await exportCaKeyPem(other.issuing.key as SoftwareCaKey, 'their passphrase')) };
    await assert.rejects(loadOrCreateCa(mismatched, options(clock, 'ours, long enough', { import: wrongKey })), (e: any) => e.details[0]?.key === 'pki.import.issuingKey');
    await mismatched.close();
    const store = await pgliteFactory.open();
    const ca = await loadOrCreateCa(store, options(clock, 'ours, long enough', { import: files }));
    assert.equal(ca.issuing.keyId, theirs.issuing.keyId);
    await assert.rejects(ca.root.key.sign(new Uint8Array([1])), (e: any) => e.code === 'MUSTER_ERR_PKI_KEY');
    assert.equal(ca.root.key.offline, true, 'the publisher makes no root CRL for it');
    await assert.rejects(loadOrCreateTlsCa(store, ca, options(clock, 'ours, long enough')), (e: any) => e.code === 'MUSTER_ERR_PKI_KEY' && e.details[0]?.key === 'federation.mtls.certificateFile');
    assert.ok(await ca.responder.certificate.verify({ publicKey: theirs.issuing.certificate.publicKey, signatureOnly: true }));
    assert.equal((await loadOrCreateCa(store, options(clock, 'ours, long enough'))).issuing.keyId, theirs.issuing.keyId);
    await store.close();
  });
});

describe('CA keys on a PKCS#11 token (SoftHSM2), through pki.hsm', { skip: softHsmSkip() }, () => {
  let token: SoftHsmToken;
  before(async () => {
    token = await createSoftHsmToken('muster-ca-store');
  });
  after(async () => {
    await token?.cleanup();
  });

  test('the keys are generated on the token and only their labels are stored', async () => {
    const clock = new ManualClock('2026-03-02T09:00:00Z');
    const hsm = await hsmCustody({ module: token.module, tokenLabel: token.tokenLabel, pin: token.pin, rootKeyLabel: 'r', issuingKeyLabel: 'i', wrapKeyLabel: 'w' });
    const store = await pgliteFactory.open();
    const created = await loadOrCreateCa(store, options(clock, 'passphrase for the responder', { custody: { passphrase: 'passphrase for the responder', hsm } }));
    const rows = await store.query<{ role: string; key_pem: string | null; hsm_label: string | null }>('SELECT role, key_pem, hsm_label FROM ca_keys ORDER BY role');
    assert.deepEqual(
      rows.map((r) => [r.role, r.key_pem === null, r.hsm_label]),
      [
        ['issuing', true, 'i'],
        ['ocsp', false, null],
        ['root', true, 'r'],
      ],
    );
    const reloaded = await loadOrCreateCa(store, options(clock, 'passphrase for the responder', { custody: { passphrase: 'passphrase for the responder', hsm } }));
    assert.equal(reloaded.issuing.keyId, created.issuing.keyId);
    await assert.rejects(loadOrCreateCa(store, options(clock, 'passphrase for the responder')), (e: any) => e.code === 'MUSTER_ERR_PKI_HSM' && e.details[0]?.key === 'pki.hsm');
    for (const ca of [created, reloaded]) for (const key of [ca.root.key, ca.issuing.key]) (key as { close?: () => void }).close?.();
    await store.close();
  });
});
