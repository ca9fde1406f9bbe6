// Operator termination: an operator's HR termination event accepted by the API, then its own token polled until the
// first 401. Authentication refuses the tokens of an identity that is not active, so this is the time a leaver who
// operates muster can still act after HR says they left.
import { testOperator } from '../../src/operators/test-operators.ts';
import { hrEvent } from './propagation.ts';
import type { Bench } from './setup.ts';

const POLL_MS = 5;

async function identityOf(bench: Bench, employeeId: string): Promise<string> {
  const rows = await bench.muster.store.query<{ id: string }>(`SELECT id::text AS id FROM identities WHERE attributes->'employee_id'->>'v' = $1`, [employeeId]);
  if (!rows[0]) throw new Error(`no identity for ${employeeId}`);
  return rows[0].id;
}

/** The status of one call with the operator's token to a route it may read. */
async function statusWith(bench: Bench, token: string, identityId: string): Promise<number> {
  const response = await fetch(`${bench.base}/api/identities/${identityId}`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

/**
 * Milliseconds to the first 401 on each operator's token, sorted: `sent` from the HR termination event's request (as
 * the leaver figure counts), `answered` from the API's answer accepting it.
 */
export async function operatorTerminationLatencies(bench: Bench, employeeIds: readonly string[]): Promise<{ sent: number[]; answered: number[] }> {
  const sent: number[] = [];
  const answered: number[] = [];
  for (const employeeId of employeeIds) {
    const identityId = await identityOf(bench, employeeId);
    const { token } = await testOperator(bench.muster, ['auditor'], { identityId, name: `bench operator ${employeeId}` });
    const before = await statusWith(bench, token, identityId);
    if (before !== 200) throw new Error(`operator ${employeeId}: ${before} before its termination`);
    const started = performance.now();
    await hrEvent(bench, employeeId);
    const accepted = performance.now();
    while ((await statusWith(bench, token, identityId)) !== 401) await new Promise((r) => setTimeout(r, POLL_MS));
    const refused = performance.now();
    sent.push(refused - started);
    answered.push(refused - accepted);
  }
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
  return { sent: sorted(sent), answered: sorted(answered) };
}
