import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';
import { type RawBuilder, sql } from 'kysely';
import { describeEachStore } from '../../test/support/stores.ts';
import { ManualClock } from '../core/clock.ts';
import type { Store } from '../store/store.ts';
import { stillAtHead } from './audit-repository.ts';
import { AuditGroupCommit } from './group-commit.ts';
import { listAuditEntries } from './queries.ts';
import { T0, buildLog, draftNo, resetAudit, testKey } from './test-fixtures.ts';
import { verifyAuditLog } from './verify.ts';
import { AuditWriter } from './writer.ts';

describeEachStore('audit group commit', (factory) => {
  const key = testKey();
  let store: Store;

  before(async () => {
    store = await factory.open();
  });
  after(() => store.close());
  beforeEach(async () => {
    await resetAudit(store);
    await buildLog(store, key.signer);
  });

  it('appends the callers of a batch together; one whose write beside its entries fails fails alone', async () => {
    const group = new AuditGroupCommit(store, new AuditWriter({ clock: new ManualClock(T0), signer: key.signer, checkpointInterval: 5 }));
    await group.append([draftNo(13)], 'first');
    const refused = (from: RawBuilder<unknown>) => sql`INSERT INTO settings (key, value) SELECT NULL, '1'::jsonb FROM ${from} RETURNING 1`;
    const results = await Promise.allSettled([group.append([draftNo(14)], 'kept'), group.append([draftNo(15)], 'refused', [refused]), group.append([draftNo(16)], 'kept too')]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    const entries = [...(await listAuditEntries(store, { limit: 3 }))].reverse();
    assert.deepEqual(
      entries.map((e) => [e.seq, e.correlationId]),
      [
        [13, 'first'],
        [14, 'kept'],
        [15, 'kept too'],
      ],
    );
    assert.equal((await verifyAuditLog(store, key)).ok, true);
  });

  it('writes apart, without a transaction, two callers whose writes beside their entries upsert the same row', async () => {
    let transactions = 0;
    const counting: Store = {
      ...store,
      transaction: (fn) => {
        transactions += 1;
        return store.transaction(fn);
      },
    };
    const group = new AuditGroupCommit(counting, new AuditWriter({ clock: new ManualClock(T0), signer: key.signer, checkpointInterval: 5 }));
    await group.append([draftNo(13)], 'first');
    transactions = 0;
    const upsert = (value: string) =>
      Object.assign(
        (from: RawBuilder<unknown>) =>
          sql`INSERT INTO settings (key, value) SELECT 'group-commit.same-row', ${value}::jsonb FROM ${from} ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value RETURNING 1`,
        { row: 'settings group-commit.same-row' },
      );
    await Promise.all([group.append([draftNo(14)], 'one', [upsert('1')]), group.append([draftNo(15)], 'two', [upsert('2')]), group.append([draftNo(16)], 'three')]);
    assert.equal(transactions, 0, 'no batch fell back to a transaction');
    const entries = [...(await listAuditEntries(store, { limit: 3 }))].reverse();
    assert.deepEqual(
      entries.map((e) => e.correlationId),
      ['one', 'three', 'two'],
    );
    assert.deepEqual(await store.query(`SELECT value FROM settings WHERE key = 'group-commit.same-row'`), [{ value: 2 }]);
    assert.equal((await verifyAuditLog(store, key)).ok, true);
  });

  it("checks the log's head down its primary keys, also in the plan kept for any head (no read of the whole log)", async () => {
    await store.query(`INSERT INTO audit_log (seq, at, actor, action, target, reason, correlation_id, data, prev_hash, hash)
      SELECT s, now(), 'bench', 'filler', NULL, NULL, 'filler', '{}', 'x', 'x' FROM generate_series(1000, 3000) AS s`);
    await store.exec('ANALYZE audit_log');
    const plan = await store.transaction(async (tx) => {
      await tx.exec('SET LOCAL plan_cache_mode = force_generic_plan');
      const { rows } = await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT 1 WHERE ${stillAtHead({ seq: 12, hash: 'h' })}`.execute(tx.db);
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    assert.doesNotMatch(plan, /Seq Scan on audit_(log|checkpoints)/, plan);
    assert.match(plan, /audit_log_pkey/, plan);
  });
});
