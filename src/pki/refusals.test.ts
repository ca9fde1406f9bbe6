import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ManualClock } from '../core/clock.ts';
import { type CaHierarchy, PIV_POLICIES, createCaHierarchy } from './ca.ts';
import { createCrl } from './crl.ts';
import { encodeFascn } from './fascn.ts';
import { buildLeaf, createIssuer } from './issue.ts';
import { exportCaKeyPem, generateCaKey, importCaKeyPem } from './keys.ts';
import { checkProfile } from './profile-check.ts';
import { PROFILES } from './profiles.ts';
import { KeyUsageFlags } from './x509.ts';

const run = promisify(execFile);
const DAY = 86_400_000;
const clock = new ManualClock('2026-06-01T12:00:00Z');
const urls = { caIssuers: 'http://pki.demo.gov/ca.crt', ocsp: 'http://pki.demo.gov/ocsp', crl: 'http://pki.demo.gov/ca.crl' };
let dir = '';
let ca: CaHierarchy;

async function csr(newkey: string[]): Promise<string> {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.csr`);
  await run('openssl', ['req', '-new', ...newkey, '-nodes', '-keyout', `${out}.key`, '-out', out, '-subj', '/CN=applicant']);
  return readFile(out, 'utf8');
}

const request = async (over: Record<string, unknown> = {}) => ({
  csr: await csr(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']),
  subject: 'CN=Jane Doe,O=U.S. Government,C=US',
  cardUuid: '7f4e0f53-8a38-4a4b-9b7c-4d0a5c6b1e2f',
  fascn: encodeFascn({ agencyCode: '9700', systemCode: '0001', credentialNumber: '000042' }),
  notAfterLimit: new Date(clock.now().getTime() + 2 * 365 * DAY),
  ...over,
});

const refusedFor = (field: string) => (e: any) => e.code === 'MUSTER_ERR_PKI_PROFILE' && e.details.some((d: { field?: string }) => d.field === field);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'muster-pki-refusals-'));
  ca = await createCaHierarchy({ rootName: 'CN=Test Root,O=U.S. Government,C=US', issuingName: 'CN=Test Issuing,O=U.S. Government,C=US', keyAlgorithm: 'ecdsa-p256' }, clock);
});
after(() => rm(dir, { recursive: true, force: true }));

test('the checker refuses a PIV Authentication certificate whose key usage asserts more than digitalSignature', async () => {
  const broken = { ...PROFILES['piv-auth'], keyUsage: KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment };
  const req = await request();
  const cert = await buildLeaf({ ca: ca.issuing, clock, urls }, broken, req);
  assert.throws(() => checkProfile(cert, PROFILES['piv-auth'], { hardwareBacked: false, issuerPolicies: PIV_POLICIES, notAfterLimit: req.notAfterLimit }), refusedFor('keyUsage'));
});

test('the checker refuses validity past the card expiry, and an OCSP responder over 120 days', async () => {
  const req = await request({ notAfterLimit: new Date(clock.now().getTime() + 30 * DAY) });
  const pastCard = await buildLeaf({ ca: ca.issuing, clock, urls }, PROFILES['piv-auth'], req, new Date(clock.now().getTime() + 60 * DAY));
  assert.throws(() => checkProfile(pastCard, PROFILES['piv-auth'], { hardwareBacked: false, issuerPolicies: PIV_POLICIES, notAfterLimit: req.notAfterLimit }), refusedFor('cardExpiry'));
  const responder = await buildLeaf({ ca: ca.issuing, clock, urls }, PROFILES['ocsp-responder'], await request(), new Date(clock.now().getTime() + 200 * DAY));
  assert.throws(() => checkProfile(responder, PROFILES['ocsp-responder'], { hardwareBacked: false, issuerPolicies: PIV_POLICIES }), refusedFor('validity'));
});

test('issuance caps PIV certificates at the card expiry and refuses a card certificate without its card', async () => {
  const issuer = createIssuer({ ca: ca.issuing, clock, urls });
  const limit = new Date(clock.now().getTime() + 100 * DAY);
  const cert = await issuer.issue('piv-auth', await request({ notAfterLimit: limit }));
  assert.ok(cert.certificate.notAfter.getTime() <= limit.getTime());
  await assert.rejects(issuer.issue('card-auth', await request({ cardUuid: undefined })), (e: any) => e.code === 'MUSTER_ERR_PKI_PROFILE');
});

test('CSRs: garbage, oversized, weak or unsupported keys and a broken self-signature are refused', async () => {
  const issuer = createIssuer({ ca: ca.issuing, clock, urls });
  const refused = (e: any) => e.code === 'MUSTER_ERR_PKI_CSR';
  await assert.rejects(issuer.issue('derived-piv-auth', await request({ csr: 'not a csr' })), refused);
  await assert.rejects(issuer.issue('derived-piv-auth', await request({ csr: 'x'.repeat(17 * 1024) })), (e: any) => refused(e) && /at most 16384/.test(e.message));
  await assert.rejects(issuer.issue('derived-piv-auth', await request({ csr: await csr(['-newkey', 'rsa:1024']) })), (e: any) => refused(e) && /rsa:1024/.test(e.message));
  await assert.rejects(issuer.issue('derived-piv-auth', await request({ csr: await csr(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp521r1']) })), refused);
  const good = await csr(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  const der = Buffer.from(good.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  der[der.length - 3] = (der[der.length - 3] as number) ^ 0xff;
  await assert.rejects(issuer.issue('derived-piv-auth', await request({ csr: new Uint8Array(der) })), refused);
});

test('CSRs: an RSA exponent of 3 (or any below 65537) and a SHA-1 self-signature are refused; RSA-4096 is accepted', async () => {
  const issuer = createIssuer({ ca: ca.issuing, clock, urls });
  const refused = (pattern: RegExp) => (e: any) => e.code === 'MUSTER_ERR_PKI_CSR' && e.details[0]?.field === 'csr' && pattern.test(e.message);
  await assert.rejects(issuer.issue('piv-auth', await request({ csr: await csr(['-newkey', 'rsa:2048', '-pkeyopt', 'rsa_keygen_pubexp:3']) })), refused(/exponent 3/));
  await assert.rejects(issuer.issue('piv-auth', await request({ csr: await csr(['-newkey', 'rsa:2048', '-pkeyopt', 'rsa_keygen_pubexp:257']) })), refused(/exponent 257/));
  await assert.rejects(issuer.issue('piv-auth', await request({ csr: await csr(['-sha1', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']) })), refused(/SHA-1|1\.2\.840\.10045\.4\.1/));
  await assert.rejects(issuer.issue('piv-auth', await request({ csr: await csr(['-sha1', '-newkey', 'rsa:2048']) })), refused(/SHA-1|1\.2\.840\.113549\.1\.1\.5/));
  const big = await issuer.issue('piv-auth', await request({ csr: await csr(['-newkey', 'rsa:4096']) }));
  assert.equal((big.certificate.publicKey.algorithm as { modulusLength?: number }).modulusLength, 4096);
});

test('a certificate that ends after 2030-12-31 needs an RSA key of at least 3072 bits (FPKI CP §6.1.5)', async () => {
  const later = new ManualClock('2029-06-01T12:00:00Z');
  const laterCa = await createCaHierarchy({ rootName: 'CN=Later Root,O=U.S. Government,C=US', issuingName: 'CN=Later Issuing,O=U.S. Government,C=US', keyAlgorithm: 'ecdsa-p256' }, later);
  const issuer = createIssuer({ ca: laterCa.issuing, clock: later, urls });
  const notAfterLimit = new Date(later.now().getTime() + 3 * 365 * DAY);
  await assert.rejects(
    issuer.issue('piv-auth', await request({ csr: await csr(['-newkey', 'rsa:2048']), notAfterLimit })),
    (e: any) => e.code === 'MUSTER_ERR_PKI_CSR' && /2030-12-31.*3072/.test(e.message),
  );
  const short = await issuer.issue('piv-auth', await request({ csr: await csr(['-newkey', 'rsa:2048']), notAfterLimit: new Date('2030-12-01T00:00:00Z') }));
  assert.ok(short.certificate.notAfter <= new Date('2030-12-31T23:59:59Z'));
  await issuer.issue('piv-auth', await request({ csr: await csr(['-newkey', 'rsa:3072']), notAfterLimit }));
});

test('a CA key leaves only encrypted, and a wrong passphrase is refused', async () => {
  const key = await generateCaKey('ecdsa-p256');
  const pem = await exportCaKeyPem(key, 'correct horse battery');
  assert.match(pem, /BEGIN ENCRYPTED PRIVATE KEY/);
  const back = await importCaKeyPem(pem, 'correct horse battery');
  assert.deepEqual(Buffer.from(back.spki), Buffer.from(key.spki));
  await assert.rejects(importCaKeyPem(pem, 'wrong passphrase!'), (e: any) => e.code === 'MUSTER_ERR_PKI_KEY');
});

test('a CRL carries its number and reasons, and nextUpdate may not be more than 48 hours away', async () => {
  const crl = await createCrl({ ca: ca.issuing, clock, crlNumber: 12, revoked: [{ serial: '0a1b2c', revokedAt: clock.now(), reason: 'keyCompromise' }] });
  assert.equal(crl.nextUpdate?.getTime(), clock.now().getTime() + 24 * 3_600_000);
  assert.equal(crl.entries.length, 1);
  await assert.rejects(createCrl({ ca: ca.issuing, clock, crlNumber: 13, nextUpdateHours: 49, revoked: [] }), (e: any) => e.code === 'MUSTER_ERR_PKI_PROFILE');
});
