import diagnostics from 'node:diagnostics_channel';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP server that counts the connections it accepts and records the requests it is sent. */
export interface CountingServer {
  readonly url: string;
  readonly port: number;
  readonly connections: () => number;
  readonly requests: { method: string; path: string; host: string; authorization: string | undefined; body: string }[];
  close(): Promise<void>;
}

export async function countingServer(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<CountingServer> {
  let connections = 0;
  const requests: CountingServer['requests'] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', path: request.url ?? '', host: request.headers.host ?? '', authorization: request.headers.authorization, body: Buffer.concat(chunks).toString() });
      answer(request, response);
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => connections,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Counts every client socket this process opens while `run` runs (node:net's `net.client.socket` channel). */
export async function socketsOpenedDuring(run: () => Promise<unknown>): Promise<number> {
  let opened = 0;
  const count = (): void => {
    opened += 1;
  };
  diagnostics.subscribe('net.client.socket', count);
  try {
    await run();
  } finally {
    diagnostics.unsubscribe('net.client.socket', count);
  }
  return opened;
}
