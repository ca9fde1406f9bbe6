import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
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
import { OCSP_REQUEST_MEDIA_TYPE, OCSP_RESPONSE_MEDIA_TYPE, OcspResponder, ocspListener } from '../../src/protocols/ocsp/index.ts';
import { partialPostStatus } from '../../src/protocols/ocsp/test-fixtures.ts';

const run = promisify(execFile);
const clock = new ManualClock(new Date(Date.now() - 60_000));
let dir = '';
let ca: CaHierarchy;
let issuer: Issuer;
let responder: OcspResponder;
let server: Server;
let origin = '';
let url = '';
const path = (name: string) => join(dir, name);

/** OCSP under /ocsp through ocspListener, as the service mounts it; anything else is the main app's (here a 404). */
function startServer(): Promise<string> {
  const ocsp = ocspListener(responder, { path: '/ocsp' });
  server = createServer((request, response) => {
    if (!ocsp(request, response)) response.writeHead(404, { 'content-type': 'text/plain' }).end('main app\n');
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
  const { stdout, stderr } = await run(
    'openssl',
    ['ocsp', '-issuer', 'issuing.pem', '-cert', `${leaf}.pem`, '-url', url, '-CAfile', 'root.pem', '-verify_other', 'issuing.pem', '-no_nonce', '-resp_text'],
    { cwd: dir },
  );
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
  origin = await startServer();
  url = `${origin}/ocsp`;
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

/** `openssl ocsp -reqout` for a leaf: the DER request openssl would send. */
async function requestFor(leaf: string): Promise<Buffer> {
  await run('openssl', ['ocsp', '-issuer', 'issuing.pem', '-cert', `${leaf}.pem`, '-no_nonce', '-reqout', `${leaf}.req`], { cwd: dir });
  return readFile(path(`${leaf}.req`));
}

/** Reads a saved DER response with `openssl ocsp -respin`, verifying it. */
async function readResponse(leaf: string, der: Uint8Array): Promise<string> {
  await writeFile(path(`${leaf}.resp`), der);
  const { stdout, stderr } = await run(
    'openssl',
    ['ocsp', '-respin', `${leaf}.resp`, '-issuer', 'issuing.pem', '-cert', `${leaf}.pem`, '-CAfile', 'root.pem', '-verify_other', 'issuing.pem', '-no_nonce'],
    { cwd: dir },
  );
  return `${stdout}${stderr}`;
}

const post = (body: Uint8Array | string, contentType = OCSP_REQUEST_MEDIA_TYPE) => fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });

test('a GET request (url-encoded base64 DER in the path) gets the signed answer with RFC 5019 caching headers', async () => {
  const serial = await issueLeaf('getter');
  await responder.setStatus(serial, { status: 'good' });
  const der = await requestFor('getter');
  const response = await fetch(`${url}/${encodeURIComponent(der.toString('base64'))}`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), OCSP_RESPONSE_MEDIA_TYPE);
  const maxAge = Number(/^max-age=(\d+), public, no-transform, must-revalidate$/.exec(response.headers.get('cache-control') ?? '')?.[1]);
  assert.ok(maxAge > 23 * 3600 && maxAge <= 24 * 3600, `max-age ${maxAge}`);
  const lastModified = Date.parse(response.headers.get('last-modified') ?? '');
  const expires = Date.parse(response.headers.get('expires') ?? '');
  assert.equal(lastModified, Math.floor(clock.now().getTime() / 1000) * 1000);
  assert.equal(expires - lastModified, 24 * 3600 * 1000);
  const out = await readResponse('getter', new Uint8Array(await response.arrayBuffer()));
  assert.match(out, /Response verify OK/);
  assert.match(out, /getter\.pem: good/);
});

test('POST answers carry no caching headers and reflect a revocation at once', async () => {
  const serial = await issueLeaf('poster');
  await responder.setStatus(serial, { status: 'good' });
  const der = await requestFor('poster');
  const first = await post(der);
  assert.equal(first.headers.get('cache-control'), null);
  assert.match(await readResponse('poster', new Uint8Array(await first.arrayBuffer())), /poster\.pem: good/);
  await responder.setStatus(serial, { status: 'revoked', revokedAt: clock.now(), reason: 'superseded' });
  assert.match(await readResponse('poster', new Uint8Array(await (await post(der)).arrayBuffer())), /poster\.pem: revoked/);
});

test('garbage bytes, by POST or GET, get the OCSP malformedRequest answer', async () => {
  const malformed = [0x30, 0x03, 0x0a, 0x01, 0x01]; // OCSPResponse { responseStatus malformedRequest (1) }
  for (const response of [await post(new Uint8Array([1, 2, 3, 4])), await post(new Uint8Array()), await fetch(`${url}/not%20base64!`)]) {
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), null);
    assert.deepEqual([...new Uint8Array(await response.arrayBuffer())], malformed);
  }
  await writeFile(path('garbage.resp'), new Uint8Array(malformed));
  const { stdout } = await run('openssl', ['ocsp', '-respin', 'garbage.resp', '-resp_text', '-noverify'], { cwd: dir }).catch((error: { stdout: string }) => error);
  assert.match(stdout, /Responder Error: malformedrequest \(1\)/);
});

test('a POST of another content type gets 415, another method 405, another path goes to the main app', async () => {
  const wrongType = await post(await requestFor('getter'), 'application/octet-stream');
  assert.equal(wrongType.status, 415);
  assert.equal(wrongType.headers.get('accept-post'), OCSP_REQUEST_MEDIA_TYPE);
  const put = await fetch(url, { method: 'PUT', body: 'x' });
  assert.equal(put.status, 405);
  assert.equal(put.headers.get('allow'), 'GET, HEAD, POST');
  for (const other of [`${origin}/`, `${origin}/ocspx`, `${origin}/health`]) {
    const response = await fetch(other);
    assert.equal(response.status, 404);
    assert.equal(await response.text(), 'main app\n');
  }
});

test('a body over 8 KiB gets 413 without the responder waiting for all of it', async () => {
  assert.equal(await partialPostStatus(url, { 'content-length': String(10 * 1024 * 1024) }, 1024), 413);
  assert.equal(await partialPostStatus(url, { 'transfer-encoding': 'chunked' }, 9 * 1024), 413);
});
