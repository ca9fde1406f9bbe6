import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ManualClock } from '../../src/core/clock.ts';
import { createCaHierarchy, createSubordinateCa, type CaHierarchy } from '../../src/pki/ca.ts';
import { generateCaKey } from '../../src/pki/keys.ts';
import { issueTlsServerCertificate } from '../../src/pki/tls-server.ts';
import { createCrl, crlPem } from '../../src/pki/crl.ts';
import { encodeFascn } from '../../src/pki/fascn.ts';
import { createIssuer, type Issuer } from '../../src/pki/issue.ts';
import type { ProfileName } from '../../src/pki/profiles.ts';

const run = promisify(execFile);
const ROOT_POINTERS = { caIssuers: 'http://pki.example.gov/root.crt', crl: 'http://pki.example.gov/crl/root.crl' };
const clock = new ManualClock(new Date(Date.now() - 60_000));
let dir = '';
let ca: CaHierarchy;
let issuer: Issuer;
const path = (name: string) => join(dir, name);
const openssl = async (...args: string[]) => (await run('openssl', args, { cwd: dir })).stdout;

async function csr(name: string): Promise<string> {
  await openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=applicant');
  return readFile(path(`${name}.csr`), 'utf8');
}

async function issue(profile: ProfileName): Promise<string> {
  const cert = await issuer.issue(profile, {
    csr: await csr(profile),
    subject: 'CN=Jane Doe,OU=muster,O=U.S. Government,C=US',
    cardUuid: crypto.randomUUID(),
    fascn: encodeFascn({ agencyCode: '0123', systemCode: '0001', credentialNumber: '000042' }),
    notAfterLimit: new Date(clock.now().getTime() + 5 * 365 * 86_400_000),
  });
  await writeFile(path(`${profile}.pem`), cert.pem);
  return cert.serial;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'muster-pki-'));
  ca = await createCaHierarchy(
    { rootName: 'CN=Demo Agency Root CA,OU=muster,O=U.S. Government,C=US', issuingName: 'CN=Demo Agency Issuing CA,OU=muster,O=U.S. Government,C=US', issuingPointers: ROOT_POINTERS },
    clock,
  );
  issuer = createIssuer({ ca: ca.issuing, clock, urls: { caIssuers: 'http://pki.example.gov/issuing.p7c', ocsp: 'http://ocsp.example.gov', crl: 'http://pki.example.gov/issuing.crl' } });
  await writeFile(path('root.pem'), ca.root.certificate.toString('pem'));
  await writeFile(path('issuing.pem'), ca.issuing.certificate.toString('pem'));
});
after(() => rm(dir, { recursive: true, force: true }));

for (const profile of ['piv-auth', 'card-auth', 'derived-piv-auth', 'ocsp-responder'] as const) {
  test(`openssl verifies the ${profile} certificate up to the root`, async () => {
    await issue(profile);
    const out = await openssl('verify', '-CAfile', 'root.pem', '-untrusted', 'issuing.pem', `${profile}.pem`);
    assert.match(out, /: OK/);
  });
}

test('openssl x509 -text shows the policy, critical key usage and the FASC-N otherName', async () => {
  await issue('piv-auth');
  const text = await openssl('x509', '-in', 'piv-auth.pem', '-noout', '-text');
  assert.match(text, /Policy: 2\.16\.840\.1\.101\.3\.2\.1\.3\.13/);
  assert.match(text, /Key Usage: critical\s+Digital Signature\n/);
  assert.match(text, /othername: 2\.16\.840\.1\.101\.3\.6\.6::/i);
  assert.match(text, /URI:urn:uuid:[0-9a-f-]{36}/);
});

test('a CRL naming the leaf makes openssl refuse it as revoked, and shows number and reason', async () => {
  const serial = await issue('piv-auth');
  const crl = await createCrl({ ca: ca.issuing, clock, crlNumber: 7, revoked: [{ serial, revokedAt: clock.now(), reason: 'keyCompromise' }] });
  await writeFile(path('crl.pem'), crlPem(crl));
  await assert.rejects(openssl('verify', '-crl_check', '-CRLfile', 'crl.pem', '-CAfile', 'root.pem', '-untrusted', 'issuing.pem', 'piv-auth.pem'), (e: Error & { stdout?: string; stderr?: string }) =>
    /certificate revoked/.test(`${e.stdout}${e.stderr}`),
  );
  const text = await openssl('crl', '-in', 'crl.pem', '-noout', '-text');
  assert.match(text, /X509v3 CRL Number:\s+7/);
  assert.match(text, /Key Compromise/);
});

