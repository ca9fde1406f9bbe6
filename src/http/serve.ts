import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { getRequestListener } from '@hono/node-server';
import { type ListenerLimits, limitsSchema } from '../config/limits-schema.ts';
import { MusterError } from '../core/errors.ts';
import { recordForwarded, trustedProxiesOf } from '../protocols/forwarded.ts';
import { type ConnectionRefused, guardListener, serverOptionsOf } from '../protocols/listener-limits.ts';
import type { MusterApp } from './env.ts';

/** A raw listener tried before the app; returns true when it took the request. */
export type BeforeListener = (request: IncomingMessage, response: ServerResponse) => boolean;

export interface ServeOptions {
  readonly host: string;
  /** 0 picks a free port; the bound one is returned. */
  readonly port: number;
  /** Raw listeners tried before the app, in order (e.g. OCSP); each returns true when it took the request. */
  readonly before?: readonly BeforeListener[];
  /** Timeouts and connection caps (server.limits); default: the configuration's defaults. */
  readonly limits?: ListenerLimits;
  /** The listener's name in metrics (default 'api'). */
  readonly name?: string;
  /** Told of every connection closed at once past a cap. */
  readonly onRefused?: ConnectionRefused;
  /** The config key named when the port cannot be bound (default 'server.port'). */
  readonly portKey?: string;
  /** Serve over TLS with this certificate (PEM, chain after it) and key (server.tls). */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (server.trustedProxies). */
  readonly trustedProxies?: readonly string[];
}

/** Strict-Transport-Security (RFC 6797) on every answer the client received over TLS: a year, subdomains included. */
export const HSTS = 'max-age=31536000; includeSubDomains';

export interface RunningServer {
  readonly port: number;
  readonly host: string;
  /** Stops accepting, ends idle keep-alive connections, and resolves when the server has closed. */
  close(): Promise<void>;
}

const DEFAULT_LIMITS = limitsSchema.parse({});

/** Serves the app on Node's HTTP server; resolves once listening, rejects with MUSTER_ERR_LISTEN. */
export function serveHttp(app: MusterApp, options: ServeOptions): Promise<RunningServer> {
  const appListener = getRequestListener(app.fetch);
  return new Promise((resolve, reject) => {
    const before = options.before ?? [];
    const limits = options.limits ?? DEFAULT_LIMITS;
    const trusted = trustedProxiesOf(options.trustedProxies ?? []);
    const handle: RequestListener = (request, response) => {
      if (recordForwarded(request, trusted).https) response.setHeader('strict-transport-security', HSTS);
      for (const listener of before) if (listener(request, response)) return;
      void appListener(request, response);
    };
    const server = options.tls ? createTlsServer({ ...serverOptionsOf(limits), cert: options.tls.cert, key: options.tls.key }, handle) : createServer(serverOptionsOf(limits), handle);
    guardListener(server, { name: options.name ?? 'api', limits, ...(options.onRefused ? { onRefused: options.onRefused } : {}) });
    server.listen(options.port, options.host);
    server.once('error', (error) => reject(listenError(options, error)));
    server.once('listening', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({ port, host: options.host, close: () => closeServer(server) });
    });
  });
}

function closeServer(server: ReturnType<typeof createServer> | ReturnType<typeof createTlsServer>): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}

function listenError(options: ServeOptions, error: Error): MusterError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  const key = options.portKey ?? 'server.port';
  return new MusterError('MUSTER_ERR_LISTEN', `cannot listen on ${options.host}:${options.port}: ${code}`, [{ key, value: String(options.port), message: error.message }], { cause: error });
}
