import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { freshSchemaUrl, postgresRequired, reachable } from '../../../test/support/stores.ts';
import type { Store } from '../store.ts';
import { openPostgresStore } from './postgres.ts';
import { PreparedStatements } from './prepared-statements.ts';

describe('prepared statements', () => {
  it('names the first texts it sees again, the same name each time, and sends the rest unnamed', () => {
    const prepared = new PreparedStatements(2);
    const twice = (text: string, values: unknown[]) => (prepared.config(text, values).name, prepared.config(text, values));
    assert.equal(prepared.config('SELECT $1::int', [1]).name, undefined, 'seen once');
    const a = prepared.config('SELECT $1::int', [1]);
    assert.match(a.name ?? '', /^muster_[A-Za-z0-9_-]{22}$/);
    assert.equal(prepared.config('SELECT $1::int', [2]).name, a.name);
    assert.deepEqual(prepared.config('SELECT $1::int', [2]).values, [2]);
    const b = twice('SELECT $1::text', ['x']);
    assert.ok(b.name && b.name !== a.name);
    assert.equal(twice('SELECT $1::bigint', [3]).name, undefined, 'past the limit');
  });

  it('never names a long text', () => {
    const prepared = new PreparedStatements(10);
    const bulk = `INSERT INTO t VALUES ${Array.from({ length: 3000 }, (_, i) => `($${i + 1})`).join(', ')}`;
    prepared.config(bulk, []);
    assert.equal(prepared.config(bulk, []).name, undefined);
  });

  it('sends a text unnamed from the time the server refused its plan after a schema change', () => {
    const prepared = new PreparedStatements(10);
    prepared.config('SELECT * FROM t WHERE id = $1', [1]);
    assert.ok(prepared.config('SELECT * FROM t WHERE id = $1', [1]).name);
    assert.equal(prepared.refusedAfterSchemaChange('SELECT * FROM t WHERE id = $1', { code: '42P01' }), false, 'another error');
    assert.equal(prepared.refusedAfterSchemaChange('SELECT * FROM t WHERE id = $1', { code: '0A000' }), true);
    assert.equal(prepared.config('SELECT * FROM t WHERE id = $1', [1]).name, undefined);
    assert.equal(prepared.refusedAfterSchemaChange('SELECT never_named($1)', { code: '0A000' }), false, 'not a prepared text');
  });
});

describe('prepared statements on PostgreSQL', { skip: !(await reachable()) && !postgresRequired() && 'PostgreSQL not reachable' }, () => {
  let store: Store;
  let admin: pg.Client;
  before(async () => {
    const url = await freshSchemaUrl();
    store = await openPostgresStore(url, 1);
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await store.exec('CREATE TABLE things (id int PRIMARY KEY, name text)');
    await store.exec(`INSERT INTO things VALUES (1, 'one')`);
  });
  after(async () => {
    await store?.close();
    await admin?.end();
  });

  it('runs a statement with parameters as a named prepared statement on the connection', async () => {
    for (let i = 0; i < 3; i++) assert.deepEqual(await store.query('SELECT name FROM things WHERE id = $1', [1]), [{ name: 'one' }]);
    const named = await store.query<{ statement: string }>(`SELECT statement FROM pg_prepared_statements WHERE name LIKE 'muster_%'`);
    assert.ok(
      named.some((r) => r.statement === 'SELECT name FROM things WHERE id = $1'),
      JSON.stringify(named),
    );
  });

  it('keeps answering when another session changes the shape of a table a prepared statement reads', async () => {
    const text = 'SELECT * FROM things WHERE id = $1';
    for (let i = 0; i < 2; i++) assert.deepEqual(await store.query(text, [1]), [{ id: 1, name: 'one' }]);
    await admin.query('ALTER TABLE things ADD COLUMN note text');
    assert.deepEqual(await store.query(text, [1]), [{ id: 1, name: 'one', note: null }]);
    // in a transaction the refusal fails that transaction only; the next one sends the text unnamed
    await admin.query('ALTER TABLE things DROP COLUMN note');
    const inTx = 'SELECT * FROM things WHERE name = $1';
    for (let i = 0; i < 2; i++) assert.deepEqual(await store.transaction((tx) => tx.query(inTx, ['one'])), [{ id: 1, name: 'one' }]);
    await admin.query('ALTER TABLE things ADD COLUMN note text');
    await assert.rejects(store.transaction((tx) => tx.query(inTx, ['one'])));
    assert.deepEqual(await store.transaction((tx) => tx.query(inTx, ['one'])), [{ id: 1, name: 'one', note: null }]);
  });

  it('keeps its connection, and what is prepared on it, when the server refuses a statement', async () => {
    const backend = async () => (await store.query<{ pid: number }>('SELECT pg_backend_pid() AS pid WHERE $1::int = 1', [1]))[0]?.pid;
    const insert = 'INSERT INTO things (id, name) VALUES ($1, $2)';
    const before = await backend();
    for (let i = 0; i < 2; i++) await assert.rejects(store.query(insert, [1, 'again']), { pgCode: '23505' });
    await assert.rejects(store.exec('SELECT 1/0'), { pgCode: '22012' });
    assert.equal(await backend(), before, 'the same backend answers after the refusals');
    const named = await store.query<{ statement: string }>(`SELECT statement FROM pg_prepared_statements WHERE name LIKE 'muster_%'`);
    assert.ok(
      named.some((r) => r.statement === insert),
      JSON.stringify(named),
    );
  });
});