/** The root's CRL (ARL) and the issuing CA's CRL, as PEM files for -CRLfile. */
async function writeCrls(revoked: { serial: string; reason: 'keyCompromise' | 'affiliationChanged' }[] = []): Promise<void> {
  await writeFile(path('root.crl'), crlPem(await createCrl({ ca: ca.root, clock, crlNumber: 1, revoked: [] })));
  await writeFile(path('issuing.crl'), crlPem(await createCrl({ ca: ca.issuing, clock, crlNumber: 1, revoked: revoked.map((r) => ({ ...r, revokedAt: clock.now() })) })));
}

const verifyAll = (leaf: string) => openssl('verify', '-crl_check_all', '-CRLfile', 'root.crl', '-CRLfile', 'issuing.crl', '-CAfile', 'root.pem', '-untrusted', 'issuing.pem', leaf);

for (const profile of ['piv-auth', 'card-auth', 'derived-piv-auth', 'ocsp-responder'] as const) {
  test(`openssl verify -crl_check_all (root CRL and issuing CA CRL) accepts the ${profile} certificate`, async () => {
    await issue(profile);
    await writeCrls();
    assert.match(await verifyAll(`${profile}.pem`), /: OK/);
  });
}

test('openssl verify -crl_check_all refuses a certificate the issuing CA CRL lists', async () => {
  const serial = await issue('piv-auth');
  await writeCrls([{ serial, reason: 'affiliationChanged' }]);
  await assert.rejects(verifyAll('piv-auth.pem'), (e: Error & { stdout?: string; stderr?: string }) => /certificate revoked/.test(`${e.stdout}${e.stderr}`));
});

test('openssl x509 -text: the issuing CA points to the root CRL and the root certificate', async () => {
  const text = await openssl('x509', '-in', 'issuing.pem', '-noout', '-text');
  assert.match(text, /X509v3 CRL Distribution Points:\s+Full Name:\s+URI:http:\/\/pki\.example\.gov\/crl\/root\.crl/);
  assert.match(text, /Authority Information Access:\s+CA Issuers - URI:http:\/\/pki\.example\.gov\/root\.crt/);
  assert.match(text, /Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
  assert.match(text, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
});

test('openssl x509 -text: the OCSP responder has a critical OCSP Signing EKU and OCSP No Check', async () => {
  await issue('ocsp-responder');
  const text = await openssl('x509', '-in', 'ocsp-responder.pem', '-noout', '-text');
  assert.match(text, /Extended Key Usage: critical\s+OCSP Signing\n/);
  assert.match(text, /OCSP No Check/);
  assert.doesNotMatch(text, /OCSP - URI/);
});

test('openssl prints every subject CN first in RFC 2253 form: the DER names start with C', async () => {
  await issue('piv-auth');
  for (const file of ['root.pem', 'issuing.pem', 'piv-auth.pem']) {
    const subject = await openssl('x509', '-in', file, '-noout', '-subject', '-nameopt', 'RFC2253');
    assert.match(subject, /^subject=CN=[^,]+,OU=muster,O=U\.S\. Government,C=US\s*$/, file);
  }
});

test('the TLS server certificate from the TLS CA verifies for sslserver, never for sslclient', async () => {
  const tlsCa = await createSubordinateCa(
    ca.root,
    { name: 'CN=Demo Agency TLS Issuing CA,OU=muster,O=U.S. Government,C=US', key: await generateCaKey('ecdsa-p384'), policies: [], pointers: ROOT_POINTERS },
    clock,
  );
  const server = await issueTlsServerCertificate(tlsCa, [tlsCa.certificate], ['localhost', '127.0.0.1'], clock.now());
  await writeFile(path('tls-ca.pem'), tlsCa.certificate.toString('pem'));
  await writeFile(path('tls.pem'), server.cert);
  assert.match(await openssl('verify', '-purpose', 'sslserver', '-CAfile', 'root.pem', '-untrusted', 'tls-ca.pem', 'tls.pem'), /: OK/);
  await assert.rejects(openssl('verify', '-purpose', 'sslclient', '-CAfile', 'root.pem', '-untrusted', 'tls-ca.pem', 'tls.pem'));
  const text = await openssl('x509', '-in', 'tls.pem', '-noout', '-text');
  assert.match(text, /DNS:localhost, IP Address:127\.0\.0\.1/);
});
