// The embedded store on a full disk: a small tmpfs (mounting it needs root; the test is skipped loudly
// where it cannot mount) is filled with a ballast file, and the store must refuse writes with
// MUSTER_ERR_STORE_FULL, keep answering reads, and take writes again, without a restart, once the ballast is gone.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isMusterError } from '../../src/core/errors.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';

const SIZE_MB = 256;

/** A tmpfs of SIZE_MB mounted on a fresh folder, or why not. */
function mountSmallDisk(): { dir: string } | { skip: string } {
  const dir = mkdtempSync(join(tmpdir(), 'muster-full-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE_MB}m`, 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const why = `cannot mount a tmpfs (${(error as Error).message.split('\n')[0]})`;
    process.stderr.write(`# ${why}: the PGlite full-disk test was not run\n`);
    return { skip: why };
  }
}

const disk = mountSmallDisk();

describe('the embedded store on a full disk', { skip: 'skip' in disk ? disk.skip : false }, () => {
  const dir = 'dir' in disk ? disk.dir : '';
  const ballast = join(dir, 'ballast');
  let store: Store;

  const fill = () => {
    const stats = statfsSync(dir);
    writeFileSync(ballast, Buffer.alloc(Math.max(0, stats.bavail * stats.bsize - 8 * 1024 * 1024)));
  };
  const insert = (key: string) => store.query(`INSERT INTO settings (key, value) VALUES ($1, '1'::jsonb)`, [key]);

  before(async () => {
    store = await openStore({ dataDir: join(dir, 'data') });
  });

  after(async () => {
    await store?.close();
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  test('writes are refused with MUSTER_ERR_STORE_FULL while the disk is nearly full, reads go on, and writes come back with the space', async () => {
    await insert('before');
    fill();
    const full = (e: unknown) => isMusterError(e, 'MUSTER_ERR_STORE_FULL') && e.status === 507 && e.message.includes(join(dir, 'data'));
    await assert.rejects(insert('while-full'), full);
    await assert.rejects(
      store.transaction((tx) => tx.query(`UPDATE settings SET value = '2'::jsonb WHERE key = 'before'`)),
      full,
    );
    await assert.rejects(store.copyRows('settings', ['key', 'value'], [['copied', { n: 1 }]]), full);
    assert.deepEqual(await store.query(`SELECT key FROM settings WHERE key IN ('before', 'while-full', 'copied') ORDER BY key`), [{ key: 'before' }]);
    await store.ping(2000);
    rmSync(ballast);
    await insert('after');
    await store.transaction((tx) => tx.query(`UPDATE settings SET value = '2'::jsonb WHERE key = 'before'`));
    assert.deepEqual(await store.query(`SELECT key FROM settings WHERE key IN ('before', 'after') ORDER BY key`), [{ key: 'after' }, { key: 'before' }]);
  });
});
