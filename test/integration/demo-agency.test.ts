import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { verifyAuditLog } from '../../src/audit/verify.ts';
import { writeDemoAgency, writeTruncated } from '../../src/demo/index.ts';
import type { Store } from '../../src/store/store.ts';
import { describeEachStore } from '../support/stores.ts';
import { useHarness } from '../support/muster.ts';

const PEOPLE = 3000;
const TYPES: Readonly<Record<string, string>> = {
  joiners: 'identity.joiner',
  movers: 'identity.mover',
  leavers: 'identity.leaver',
  leave: 'identity.leave',
  returns: 'identity.return',
  rehires: 'identity.rehire',
};

async function keysByEvent(store: Store, runId: string): Promise<Record<string, string[]>> {
  const rows = await store.query<{ type: string; key: string }>(`SELECT type, payload ->> 'key' AS key FROM events WHERE payload ->> 'run_id' = $1 ORDER BY key`, [runId]);
  const out: Record<string, string[]> = {};
  for (const [name, type] of Object.entries(TYPES)) out[name] = rows.filter((r) => r.type === type).map((r) => r.key);
  return out;
}

describeEachStore('the demo agency, day after day', (factory) => {
  const h = useHarness(factory);

  test('day 0 creates every person who is not terminated, NPEs, TRUST and BEHAVE', async () => {
    const { files, manifest } = await writeDemoAgency(join(h.dir, 'day0'), { seed: 7, people: PEOPLE, day: 0 }, 'csv');
    const hr = await h.imports.run({ source: 'hr', file: files.hr, actor: 'test' });
    assert.equal(hr.status, 'applied', JSON.stringify(hr.errors.slice(0, 3)));
    const active = (await h.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM identities WHERE status <> 'terminated'`))[0]?.n;
    const terminated = (await h.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM identities WHERE status = 'terminated'`))[0]?.n;
    assert.equal(hr.summary.joiners, active);
    assert.equal(hr.summary.historical, terminated);
    assert.equal((active ?? 0) + (terminated ?? 0), PEOPLE);
    for (const source of ['npe', 'vetting', 'training'] as const) {
      const run = await h.imports.run({ source, file: files[source], actor: 'test' });
      assert.equal(run.status, 'applied', `${source}: ${JSON.stringify(run.errors.slice(0, 3))}`);
    }
    const npes = (await h.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM identities WHERE kind <> 'person' AND sponsor_id IS NOT NULL`))[0]?.n;
    assert.equal(npes, manifest.counts.npe);
    const audit = await verifyAuditLog(h.store, h.auditKeys);
    assert.equal(audit.ok, true);
    assert.deepEqual(audit.warnings, [], 'each import seals the log up to its last entry');
    assert.ok(audit.entries > PEOPLE);
  });

  for (const day of [1, 2, 3]) {
    test(`day ${day}: joiners, movers, leavers, leave, returns and rehires are exactly the generator's`, async () => {
      const { files, manifest } = await writeDemoAgency(join(h.dir, `day${day}`), { seed: 7, people: PEOPLE, day }, 'jsonl');
      const run = await h.imports.run({ source: 'hr', file: files.hr, actor: 'test' });
      assert.equal(run.status, 'applied', JSON.stringify(run.errors.slice(0, 3)));
      assert.equal(run.summary.disputed, 0);
      const seen = await keysByEvent(h.store, run.id);
      for (const name of Object.keys(TYPES)) {
        assert.deepEqual(seen[name], [...((manifest.expected as unknown as Record<string, string[]>)[name] ?? [])].sort(), `${name} on day ${day}`);
      }
    });
  }

  test('a truncated snapshot is held by the mass-change guard and changes nothing', async () => {
    const { files } = await writeDemoAgency(join(h.dir, 'day4'), { seed: 7, people: PEOPLE, day: 4 }, 'csv');
    const truncated = join(h.dir, 'truncated.csv');
    await writeTruncated(files.hr, truncated, 0.6);
    const before = (await h.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM events`))[0]?.n;
    const run = await h.imports.run({ source: 'hr', file: truncated, actor: 'test' });
    assert.equal(run.status, 'held');
    assert.ok((run.summary.held?.share ?? 0) > 0.3);
    assert.equal((await h.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM events`))[0]?.n, before);
  });
});
