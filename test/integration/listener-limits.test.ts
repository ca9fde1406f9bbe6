import assert from 'node:assert/strict';
import { type Socket, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pgliteFactory } from '../support/stores.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { createPkiApp } from '../../src/http/pki-app.ts';
import { type RunningServer, serveHttp } from '../../src/http/serve.ts';
import { read, requestFor } from '../../src/protocols/ocsp/test-fixtures.ts';
import { type Muster, startMuster } from '../../src/runtime/context.ts';
import { type PkiServing, startPkiServing } from '../../src/runtime/pki-serving.ts';

/**
 * The listeners' bounds over loopback: idle connections past the per-address cap are closed at once while /health and
 * OCSP keep answering other addresses; a full API listener leaves the PKI listener answering; a request whose headers
 * never end is cut after headersTimeout.
 */

const LIMITS = { headersTimeoutMs: 3000, requestTimeoutMs: 5000, keepAliveTimeoutMs: 2000, idleTimeoutMs: 10_000, checkIntervalMs: 100, maxConnectionsPerAddress: 200, maxConnections: 5000 };

interface Held {
  readonly sockets: Socket[];
  closed(): number;
}

/** Opens `count` connections from `localAddress` that send nothing, 100 at a time (within the listen backlog). */
async function idle(port: number, localAddress: string, count: number): Promise<Held> {
  const sockets: Socket[] = [];
  let closed = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress }, () => resolve());
      socket.on('error', () => resolve());
      socket.on('close', () => {
        closed += 1;
        resolve();
      });
      sockets.push(socket);
    });
  for (let opened = 0; opened < count; opened += 100) await Promise.all(Array.from({ length: Math.min(100, count - opened) }, one));
  return { sockets, closed: () => closed };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `value()` is `expected` (or 5 s have passed) and returns what it is then. */
async function reaches(value: () => number, expected: number): Promise<number> {
  for (let waited = 0; waited < 5000 && value() !== expected; waited += 50) await settle(50);
  return value();
}

describe('bounded listeners', () => {
  let ctx: Muster;
  let pki: PkiServing;
  let api: RunningServer;
  let own: RunningServer;
  const refused: string[] = [];
  const held: Held[] = [];

  before(async () => {
    ctx = await startMuster(loadConfig({ env: {}, overrides: { dataDir: ':memory:', server: { limits: LIMITS } } }), { store: await pgliteFactory.open() });
    pki = await startPkiServing(ctx);
    const bounds = { limits: ctx.config.server.limits, onRefused: (listener: string, reason: string) => void refused.push(`${listener}:${reason}`) };
    api = await serveHttp(createHttpApp(ctx), { host: '127.0.0.1', port: 0, before: [pki.listener], ...bounds });
    own = await serveHttp(createPkiApp(ctx), { host: '127.0.0.1', port: 0, before: [pki.listener], name: 'pki', ...bounds });
  });
  after(async () => {
    for (const h of held) for (const socket of h.sockets) socket.destroy();
    await Promise.all([api.close(), own.close()]);
    await pki.stop();
    await ctx.close();
  });

  const ocspAnswers = async (port: number) => {
    const { issuing } = await ctx.ca();
    const response = await fetch(`http://127.0.0.1:${port}/ocsp`, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: requestFor(issuing, '4a01') });
    assert.equal(response.status, 200);
    assert.equal(read(new Uint8Array(await response.arrayBuffer())).status, 0, 'a successful OCSP response');
  };

  it('closes idle connections past the per-address cap at once, and /health and OCSP answer another address', async () => {
    const flood = await idle(api.port, '127.0.0.2', 1000);
    held.push(flood);
    assert.equal(await reaches(flood.closed, 800), 800, 'the 200 allowed stay open, the 800 others are closed as they arrive');
    await settle(100);
    assert.equal(flood.closed(), 800);
    assert.equal(refused.filter((r) => r === 'api:address-full').length, 800);
    const health = await fetch(`http://127.0.0.1:${api.port}/health`);
    assert.equal(health.status, 200);
    await ocspAnswers(api.port);
    for (const socket of flood.sockets) socket.destroy();
  });

  it('cuts a request whose headers never end after headersTimeout, even while it keeps sending', async () => {
    const socket = connect({ host: '127.0.0.1', port: api.port });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    const started = performance.now();
    socket.write('GET /health HTTP/1.1\r\nHost: muster\r\n');
    const drip = setInterval(() => socket.write(`X-Slow-${Math.random().toString(36).slice(2)}: 1\r\n`), 100);
    let answer = '';
    socket.on('data', (chunk) => (answer += String(chunk)));
    await new Promise((resolve) => socket.once('close', resolve));
    clearInterval(drip);
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds >= 2.9 && seconds < 5, `closed after ${seconds.toFixed(2)} s`);
    assert.ok(answer === '' || /^HTTP\/1\.1 408/.test(answer), answer);
  });

  it('closes a connection that sends nothing after headersTimeout', async () => {
    const started = performance.now();
    const quiet = await idle(api.port, '127.0.0.3', 3);
    held.push(quiet);
    assert.equal(await reaches(quiet.closed, 3), 3);
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds >= 2.9 && seconds < 5, `closed after ${seconds.toFixed(2)} s`);
  });

  it('leaves a PKI listener of its own answering OCSP and CRLs while the API listener is full', async () => {
    const full = await serveHttp(createHttpApp(ctx), {
      host: '127.0.0.1',
      port: 0,
      limits: { ...ctx.config.server.limits, maxConnections: 100 },
      onRefused: (_listener, reason) => void refused.push(`full:${reason}`),
    });
    try {
      const flood = await idle(full.port, '127.0.0.4', 150);
      held.push(flood);
      assert.equal(await reaches(flood.closed, 50), 50);
      assert.equal(refused.filter((r) => r === 'full:listener-full').length, 50);
      await assert.rejects(fetch(`http://127.0.0.1:${full.port}/health`), 'the full listener takes nothing more');
      await ocspAnswers(own.port);
      const crl = await fetch(`http://127.0.0.1:${own.port}/pki/issuing-ca.crl`);
      assert.equal(crl.status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${own.port}/api/ca`)).status, 404, 'no admin API on the PKI listener');
      for (const socket of flood.sockets) socket.destroy();
    } finally {
      await full.close();
    }
  });
});
