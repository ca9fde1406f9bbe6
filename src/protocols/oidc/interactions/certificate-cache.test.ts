import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../../core/clock.ts';
import { createCaHierarchy } from '../../../pki/ca.ts';
import { parsedCertificate, pathVerdict } from './certificate-cache.ts';

const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
const ca = await createCaHierarchy({ rootName: 'CN=Cache Root,O=Test,C=US', issuingName: 'CN=Cache Issuing,O=Test,C=US', keyAlgorithm: 'ecdsa-p256' }, clock);
const root = ca.root.certificate;
const issuing = ca.issuing.certificate;

test('a certificate presented again is the one parsed the first time', () => {
  const der = new Uint8Array(issuing.rawData);
  const first = parsedCertificate(der);
  assert.equal(parsedCertificate(new Uint8Array(der)), first);
  assert.equal(first.subject, issuing.subject);
  assert.throws(() => parsedCertificate(new Uint8Array([0x30, 0x03, 0x02, 0x01])));
});

test('a valid verdict is kept within the validity of the path, and found again outside it', async () => {
  let validations = 0;
  const valid = async () => {
    validations += 1;
    return { valid: true, userConstrainedPolicySet: ['2.5.29.32.0'] };
  };
  const now = clock.now();
  assert.equal((await pathVerdict(root, [issuing], now, valid)).valid, true);
  assert.equal((await pathVerdict(root, [issuing], new Date(now.getTime() + 60_000), valid)).valid, true);
  assert.equal(validations, 1);
  await pathVerdict(root, [issuing], new Date(issuing.notAfter.getTime() + 1), valid);
  await pathVerdict(root, [issuing], new Date(issuing.notBefore.getTime() - 1), valid);
  assert.equal(validations, 3);
});

test('an invalid verdict is never kept', async () => {
  let validations = 0;
  const invalid = async () => {
    validations += 1;
    return { valid: false, reason: 'certificate 1: revoked' };
  };
  await pathVerdict(issuing, [root], clock.now(), invalid);
  await pathVerdict(issuing, [root], clock.now(), invalid);
  assert.equal(validations, 2);
});
