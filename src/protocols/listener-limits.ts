import type { Server as HttpServer, ServerOptions } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { ListenerLimits } from '../config/limits-schema.ts';

/** Why a connection was closed as soon as it was accepted. */
export type ConnectionRefusal = 'listener-full' | 'address-full';

/** Told of every connection closed at once (for /metrics), with the listener's name. */
export type ConnectionRefused = (listener: string, reason: ConnectionRefusal) => void;

export interface GuardOptions {
  /** The listener's name in metrics: 'api', 'mtls', 'pki'. */
  readonly name: string;
  readonly limits: ListenerLimits;
  readonly onRefused?: ConnectionRefused;
}

/** The options of node:http / node:https createServer that bound what one request may hold. */
export function serverOptionsOf(limits: ListenerLimits): Pick<ServerOptions, 'maxHeaderSize' | 'connectionsCheckingInterval' | 'headersTimeout' | 'requestTimeout' | 'keepAliveTimeout'> {
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    connectionsCheckingInterval: limits.checkIntervalMs,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
  };
}

/**
 * Bounds a listener: the header, request, keep-alive and idle timeouts (a connection silent for headersTimeout is
 * closed too), the header count, a cap on its open connections
 * (Node closes the excess as it accepts them) and one per client address. A connection past a cap is closed at once
 * and told to `onRefused`. Returns how many connections each address holds now (for tests and metrics).
 */
export function guardListener(server: HttpServer | HttpsServer, options: GuardOptions): ReadonlyMap<string, number> {
  const { limits, name, onRefused } = options;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxHeadersCount = limits.maxHeadersCount;
  server.maxConnections = limits.maxConnections;
  server.setTimeout(limits.idleTimeoutMs, (socket: Socket) => socket.destroy());
  server.on('drop', () => onRefused?.(name, 'listener-full'));
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const held = open.get(address) ?? 0;
    if (held >= limits.maxConnectionsPerAddress) {
      socket.destroy();
      onRefused?.(name, 'address-full');
      return;
    }
    open.set(address, held + 1);
    const silent = closeIfSilent(socket, limits.headersTimeoutMs);
    socket.once('close', () => {
      clearTimeout(silent);
      release(open, address);
    });
  });
  return open;
}

/** Node's headersTimeout counts from a request's first byte: a connection that never sends one is closed here. */
function closeIfSilent(socket: Socket, ms: number): NodeJS.Timeout {
  const timer = setTimeout(() => {
    if (socket.bytesRead === 0) socket.destroy();
  }, ms);
  timer.unref();
  return timer;
}

function release(open: Map<string, number>, address: string): void {
  const held = (open.get(address) ?? 1) - 1;
  if (held <= 0) open.delete(address);
  else open.set(address, held);
}
