import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../config/load.ts';
import { ManualClock } from '../../core/clock.ts';
import { pgliteFactory } from '../../../test/support/stores.ts';
import { startMuster, type Muster } from '../../runtime/context.ts';
import { caStoreOptions } from '../../runtime/pki.ts';
import { generateCaKey, exportCaKeyPem } from '../keys.ts';
import { loadOrCreateCa } from './ca-store.ts';
import { exportRootKey, importRootKey, removeRootKey, type RootCeremony } from './root-offline.ts';

const PASSPHRASE = 'the passphrase of the test agency';

describe('the root CA key taken offline', () => {
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:', pki: { keyPassphrase: PASSPHRASE, keyAlgorithm: 'ecdsa-p256' } } });
  let ctx: Muster;
  let ceremony: RootCeremony;
  const reload = async () => loadOrCreateCa(ctx.store, await caStoreOptions(config, clock));
  const actions = async () =>
    (await ctx.store.query<{ action: string; actor: string }>(`SELECT action, actor FROM audit_log WHERE action LIKE 'pki.root.%' ORDER BY seq`)).map((r) => `${r.actor} ${r.action}`);

  before(async () => {
    ctx = await startMuster(config, { store: await pgliteFactory.open(), clock });
    await ctx.ca();
    ceremony = { store: ctx.store, audit: ctx.audit, clock, actor: 'pki.officer', correlationId: 'ceremony-1' };
  });
  after(() => ctx.close());

  test('removal is refused until the key as stored was exported', async () => {
    await assert.rejects(removeRootKey(ceremony), /the root CA key has not been exported: run muster ca root export/);
  });

  test('exported, then removed: the root signs nothing, naming why and how to bring it back', async () => {
    const pem = await exportRootKey(ceremony);
    assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    await removeRootKey(ceremony);
    const [row] = await ctx.store.query<{ key_pem: string | null }>(`SELECT key_pem FROM ca_keys WHERE role = 'root'`);
    assert.equal(row?.key_pem, null);
    const offline = await reload();
    assert.equal(offline.root.key.offline, true);
    await assert.rejects(
      offline.root.key.sign(new Uint8Array([1])),
      /the root CA key is offline .* the root signs nothing, no issuing CA certificate and no root CRL, until muster ca root import FILE/,
    );
    await assert.rejects(removeRootKey(ceremony), /already offline/);
    await assert.rejects(exportRootKey(ceremony), /already offline/);
    const other = await exportCaKeyPem(await generateCaKey('ecdsa-p256'), PASSPHRASE);
    await assert.rejects(importRootKey(ceremony, other, PASSPHRASE), /not the root CA certificate's key/);
    await assert.rejects(importRootKey(ceremony, pem, 'not the passphrase'), /cannot decrypt the CA key/);
    await importRootKey(ceremony, pem, PASSPHRASE);
    const back = await reload();
    assert.notEqual(back.root.key.offline, true);
    assert.equal((await back.root.key.sign(new Uint8Array([1]))).length > 0, true);
    assert.deepEqual(await actions(), ['pki.officer pki.root.exported', 'pki.officer pki.root.removed', 'pki.officer pki.root.imported']);
  });
});
