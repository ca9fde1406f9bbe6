import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMusterError } from '../../src/core/errors.ts';
import type { Store } from '../../src/store/store.ts';
import { PglitePool } from './pglite-pool.ts';
import { newPgliteCopy } from './pglite-template.ts';

function counted(): { open: () => Promise<Store>; opened: () => number } {
  let n = 0;
  return {
    open: async () => {
      n += 1;
      return newPgliteCopy();
    },
    opened: () => n,
  };
}

test('a closed store comes back emptied: no rows, sequences restarted, the migrations kept', async () => {
  const pool = new PglitePool();
  const source = counted();
  const first = await pool.take(source.open);
  await first.query(`INSERT INTO identities (id, kind, status, last_updated, created_at, updated_at) VALUES ('00000000-0000-4000-8000-000000000001', 'person', 'active', now(), now(), now())`);
  const [before] = await first.query<{ n: string }>(`SELECT nextval('certificate_changes')::text AS n`);
  await first.close();
  const second = await pool.take(source.open);
  try {
    assert.equal(source.opened(), 1, 'the second test got the first store back');
    assert.deepEqual(await second.query('SELECT id FROM identities'), []);
    const [after] = await second.query<{ n: string }>(`SELECT nextval('certificate_changes')::text AS n`);
    assert.equal(after?.n, before?.n);
    const [migrations] = await second.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    assert.ok((migrations?.n ?? 0) > 0);
  } finally {
    await second.close();
    await pool.drain();
  }
});

test('a handle fails once closed, and closing it twice gives the store back once', async () => {
  const pool = new PglitePool();
  const source = counted();
  const store = await pool.take(source.open);
  await store.close();
  await store.close();
  await assert.rejects(store.query('SELECT 1'), (e) => isMusterError(e, 'MUSTER_ERR_STORE_UNAVAILABLE'));
  await assert.rejects(store.db.selectFrom('identities').select('id').execute(), (e) => isMusterError(e, 'MUSTER_ERR_STORE_UNAVAILABLE'));
  const a = await pool.take(source.open);
  const b = await pool.take(source.open);
  assert.equal(source.opened(), 2, 'one store came back, the second take opened another');
  await a.close();
  await b.close();
  await pool.drain();
});

test('a store whose schema a test changed is not handed out again', async () => {
  const pool = new PglitePool();
  const source = counted();
  const changed = await pool.take(source.open);
  await changed.exec('CREATE TABLE scratch_pool_check (n integer)');
  await changed.close();
  const next = await pool.take(source.open);
  try {
    assert.equal(source.opened(), 2);
    const [seen] = await next.query<{ t: string | null }>(`SELECT to_regclass('scratch_pool_check')::text AS t`);
    assert.equal(seen?.t, null);
  } finally {
    await next.close();
    await pool.drain();
  }
});

test('a store closed after the pool was drained is closed, not kept to hold the process open', async () => {
  const pool = new PglitePool();
  let closes = 0;
  const open = async (): Promise<Store> => {
    const store = await newPgliteCopy();
    return {
      ...store,
      close: async () => {
        closes += 1;
        await store.close();
      },
    };
  };
  const late = await pool.take(open);
  await pool.drain();
  assert.equal(closes, 0);
  await late.close();
  assert.equal(closes, 1, 'the store was closed when its test closed it');
});
