import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pemCertificates } from './pem.ts';

test('the PEM certificates of a text, in order, each with its armour; other text and other blocks left out', () => {
  const block = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;
  const key = '-----BEGIN PRIVATE KEY-----\nKKKK\n-----END PRIVATE KEY-----';
  assert.deepEqual(pemCertificates(`subject=CN=a\n${block('AAAA')}\n${key}\n${block('BBBB')}\n`), [block('AAAA'), block('BBBB')]);
  assert.deepEqual(pemCertificates('no certificate here'), []);
});
