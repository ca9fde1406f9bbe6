import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { openStore } from './open.ts';
import { databaseTypes } from './schema-types.ts';

test('src/store/database.ts is what tools/gen-db-types.ts makes of the migrations (regenerate it after changing a migration)', async () => {
  const store = await openStore({ dataDir: ':memory:' });
  try {
    const checkedIn = await readFile(new URL('./database.ts', import.meta.url), 'utf8');
    assert.equal(checkedIn, await databaseTypes(store), 'src/store/database.ts is out of date: run node tools/gen-db-types.ts');
  } finally {
    await store.close();
  }
});

test('a migrated column shows in the generated types: nullability, defaults as Generated<>, JSON and timestamps', async () => {
  const store = await openStore({ dataDir: ':memory:' });
  try {
    await store.exec("CREATE TABLE probe_things (id bigserial PRIMARY KEY, name text NOT NULL, note text, data jsonb NOT NULL DEFAULT '{}', at timestamptz, tags text[])");
    const text = await databaseTypes(store);
    assert.match(
      text,
      /export interface ProbeThingsTable \{\n  id: Generated<number>;\n  name: string;\n  note: string \| null;\n  data: Generated<Json>;\n  at: Timestamp \| null;\n  tags: string\[\] \| null;\n\}/,
    );
    assert.match(text, /  probe_things: ProbeThingsTable;/);
  } finally {
    await store.close();
  }
});
