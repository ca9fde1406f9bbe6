import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isMusterError } from '../../src/core/errors.ts';
import type { Store } from '../../src/store/store.ts';
import { describeEachStore } from '../support/stores.ts';

/** Values chosen to break naive COPY text encoding. */
const AWKWARD: readonly (readonly unknown[])[] = [
  [1, 'tab\there', 1.5, true, new Date('2025-01-02T03:04:05.678Z'), { nested: { list: [1, 'two', null, false], deeper: { a: 'b' } } }, 9_007_199_254_740_991],
  [2, 'line\nbreak\r\nand CR\r', -42, false, new Date('1999-12-31T23:59:59.999Z'), [1, { x: 'y' }], -1],
  [3, 'back\\slash \\N \\t literal', 0, null, null, { s: 'tab\t nl\n bs\\ quote" \\N' }, 0],
  [4, 'ünïcødé — 漢字 🔐 e\u0301', 0.1, true, new Date(0), { '🔑': 'ключ', empty: '', zero: 0, no: false }, null],
  [5, '', null, false, new Date('2025-06-30T12:00:00.000Z'), {}, 42],
  [6, null, 1e21, true, new Date('2030-01-01T00:00:00.000Z'), [], 1],
];

const CREATE_AWKWARD = `CREATE TABLE contract_awkward (
  id int PRIMARY KEY, txt text, num float8, flag boolean, at timestamptz, doc jsonb, big bigint)`;
const AWKWARD_COLUMNS = ['id', 'txt', 'num', 'flag', 'at', 'doc', 'big'] as const;

function asRow(values: readonly unknown[]): Record<string, unknown> {
  return Object.fromEntries(AWKWARD_COLUMNS.map((c, i) => [c, values[i]]));
}

