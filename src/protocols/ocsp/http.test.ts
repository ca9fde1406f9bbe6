import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import { createCaHierarchy } from '../../pki/ca.ts';
import { ocspListener, type OcspListenerOptions } from './http.ts';
import { OCSP_REQUEST_MEDIA_TYPE, OCSP_RESPONSE_MEDIA_TYPE } from './media-types.ts';
import { OcspResponder } from './responder.ts';
import { partialPostStatus, read, requestFor, responderFor } from './test-fixtures.ts';

const clock = new ManualClock(new Date(Date.now() - 60_000));
const { issuing } = await createCaHierarchy({ rootName: 'CN=Root,O=U.S. Government,C=US', issuingName: 'CN=Issuing,O=U.S. Government,C=US', keyAlgorithm: 'ecdsa-p256' }, clock);
const responder = new OcspResponder({ issuer: issuing, responder: await responderFor(issuing, clock), clock, validityMinutes: 60 });
const servers: Server[] = [];
let base = '';

/** A server whose main app answers 404 "main" for whatever the OCSP listener leaves. */
async function serve(options: OcspListenerOptions): Promise<string> {
  const ocsp = ocspListener(responder, options);
  const server = createServer((request, response) => {
    if (!ocsp(request, response)) response.writeHead(404).end('main');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  await responder.setStatus('4a01', { status: 'good' });
  base = await serve({ path: '/ocsp' });
});
after(() => {
  for (const server of servers) server.close();
});

const post = (url: string, body: Uint8Array, type = OCSP_REQUEST_MEDIA_TYPE) => fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
const bytes = async (response: Response) => new Uint8Array(await response.arrayBuffer());

test('POST answers with the pre-signed DER, the same bytes respond() gives, and no caching headers', async () => {
  const request = requestFor(issuing, '4a01');
  const response = await post(`${base}/ocsp`, request, 'Application/OCSP-Request; charset=binary');
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), OCSP_RESPONSE_MEDIA_TYPE);
  assert.equal(response.headers.get('cache-control'), null);
  assert.deepEqual(await bytes(response), new Uint8Array(await responder.respond(request)));
});

test('GET takes standard and URL-safe base64, sets RFC 5019 caching headers; HEAD sends them without a body', async () => {
  const request = Buffer.from(requestFor(issuing, '4a01', 'sha256'));
  for (const encoded of [encodeURIComponent(request.toString('base64')), request.toString('base64url')]) {
    const response = await fetch(`${base}/ocsp/${encoded}`);
    assert.equal(read(await bytes(response)).certStatus, 'good');
    assert.match(response.headers.get('cache-control') ?? '', /^max-age=\d+, public, no-transform, must-revalidate$/);
    assert.ok(Date.parse(response.headers.get('expires') ?? '') > Date.parse(response.headers.get('last-modified') ?? ''));
  }
  const head = await fetch(`${base}/ocsp/${request.toString('base64url')}`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.ok(head.headers.get('expires'));
  assert.equal((await bytes(head)).byteLength, 0);
});

test('a serial without a status is signed on demand (unknown), then answered without waiting', async () => {
  const request = requestFor(issuing, '7e57');
  assert.equal(responder.answerNow(request), undefined);
  assert.equal(read(await bytes(await post(`${base}/ocsp`, request))).certStatus, 'unknown');
  assert.ok(responder.answerNow(request)?.nextUpdate);
});

test('415 for another content type, 405 for another method, garbage gets malformedRequest', async () => {
  assert.equal((await post(`${base}/ocsp`, requestFor(issuing, '4a01'), 'text/plain')).status, 415);
  assert.equal((await fetch(`${base}/ocsp`, { method: 'DELETE' })).status, 405);
  const garbage = await post(`${base}/ocsp`, new Uint8Array([0xde, 0xad]));
  assert.deepEqual(read(await bytes(garbage)), { status: 1 });
});

test('only URLs under the path are taken: /ocsp, /ocsp/… and /ocsp?…, not /ocspx or /', async () => {
  for (const [path, status] of [
    ['/ocsp?x=1', 200],
    ['/ocsp/', 200],
    ['/ocspx', 404],
    ['/', 404],
    ['/other/ocsp', 404],
  ] as const) {
    assert.equal((await fetch(`${base}${path}`)).status, status, path);
  }
  const slashMounted = await serve({ path: '/status/' });
  assert.equal(read(await bytes(await post(`${slashMounted}/status`, requestFor(issuing, '4a01')))).certStatus, 'good');
  assert.throws(() => ocspListener(responder, { path: 'ocsp' }), TypeError);
});

test('maxRequestBytes sets the 413 limit, whether declared or counted', async () => {
  const small = await serve({ path: '/ocsp', maxRequestBytes: 64 });
  assert.equal(await partialPostStatus(`${small}/ocsp`, { 'content-length': String(1 << 20) }, 10), 413);
  assert.equal(await partialPostStatus(`${small}/ocsp`, { 'transfer-encoding': 'chunked' }, 65), 413);
  const declared = await post(`${small}/ocsp`, requestFor(issuing, '4a01'));
  assert.equal(declared.status, 413);
  assert.equal(declared.headers.get('connection'), 'close');
});
