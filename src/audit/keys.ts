import { createPrivateKey } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MusterError } from '../core/errors.ts';
import type { Store } from '../store/store.ts';
import { mergePublicKey } from './audit-repository.ts';
import { type CheckpointSigner, generateSigningKeyPem, publicPemOf, signerFromPem } from './checkpoint.ts';

/** The settings key holding every checkpoint public key this database has seen: keyId -> SPKI PEM. */
export const PUBLIC_KEYS_SETTING = 'audit.public_keys';
export const DEFAULT_KEY_FILE = 'audit-signing-key.pem';

export interface AuditKeys {
  readonly signer: CheckpointSigner;
  /** keyId -> SPKI PEM: the local key plus every key recorded in the settings table. */
  readonly publicKeys: ReadonlyMap<string, string>;
}

/** The part of MusterConfig the keys need. */
export interface AuditKeyConfig {
  readonly dataDir: string;
  readonly audit: { readonly signingKeyFile?: string | undefined };
}

/** Loads (or creates on first start) the checkpoint signing key and records its public half in the store. */
export async function loadAuditKeys(config: AuditKeyConfig, store: Store): Promise<AuditKeys> {
  const privatePem = await loadPrivatePem(config);
  const signer = signerFromPem(privatePem);
  const publicPem = publicPemOf(privatePem);
  const recorded = await recordPublicKey(store, signer.keyId, publicPem);
  const publicKeys = new Map<string, string>(recorded);
  publicKeys.set(signer.keyId, publicPem);
  return { signer, publicKeys };
}

/** The key file muster uses, or undefined when the key lives in memory only (`:memory:` data and no file configured). */
export function signingKeyPath(config: AuditKeyConfig): string | undefined {
  if (config.audit.signingKeyFile) return config.audit.signingKeyFile;
  return config.dataDir === ':memory:' ? undefined : join(config.dataDir, DEFAULT_KEY_FILE);
}

async function loadPrivatePem(config: AuditKeyConfig): Promise<string> {
  const file = signingKeyPath(config);
  const pem = file === undefined ? generateSigningKeyPem() : await readOrCreate(file);
  checkEd25519(pem, file ?? '(in memory)');
  return pem;
}

async function readOrCreate(file: string): Promise<string> {
  const existing = await readKeyFile(file);
  if (existing !== undefined) return existing;
  const pem = generateSigningKeyPem();
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, pem, { mode: 0o600, flag: 'wx' });
    return pem;
  } catch (error) {
    // Another process created it between our read and our write: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readKeyFile(file)) ?? pem;
    throw keyError(file, `cannot create the audit signing key file ${file}: ${(error as Error).message}`, error);
  }
}

async function readKeyFile(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw keyError(file, `cannot read the audit signing key file ${file}: ${(error as Error).message}`, error);
  }
}

function checkEd25519(pem: string, file: string): void {
  let type: string | undefined;
  try {
    type = createPrivateKey(pem).asymmetricKeyType;
  } catch (error) {
    throw keyError(file, `the audit signing key in ${file} is not a readable PKCS#8 PEM private key`, error);
  }
  if (type !== 'ed25519') throw keyError(file, `the audit signing key in ${file} is ${type ?? 'of unknown type'}, not Ed25519`);
}

function keyError(file: string, message: string, cause?: unknown): MusterError {
  return new MusterError('MUSTER_ERR_AUDIT_KEY', message, [{ file, message }], cause === undefined ? undefined : { cause });
}

/** Adds the key to the recorded set (never replacing or removing one) and returns the whole set. */
async function recordPublicKey(store: Store, keyId: string, publicPem: string): Promise<[string, string][]> {
  const value = await mergePublicKey(store, PUBLIC_KEYS_SETTING, keyId, publicPem);
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MusterError('MUSTER_ERR_AUDIT_KEY', `the settings entry ${PUBLIC_KEYS_SETTING} is not a JSON object of keyId -> public key PEM`, [
      { key: PUBLIC_KEYS_SETTING, message: 'not a JSON object' },
    ]);
  }
  return Object.entries(value as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string');
}
