import { statfs } from 'node:fs/promises';
import { MusterError } from '../../core/errors.ts';

/**
 * Free space muster keeps on the disk of an embedded store. PGlite cannot survive a failed WAL
 * write (a full disk while it switches WAL segments of 16 MiB): its WebAssembly PostgreSQL spins and
 * the whole process stops answering. So writes are refused before the disk gets there.
 */
export const DISK_RESERVE_BYTES = 64 * 1024 * 1024;

export type FreeBytes = (dir: string) => Promise<number>;

const freeBytes: FreeBytes = async (dir) => {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
};

/** A check run before each write: MUSTER_ERR_STORE_FULL while the disk of `dir` has less than `reserve` bytes free. */
export function diskSpaceGuard(dir: string, reserve = DISK_RESERVE_BYTES, free: FreeBytes = freeBytes): () => Promise<void> {
  return async () => {
    const bytes = await free(dir);
    if (bytes >= reserve) return;
    throw new MusterError(
      'MUSTER_ERR_STORE_FULL',
      `the disk of the embedded store in ${dir} has ${mib(bytes)} MiB free, under the ${mib(reserve)} MiB muster keeps; writes are refused until space is freed`,
      [{ file: dir, message: `${bytes} bytes free` }],
    );
  };
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

/** Whether a statement may write: anything but a plain SELECT, VALUES, SHOW or EXPLAIN (a SELECT … FOR UPDATE writes row locks). */
export function mayWrite(sql: string): boolean {
  return !/^\s*(select|values|show|explain)\b/i.test(sql) || /\bfor\s+(no\s+key\s+)?update\b/i.test(sql);
}
