import { readFile } from 'node:fs/promises';
import { MusterError } from '../../core/errors.ts';

/** The text of a file named by a flag; a missing file is refused naming the flag and the path. */
export async function readFlagFile(flag: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new MusterError('MUSTER_ERR_VALIDATION', `--${flag}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, [
      { field: flag, value: path, message: 'unreadable' },
    ]);
  }
}
