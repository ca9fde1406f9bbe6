import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { MusterConfig } from '../config/schema.ts';
import { MusterError } from '../core/errors.ts';

/** The passphrase file muster makes in the data folder when none is configured (profile demo only). */
export const PASSPHRASE_FILE = 'pki-key-passphrase';
const MIN_LENGTH = 12;

/** In-memory stores end with the process: one random passphrase for all of them, so keys stored early decrypt later. */
const MEMORY_PASSPHRASE = randomBytes(24).toString('base64url');

/**
 * The key passphrase: it encrypts the CA keys and derives the key that seals the signing and cookie keys. From
 * `pki.keyPassphrase` (MUSTER_PKI_KEY_PASSPHRASE), else the file `pki.keyPassphraseFile`, else (profile demo) a
 * random one made in `<dataDir>/pki-key-passphrase` on first start. Profile production refuses a passphrase file
 * inside dataDir: a copy of the data folder would carry the key beside what it protects.
 */
export async function keyPassphrase(config: MusterConfig): Promise<string> {
  if (config.pki.keyPassphrase) return config.pki.keyPassphrase;
  if (config.pki.keyPassphraseFile) return readPassphraseFile(config, config.pki.keyPassphraseFile);
  if (config.dataDir === ':memory:') return MEMORY_PASSPHRASE;
  const file = join(config.dataDir, PASSPHRASE_FILE);
  refuseInsideDataDir(config, file, '(unset)');
  return (await readFile(file, 'utf8').catch(() => undefined))?.trim() ?? createPassphraseFile(file);
}

/** Whether `file` is `folder` or below it, following symbolic links where they exist. */
export function isInside(folder: string, file: string): boolean {
  const rel = relative(real(folder), real(file));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function real(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    try {
      return join(realpathSync(dirname(absolute)), absolute.slice(dirname(absolute).length + 1));
    } catch {
      return absolute;
    }
  }
}

function refuseInsideDataDir(config: MusterConfig, file: string, configured: string): void {
  if (config.profile !== 'production' || config.dataDir === ':memory:' || !isInside(config.dataDir, file)) return;
  const message = `profile production refuses the key passphrase file ${file}: it is inside dataDir ${config.dataDir}; set pki.keyPassphraseFile to a file outside it, or MUSTER_PKI_KEY_PASSPHRASE`;
  throw new MusterError('MUSTER_ERR_CONFIG', message, [{ key: 'pki.keyPassphraseFile', value: configured, message: `${file} is inside dataDir ${config.dataDir}` }]);
}

async function readPassphraseFile(config: MusterConfig, file: string): Promise<string> {
  refuseInsideDataDir(config, file, file);
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw new MusterError('MUSTER_ERR_CONFIG', `cannot read the key passphrase file ${file}: ${(error as Error).message}`, [{ key: 'pki.keyPassphraseFile', value: file, message: 'unreadable' }]);
  }
  if (text.length < MIN_LENGTH)
    throw new MusterError('MUSTER_ERR_CONFIG', `the key passphrase in ${file} is shorter than ${MIN_LENGTH} characters`, [
      { key: 'pki.keyPassphraseFile', value: file, message: `shorter than ${MIN_LENGTH} characters` },
    ]);
  return text;
}

async function createPassphraseFile(file: string): Promise<string> {
  const created = randomBytes(24).toString('base64url');
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, `${created}\n`, { mode: 0o600, flag: 'wx' });
    return created;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readFile(file, 'utf8')).trim();
    throw new MusterError('MUSTER_ERR_PKI_KEY', `cannot create ${file}: ${(error as Error).message}`, [{ key: 'pki.keyPassphrase', message: 'unset, and the passphrase file cannot be written' }]);
  }
}
