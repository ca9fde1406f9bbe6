import { writeFile } from 'node:fs/promises';
import { openStore } from '../src/store/open.ts';
import { databaseTypes } from '../src/store/schema-types.ts';

/** Writes src/store/database.ts, the Kysely types of the schema, from a fresh store migrated to the newest version. */
const target = new URL('../src/store/database.ts', import.meta.url);
const store = await openStore({ dataDir: ':memory:' });
try {
  await writeFile(target, await databaseTypes(store));
  process.stdout.write(`wrote ${target.pathname}\n`);
} finally {
  await store.close();
}
