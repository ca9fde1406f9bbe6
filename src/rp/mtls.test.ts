// The reference RP over https with mutual TLS: the subscriber's certificate, seen by the RP's TLS
// layer, must match the IdP's FAL3 holder-of-key confirmation (cnf x5t#S256).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tlsFetch } from './fetch.ts';
import { createReferenceRp, type ReferenceRp } from './reference/app.ts';
import { TestBrowser } from './test-browser.ts';
import { clientKeys, clientMetadata, FAL3_AGENCY, pivClaims, testAgreements } from './test-fixtures.ts';
import { startTestIdp, type TestIdp } from './test-idp.ts';
import { certificateThumbprint } from './thumbprint.ts';

const dir = mkdtempSync(join(tmpdir(), 'muster-rp-mtls-'));
let idp: TestIdp;
let rp: ReferenceRp;
let rpUrl: string;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A CA, the RP's server certificate for 127.0.0.1, and two subscriber certificates. */
function certificates(): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=Test PIV CA', '-days', '2');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  for (const [name, ext] of [
    ['server', ['-extfile', 'server.ext']],
    ['alice', []],
    ['mallory', []],
  ] as const) {
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', ...ext);
  }
}

const file = (name: string) => readFileSync(join(dir, name));

before(async () => {
  certificates();
  idp = await startTestIdp();
  const keys = await clientKeys();
  rp = createReferenceRp({
    issuer: idp.issuer,
    clientId: 'mtls-rp',
    privateJwk: keys.privateJwk,
    agreements: testAgreements(idp.issuer),
    allowInsecureHttp: true,
    log: () => {},
    tls: { key: file('server.key'), cert: file('server.pem'), ca: file('ca.pem'), requestCert: true },
  });
  rpUrl = (await rp.listen()).url;
  idp.register([clientMetadata('mtls-rp', `${rpUrl}/callback`, keys)]);
  const thumbprint = certificateThumbprint(file('alice.pem').toString('utf8'));
  idp.people.set('alice', { idToken: pivClaims({ piv_home_agency: FAL3_AGENCY, fal: 'fal3', cnf: { 'x5t#S256': thumbprint } }), userinfo: { name: 'Alice' } });
});

after(async () => {
  await rp.close();
  await idp.close();
  rmSync(dir, { recursive: true, force: true });
});

function browserWith(certificate: string): TestBrowser {
  return new TestBrowser(tlsFetch({ ca: file('ca.pem'), cert: file(`${certificate}.pem`), key: file(`${certificate}.key`) }));
}

test('FAL3 holder-of-key over mutual TLS: the certificate named in cnf signs in', async () => {
  idp.nextLogin = { accountId: 'alice' };
  const page = await browserWith('alice').open(`${rpUrl}/login`);
  assert.equal(page.status, 200);
  assert.match(page.body, /<code id="sub">alice<\/code>/);
});

test('FAL3 holder-of-key over mutual TLS: another certificate is refused', async () => {
  idp.nextLogin = { accountId: 'alice' };
  const page = await browserWith('mallory').open(`${rpUrl}/login`);
  assert.equal(page.status, 401);
  assert.match(page.body, /RP_ERR_HOLDER_OF_KEY/);
});
