// PostgreSQL round trips per step of a complete sign-in. Every statement muster sends goes through `pg.Client#query`
// (pool queries included; BEGIN and COMMIT are statements too); each HTTP request the OP answers runs in its own
// AsyncLocalStorage context, so a statement counts for the request that caused it and not for the background workers.
// Counted one at a time (a group commit of the audit log then carries one request's entries) and with sign-ins in
// flight together (a group commit counts for the request whose entries started it: the total is what the store sees).
import { AsyncLocalStorage } from 'node:async_hooks';
import { Server } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';
import { type FlowTarget, runSignIns } from './flow.ts';

interface Counting {
  readonly step: string;
  statements: number;
}

/** MUSTER_BENCH_TRACE_SQL=1: prints each statement with its step (the first 80 characters), to see where round trips go. */
const TRACE = process.env.MUSTER_BENCH_TRACE_SQL === '1';

const context = new AsyncLocalStorage<Counting>();
const byStep = new Map<string, { requests: number; statements: number }>();
let installed = false;

/** The step of a sign-in a request to muster's OP is. */
export function stepOf(method: string, path: string): string {
  if (/\/interaction\/[^/]+\/piv$/.test(path)) return 'PIV login (mutual TLS)';
  if (/\/interaction\/[^/]+\/piv\/complete$/.test(path)) return 'login completed on the issuer';
  if (/\/interaction\/[^/]+$/.test(path)) return 'consent page (allowlisted)';
  if (/\/auth\/[^/]+$/.test(path)) return 'authorization resumed';
  if (/\/auth$/.test(path)) return 'authorization request';
  if (/\/token$/.test(path)) return 'token (private_key_jwt, PKCE)';
  if (/\/me$/.test(path)) return 'UserInfo';
  return `${method} ${path}`;
}

function install(): void {
  if (installed) return;
  installed = true;
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const counting = context.getStore();
    if (counting) counting.statements += 1;
    if (counting && TRACE)
      process.stdout.write(
        `      [${counting.step}] ${String(typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string })?.text ?? 'COPY'))
          .replace(/\s+/g, ' ')
          .slice(0, 100)}\n`,
      );
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
  // http.Server and https.Server both emit 'request' through net.Server's emit
  const emit = Server.prototype.emit as (event: string | symbol, ...args: unknown[]) => boolean;
  Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'request') return emit.call(this, event, ...args);
    const [req, res] = args as [IncomingMessage, ServerResponse];
    const counting: Counting = { step: stepOf(req.method ?? 'GET', new URL(req.url ?? '/', 'http://x').pathname), statements: 0 };
    res.once('finish', () => {
      const seen = byStep.get(counting.step) ?? { requests: 0, statements: 0 };
      byStep.set(counting.step, { requests: seen.requests + 1, statements: seen.statements + counting.statements });
    });
    return context.run(counting, () => emit.call(this, event, ...args));
  } as typeof Server.prototype.emit;
}

export interface RoundTrips {
  readonly signIns: number;
  /** Per step, in the order first seen: requests per sign-in and statements per sign-in. */
  readonly steps: readonly { step: string; requests: number; statements: number }[];
  readonly total: number;
}

/** Runs `count` sign-ins, `concurrency` in flight, and counts the statements each step sent. */
export async function countRoundTrips(target: FlowTarget, count: number, concurrency: number): Promise<RoundTrips> {
  install();
  byStep.clear();
  await runSignIns(target, count, concurrency);
  const steps = [...byStep].map(([step, s]) => ({ step, requests: s.requests / count, statements: s.statements / count }));
  return { signIns: count, steps, total: steps.reduce((n, s) => n + s.statements, 0) };
}
