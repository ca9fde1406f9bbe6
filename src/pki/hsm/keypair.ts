import { randomBytes } from 'node:crypto';
import { KeyGenMechanism, KeyType, ObjectClass, type PrivateKey, type PublicKey, type Session } from 'graphene-pk11';
import type { HsmSpec } from './algorithms.ts';
import { hsmError, reason } from './errors.ts';
import { ecParameters } from './spki.ts';

/** The private and public key objects of one CA key on a token (same CKA_ID). */
export interface TokenKeyPair {
  readonly privateKey: PrivateKey;
  readonly publicKey: PublicKey;
}

function publicKeyFor(session: Session, label: string, id: Buffer): PublicKey {
  const found = session.find({ class: ObjectClass.PUBLIC_KEY, id });
  const object = found.length === 1 ? found.items(0) : undefined;
  if (!object) throw hsmError('keyLabel', `the private key "${label}" has ${found.length === 0 ? 'no' : 'more than one'} public key object with its CKA_ID on the token`);
  return object.toType<PublicKey>();
}

/** The key pair whose private key has this label, or null when the token has none. Refuses an ambiguous label. */
export function findKeyPair(session: Session, label: string): TokenKeyPair | null {
  const found = session.find({ class: ObjectClass.PRIVATE_KEY, label });
  if (found.length === 0) return null;
  if (found.length > 1) throw hsmError('keyLabel', `${found.length} private keys on the token are labelled "${label}"`);
  const privateKey = found.items(0).toType<PrivateKey>();
  const id = privateKey.getAttribute({ id: null }).id;
  if (!Buffer.isBuffer(id) || id.length === 0) throw hsmError('keyLabel', `the private key "${label}" has no CKA_ID to find its public key by`);
  return { privateKey, publicKey: publicKeyFor(session, label, id) };
}

function publicTemplate(spec: HsmSpec, label: string, id: Buffer): Record<string, unknown> {
  const common = { token: true, private: false, label, id, verify: true, encrypt: false, wrap: false };
  if (spec.kind === 'ec') return { ...common, keyType: KeyType.EC, paramsEC: Buffer.from(ecParameters(spec.curveOid)) };
  return { ...common, keyType: KeyType.RSA, modulusBits: spec.modulusBits, publicExponent: Buffer.from([1, 0, 1]) };
}

function privateTemplate(spec: HsmSpec, label: string, id: Buffer): Record<string, unknown> {
  const keyType = spec.kind === 'ec' ? KeyType.EC : KeyType.RSA;
  return { token: true, private: true, label, id, keyType, sign: true, sensitive: true, extractable: false, decrypt: false, unwrap: false, derive: false };
}

/**
 * Generates a key pair on the token (off the event loop): persistent, sensitive, never extractable,
 * signing only; both halves carry the label and share a fresh CKA_ID.
 */
export function generateKeyPair(session: Session, label: string, spec: HsmSpec): Promise<TokenKeyPair> {
  const id = randomBytes(20);
  const mechanism = spec.kind === 'ec' ? KeyGenMechanism.EC : KeyGenMechanism.RSA;
  const refused = (cause: unknown) => hsmError('keyLabel', `cannot generate the ${spec.algorithm} key "${label}" on the token: ${reason(cause)}`, cause);
  return new Promise((resolve, reject) => {
    try {
      session.generateKeyPair(mechanism, publicTemplate(spec, label, id), privateTemplate(spec, label, id), (error, pair) => {
        if (error || !pair) reject(refused(error ?? new Error('no key pair returned')));
        else resolve(pair);
      });
    } catch (cause) {
      reject(refused(cause));
    }
  });
}
