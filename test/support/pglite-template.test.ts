import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { loadMigrations } from '../../src/store/migrate.ts';
import type { Store } from '../../src/store/store.ts';
import { copiesOpened, openPgliteClone, templatePath } from './pglite-template.ts';
import { pgliteFactory } from './stores.ts';

describe('PGlite test stores copied from one migrated template', () => {
  let a: Store;
  let b: Store;
  before(async () => {
    a = await pgliteFactory.open();
    b = await openPgliteClone();
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  test('the PGlite store factory hands out copies of the template', async () => {
    const before = copiesOpened();
    const store = await pgliteFactory.open();
    await store.close();
    assert.equal(copiesOpened(), before + 1);
  });

  test('the template is kept in the temporary folder under a name keyed by the migrations', async () => {
    const path = await templatePath();
    assert.match(path, /muster-pglite-template-[0-9a-f]{16}\.tar$/);
    assert.ok((await stat(path)).size > 0);
  });

  test('each copy is migrated to the newest schema', async () => {
    const newest = Math.max(...(await loadMigrations()).map((m) => m.version));
    for (const store of [a, b]) {
      const [row] = await store.query<{ version: number }>('SELECT max(version) AS version FROM schema_migrations');
      assert.equal(row?.version, newest);
    }
  });

  test('copies are independent: a write in one is not seen in another', async () => {
    await a.exec('CREATE TABLE scratch_copy_check (n integer)');
    await a.query('INSERT INTO scratch_copy_check VALUES ($1)', [1]);
    assert.equal((await a.query('SELECT n FROM scratch_copy_check')).length, 1);
    const [seen] = await b.query<{ t: string | null }>(`SELECT to_regclass('scratch_copy_check')::text AS t`);
    assert.equal(seen?.t, null);
    const c = await pgliteFactory.open();
    try {
      const [fresh] = await c.query<{ t: string | null }>(`SELECT to_regclass('scratch_copy_check')::text AS t`);
      assert.equal(fresh?.t, null);
    } finally {
      await c.close();
    }
  });
});
