import { open, readFile, rm } from 'node:fs/promises';
import { MusterError } from '../../core/errors.ts';

/**
 * PGlite keeps one database in one process. A lock file beside the data stops a second process
 * (a CLI command while `muster serve` runs) from opening the same folder and corrupting it.
 * A lock left by a process that is gone is taken over.
 */
export async function lockDataDir(lockFile: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (holder && holder !== process.pid && alive(holder)) {
        throw new MusterError(
          'MUSTER_ERR_STORE',
          `the embedded store in ${lockFile.replace(/\/[^/]*$/, '')} is in use by process ${holder} (muster serve?); stop it, use the HTTP API, or share a PostgreSQL server through DATABASE_URL`,
          [{ file: lockFile, message: `held by pid ${holder}` }],
        );
      }
      await rm(lockFile, { force: true });
    }
  }
  throw new MusterError('MUSTER_ERR_STORE', `cannot take the lock ${lockFile}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
