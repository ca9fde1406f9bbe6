// The muster side of the OCSP benchmark, a child process of bench/ocsp.ts: creates the bench CA (files for OpenSSL
// too), pre-signs every status, then serves OCSP under / on 127.0.0.1 through ocspListener, as muster ships it. IPC: sends
// { type: 'ready', port, presignSeconds }; on { type: 'revoke', serial, requestPath } answers { type: 'revoked', ms }; on
// { type: 'workers', count } serves OCSP from that many worker threads on a new port (muster serve --ocsp-workers),
// closing any it started before, and answers { type: 'workers', port }.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../src/core/clock.ts';
import { OcspResponder, ocspListener } from '../../src/protocols/ocsp/index.ts';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { limitsSchema } from '../../src/config/limits-schema.ts';
import { Scheduler } from '../../src/queue/scheduler.ts';
import { type RunningOcspWorkers, startOcspWorkers } from '../../src/runtime/ocsp-workers.ts';
import { createBenchPki } from './pki.ts';
import { presign, revocationLatencyMs } from './status.ts';

interface RevokeMessage {
  readonly type: 'revoke';
  readonly serial: string;
  readonly requestPath: string;
}

interface WorkersMessage {
  readonly type: 'workers' | 'hono';
  readonly count?: number;
}

/** OCSP POST as a Hono route over @hono/node-server, on the main thread: what the raw listener is measured against. */
function startHono(responder: OcspResponder): Promise<number> {
  const app = new Hono();
  app.post('/', async (c) => {
    const answer = await responder.answer(new Uint8Array(await c.req.arrayBuffer()));
    return c.body(answer.der as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/ocsp-response' });
  });
  const server = createServer(getRequestListener(app.fetch));
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', 1024, () => resolve((server.address() as AddressInfo).port)));
}

let workers: RunningOcspWorkers | undefined;

async function startWorkers(responder: OcspResponder, count: number): Promise<number> {
  await workers?.close();
  workers = await startOcspWorkers({
    count,
    host: '127.0.0.1',
    port: 0,
    path: '/',
    limits: limitsSchema.parse({}),
    cacheEntries: 10_000,
    responder: () => responder,
    fetch: () => new Response('not found', { status: 404 }),
    scheduler: new Scheduler({ clock: systemClock }),
  });
  return workers.port;
}

function listen(responder: OcspResponder): Promise<Server> {
  const ocsp = ocspListener(responder, { path: '/' });
  const server = createServer((request, response) => {
    if (!ocsp(request, response)) response.writeHead(404).end();
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', 1024, () => resolve(server)));
}

function send(message: object): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const [dir, count] = process.argv.slice(2);
  if (!dir || !count || !process.send) throw new Error('usage: forked by bench/ocsp.ts with <dir> <count>');
  const pki = await createBenchPki(dir, Number(count));
  const responder = new OcspResponder({ issuer: pki.ca.issuing, responder: pki.signer, clock: systemClock, validityMinutes: 24 * 60 });
  const presignSeconds = await presign(responder, pki.serials);
  const server = await listen(responder);
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: RevokeMessage | WorkersMessage) => {
    if (message.type === 'hono') {
      void startHono(responder).then(
        (port) => send({ type: 'workers', port }),
        (error: unknown) => send({ type: 'failed', error: String(error) }),
      );
      return;
    }
    if (message.type === 'workers') {
      void startWorkers(responder, message.count ?? 1).then(
        (port) => send({ type: 'workers', port }),
        (error: unknown) => send({ type: 'failed', error: String(error) }),
      );
      return;
    }
    if (message.type !== 'revoke') return;
    void readFile(message.requestPath)
      .then((request) => revocationLatencyMs(responder, message.serial, new Uint8Array(request)))
      .then(
        (ms) => send({ type: 'revoked', ms }),
        (error: unknown) => send({ type: 'failed', error: String(error) }),
      );
  });
  send({ type: 'ready', port: (server.address() as AddressInfo).port, presignSeconds });
}

main().catch((error: unknown) => {
  send({ type: 'failed', error: error instanceof Error ? error.stack : String(error) });
  process.exit(1);
});
