import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { lockDataDir } from './pglite-lock.ts';

test('a second opener of an embedded data folder is refused while the first holds it; a stale lock is taken over', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'muster-lock-'));
  const lock = join(dir, 'pglite.lock');
  try {
    await writeFile(lock, '1'); // pid 1 is always alive
    await assert.rejects(lockDataDir(lock), (e: any) => e.code === 'MUSTER_ERR_STORE' && /in use by process 1/.test(e.message));
    await writeFile(lock, '999999999');
    const unlock = await lockDataDir(lock);
    await unlock();
    const again = await lockDataDir(lock);
    await again();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
