import type { CaKey, CaKeyAlgorithm } from '../keys.ts';
import { hsmSpec, type HsmSpec } from './algorithms.ts';
import { hsmError, type HsmField } from './errors.ts';
import { findKeyPair, generateKeyPair, type TokenKeyPair } from './keypair.ts';
import { readPublicKey } from './public-key.ts';
import { SerialQueue, signWithToken } from './signer.ts';
import { openTokenSession, type TokenSession } from './token.ts';

/** Where a CA key lives on a PKCS#11 token, and whether to generate it there when it is missing. */
export interface Pkcs11KeyOptions {
  /** Path of the PKCS#11 library (e.g. libsofthsm2.so). */
  readonly module: string;
  readonly tokenLabel: string;
  /** The user PIN; kept only for the login, never in messages. */
  readonly pin: string;
  /** CKA_LABEL of the private key. */
  readonly keyLabel: string;
  readonly algorithm: CaKeyAlgorithm;
  /** Generate the key pair on the token when no private key has this label (default: refuse). */
  readonly create?: boolean;
}

/**
 * A CA key whose private half never leaves the token. Each open key holds its own session (signatures on it
 * run one at a time); keys on one token share the module and the login. `close()` ends the session once pending
 * signatures finish; the last close on a token logs out and the last on a module finalizes it.
 */
export interface Pkcs11CaKey extends CaKey {
  readonly tokenLabel: string;
  readonly keyLabel: string;
  /** True when this open generated the key pair. */
  readonly created: boolean;
  close(): void;
}

function required(options: Pkcs11KeyOptions): void {
  const fields: readonly HsmField[] = ['module', 'tokenLabel', 'pin', 'keyLabel'];
  for (const field of fields) {
    const value: unknown = options[field];
    if (typeof value !== 'string' || value.length === 0) throw hsmError(field, `the PKCS#11 key option ${field} is required`);
  }
}

async function keyPair(token: TokenSession, options: Pkcs11KeyOptions, spec: HsmSpec): Promise<{ pair: TokenKeyPair; created: boolean }> {
  const found = findKeyPair(token.session, options.keyLabel);
  if (found) return { pair: found, created: false };
  if (options.create !== true) {
    throw hsmError('keyLabel', `token "${options.tokenLabel}" has no private key labelled "${options.keyLabel}" (open it with create to generate one)`);
  }
  return { pair: await generateKeyPair(token.session, options.keyLabel, spec), created: true };
}

async function assemble(token: TokenSession, options: Pkcs11KeyOptions, spec: HsmSpec): Promise<Pkcs11CaKey> {
  const { pair, created } = await keyPair(token, options, spec);
  const { spki, publicKey } = await readPublicKey(pair, spec, options.keyLabel);
  const queue = new SerialQueue();
  let closed = false;
  const sign = (data: Uint8Array): Promise<Uint8Array> => {
    if (closed) return Promise.reject(hsmError('keyLabel', `the PKCS#11 key "${options.keyLabel}" is closed`));
    return queue.run(() => signWithToken(token.session, pair.privateKey, spec, data, options.keyLabel));
  };
  const close = (): void => {
    if (closed) return;
    closed = true;
    queue.whenIdle(() => token.release());
  };
  const { tokenLabel, keyLabel, algorithm } = options;
  return { algorithm, signatureOid: spec.signatureOid, spki, publicKey, tokenLabel, keyLabel, created, sign, close };
}

/**
 * Opens the CA key labelled `keyLabel` on the PKCS#11 token `tokenLabel`, generating it on the token when
 * `create` is set and it does not exist. Every failure is MUSTER_ERR_PKI_HSM with a `pki.hsm.<option>` detail.
 */
export async function openPkcs11CaKey(options: Pkcs11KeyOptions): Promise<Pkcs11CaKey> {
  const spec = hsmSpec(options.algorithm);
  required(options);
  const token = openTokenSession(options, options.create === true);
  try {
    return await assemble(token, options, spec);
  } catch (error) {
    token.release();
    throw error;
  }
}
