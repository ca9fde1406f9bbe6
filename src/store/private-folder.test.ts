import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openStore } from './open.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'muster-private-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function looseEntries(folder: string): Promise<string[]> {
  const loose: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    const { mode } = await stat(path);
    if ((mode & 0o077) !== 0) loose.push(`${path} ${(mode & 0o777).toString(8)}`);
  }
  return loose;
}

test("the embedded store keeps its data folder 0700 and every file in it readable by muster's user only", async () => {
  const dataDir = join(dir, 'data');
  const store = await openStore({ dataDir });
  try {
    assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
    assert.ok((await readdir(join(dataDir, 'pglite'), { recursive: true })).length > 10, 'PGlite wrote its files');
    assert.deepEqual(await looseEntries(dataDir), []);
  } finally {
    await store.close();
  }
});

test('a data folder left open by an earlier version is closed at the next start', async () => {
  const dataDir = join(dir, 'older');
  await (await openStore({ dataDir })).close();
  await mkdir(join(dataDir, 'imports'), { mode: 0o755 });
  await writeFile(join(dataDir, 'imports', 'held.csv'), 'employee_id\n', { mode: 0o644 });
  await chmod(dataDir, 0o755);
  const store = await openStore({ dataDir });
  try {
    assert.deepEqual(await looseEntries(dataDir), []);
    assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
  } finally {
    await store.close();
  }
});
