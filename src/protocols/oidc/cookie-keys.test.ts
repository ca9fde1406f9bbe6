import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { KeyVault } from '../../core/key-vault.ts';
import { envelopeVault, passphraseKeyWrapper } from '../../pki/vault/index.ts';
import type { Store } from '../../store/store.ts';
import { describeEachStore } from '../../../test/support/stores.ts';
import { cookieKeys } from './cookie-keys.ts';

/** A vault that counts what it seals (each seal under a new process's salt costs a key derivation). */
function countingVault(): { vault: KeyVault; sealed: () => number } {
  const inner = envelopeVault(passphraseKeyWrapper('a passphrase of the agency'));
  let sealed = 0;
  const vault: KeyVault = {
    ...inner,
    custody: inner.custody,
    seal: (...args) => {
      sealed += 1;
      return inner.seal(...args);
    },
    open: (...args) => inner.open(...args),
  };
  return { vault, sealed: () => sealed };
}

describeEachStore('the OP cookie keys', (factory) => {
  let store: Store;
  before(async () => {
    store = await factory.open();
  });
  after(() => store.close());

  it('are made and sealed once; a later start opens the stored ones without sealing anything', async () => {
    const first = countingVault();
    const made = await cookieKeys(store, first.vault);
    assert.equal(first.sealed(), 1);
    const later = countingVault();
    assert.deepEqual(await cookieKeys(store, later.vault), made);
    assert.equal(later.sealed(), 0);
  });
});
