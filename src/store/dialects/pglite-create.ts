import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MusterError } from '../../core/errors.ts';

/**
 * Creating an embedded cluster (PGlite's initdb) is the most memory PGlite ever takes: above 1 GiB for a moment in
 * the process that does it, most of it V8 optimising the WebAssembly. A data folder without a cluster gets one from a
 * short-lived child process whose WebAssembly is only baseline-compiled (`--liftoff-only`: about two thirds of the
 * memory, and quicker); the process that then opens the folder never carries that peak.
 */
export async function createClusterApart(dir: string): Promise<void> {
  if (await exists(join(dir, 'PG_VERSION'))) return;
  const script = fileURLToPath(new URL('./pglite-create-child.ts', import.meta.url));
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--liftoff-only', script, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      errors = (errors + chunk).slice(-2000);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new MusterError('MUSTER_ERR_STORE', `creating the embedded database in ${dir} failed (exit ${code}): ${errors.trim()}`));
    });
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
