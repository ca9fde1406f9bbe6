import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ManualClock } from '../../src/core/clock.ts';
import { createCaHierarchy, type CaHierarchy } from '../../src/pki/ca.ts';
import { createIssuer, type Issuer } from '../../src/pki/issue.ts';
import { generateCaKey } from '../../src/pki/keys.ts';
import { Pkcs10CertificateRequestGenerator } from '../../src/pki/x509.ts';
import { OCSP_RESPONSE_MEDIA_TYPE, OcspResponder, ocspGetPath } from '../../src/protocols/ocsp/index.ts';

const run = promisify(execFile);
const clock = new ManualClock(new Date(Date.now() - 60_000));
let dir = '';
let ca: CaHierarchy;
let issuer: Issuer;
let responder: OcspResponder;
let server: Server;
let url = '';
const path = (name: string) => join(dir, name);

async function body(request: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

function startServer(): Promise<string> {
  server = createServer(async (request, response) => {
    const bytes = request.method === 'POST' ? await body(request) : ocspGetPath(request.url ?? '/');
    const der = await responder.respond(bytes ?? new Uint8Array());
    response.writeHead(200, { 'content-type': OCSP_RESPONSE_MEDIA_TYPE, 'content-length': der.byteLength }).end(der);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

async function issueLeaf(name: string): Promise<string> {
  await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', '/CN=applicant'], { cwd: dir });
  const cert = await issuer.issue('derived-piv-auth', { csr: await readFile(path(`${name}.csr`), 'utf8'), subject: 'CN=Jane Doe,OU=muster,O=U.S. Government,C=US' });
  await writeFile(path(`${name}.pem`), cert.pem);
  return cert.serial;
}

/** `openssl ocsp` against the test server; stdout and stderr together (openssl prints "Response verify OK" on stderr). */
async function ask(leaf: string): Promise<string> {
  const { stdout, stderr } = await run('openssl', ['ocsp', '-issuer', 'issuing.pem', '-cert', `${leaf}.pem`, '-url', url, '-CAfile', 'root.pem', '-verify_other', 'issuing.pem', '-no_nonce', '-resp_text'], { cwd: dir });
  return `${stdout}${stderr}`;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'muster-ocsp-'));
  ca = await createCaHierarchy({ rootName: 'CN=Demo Agency Root CA,OU=muster,O=U.S. Government,C=US', issuingName: 'CN=Demo Agency Issuing CA,OU=muster,O=U.S. Government,C=US' }, clock);
  issuer = createIssuer({ ca: ca.issuing, clock, urls: { caIssuers: 'http://pki.example.gov/issuing.p7c', ocsp: 'http://ocsp.example.gov', crl: 'http://pki.example.gov/issuing.crl' } });
  const key = await generateCaKey('ecdsa-p256');
  const csr = await Pkcs10CertificateRequestGenerator.create({ name: 'CN=OCSP', keys: { privateKey: key.privateKey, publicKey: key.publicKey }, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
  const responderCert = await issuer.issue('ocsp-responder', { csr: csr.toString('pem'), subject: 'CN=Demo Agency OCSP Responder,OU=muster,O=U.S. Government,C=US' });
  responder = new OcspResponder({ issuer: ca.issuing, responder: { certificate: responderCert.certificate, key }, clock, validityMinutes: 24 * 60 });
  await writeFile(path('root.pem'), ca.root.certificate.toString('pem'));
  await writeFile(path('issuing.pem'), ca.issuing.certificate.toString('pem'));
  url = await startServer();
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

test('openssl ocsp verifies the signed answer and reads good, then revoked with its reason', async () => {
  const serial = await issueLeaf('leaf');
  await responder.setStatus(serial, { status: 'good' });
  const good = await ask('leaf');
  assert.match(good, /Response verify OK/);
  assert.match(good, /leaf\.pem: good/);
  assert.match(good, /Responder Id: [0-9A-F]{40}/);
  assert.match(good, /Next Update:/);
  await responder.setStatus(serial, { status: 'revoked', revokedAt: clock.now(), reason: 'keyCompromise' });
  const revoked = await ask('leaf');
  assert.match(revoked, /Response verify OK/);
  assert.match(revoked, /leaf\.pem: revoked/);
  assert.match(revoked, /Reason: keyCompromise/);
});

test('openssl ocsp reads unknown for a serial the responder has no status for', async () => {
  await issueLeaf('stranger');
  const out = await ask('stranger');
  assert.match(out, /Response verify OK/);
  assert.match(out, /stranger\.pem: unknown/);
});

test('a GET request (base64 DER in the path) gets the same answer as POST', async () => {
  const serial = await issueLeaf('getter');
  await responder.setStatus(serial, { status: 'good' });
  await run('openssl', ['ocsp', '-issuer', 'issuing.pem', '-cert', 'getter.pem', '-no_nonce', '-reqout', 'getter.req'], { cwd: dir });
  const der = await readFile(path('getter.req'));
  const response = await fetch(`${url}/${encodeURIComponent(der.toString('base64'))}`);
  await writeFile(path('getter.resp'), new Uint8Array(await response.arrayBuffer()));
  const { stdout, stderr } = await run('openssl', ['ocsp', '-respin', 'getter.resp', '-issuer', 'issuing.pem', '-cert', 'getter.pem', '-CAfile', 'root.pem', '-verify_other', 'issuing.pem', '-no_nonce'], { cwd: dir });
  assert.match(`${stdout}${stderr}`, /Response verify OK/);
  assert.match(stdout, /getter\.pem: good/);
});
