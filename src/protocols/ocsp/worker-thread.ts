// An OCSP worker thread (started by runtime/ocsp-workers.ts): it listens on the PKI listener's port beside its
// siblings (SO_REUSEPORT: the kernel spreads connections over them), answers OCSP from copies of the responder's
// answers, and hands every other request (CRLs, CA certificates, /health) to the responder's thread.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { guardListener, serverOptionsOf } from '../listener-limits.ts';
import { readBody } from './http-body.ts';
import { ocspListener } from './http.ts';
import { WorkerAnswers, type WorkerPort } from './worker-answers.ts';
import type { FromOcspWorker, OcspWorkerData, ToOcspWorker } from './worker-messages.ts';

/** Bodies handed on to the responder's thread are at most this large (the PKI routes take none). */
const MAX_FORWARDED_BODY = 64 * 1024;

const data = workerData as OcspWorkerData;
const port = parentPort as NonNullable<typeof parentPort>;
const tell = (message: FromOcspWorker) => port.postMessage(message);
const answers = new WorkerAnswers(port as WorkerPort, data.cacheEntries, data.epoch);
const ocsp = ocspListener(answers, { path: data.path });
const forwarded = new Map<number, ServerResponse>();
let nextId = 0;

function forward(request: IncomingMessage, response: ServerResponse): void {
  readBody(request, MAX_FORWARDED_BODY, (body) => {
    if (!body) return void response.writeHead(413, { 'content-type': 'text/plain' }).end('request body too large');
    const id = (nextId += 1);
    forwarded.set(id, response);
    response.once('close', () => forwarded.delete(id));
    const headers: [string, string][] = [];
    for (let i = 0; i < request.rawHeaders.length; i += 2) headers.push([request.rawHeaders[i] as string, request.rawHeaders[i + 1] as string]);
    const method = request.method ?? 'GET';
    tell({ type: 'http', id, method, url: request.url ?? '/', headers, body: method === 'GET' || method === 'HEAD' ? null : Uint8Array.from(body) });
  });
}

const server = createServer(serverOptionsOf(data.limits), (request, response) => {
  if (!ocsp(request, response)) forward(request, response);
});
guardListener(server, { name: data.name, limits: data.limits, onRefused: (listener, reason) => tell({ type: 'refused', listener, reason }) });

port.on('message', (message: ToOcspWorker) => {
  if (answers.receive(message)) return;
  if (message.type === 'http') {
    const response = forwarded.get(message.id);
    forwarded.delete(message.id);
    response?.writeHead(message.status, message.headers.flat()).end(message.body);
  } else if (message.type === 'close') {
    server.close(() => tell({ type: 'closed' }));
    server.closeIdleConnections();
  }
});
server.once('error', (error: NodeJS.ErrnoException) => tell({ type: 'failed', code: error.code ?? 'error', message: error.message }));
server.listen({ host: data.host, port: data.port, reusePort: true }, () => tell({ type: 'listening', port: (server.address() as AddressInfo).port }));
