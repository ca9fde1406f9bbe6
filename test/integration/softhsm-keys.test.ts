// With pki.hsm set, the data keys of the sealed signing and cookie keys are wrapped by an AES key on the token
// (SoftHSM2 here): made on first start, used to seal a store from before sealing, and needed to start again.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { isSealed, type SealedSecret } from '../../src/core/key-vault.ts';
import { newSigningJwks } from '../../src/federation/signing-keys.ts';
import { cookieKeys } from '../../src/protocols/oidc/cookie-keys.ts';
import { currentJwks } from '../../src/protocols/oidc/keys.ts';
import { startMuster } from '../../src/runtime/context.ts';
import type { Store } from '../../src/store/store.ts';
import { createSoftHsmToken, softHsmSkip, type SoftHsmToken } from '../support/softhsm.ts';
import { dumpStore, privateKeysInClear } from '../support/store-dump.ts';
import { pgliteFactory } from '../support/stores.ts';

const clock = new ManualClock('2026-03-02T09:00:00Z');

describe('sealed keys under a PKCS#11 token', { skip: softHsmSkip() }, () => {
  let token: SoftHsmToken;
  let store: Store;
  const config = (pin = token.pin) =>
    loadConfig({
      env: {},
      overrides: {
        dataDir: ':memory:',
        pki: { keyPassphrase: 'the passphrase of the test agency', hsm: { module: token.module, tokenLabel: token.tokenLabel, pin, wrapKeyLabel: 'muster-wrap' } },
      },
    });

  before(async () => {
    token = await createSoftHsmToken('muster-keys');
    store = await pgliteFactory.open();
  });
  after(async () => {
    await store?.close().catch(() => {});
    await token?.cleanup();
  });

  test('a wrong PIN refuses the start naming pki.hsm.pin', async () => {
    await assert.rejects(startMuster(config('0000wrong'), { store, clock }), (error: Error & { code?: string; details?: { key?: string }[] }) => {
      assert.equal(error.code, 'MUSTER_ERR_PKI_HSM');
      assert.equal(error.details?.[0]?.key, 'pki.hsm.pin');
      return true;
    });
  });

  test('a store from before sealing is sealed under the token key, and its keys open again at the next start', async () => {
    const key = await newSigningJwks('RS256');
    await store.query('INSERT INTO federation_keys (kid, purpose, alg, private_jwk, public_jwk, created_at, activated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)', [
      key.kid,
      'oidc',
      'RS256',
      key.privateJwk,
      key.publicJwk,
      clock.now(),
    ]);
    const first = await startMuster(config(), { store, clock });
    const cookies = await cookieKeys(store, first.keyVault);
    assert.deepEqual(privateKeysInClear(await dumpStore(store)), []);
    const [row] = await store.query<{ private_jwk: SealedSecret }>('SELECT private_jwk FROM federation_keys WHERE kid = $1', [key.kid]);
    assert.ok(isSealed(row?.private_jwk));
    assert.deepEqual(row?.private_jwk.kek, { kind: 'pkcs11', label: 'muster-wrap' });
    const second = await startMuster(config(), { store, clock });
    try {
      assert.deepEqual((await currentJwks(second.store, second.keyVault, clock)).keys[0], key.privateJwk);
      assert.deepEqual(await cookieKeys(second.store, second.keyVault), cookies);
    } finally {
      await second.close();
      await first.close().catch(() => {});
    }
  });
});