describeEachStore('store port contract', (factory) => {
  let store: Store;

  before(async () => {
    store = await factory.open();
  });
  after(async () => {
    await store.close();
  });

  describe('queries and scripts', () => {
    it('runs a query with parameters, including null', async () => {
      const rows = await store.query('SELECT $1::int + $2::int AS sum, $3::text AS label, $4::text IS NULL AS missing', [2, 3, 'héllo\t', null]);
      assert.deepEqual(rows, [{ sum: 5, label: 'héllo\t', missing: true }]);
      assert.deepEqual(await store.query('SELECT 1 AS one'), [{ one: 1 }]);
    });

    it('runs a script of several statements', async () => {
      await store.exec(`
        CREATE TABLE contract_script (id int PRIMARY KEY, name text NOT NULL);
        INSERT INTO contract_script VALUES (1, 'one');
        INSERT INTO contract_script VALUES (2, 'two; not a separator');
        UPDATE contract_script SET name = upper(name) WHERE id = 1;`);
      assert.deepEqual(await store.query('SELECT id, name FROM contract_script ORDER BY id'), [
        { id: 1, name: 'ONE' },
        { id: 2, name: 'two; not a separator' },
      ]);
    });

    it('wraps a database error as MUSTER_ERR_STORE with its SQLSTATE', async () => {
      await assert.rejects(store.query('SELECT * FROM contract_no_such_table'), (e) => isMusterError(e, 'MUSTER_ERR_STORE') && (e as { pgCode?: string }).pgCode === '42P01');
      await assert.rejects(store.exec('SELECT 1; SELEC 2;'), (e) => isMusterError(e, 'MUSTER_ERR_STORE'));
    });

    it('returns int8 columns as JS numbers', async () => {
      const [row] = await store.query('SELECT 9007199254740991::int8 AS big, count(*) AS n, -5::bigint AS neg FROM (VALUES (1), (2)) v(x)');
      assert.deepEqual(row, { big: 9_007_199_254_740_991, n: 2, neg: -5 });
    });

    it('reports its capabilities as booleans', () => {
      const { multipleConnections, skipLocked } = store.capabilities;
      assert.equal(typeof multipleConnections, 'boolean');
      assert.equal(typeof skipLocked, 'boolean');
      assert.equal(multipleConnections, factory.name === 'postgres');
      assert.equal(store.adapter, factory.name);
    });

    it('has applied migration version 1', async () => {
      const rows = await store.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
      assert.deepEqual(rows[0], { version: 1, name: '001_foundation.sql' });
      assert.deepEqual(
        rows.map((r) => r.version),
        rows.map((_, i) => i + 1),
      );
    });
  });

  describe('copyRows', () => {
    before(async () => {
      await store.exec(CREATE_AWKWARD);
    });

    it('round-trips tabs, newlines, backslashes, unicode, null, dates, JSON, booleans and numbers', async () => {
      await store.copyRows('contract_awkward', AWKWARD_COLUMNS, AWKWARD);
      const rows = await store.query(`SELECT ${AWKWARD_COLUMNS.join(', ')} FROM contract_awkward ORDER BY id`);
      assert.deepEqual(rows, AWKWARD.map(asRow));
      assert.ok((rows[0]?.at as unknown) instanceof Date);
    });

    it('does nothing for no rows', async () => {
      await store.copyRows('contract_awkward', AWKWARD_COLUMNS, []);
      assert.deepEqual(await store.query('SELECT count(*) AS n FROM contract_awkward'), [{ n: AWKWARD.length }]);
    });
  });

  describe('transactions', () => {
    before(async () => {
      await store.exec('CREATE TABLE contract_tx (id int PRIMARY KEY, note text)');
    });

    const ids = async () => (await store.query<{ id: number }>('SELECT id FROM contract_tx ORDER BY id')).map((r) => r.id);

    it('commits query and copyRows writes and returns the result', async () => {
      const result = await store.transaction(async (tx) => {
        await tx.query('INSERT INTO contract_tx VALUES ($1, $2)', [1, 'query']);
        await tx.copyRows(
          'contract_tx',
          ['id', 'note'],
          [
            [2, 'copy\tone'],
            [3, null],
          ],
        );
        await tx.exec("INSERT INTO contract_tx VALUES (4, 'exec')");
        return (await tx.query<{ n: number }>('SELECT count(*) AS n FROM contract_tx'))[0]?.n;
      });
      assert.equal(result, 4);
      assert.deepEqual(await ids(), [1, 2, 3, 4]);
    });

    it('runs statements a transaction starts together one after the other, in the order started, without a warning', async () => {
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => warnings.push(warning);
      process.on('warning', onWarning);
      try {
        const seen = await store.transaction((tx) =>
          Promise.all([
            tx.query('INSERT INTO contract_tx VALUES ($1, $2) RETURNING id', [20, 'first']),
            tx.copyRows('contract_tx', ['id', 'note'], [[21, 'second']]),
            tx.query<{ n: number }>('SELECT count(*) AS n FROM contract_tx WHERE id >= 20'),
            tx.db
              .selectFrom('contract_tx' as never)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('id' as never, '>=', 20 as never)
              .executeTakeFirstOrThrow(),
          ]),
        );
        assert.deepEqual(seen[0], [{ id: 20 }]);
        assert.deepEqual(seen[2], [{ n: 2 }]);
        assert.equal(Number(seen[3].n), 2);
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(
          warnings.map((w) => w.message),
          [],
        );
      } finally {
        process.off('warning', onWarning);
        await store.query('DELETE FROM contract_tx WHERE id >= 20');
      }
    });

    it('rolls back everything, copyRows included, when the function throws', async () => {
      const boom = new Error('boom');
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.query('INSERT INTO contract_tx VALUES ($1, $2)', [10, 'query']);
          await tx.copyRows(
            'contract_tx',
            ['id', 'note'],
            [
              [11, 'copy'],
              [12, 'copy'],
            ],
          );
          await tx.exec("INSERT INTO contract_tx VALUES (13, 'exec')");
          throw boom;
        }),
        (e) => e === boom,
      );
      assert.deepEqual(await ids(), [1, 2, 3, 4]);
    });

    it('rolls back when a statement fails, and the store stays usable', async () => {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.copyRows('contract_tx', ['id', 'note'], [[20, 'copy']]);
          await tx.query('INSERT INTO contract_tx VALUES ($1, $2)', [1, 'duplicate key']);
        }),
        (e) => isMusterError(e, 'MUSTER_ERR_STORE') && (e as { pgCode?: string }).pgCode === '23505',
      );
      assert.deepEqual(await ids(), [1, 2, 3, 4]);
      assert.deepEqual(await store.query('SELECT 1 AS ok'), [{ ok: 1 }]);
    });
  });
});
