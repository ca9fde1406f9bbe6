import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ocsp from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import { ocspGetPath } from './get-path.ts';
import { MAX_OCSP_REQUEST_BYTES, parseOcspRequest } from './request.ts';

function request(nonce?: Uint8Array): Uint8Array {
  const reqCert = new ocsp.CertID({
    hashAlgorithm: new asn.AlgorithmIdentifier({ algorithm: '1.3.14.3.2.26', parameters: null }),
    issuerNameHash: new OctetString(new Uint8Array(20).fill(1).buffer),
    issuerKeyHash: new OctetString(new Uint8Array(20).fill(2).buffer),
    serialNumber: new Uint8Array([0x00, 0x9a, 0x01]).buffer,
  });
  const requestExtensions = nonce ? [new asn.Extension({ extnID: ocsp.id_pkix_ocsp_nonce, critical: false, extnValue: new OctetString(nonce.slice().buffer) })] : undefined;
  const tbsRequest = new ocsp.TBSRequest({ requestList: [new ocsp.Request({ reqCert })], requestExtensions });
  return new Uint8Array(AsnConvert.serialize(new ocsp.OCSPRequest({ tbsRequest })));
}

test('parseOcspRequest reads the CertID and the nonce', () => {
  const parsed = parseOcspRequest(request(new Uint8Array([9, 9, 9])));
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.certIds, [{ hashOid: '1.3.14.3.2.26', issuerNameHash: '01'.repeat(20), issuerKeyHash: '02'.repeat(20), serial: '9a01' }]);
  assert.deepEqual(parsed.nonce, new Uint8Array([9, 9, 9]));
  const plain = parseOcspRequest(request());
  assert.ok(plain.ok && plain.nonce === undefined);
});

test('parseOcspRequest refuses garbage, empty and oversized input without throwing', () => {
  for (const bytes of [new Uint8Array(), new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]), new Uint8Array([0xff, 0x00]), new Uint8Array(MAX_OCSP_REQUEST_BYTES + 1)]) {
    assert.equal(parseOcspRequest(bytes).ok, false);
  }
});

test('ocspGetPath decodes url-encoded base64 under the mount, slashes included', () => {
  const der = request();
  const base64 = Buffer.from(der).toString('base64');
  assert.deepEqual(ocspGetPath(`/ocsp/${encodeURIComponent(base64)}`, '/ocsp'), der);
  assert.deepEqual(ocspGetPath(`/${base64}`), der);
  assert.deepEqual(ocspGetPath(`/ocsp/${Buffer.from(der).toString('base64url')}`, '/ocsp/'), der);
  assert.equal(ocspGetPath('/ocsp/', '/ocsp'), undefined);
  assert.equal(ocspGetPath('/other/AAAA', '/ocsp'), undefined);
  assert.equal(ocspGetPath('/ocsp/%E0%A4%A', '/ocsp'), undefined);
  assert.equal(ocspGetPath('/ocsp/not*base64', '/ocsp'), undefined);
});

test('parseOcspRequest refuses a request with bytes after the DER OCSPRequest', () => {
  const der = request();
  for (const tail of [[0x00], [0x05, 0x00], [0x30, 0x00]]) {
    const parsed = parseOcspRequest(new Uint8Array([...der, ...tail]));
    assert.equal(parsed.ok, false);
    assert.match((parsed as { reason: string }).reason, /after the DER/);
  }
});
