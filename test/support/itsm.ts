import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the ITSM endpoint received, body exactly as sent. */
export interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: Record<string, unknown>;
}

/**
 * A stand-in ITSM endpoint on a free local port: records every POST and answers `status`
 * (200 unless a test sets another; `hang` never answers, for timeouts).
 */
export class ItsmServer {
  readonly received: Received[] = [];
  status = 200;
  hang = false;
  readonly #server: Server;

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.received.push({ path: req.url ?? '', headers: req.headers, body, json: JSON.parse(body || '{}') as Record<string, unknown> });
        if (this.hang) return;
        res.writeHead(this.status, { 'content-type': 'application/json' }).end(JSON.stringify({ status: this.status }));
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/itsm/requests`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
