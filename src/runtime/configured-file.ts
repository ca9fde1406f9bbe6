import { readFile } from 'node:fs/promises';
import { MusterError } from '../core/errors.ts';

/**
 * A file named by a setting, read at start as text; one that cannot be read stops the start naming the setting and
 * the file (`what` says what the file is, in the message).
 */
export async function readConfiguredFile(key: string, file: string, what?: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new MusterError('MUSTER_ERR_CONFIG', `cannot read ${what ? `the ${what} ` : ''}${file}`, [{ key, value: file, message: (error as Error).message }], { cause: error });
  }
}
