import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const FOLDER_MODE = 0o700;
const FILE_MODE = 0o600;

/**
 * Makes `folder` (created if missing) and everything in it readable by muster's own user only: folders 0700, files
 * 0600. The embedded store's files hold names, emails and status history, and its write-ahead log holds them too.
 */
export async function keepPrivate(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: FOLDER_MODE });
  await chmod(folder, FOLDER_MODE);
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isDirectory()) await chmod(path, FOLDER_MODE);
    else if (entry.isFile()) await chmod(path, FILE_MODE);
  }
}
