// Leaver propagation: an HR termination event accepted by the API, then polling every target until the
// last one shows the account disabled. The floor beside it: the same disable calls made directly.
import type { Connector } from '../../src/connectors/accounts/port.ts';
import { type Bench, percentile } from './setup.ts';

const POLL_MS = 5;

async function disabledEverywhere(connectors: readonly [string, Connector, string][]): Promise<void> {
  for (;;) {
    const found = await Promise.all(connectors.map(([, c, key]) => c.findAccount(key)));
    if (found.every((a) => a !== null && !a.enabled)) return;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export async function hrEvent(bench: Bench, employeeId: string): Promise<void> {
  const response = await fetch(`${bench.base}/api/sources/hr/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bench.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'leaver', effectiveAt: new Date().toISOString(), record: { employee_id: employeeId, status: 'terminated' } }),
  });
  if (!response.ok) throw new Error(`HR event ${employeeId}: ${response.status} ${await response.text()}`);
}

/** Milliseconds from each accepted termination to the last target showing the account disabled, sorted. */
export async function leaverLatencies(bench: Bench, employeeIds: readonly string[]): Promise<number[]> {
  const samples: number[] = [];
  for (const id of employeeIds) {
    const targets: [string, Connector, string][] = [...bench.connectors].map(([name, c]) => [name, c, id]);
    const started = performance.now();
    await hrEvent(bench, id);
    await disabledEverywhere(targets);
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b);
}

/** The floor: one disable per target, in sequence, straight through the connectors (then enabled back); `only` one target's. */
export async function directDisableLatencies(bench: Bench, employeeIds: readonly string[], only?: string): Promise<number[]> {
  const samples: number[] = [];
  const connectors = [...bench.connectors].filter(([name]) => only === undefined || name === only).map(([, c]) => c);
  for (const id of employeeIds) {
    const accounts = await Promise.all(connectors.map(async (c) => [c, await c.findAccount(id)] as const));
    const started = performance.now();
    for (const [c, a] of accounts) if (a) await c.disableAccount(a.id);
    samples.push(performance.now() - started);
    for (const [c, a] of accounts) if (a) await c.enableAccount(a.id);
  }
  return samples.sort((a, b) => a - b);
}

export function describeLatencies(samples: readonly number[]): string {
  return `p50 ${percentile(samples, 50).toFixed(0)} ms, p99 ${percentile(samples, 99).toFixed(0)} ms, max ${samples.at(-1)?.toFixed(0)} ms (n=${samples.length})`;
}
