import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeFascn } from '../../../pki/fascn.ts';
import { decodeFascn } from './fascn-read.ts';

test('a FASC-N muster encodes reads back with its agency code; a flipped bit is refused', () => {
  const bytes = encodeFascn({ agencyCode: '4700', systemCode: '0001', credentialNumber: '123456' });
  assert.deepEqual(decodeFascn(bytes), { hex: Buffer.from(bytes).toString('hex'), agencyCode: '4700' });
  const broken = bytes.slice();
  broken[3] = (broken[3] ?? 0) ^ 0x10;
  assert.equal(decodeFascn(broken), undefined);
  assert.equal(decodeFascn(bytes.slice(0, 24)), undefined);
});
