import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ocsp from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import { ManualClock } from '../../core/clock.ts';
import { isMusterError } from '../../core/errors.ts';
import { createCaHierarchy } from '../../pki/ca.ts';
import { X509Certificate } from '../../pki/x509.ts';
import { OcspResponder } from './responder.ts';
import { read, requestFor, responderFor, SHA1, SHA256 } from './test-fixtures.ts';

const clock = new ManualClock('2026-03-01T12:00:00Z');

const { root, issuing } = await createCaHierarchy({ rootName: 'CN=Root,O=U.S. Government,C=US', issuingName: 'CN=Issuing,O=U.S. Government,C=US', keyAlgorithm: 'ecdsa-p256' }, clock);
const responder = await responderFor(issuing, clock);

function newResponder(validityMinutes = 60) {
  return new OcspResponder({ issuer: issuing, responder, clock, validityMinutes });
}

test('garbage, empty and oversized requests get an unsigned malformedRequest', async () => {
  const ocspResponder = newResponder();
  for (const body of [new Uint8Array([1, 2, 3]), new Uint8Array(), new Uint8Array(9000).fill(0x30)]) {
    const der = await ocspResponder.respond(body);
    assert.deepEqual(read(der), { status: ocsp.OCSPResponseStatus.malformedRequest });
  }
});

test('a serial of another issuer is unauthorized', async () => {
  const ocspResponder = newResponder();
  await ocspResponder.setStatus('4a01', { status: 'good' });
  assert.deepEqual(read(await ocspResponder.respond(requestFor(root, '4a01'))), { status: ocsp.OCSPResponseStatus.unauthorized });
});

test('a known serial gets its pre-signed good answer for SHA-1 and SHA-256 CertIDs, signed by the responder', async () => {
  const ocspResponder = newResponder();
  await ocspResponder.setStatus('4A01', { status: 'good' });
  for (const hash of ['sha1', 'sha256'] as const) {
    const first = await ocspResponder.respond(requestFor(issuing, '4a01', hash));
    assert.ok(first.byteLength < 2048, `a response is small (${first.byteLength} bytes)`);
    assert.equal(await ocspResponder.respond(requestFor(issuing, '4a01', hash)), first, 'served from memory');
    const { certStatus, basic, single } = read(first);
    assert.equal(certStatus, 'good');
    assert.equal(single?.certID.hashAlgorithm.algorithm, hash === 'sha1' ? SHA1 : SHA256);
    assert.equal(single?.nextUpdate?.getTime(), clock.now().getTime() + 60 * 60_000);
    assert.ok(basic?.tbsResponseData.responderID.byKey);
    const certificate = new X509Certificate(AsnConvert.serialize(basic?.certs?.[0]));
    assert.equal(certificate.serialNumber, responder.certificate.serialNumber);
  }
});

test('a serial of this issuer without a status is unknown', async () => {
  const { certStatus } = read(await newResponder().respond(requestFor(issuing, '7777')));
  assert.equal(certStatus, 'unknown');
});

test('a status change re-signs at once, even for request bytes answered before', async () => {
  const ocspResponder = newResponder();
  await ocspResponder.setStatus('4a02', { status: 'good' });
  assert.equal(read(await ocspResponder.respond(requestFor(issuing, '4a02'))).certStatus, 'good');
  await ocspResponder.setStatus('4a02', { status: 'revoked', revokedAt: clock.now(), reason: 'keyCompromise' });
  const { certStatus, single } = read(await ocspResponder.respond(requestFor(issuing, '4a02')));
  assert.equal(certStatus, 'revoked');
  assert.equal(single?.certStatus.revoked?.revocationReason?.reason, 1);
});

test('a refresh or an earlier setStatus that finishes late never overwrites a newer status', async () => {
  const ocspResponder = newResponder();
  await ocspResponder.setStatus('4a05', { status: 'good' });
  await Promise.all([
    ocspResponder.refreshOlderThan(0),
    ocspResponder.setStatus('4a05', { status: 'good' }),
    ocspResponder.setStatus('4a05', { status: 'revoked', revokedAt: clock.now(), reason: 'superseded' }),
  ]);
  assert.equal(read(await ocspResponder.respond(requestFor(issuing, '4a05'))).certStatus, 'revoked');
  ocspResponder.forget('4a05');
  assert.equal(read(await ocspResponder.respond(requestFor(issuing, '4a05'))).certStatus, 'unknown');
});

test('refreshOlderThan re-signs only aged responses with a new thisUpdate', async () => {
  const ocspResponder = newResponder();
  await ocspResponder.setStatus('4a03', { status: 'good' });
  clock.advance(20 * 60_000);
  await ocspResponder.setStatus('4a04', { status: 'good' });
  clock.advance(20 * 60_000);
  assert.equal(await ocspResponder.refreshOlderThan(30 * 60_000), 1);
  const { single } = read(await ocspResponder.respond(requestFor(issuing, '4a03')));
  assert.equal(single?.thisUpdate.getTime(), clock.now().getTime());
  assert.equal(await ocspResponder.refreshOlderThan(30 * 60_000), 0);
});

test('a responder certificate from another CA or a mismatched key is refused', async () => {
  const other = await responderFor(root, clock);
  assert.throws(
    () => new OcspResponder({ issuer: issuing, responder: other, clock, validityMinutes: 60 }),
    (e) => isMusterError(e, 'MUSTER_ERR_OCSP_RESPONDER'),
  );
  assert.throws(
    () => new OcspResponder({ issuer: issuing, responder: { ...responder, key: other.key }, clock, validityMinutes: 60 }),
    (e) => isMusterError(e, 'MUSTER_ERR_OCSP_RESPONDER'),
  );
  assert.throws(
    () => newResponder(49 * 60),
    (e) => isMusterError(e, 'MUSTER_ERR_OCSP_RESPONDER'),
  );
});

test('a request with trailing bytes after the DER gets malformedRequest', async () => {
  const ocspResponder = newResponder();
  await ocspResponder.setStatus('4a06', { status: 'good' });
  const der = requestFor(issuing, '4a06');
  assert.equal(read(await ocspResponder.respond(der)).certStatus, 'good');
  assert.deepEqual(read(await ocspResponder.respond(new Uint8Array([...der, 0x00, 0x00]))), { status: ocsp.OCSPResponseStatus.malformedRequest });
});

test('the request cache keeps at most requestCacheEntries, dropping the least recently used', async () => {
  const ocspResponder = new OcspResponder({ issuer: issuing, responder, clock, validityMinutes: 60, requestCacheEntries: 3 });
  await ocspResponder.setStatus('4b00', { status: 'good' });
  const hot = requestFor(issuing, '4b00');
  for (let i = 1; i <= 50; i++) {
    await ocspResponder.respond(hot);
    await ocspResponder.respond(requestFor(issuing, (0x4b00 + i).toString(16)));
    assert.ok(ocspResponder.cachedRequests <= 3, `${ocspResponder.cachedRequests} cached after ${i} distinct requests`);
  }
  assert.ok(ocspResponder.isCached(hot), 'the request asked most often stays');
  assert.throws(
    () => new OcspResponder({ issuer: issuing, responder, clock, validityMinutes: 60, requestCacheEntries: 0 }),
    (e) => isMusterError(e, 'MUSTER_ERR_OCSP_RESPONDER'),
  );
});
