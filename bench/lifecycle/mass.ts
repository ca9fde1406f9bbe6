// Mass termination: one HR snapshot terminates thousands of people with an account in each of three targets;
// the clock runs from the import until every account is disabled in every target. The floor beside it: the same
// number of calls made straight through the connectors, with the same concurrency.
import type { Connector } from '../../src/connectors/accounts/port.ts';
import { type Bench, drained } from './setup.ts';

export interface MassResult {
  readonly seconds: number;
  readonly importSeconds: number;
  readonly accounts: number;
  readonly stillEnabled: number;
}

async function enabledCount(connectors: ReadonlyMap<string, Connector>, keys: ReadonlySet<string>): Promise<number> {
  let enabled = 0;
  for (const c of connectors.values()) {
    for await (const page of c.listAccounts(1000)) for (const a of page) if (keys.has(a.key) && a.enabled) enabled++;
  }
  return enabled;
}

/**
 * `gone` left earlier and stay terminated in the snapshot; `leaving` are the mass termination. `over` gives each person
 * the fields their joiners' snapshot gave them (a manager), so that only the leavers change.
 */
export async function massTermination(
  bench: Bench,
  everyone: readonly string[],
  gone: readonly string[],
  leaving: readonly string[],
  over?: (id: string) => Record<string, string>,
): Promise<MassResult> {
  const leavers = new Set(leaving);
  const started = performance.now();
  await bench.importHr('mass-termination', everyone, 'active', new Set([...gone, ...leaving]), over);
  const importSeconds = (performance.now() - started) / 1000;
  await drained(bench.muster);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, importSeconds, accounts: leaving.length * bench.connectors.size, stillEnabled: await enabledCount(bench.connectors, leavers) };
}

/**
 * Enables every leaver's account again straight through the connectors, 16 in flight per target, all targets at once, one
 * request a call (connectors that never read a SCIM service's /Bulk support):
 * the calls/s floor; the seconds of all, and of each target's calls alone.
 */
export async function directCalls(bench: Bench, keys: readonly string[]): Promise<{ seconds: number; perTarget: Map<string, { calls: number; seconds: number }> }> {
  const started = performance.now();
  const perTarget = new Map<string, { calls: number; seconds: number }>();
  await Promise.all(
    [...bench.plain].map(async ([name, c]) => {
      const ids: string[] = [];
      const lister = bench.connectors.get(name) ?? c;
      for await (const page of lister.listAccounts(1000)) for (const a of page) if (keys.includes(a.key)) ids.push(a.id);
      const listed = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < ids.length) await c.enableAccount(ids[next++] as string);
        }),
      );
      perTarget.set(name, { calls: ids.length, seconds: (performance.now() - listed) / 1000 });
    }),
  );
  return { seconds: (performance.now() - started) / 1000, perTarget };
}
