import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ocsp from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import { ManualClock } from '../../core/clock.ts';
import { createCaHierarchy } from '../../pki/ca.ts';
import { signOcspResponse, type OcspCertStatus } from '../../pki/ocsp-signing.ts';
import { issuerHashes } from './issuer-id.ts';
import { ResponseEncoder } from './response-encoder.ts';
import { responderFor } from './test-fixtures.ts';

const clock = new ManualClock('2026-03-01T12:00:00Z');
const { issuing } = await createCaHierarchy({ rootName: 'CN=Root,O=U.S. Government,C=US', issuingName: 'CN=Issuing,O=U.S. Government,C=US', keyAlgorithm: 'ecdsa-p256' }, clock);
const signer = await responderFor(issuing, clock);
const encoder = new ResponseEncoder(signer);

const STATUSES: OcspCertStatus[] = [
  { status: 'good' },
  { status: 'unknown' },
  { status: 'revoked', revokedAt: new Date('2026-02-03T04:05:06.789Z'), reason: 'keyCompromise' },
  { status: 'revoked', revokedAt: new Date('2026-02-03T04:05:06Z'), reason: 'unspecified' },
];

/** The BasicOCSPResponse with its signature blanked (ECDSA signatures differ every time). */
function unsigned(der: Uint8Array): Uint8Array {
  const response = AsnConvert.parse(der, ocsp.OCSPResponse);
  const basic = AsnConvert.parse(response.responseBytes?.response.buffer as ArrayBuffer, ocsp.BasicOCSPResponse);
  basic.signature = new ArrayBuffer(0);
  return new Uint8Array(AsnConvert.serialize(basic));
}

test('answers are byte for byte what signOcspResponse makes, but for the signature', async () => {
  const producedAt = new Date('2026-03-01T12:00:00.500Z');
  const nextUpdate = new Date('2026-03-02T12:00:00.250Z');
  for (const issuer of issuerHashes(issuing.certificate)) {
    for (const serial of ['4a01', 'ff01', '0000ab', '7f'.repeat(20)]) {
      for (const status of STATUSES) {
        const ours = await encoder.sign({ issuer, serial, status, producedAt: producedAt.getTime(), nextUpdate: nextUpdate.getTime() });
        const certId = { hashOid: issuer.hashOid, issuerNameHash: Buffer.from(issuer.nameHash, 'hex'), issuerKeyHash: Buffer.from(issuer.keyHash, 'hex'), serial };
        const reference = await signOcspResponse({ signer, certId, status, producedAt, nextUpdate });
        assert.deepEqual(unsigned(ours), unsigned(reference), `${issuer.hashOid} ${serial} ${status.status}`);
      }
    }
  }
});

test('the signature verifies with the responder key over the DER ResponseData', async () => {
  const [issuer] = issuerHashes(issuing.certificate);
  const input = { issuer: issuer as NonNullable<typeof issuer>, serial: '4a01', status: { status: 'good' } as const, producedAt: Date.now(), nextUpdate: Date.now() + 3_600_000 };
  const response = AsnConvert.parse(await encoder.sign(input), ocsp.OCSPResponse);
  const basic = AsnConvert.parse(response.responseBytes?.response.buffer as ArrayBuffer, ocsp.BasicOCSPResponse);
  const tbs = new Uint8Array(AsnConvert.serialize(basic.tbsResponseData));
  assert.deepEqual(tbs, encoder.tbs(input));
  const key = await signer.certificate.publicKey.export();
  const raw = new Uint8Array(basic.signature);
  assert.ok(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, derToP1363(raw), tbs));
});

/** ECDSA-Sig-Value (DER SEQUENCE of two INTEGERs) to the r||s form WebCrypto verifies. */
function derToP1363(der: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let at = 2; at < der.byteLength; ) {
    const length = der[at + 1] as number;
    const value = der.subarray(at + 2, at + 2 + length);
    const trimmed = value[0] === 0 ? value.subarray(1) : value;
    const padded = new Uint8Array(32);
    padded.set(trimmed, 32 - trimmed.byteLength);
    parts.push(padded);
    at += 2 + length;
  }
  return new Uint8Array([...(parts[0] as Uint8Array), ...(parts[1] as Uint8Array)]);
}
