import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findExecutable, peerSkip } from './peers.ts';

const run = promisify(execFile);
const MULTIARCH = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';

/** Where distributions put libsofthsm2.so; SOFTHSM2_MODULE, when set, comes first. */
export const SOFTHSM_MODULE_CANDIDATES: readonly string[] = [
  ...(process.env.SOFTHSM2_MODULE ? [process.env.SOFTHSM2_MODULE] : []),
  '/usr/lib/softhsm/libsofthsm2.so',
  `/usr/lib/${MULTIARCH}/softhsm/libsofthsm2.so`,
  '/usr/lib64/pkcs11/libsofthsm2.so',
  '/usr/lib/pkcs11/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/opt/homebrew/lib/softhsm/libsofthsm2.so',
];

/** The SoftHSM2 PKCS#11 library, or null when none is installed. */
export function findSoftHsmModule(): string | null {
  return SOFTHSM_MODULE_CANDIDATES.find((path) => existsSync(path)) ?? null;
}

/** The softhsm2-util command, or null. */
export const SOFTHSM_UTIL = findExecutable('softhsm2-util');

/** The `skip` option for a suite that needs SoftHSM2: skips loudly outside CI, throws under CI=true. */
export function softHsmSkip(): string | false {
  return peerSkip('SoftHSM2 (softhsm2-util and libsofthsm2.so)', SOFTHSM_UTIL !== null && findSoftHsmModule() !== null);
}

/** A freshly initialized SoftHSM2 token in its own folder; `cleanup` deletes it and restores SOFTHSM2_CONF. */
export interface SoftHsmToken {
  readonly module: string;
  readonly tokenLabel: string;
  readonly pin: string;
  readonly soPin: string;
  readonly directory: string;
  cleanup(): Promise<void>;
}

/**
 * Creates a token in a new temporary folder and points SOFTHSM2_CONF at it. SoftHSM2 reads the variable when
 * the module initializes, so close every key of an earlier token (the module finalizes) before the next one.
 */
export async function createSoftHsmToken(tokenLabel = 'muster-test'): Promise<SoftHsmToken> {
  const module = findSoftHsmModule();
  if (module === null || SOFTHSM_UTIL === null) throw new Error('SoftHSM2 is not installed');
  const directory = await mkdtemp(join(tmpdir(), 'muster-softhsm-'));
  await mkdir(join(directory, 'tokens'));
  const conf = join(directory, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${join(directory, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const previous = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = conf;
  const pin = randomBytes(8).toString('hex');
  const soPin = randomBytes(8).toString('hex');
  await run(SOFTHSM_UTIL, ['--init-token', '--free', '--label', tokenLabel, '--so-pin', soPin, '--pin', pin], { env: process.env });
  const cleanup = async (): Promise<void> => {
    if (previous === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = previous;
    await rm(directory, { recursive: true, force: true });
  };
  return { module, tokenLabel, pin, soPin, directory, cleanup };
}
