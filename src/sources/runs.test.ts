import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { describeEachStore } from '../../test/support/stores.ts';
import { hrCsv, hrLine, harness } from '../../test/support/muster.ts';
import { ImportService } from './importer.ts';
import { loadConfig } from '../config/load.ts';
import { ManualClock } from '../core/clock.ts';
import { type Muster, startMuster } from '../runtime/context.ts';
import type { Store } from '../store/store.ts';

const MINUTE = 60_000;

describeEachStore('import runs whose process died', (factory) => {
  const clock = new ManualClock('2026-03-02T09:00:00Z');
  const config = loadConfig({ env: {}, overrides: { dataDir: ':memory:' } });
  let store: Store;
  let first: Muster;

  const running = (id: string, createdAt: Date) =>
    store.query(`INSERT INTO import_runs (id, source, format, file_name, file_sha256, status, actor, created_at) VALUES ($1, 'hr', 'csv', $2, 'x', 'running', 'alice', $3)`, [
      id,
      `${id.slice(0, 4)}.csv`,
      createdAt,
    ]);
  const run = async (id: string) => (await store.query<{ status: string; errors: { message: string }[] }>('SELECT status, errors FROM import_runs WHERE id = $1', [id]))[0];

  before(async () => {
    store = await factory.open();
    first = await startMuster(config, { store, clock });
  });
  after(() => first.close());

  test('at start-up, a run left running by a process that stopped is marked interrupted, says it must be re-run, and is audited', async () => {
    const killed = '11111111-1111-4111-8111-111111111111';
    const live = '22222222-2222-4222-8222-222222222222';
    await running(killed, clock.now());
    clock.advance(10 * MINUTE);
    await running(live, clock.now());
    // a second start on the same store (the first keeps it open, and closes it)
    const second = await startMuster(config, { store: new Proxy(store, { get: (target, prop) => (prop === 'close' ? async () => {} : Reflect.get(target, prop)) }), clock });
    await second.close();
    const dead = await run(killed);
    assert.equal(dead?.status, 'interrupted');
    assert.match(dead?.errors[0]?.message ?? '', /stopped before finishing .*nothing of it was applied, and it cannot be resumed: import the file again/);
    const [entry] = await store.query<{ action: string; target: string }>(`SELECT action, target FROM audit_log WHERE action = 'import.interrupted'`);
    assert.equal(entry?.target, killed);
    // only one process opens PGlite: any run still running is an orphan; on PostgreSQL a run that beats recently is alive
    assert.equal((await run(live))?.status, factory.name === 'postgres' ? 'running' : 'interrupted');
  });

  test('a running import touches its row while it applies (PostgreSQL), so that it is not taken for dead', async () => {
    const h = await harness(store);
    const slow = new Proxy(store, {
      get(target, prop) {
        if (prop !== 'transaction') return Reflect.get(target, prop);
        return (fn: any) =>
          target.transaction(async (tx) =>
            fn({
              ...tx,
              copyRows: async (...args: Parameters<typeof tx.copyRows>) => {
                h.clock.advance(MINUTE);
                await new Promise((resolve) => setTimeout(resolve, 150));
                return tx.copyRows(...args);
              },
            }),
          );
      },
    });
    const imports = new ImportService({ store: slow as Store, clock: h.clock, audit: h.audit, config: h.config, registry: h.registry, heartbeatMs: 20 });
    const done = await imports.run({ source: 'hr', file: await h.file('beat.csv', hrCsv([hrLine('E1')])), actor: 'alice' });
    assert.equal(done.status, 'applied', JSON.stringify(done.errors));
    const [row] = await store.query<{ created_at: Date; heartbeat_at: Date; owner: string }>('SELECT created_at, heartbeat_at, owner FROM import_runs WHERE id = $1', [done.id]);
    assert.match(row?.owner ?? '', /pid \d+$/);
    if (factory.name === 'postgres') assert.ok(row && row.heartbeat_at > row.created_at, 'the run beat while it applied');
    else assert.equal(row?.heartbeat_at.getTime(), row?.created_at.getTime(), 'one process opens PGlite: no beat needed');
    await h.close();
  });
});
