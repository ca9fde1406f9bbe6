import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMusterError } from '../../core/errors.ts';
import { diskSpaceGuard, mayWrite } from './pglite-space.ts';

test('the disk space guard refuses under the reserve with MUSTER_ERR_STORE_FULL (507) naming the folder, and lets writes through once space returns', async () => {
  let free = 10 * 1024 * 1024;
  const guard = diskSpaceGuard('/data/pglite', 64 * 1024 * 1024, async () => free);
  await assert.rejects(
    guard(),
    (e) => isMusterError(e, 'MUSTER_ERR_STORE_FULL') && e.status === 507 && /\/data\/pglite has 10\.0 MiB free, under the 64\.0 MiB/.test(e.message) && e.details[0]?.file === '/data/pglite',
  );
  free = 65 * 1024 * 1024;
  await guard();
});

test('reads are told from writes: a plain SELECT reads; DML, DDL and SELECT … FOR UPDATE write', () => {
  for (const sql of ['SELECT 1', '  select * from jobs', 'VALUES (1)', 'SHOW server_version', 'EXPLAIN SELECT 1']) assert.equal(mayWrite(sql), false, sql);
  for (const sql of [
    'INSERT INTO jobs DEFAULT VALUES',
    'UPDATE jobs SET x = 1',
    'DELETE FROM jobs',
    'WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x',
    'CREATE TABLE t (x int)',
    'SELECT id FROM jobs WHERE id = 1 FOR UPDATE',
    'BEGIN',
  ])
    assert.equal(mayWrite(sql), true, sql);
});
