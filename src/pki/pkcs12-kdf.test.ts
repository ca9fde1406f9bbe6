import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PKCS12_KDF_PURPOSE, pkcs12Kdf } from './pkcs12-kdf.ts';

const SALT = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');

// Vectors computed with another RFC 7292 implementation (node-forge's pkcs12.generateKey, SHA-256, MAC purpose)
test('the RFC 7292 §B.2 key derivation gives the MAC keys another implementation gives', () => {
  const vectors: [string, number, string][] = [
    ['correct horse', 2048, '82f67b35067dbd39106bf19dded230f2d4e419e05b333909c28dd27e0c26e4a5'],
    ['pässwörd', 1, 'a49b0cfd01a7e304fd5030624bbfa53905bf759815ca89c479f0b5c8c505c132'],
    ['a', 10000, '87734e3b06c6a185b0093a19479be6f2cfa3cd82353e7d750e4cabfe551665f3'],
  ];
  for (const [password, iterations, hex] of vectors) {
    assert.equal(pkcs12Kdf(password, SALT, PKCS12_KDF_PURPOSE.macKey, iterations, 32).toString('hex'), hex, `${password} × ${iterations}`);
  }
});

test('longer outputs continue the same derivation, and the purpose byte changes the key', () => {
  const long = pkcs12Kdf('correct horse', SALT, PKCS12_KDF_PURPOSE.macKey, 2048, 48);
  assert.equal(long.subarray(0, 32).toString('hex'), '82f67b35067dbd39106bf19dded230f2d4e419e05b333909c28dd27e0c26e4a5');
  assert.notEqual(pkcs12Kdf('correct horse', SALT, PKCS12_KDF_PURPOSE.encryptionKey, 2048, 32).toString('hex'), long.subarray(0, 32).toString('hex'));
});
