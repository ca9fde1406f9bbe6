import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ManualClock } from '../../src/core/clock.ts';
import { createCaHierarchy, type CaHierarchy } from '../../src/pki/ca.ts';
import { createCrl, crlPem } from '../../src/pki/crl.ts';
import { encodeFascn } from '../../src/pki/fascn.ts';
import { createIssuer, type Issuer } from '../../src/pki/issue.ts';
import type { ProfileName } from '../../src/pki/profiles.ts';

const run = promisify(execFile);
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
    csr: await csr(profile), subject: 'CN=Jane Doe,OU=muster,O=U.S. Government,C=US', cardUuid: crypto.randomUUID(),
    fascn: encodeFascn({ agencyCode: '0123', systemCode: '0001', credentialNumber: '000042' }),
    notAfterLimit: new Date(clock.now().getTime() + 5 * 365 * 86_400_000),
  });
  await writeFile(path(`${profile}.pem`), cert.pem);
  return cert.serial;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'muster-pki-'));
  ca = await createCaHierarchy({ rootName: 'CN=Demo Agency Root CA,OU=muster,O=U.S. Government,C=US', issuingName: 'CN=Demo Agency Issuing CA,OU=muster,O=U.S. Government,C=US' }, clock);
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
  await assert.rejects(
    openssl('verify', '-crl_check', '-CRLfile', 'crl.pem', '-CAfile', 'root.pem', '-untrusted', 'issuing.pem', 'piv-auth.pem'),
    (e: Error & { stdout?: string; stderr?: string }) => /certificate revoked/.test(`${e.stdout}${e.stderr}`),
  );
  const text = await openssl('crl', '-in', 'crl.pem', '-noout', '-text');
  assert.match(text, /X509v3 CRL Number:\s+7/);
  assert.match(text, /Key Compromise/);
});
