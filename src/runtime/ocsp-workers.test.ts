import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { limitsSchema } from '../config/limits-schema.ts';
import { ManualClock } from '../core/clock.ts';
import { createCaHierarchy } from '../pki/ca.ts';
import { OCSP_REQUEST_MEDIA_TYPE } from '../protocols/ocsp/media-types.ts';
import { OcspResponder } from '../protocols/ocsp/responder.ts';
import { read, requestFor, responderFor } from '../protocols/ocsp/test-fixtures.ts';
import { Scheduler } from '../queue/scheduler.ts';
import { type RunningOcspWorkers, startOcspWorkers } from './ocsp-workers.ts';

const clock = new ManualClock(new Date(Date.now() - 60_000));
const { issuing } = await createCaHierarchy({ rootName: 'CN=Root,O=U.S. Government,C=US', issuingName: 'CN=Issuing,O=U.S. Government,C=US', keyAlgorithm: 'ecdsa-p256' }, clock);
const responder = new OcspResponder({ issuer: issuing, responder: await responderFor(issuing, clock), clock, validityMinutes: 60 });
const scheduler = new Scheduler({ clock, timers: false });
let workers: RunningOcspWorkers;
let base = '';

before(async () => {
  await responder.setStatus('4a01', { status: 'good' });
  await responder.setStatus('4a02', { status: 'good' });
  workers = await startOcspWorkers({
    count: 2,
    host: '127.0.0.1',
    port: 0,
    path: '/ocsp',
    limits: limitsSchema.parse({}),
    cacheEntries: 100,
    responder: () => responder,
    scheduler,
    fetch: (request) => new Response(`main ${request.method} ${new URL(request.url).pathname}`, { status: 404, headers: { 'x-from': 'main' } }),
  });
  base = `http://127.0.0.1:${workers.port}`;
});
after(() => workers.close());

/** Each request on a connection of its own, so that both workers' sockets are used. */
const status = async (serial: string) => {
  const response = await fetch(`${base}/ocsp`, { method: 'POST', headers: { 'content-type': OCSP_REQUEST_MEDIA_TYPE, connection: 'close' }, body: requestFor(issuing, serial) });
  assert.equal(response.status, 200);
  return read(new Uint8Array(await response.arrayBuffer())).certStatus;
};

test('workers on one port answer OCSP with the responder’s pre-signed bytes', async () => {
  const request = requestFor(issuing, '4a01');
  for (let i = 0; i < 6; i++) {
    const response = await fetch(`${base}/ocsp`, { method: 'POST', headers: { 'content-type': OCSP_REQUEST_MEDIA_TYPE, connection: 'close' }, body: request });
    assert.deepEqual(new Uint8Array(await response.arrayBuffer()), new Uint8Array(await responder.respond(request)));
  }
});

test('a revocation is answered by every worker once the responder has signed it, though they kept the good answer', async () => {
  for (let i = 0; i < 6; i++) assert.equal(await status('4a02'), 'good');
  await responder.setStatus('4a02', { status: 'revoked', revokedAt: clock.now(), reason: 'keyCompromise' });
  for (let i = 0; i < 6; i++) assert.equal(await status('4a02'), 'revoked');
  responder.forget('4a02');
  for (let i = 0; i < 6; i++) assert.equal(await status('4a02'), 'unknown');
});

test('requests that are not OCSP are answered by the responder’s thread, status, headers and body', async () => {
  const response = await fetch(`${base}/pki/issuing-ca.crl`, { headers: { connection: 'close' } });
  assert.equal(response.status, 404);
  assert.equal(response.headers.get('x-from'), 'main');
  assert.equal(await response.text(), 'main GET /pki/issuing-ca.crl');
});

test('a port held by another listener is refused naming it', async () => {
  const other = createServer();
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  const port = (other.address() as AddressInfo).port;
  try {
    await assert.rejects(
      startOcspWorkers({
        count: 1,
        host: '127.0.0.1',
        port,
        path: '/ocsp',
        limits: limitsSchema.parse({}),
        cacheEntries: 10,
        responder: () => responder,
        fetch: () => new Response(''),
        scheduler: new Scheduler({ clock, timers: false }),
      }),
      (error: Error & { code?: string }) => error.code === 'MUSTER_ERR_LISTEN' && error.message.includes(`127.0.0.1:${port}: EADDRINUSE`),
    );
  } finally {
    other.close();
  }
});

test('a renewed responder takes over in the workers at the scheduler task’s next run', async () => {
  const scheduler = new Scheduler({ clock, timers: false });
  const renewed = new OcspResponder({ issuer: issuing, responder: await responderFor(issuing, clock), clock, validityMinutes: 60 });
  await renewed.setStatus('4a03', { status: 'revoked', revokedAt: clock.now(), reason: 'keyCompromise' });
  await responder.setStatus('4a03', { status: 'good' });
  let current = responder;
  const own = await startOcspWorkers({
    count: 1,
    host: '127.0.0.1',
    port: 0,
    path: '/ocsp',
    limits: limitsSchema.parse({}),
    cacheEntries: 10,
    responder: () => current,
    fetch: () => new Response(''),
    scheduler,
  });
  const ask = async () => {
    const response = await fetch(`http://127.0.0.1:${own.port}/ocsp`, { method: 'POST', headers: { 'content-type': OCSP_REQUEST_MEDIA_TYPE, connection: 'close' }, body: requestFor(issuing, '4a03') });
    return read(new Uint8Array(await response.arrayBuffer())).certStatus;
  };
  try {
    assert.equal(await ask(), 'good');
    current = renewed;
    assert.equal(await ask(), 'good', 'the workers keep their copies until the task runs');
    clock.advance(1_000);
    await scheduler.runDue();
    assert.equal(await ask(), 'revoked');
  } finally {
    await own.close();
  }
});
