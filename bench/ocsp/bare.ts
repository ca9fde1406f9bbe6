// The peer of the OCSP workers benchmark: a bare node:http server answering every request with one fixed body, on the
// main thread (argument 0) or from N worker threads sharing one port (SO_REUSEPORT), as muster's OCSP workers do.
// Forked by bench/ocsp-workers.ts; IPC: sends { type: 'ready', port }.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/** About the size of a pre-signed OCSP answer of the bench CA. */
const BODY = Buffer.alloc(470, 0x30);
const HEADERS = { 'content-type': 'application/ocsp-response', 'content-length': String(BODY.byteLength) };

function listen(port: number, reusePort: boolean): Promise<number> {
  const server = createServer((request, response) => {
    request.resume();
    request.once('end', () => response.writeHead(200, HEADERS).end(BODY));
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen({ host: '127.0.0.1', port, reusePort, backlog: 1024 }, () => resolve((server.address() as AddressInfo).port)));
}

if (!isMainThread) {
  parentPort?.postMessage(await listen(workerData as number, true));
} else {
  const threads = Number(process.argv[2] ?? 0);
  let port = 0;
  if (threads === 0) port = await listen(0, false);
  for (let i = 0; i < threads; i++) {
    const worker = new Worker(new URL(import.meta.url), { workerData: port });
    port = await new Promise<number>((resolve) => worker.once('message', resolve));
  }
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', port });
}
