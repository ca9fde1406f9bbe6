import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { createCaHierarchy } from '../ca.ts';
import { createCrl } from '../crl.ts';
import { randomSerial, signCertificate } from '../der.ts';
import { OID } from '../oids.ts';
import { type Extension, ExtendedKeyUsageExtension, KeyUsageFlags, KeyUsagesExtension, type X509Certificate } from '../x509.ts';
import { type EndEntityUsage, validatePath } from './validate.ts';

const DAY = 86_400_000;
const clock = new ManualClock('2026-06-01T12:00:00Z');
const ca = await createCaHierarchy({ rootName: 'CN=Path Root,O=U.S. Government,C=US', issuingName: 'CN=Path Issuing,O=U.S. Government,C=US', keyAlgorithm: 'ecdsa-p256' }, clock);
const crls = [await createCrl({ ca: ca.root, clock, crlNumber: 1, revoked: [] }), await createCrl({ ca: ca.issuing, clock, crlNumber: 1, revoked: [] })];

const SIGN_IN: EndEntityUsage = { anyOf: [OID.ekuClientAuth], forbidden: [OID.pivCardAuth, OID.ekuAny], requiredFrom: new Date('2019-06-30T00:00:00Z') };
const ecSpki = () => new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }));
const rsaSpki = (modulusLength: number, publicExponent = 65_537) => new Uint8Array(generateKeyPairSync('rsa', { modulusLength, publicExponent }).publicKey.export({ type: 'spki', format: 'der' }));
const keyUsage = () => new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true);
const eku = (...usages: string[]) => new ExtendedKeyUsageExtension(usages, false);

function leaf(extensions: Extension[], spki = ecSpki()): Promise<X509Certificate> {
  const now = clock.now();
  return signCertificate(
    { serial: randomSerial(), issuer: ca.issuing.name, subject: 'CN=Leaf,O=U.S. Government,C=US', notBefore: now, notAfter: new Date(now.getTime() + 30 * DAY), spki, extensions },
    ca.issuing.key,
  );
}

function validate(cert: X509Certificate, endEntity?: EndEntityUsage) {
  return validatePath({
    anchor: ca.root.certificate,
    path: [ca.issuing.certificate, cert],
    crls,
    time: new Date(clock.now().getTime() + 60_000),
    initialPolicySet: ['2.5.29.32.0'],
    initialExplicitPolicy: false,
    initialPolicyMappingInhibit: false,
    initialInhibitAnyPolicy: false,
    ...(endEntity ? { endEntity } : {}),
  });
}

test('a clean end entity validates, with or without the sign-in usage rule', async () => {
  const cert = await leaf([keyUsage(), eku(OID.ekuClientAuth)]);
  assert.deepEqual((await validate(cert)).valid, true);
  assert.deepEqual((await validate(cert, SIGN_IN)).valid, true);
});

test('an extension that appears twice fails the path, naming RFC 5280 §4.2', async () => {
  const result = await validate(await leaf([keyUsage(), keyUsage(), eku(OID.ekuClientAuth)]));
  assert.equal(result.valid, false);
  assert.match(result.reason ?? '', /^certificate 2: .*2\.5\.29\.15.*more than once.*RFC 5280 §4\.2/);
});

test('RSA keys under 2048 bits or with an exponent below 65537 fail the path, naming the rule', async () => {
  const small = await validate(await leaf([keyUsage()], rsaSpki(1024)));
  assert.equal(small.valid, false);
  assert.match(small.reason ?? '', /1024.*2048.*FPKI CP §6\.1\.5/);
  const exponent = await validate(await leaf([keyUsage()], rsaSpki(2048, 3)));
  assert.equal(exponent.valid, false);
  assert.match(exponent.reason ?? '', /exponent 3.*FIPS 186-5/);
  assert.equal((await validate(await leaf([keyUsage()], rsaSpki(2048)))).valid, true);
});

test('the sign-in usage rule: EKU must permit client authentication, never card authentication or any purpose, and must be present', async () => {
  const serverOnly = await leaf([keyUsage(), eku(OID.ekuServerAuth)]);
  assert.equal((await validate(serverOnly)).valid, true, 'RFC 5280 §6.1 alone does not look at EKU');
  const refused = async (cert: X509Certificate, pattern: RegExp) => {
    const result = await validate(cert, SIGN_IN);
    assert.equal(result.valid, false);
    assert.match(result.reason ?? '', pattern);
  };
  await refused(serverOnly, /extended key usage .*does not permit .*1\.3\.6\.1\.5\.5\.7\.3\.2.*RFC 5280 §4\.2\.1\.12/);
  await refused(await leaf([keyUsage(), eku(OID.ekuClientAuth, OID.pivCardAuth)]), /2\.16\.840\.1\.101\.3\.6\.8.*not permitted/);
  await refused(await leaf([keyUsage(), eku(OID.ekuAny)]), /2\.5\.29\.37\.0.*not permitted/);
  await refused(await leaf([keyUsage()]), /no extended key usage.*FPKI CP §6\.1\.7/);
});

test('a revocation-status look-up stands in for the CRLs: each certificate of the path is asked about, and a revoked one fails the path', async () => {
  const cert = await leaf([keyUsage(), eku(OID.ekuClientAuth)]);
  const asked: string[] = [];
  const withStatus = (revokedSerial: string | undefined) =>
    validatePath({
      anchor: ca.root.certificate,
      path: [ca.issuing.certificate, cert],
      crls: [],
      revocationStatus: async (c) => {
        asked.push(c.serialNumber);
        return c.serialNumber === revokedSerial ? 'certificate is revoked' : undefined;
      },
      time: new Date(clock.now().getTime() + 60_000),
      initialPolicySet: ['2.5.29.32.0'],
      initialExplicitPolicy: false,
      initialPolicyMappingInhibit: false,
      initialInhibitAnyPolicy: false,
    });
  assert.equal((await withStatus(undefined)).valid, true, 'no CRL is needed when the status is looked up');
  assert.deepEqual(asked, [ca.issuing.certificate.serialNumber, cert.serialNumber]);
  const revoked = await withStatus(cert.serialNumber);
  assert.equal(revoked.valid, false);
  assert.equal(revoked.reason, 'certificate 2: certificate is revoked');
});
