import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { after, before, beforeEach, test } from 'node:test';
import { isMusterError } from '../core/errors.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import type { Store } from './store.ts';

const at = new Date('2026-01-02T03:04:05Z');
const uuid = (id: string) => `00000000-0000-4000-8000-00000000000${id === 'a' ? 'a' : id === 'b' ? 'b' : id === 'k' ? 'c' : 'd'}`;
const token = (id: string) => ({ id: uuid(id), name: `token ${id}`, token_hash: `hash-${id}`, created_at: at });

describeEachStore('Kysely over the store', (factory) => {
  let store: Store;
  before(async () => (store = await factory.open()));
  after(() => store.close());
  beforeEach(() => store.query('DELETE FROM api_tokens'));

  const names = async () => (await store.db.selectFrom('api_tokens').select('name').orderBy('name').execute()).map((r) => r.name);

  test('store.db reads and writes typed rows: timestamps come back as Date, an update tells how many rows it touched', async () => {
    await store.db
      .insertInto('api_tokens')
      .values([token('a'), token('b')])
      .execute();
    const row = await store.db.selectFrom('api_tokens').select(['id', 'name', 'token_hash', 'created_at', 'revoked_at', 'last_used_at']).where('id', '=', uuid('a')).executeTakeFirstOrThrow();
    assert.deepEqual(row, { ...token('a'), revoked_at: null, last_used_at: null });
    const updated = await store.db
      .updateTable('api_tokens')
      .set({ revoked_at: at })
      .where('id', 'in', [uuid('a'), uuid('b'), uuid('k')])
      .executeTakeFirst();
    assert.equal(updated.numUpdatedRows, 2n);
  });

  test('query() and tx.db in one transaction commit together', async () => {
    await store.transaction(async (tx) => {
      await tx.query(`INSERT INTO api_tokens (id, name, token_hash, created_at) VALUES ($1, 'token q', 'hash-q', $2)`, [uuid('q'), at]);
      await tx.db.insertInto('api_tokens').values(token('k')).execute();
      assert.equal((await tx.db.selectFrom('api_tokens').select('id').where('id', '=', uuid('q')).execute()).length, 1, 'Kysely sees the row query() wrote');
    });
    assert.deepEqual(await names(), ['token k', 'token q']);
  });

  test('query() and tx.db in one transaction roll back together', async () => {
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.db.insertInto('api_tokens').values(token('k')).execute();
        await tx.query(`INSERT INTO api_tokens (id, name, token_hash, created_at) VALUES ($1, 'token q', 'hash-q', $2)`, [uuid('q'), at]);
        throw new Error('stop');
      }),
      /stop/,
    );
    assert.deepEqual(await names(), []);
  });

  test('store.db.transaction() is a store transaction: committed, or rolled back on a failure; a transaction cannot open another', async () => {
    await store.db.transaction().execute(async (trx) => {
      await trx.insertInto('api_tokens').values(token('a')).execute();
    });
    await assert.rejects(
      store.db.transaction().execute(async (trx) => {
        await trx.insertInto('api_tokens').values(token('b')).execute();
        throw new Error('stop');
      }),
      /stop/,
    );
    assert.deepEqual(await names(), ['token a']);
    await assert.rejects(
      store.transaction((tx) => tx.db.transaction().execute(async () => {})),
      (e) => isMusterError(e, 'MUSTER_ERR_STORE') && /already in a transaction/.test(e.message),
    );
  });

  test('a failing Kysely statement is a MusterError with the SQLSTATE, like query()', async () => {
    await store.db.insertInto('api_tokens').values(token('a')).execute();
    await assert.rejects(store.db.insertInto('api_tokens').values(token('a')).execute(), (e) => isMusterError(e, 'MUSTER_ERR_STORE') && (e as { pgCode?: string }).pgCode === '23505');
  });

  test('store.db.transaction() takes an isolation level and access mode', async () => {
    const mode = await store.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (trx) => {
        const { rows } = await sql<{ transaction_isolation: string }>`SHOW transaction_isolation`.execute(trx);
        return rows[0]?.transaction_isolation;
      });
    assert.equal(mode, 'repeatable read');
  });
});
