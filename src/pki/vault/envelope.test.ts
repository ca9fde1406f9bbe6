import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSealed, openJson, sealJson } from '../../core/key-vault.ts';
import { envelopeVault, passphraseKeyWrapper, tokenKeyWrapper } from './index.ts';

const PLACE = 'federation_keys:kid-1';
const secret = { kty: 'EC', crv: 'P-256', d: 'private-part', x: 'x', y: 'y' };

describe('the envelope vault', () => {
  test('a sealed value holds neither the secret nor its data key in the clear, and opens at its place', async () => {
    const vault = envelopeVault(passphraseKeyWrapper('a passphrase of the agency'));
    const sealed = await sealJson(vault, secret, PLACE);
    assert.ok(isSealed(sealed));
    assert.doesNotMatch(JSON.stringify(sealed), /private-part|"d"/);
    assert.equal(sealed.kek.kind, 'passphrase');
    assert.deepEqual(await openJson(vault, sealed, PLACE), secret);
    const again = await sealJson(vault, secret, PLACE);
    assert.notEqual(again.data, sealed.data, 'a fresh data key and IV each time');
  });

  test('another process with the same passphrase opens it (its own salt), another passphrase does not', async () => {
    const sealed = await sealJson(envelopeVault(passphraseKeyWrapper('a passphrase of the agency')), secret, PLACE);
    assert.deepEqual(await openJson(envelopeVault(passphraseKeyWrapper('a passphrase of the agency')), sealed, PLACE), secret);
    await assert.rejects(openJson(envelopeVault(passphraseKeyWrapper('another passphrase')), sealed, PLACE), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'MUSTER_ERR_PKI_KEY');
      assert.match(error.message, /cannot open the sealed key at federation_keys:kid-1: the key passphrase is not the one it was sealed with/);
      return true;
    });
  });

  test('a sealed value moved to another place, or changed, does not open', async () => {
    const vault = envelopeVault(passphraseKeyWrapper('a passphrase of the agency'));
    const sealed = await sealJson(vault, secret, PLACE);
    await assert.rejects(openJson(vault, sealed, 'federation_keys:kid-2'), /the sealed key at federation_keys:kid-2 does not open/);
    const data = Buffer.from(sealed.data, 'base64url');
    data[0] = (data[0] ?? 0) ^ 1;
    await assert.rejects(openJson(vault, { ...sealed, data: data.toString('base64url') }, PLACE), /does not open/);
  });

  test('with a token key, new values are wrapped by it and values sealed under the passphrase still open', async () => {
    const passphrase = passphraseKeyWrapper('a passphrase of the agency');
    const before = await sealJson(envelopeVault(passphrase), secret, PLACE);
    const xor = (bytes: Uint8Array): Buffer => Buffer.from(Buffer.from(bytes).map((b) => b ^ 0x5a));
    const token = envelopeVault(tokenKeyWrapper({ keyLabel: 'muster-wrap', wrap: xor, unwrap: xor }, passphrase));
    const sealed = await sealJson(token, secret, PLACE);
    assert.deepEqual(sealed.kek, { kind: 'pkcs11', label: 'muster-wrap' });
    assert.deepEqual(await openJson(token, sealed, PLACE), secret);
    assert.deepEqual(await openJson(token, before, PLACE), secret);
    await assert.rejects(openJson(envelopeVault(passphrase), sealed, PLACE), /wrapped by the PKCS#11 token key "muster-wrap", and pki.hsm is not configured/);
    const other = envelopeVault(tokenKeyWrapper({ keyLabel: 'other', wrap: xor, unwrap: xor }, passphrase));
    await assert.rejects(openJson(other, sealed, PLACE), /pki.hsm.wrapKeyLabel is "other"/);
  });
});
