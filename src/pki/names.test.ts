import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import { ManualClock } from '../core/clock.ts';
import { createCaHierarchy, type CaHierarchy } from './ca.ts';
import { createCrl } from './crl.ts';
import { encodeFascn } from './fascn.ts';
import { createIssuer } from './issue.ts';
import { dnString, encodeName } from './names.ts';

const run = promisify(execFile);
const clock = new ManualClock('2026-06-01T12:00:00Z');
const COUNTRY = '2.5.4.6';
const COMMON_NAME = '2.5.4.3';
const ORG = 'OU=Demo Agency,O=U.S. Government,C=US';

const tbs = (der: ArrayBuffer) => AsnConvert.parse(der, asn.Certificate).tbsCertificate;
const bytes = (name: asn.Name) => Buffer.from(AsnConvert.serialize(name));
const firstType = (name: asn.Name) => name[0]?.[0]?.type;
const lastType = (name: asn.Name) => name.at(-1)?.[0]?.type;

describe('distinguished names: RFC 4514 strings, C-first DER', () => {
  let dir = '';
  let ca: CaHierarchy;
  let leaf: ArrayBuffer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-names-'));
    ca = await createCaHierarchy({ rootName: `CN=Demo Agency Root CA,${ORG}`, issuingName: `CN=Demo Agency PIV Issuing CA,${ORG}`, keyAlgorithm: 'ecdsa-p256' }, clock);
    const csr = join(dir, 'leaf.csr');
    await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${csr}.key`, '-out', csr, '-subj', '/CN=applicant']);
    const issuer = createIssuer({ ca: ca.issuing, clock, urls: { caIssuers: 'http://pki.demo.gov/ca.crt', ocsp: 'http://pki.demo.gov/ocsp', crl: 'http://pki.demo.gov/ca.crl' } });
    const issued = await issuer.issue('piv-auth', {
      csr: await readFile(csr, 'utf8'),
      subject: `CN=Jane Doe,${ORG}`,
      cardUuid: crypto.randomUUID(),
      fascn: encodeFascn({ agencyCode: '9700', systemCode: '0001', credentialNumber: '000042' }),
      notAfterLimit: new Date('2028-01-01T00:00:00Z'),
    });
    leaf = issued.certificate.rawData;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('a string DN (CN first) is encoded with C as the first RDN and CN as the last', () => {
    const name = encodeName(`CN=Jane Doe,${ORG}`);
    assert.equal(firstType(name), COUNTRY);
    assert.equal(lastType(name), COMMON_NAME);
    assert.equal(dnString(name), `CN=Jane Doe,${ORG}`);
  });

  test('a name read back from a certificate encodes to the same bytes (escaped commas, plus signs, non-ASCII)', () => {
    for (const dn of [`CN=Doe\\, Jane,${ORG}`, `CN=A\\+B,${ORG}`, `CN=José Núñez,${ORG}`]) {
      const encoded = encodeName(dn);
      assert.deepEqual(bytes(encodeName(dnString(encoded))), bytes(encoded), dn);
    }
    assert.deepEqual(bytes(encodeName(dnString(tbs(leaf).subject))), bytes(tbs(leaf).subject));
  });

  test('every certificate and the CRL name C first', async () => {
    const crl = await createCrl({ ca: ca.issuing, clock, crlNumber: 1, revoked: [] });
    const names = [
      tbs(ca.root.certificate.rawData).subject,
      tbs(ca.issuing.certificate.rawData).subject,
      tbs(leaf).subject,
      tbs(leaf).issuer,
      AsnConvert.parse(crl.rawData, asn.CertificateList).tbsCertList.issuer,
    ];
    for (const name of names) assert.equal(firstType(name), COUNTRY, dnString(name));
  });

  test('issuer of each child is the subject of its parent, byte for byte', async () => {
    const crl = await createCrl({ ca: ca.issuing, clock, crlNumber: 1, revoked: [] });
    const [root, issuing, child] = [tbs(ca.root.certificate.rawData), tbs(ca.issuing.certificate.rawData), tbs(leaf)];
    assert.deepEqual(bytes(root.issuer), bytes(root.subject));
    assert.deepEqual(bytes(issuing.issuer), bytes(root.subject));
    assert.deepEqual(bytes(child.issuer), bytes(issuing.subject));
    assert.deepEqual(bytes(AsnConvert.parse(crl.rawData, asn.CertificateList).tbsCertList.issuer), bytes(issuing.subject));
  });

  test('openssl prints the subject CN first in RFC 2253 form (so the DER starts with C) and C first in its one-line form', async () => {
    await writeFile(join(dir, 'leaf.der'), Buffer.from(leaf));
    const rfc2253 = (await run('openssl', ['x509', '-inform', 'DER', '-in', join(dir, 'leaf.der'), '-noout', '-subject', '-nameopt', 'RFC2253'])).stdout;
    assert.match(rfc2253, /^subject=CN=Jane Doe,OU=Demo Agency,O=U\.S\. Government,C=US\s*$/);
    const oneline = (await run('openssl', ['x509', '-inform', 'DER', '-in', join(dir, 'leaf.der'), '-noout', '-subject', '-nameopt', 'oneline'])).stdout;
    assert.match(oneline, /^subject=C = US, O = U\.S\. Government, OU = Demo Agency, CN = Jane Doe/);
  });

  test('C is a PrintableString; other attributes PrintableString or UTF8String', () => {
    const name = tbs(leaf).subject;
    for (const rdn of name)
      for (const attribute of rdn) {
        const value = attribute.value;
        if (attribute.type === COUNTRY) assert.ok(value.printableString !== undefined, 'countryName is a PrintableString');
        else assert.ok(value.printableString !== undefined || value.utf8String !== undefined, `${attribute.type} is PrintableString or UTF8String`);
      }
  });
});
