import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { MusterError } from '../core/errors.ts';
import type { MusterApp } from './env.ts';

export interface ServeOptions {
  readonly host: string;
  /** 0 picks a free port; the bound one is returned. */
  readonly port: number;
  /** Raw listeners tried before the app, in order (e.g. OCSP); each returns true when it took the request. */
  readonly before?: readonly ((request: IncomingMessage, response: ServerResponse) => boolean)[];
}

export interface RunningServer {
  readonly port: number;
  readonly host: string;
  /** Stops accepting, ends idle keep-alive connections, and resolves when the server has closed. */
  close(): Promise<void>;
}

/** Serves the app on Node's HTTP server; resolves once listening, rejects with MUSTER_ERR_LISTEN. */
export function serveHttp(app: MusterApp, options: ServeOptions): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const appListener = getRequestListener(app.fetch);
    const before = options.before ?? [];
    const server = createServer((request, response) => {
      for (const listener of before) if (listener(request, response)) return;
      void appListener(request, response);
    });
    server.keepAliveTimeout = 65_000;
    server.listen(options.port, options.host);
    server.once('error', (error) => reject(listenError(options, error)));
    server.once('listening', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({ port, host: options.host, close: () => closeServer(server) });
    });
  });
}

function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}

function listenError(options: ServeOptions, error: Error): MusterError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return new MusterError('MUSTER_ERR_LISTEN', `cannot listen on ${options.host}:${options.port}: ${code}`, [{ key: 'server.port', value: String(options.port), message: error.message }], { cause: error });
}
