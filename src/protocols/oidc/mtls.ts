import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MusterError } from '../../core/errors.ts';
import type { ListenerLimits } from '../../config/limits-schema.ts';
import { type ConnectionRefused, guardListener, serverOptionsOf } from '../listener-limits.ts';
import type { TlsServerCredentials } from './tls-server-certificate.ts';

/**
 * The mutual-TLS listener: asks every client for a certificate (PIV sign-in, tls_client_auth) without requiring one at
 * the handshake, so a refusal is an answer the protocol can name rather than a broken connection. The certificates
 * are checked against muster's CA; `socket.authorized` tells the OP whether one chained.
 */

/**
 * How long a TLS session stays resumable (session tickets): a browser that comes back within it makes an abbreviated
 * handshake, and the client certificate it proved in its full handshake is the one the sign-in checks (live, each time).
 */
export const TLS_SESSION_SECONDS = 300;

export interface RunningHttps {
  readonly host: string;
  readonly port: number;
  /** `https://host:port`. */
  readonly origin: string;
  close(): Promise<void>;
}

export interface MtlsOptions {
  readonly host: string;
  readonly port: number;
  readonly credentials: TlsServerCredentials;
  readonly listener: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Timeouts and connection caps (server.limits). */
  readonly limits: ListenerLimits;
  /** Told of every connection closed at once past a cap. */
  readonly onRefused?: ConnectionRefused;
}

export function startMtlsListener(options: MtlsOptions): Promise<RunningHttps> {
  const { key, cert, chain, ca } = options.credentials;
  const tls = { key, cert: [cert, ...chain].join('\n'), ca, requestCert: true, rejectUnauthorized: false, sessionTimeout: TLS_SESSION_SECONDS };
  const server = createServer({ ...tls, ...serverOptionsOf(options.limits) }, (req, res) => {
    if (!options.listener(req, res)) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  guardListener(server, { name: 'mtls', limits: options.limits, ...(options.onRefused ? { onRefused: options.onRefused } : {}) });
  return new Promise((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new MusterError('MUSTER_ERR_LISTEN', `cannot listen on ${options.host}:${options.port} (mutual TLS)`, [{ key: 'federation.mtls.port', value: String(options.port), message: error.message }], {
          cause: error,
        }),
      ),
    );
    server.listen(options.port, options.host, () => {
      const port = (server.address() as AddressInfo).port;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({ host: options.host, port, origin: `https://${host}:${port}`, close: () => closeServer(server) });
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
