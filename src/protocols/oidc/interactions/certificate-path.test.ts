import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { ManualClock } from '../../../core/clock.ts';
import { createCaHierarchy } from '../../../pki/ca.ts';
import { createCrl } from '../../../pki/crl.ts';
import { randomSerial, signCertificate } from '../../../pki/der.ts';
import { OID } from '../../../pki/oids.ts';
import { CertificatePolicyExtension, ExtendedKeyUsageExtension, type Extension, KeyUsageFlags, KeyUsagesExtension } from '../../../pki/x509.ts';
import { validateAuthenticationPath } from './certificate-path.ts';

const clock = new ManualClock('2026-06-01T12:00:00Z');
const ca = await createCaHierarchy({ rootName: 'CN=Sign-in Root,O=U.S. Government,C=US', issuingName: 'CN=Sign-in Issuing,O=U.S. Government,C=US', keyAlgorithm: 'ecdsa-p256' }, clock);
const crls = [await createCrl({ ca: ca.issuing, clock, crlNumber: 1, revoked: [] })];

function leaf(...extensions: Extension[]) {
  const now = clock.now();
  const spki = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }));
  const common = [new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true), new CertificatePolicyExtension([OID.policyCommonAuthentication])];
  return signCertificate(
    {
      serial: randomSerial(),
      issuer: ca.issuing.name,
      subject: 'CN=Pat Person,O=U.S. Government,C=US',
      notBefore: now,
      notAfter: new Date(now.getTime() + 86_400_000),
      spki,
      extensions: [...common, ...extensions],
    },
    ca.issuing.key,
  );
}

const check = async (...extensions: Extension[]) => validateAuthenticationPath(ca.issuing.certificate, [await leaf(...extensions)], crls, new Date(clock.now().getTime() + 60_000));

test('a PIV sign-in needs an extended key usage that permits client authentication', async () => {
  assert.equal((await check(new ExtendedKeyUsageExtension([OID.ekuClientAuth, OID.ekuSmartCardLogon]))).valid, true);
  const serverOnly = await check(new ExtendedKeyUsageExtension([OID.ekuServerAuth]));
  assert.equal(serverOnly.valid, false);
  assert.match(serverOnly.reason ?? '', /RFC 5280 §4\.2\.1\.12/);
  const cardAuth = await check(new ExtendedKeyUsageExtension([OID.pivCardAuth], true));
  assert.equal(cardAuth.valid, false, 'a Card Authentication certificate never signs a person in');
  const none = await check();
  assert.equal(none.valid, false);
  assert.match(none.reason ?? '', /FPKI CP §6\.1\.7/);
});
