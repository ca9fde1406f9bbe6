import { KeyGenMechanism, KeyType, MechanismEnum, ObjectClass, type SecretKey, type Session } from 'graphene-pk11';
import { hsmError, reason } from './errors.ts';
import { openTokenSession, type TokenTarget } from './token.ts';

/** An AES-256 key on a token that wraps and unwraps data keys (CKM_AES_KEY_WRAP, RFC 3394); the key never leaves the token. */
export interface Pkcs11WrapKey {
  readonly keyLabel: string;
  wrap(dataKey: Uint8Array): Buffer;
  unwrap(wrapped: Uint8Array): Buffer;
  close(): void;
}

export interface Pkcs11WrapKeyOptions extends TokenTarget {
  /** CKA_LABEL of the AES key. */
  readonly keyLabel: string;
  /** Generate it on the token when no secret key has this label (default: refuse). */
  readonly create?: boolean;
}

function findWrapKey(session: Session, label: string): SecretKey | null {
  const found = session.find({ class: ObjectClass.SECRET_KEY, label });
  if (found.length > 1) throw hsmError('keyLabel', `${found.length} secret keys on the token are labelled "${label}"`);
  return found.length === 1 ? found.items(0).toType<SecretKey>() : null;
}

function generateWrapKey(session: Session, label: string): SecretKey {
  try {
    return session.generateKey(KeyGenMechanism.AES, {
      class: ObjectClass.SECRET_KEY,
      keyType: KeyType.AES,
      valueLen: 32,
      token: true,
      private: true,
      label,
      sensitive: true,
      extractable: false,
      wrap: true,
      unwrap: true,
      encrypt: false,
      decrypt: false,
      sign: false,
      verify: false,
    });
  } catch (cause) {
    throw hsmError('keyLabel', `cannot generate the AES wrapping key "${label}" on the token: ${reason(cause)}`, cause);
  }
}

/** A data key as a session object (never on the token), so that the token can wrap it. */
function sessionDataKey(session: Session, dataKey: Uint8Array): SecretKey {
  return session
    .create({
      class: ObjectClass.SECRET_KEY,
      keyType: KeyType.AES,
      value: Buffer.from(dataKey),
      token: false,
      private: true,
      sensitive: false,
      extractable: true,
      encrypt: true,
      decrypt: true,
    })
    .toType<SecretKey>();
}

function wrapWith(session: Session, key: SecretKey, label: string, dataKey: Uint8Array): Buffer {
  const object = sessionDataKey(session, dataKey);
  try {
    return session.wrapKey(MechanismEnum.AES_KEY_WRAP, key, object);
  } catch (cause) {
    throw hsmError('keyLabel', `the token key "${label}" cannot wrap a data key: ${reason(cause)}`, cause);
  } finally {
    object.destroy();
  }
}

function unwrapWith(session: Session, key: SecretKey, label: string, wrapped: Uint8Array): Buffer {
  let object: SecretKey;
  try {
    object = session
      .unwrapKey(MechanismEnum.AES_KEY_WRAP, key, Buffer.from(wrapped), {
        class: ObjectClass.SECRET_KEY,
        keyType: KeyType.AES,
        token: false,
        private: true,
        sensitive: false,
        extractable: true,
        decrypt: true,
      })
      .toType<SecretKey>();
  } catch (cause) {
    throw hsmError('keyLabel', `the token key "${label}" does not unwrap the data key (another token, or damaged): ${reason(cause)}`, cause);
  }
  try {
    return Buffer.from(object.getAttribute({ value: null }).value as Buffer);
  } finally {
    object.destroy();
  }
}

/** Opens the AES wrapping key labelled `keyLabel` on the token, generating it when `create` is set and it is missing. */
export function openPkcs11WrapKey(options: Pkcs11WrapKeyOptions): Pkcs11WrapKey {
  const token = openTokenSession(options, true);
  try {
    const key = findWrapKey(token.session, options.keyLabel) ?? (options.create === true ? generateWrapKey(token.session, options.keyLabel) : null);
    if (!key) throw hsmError('keyLabel', `token "${options.tokenLabel}" has no secret key labelled "${options.keyLabel}"`);
    return {
      keyLabel: options.keyLabel,
      wrap: (dataKey) => wrapWith(token.session, key, options.keyLabel, dataKey),
      unwrap: (wrapped) => unwrapWith(token.session, key, options.keyLabel, wrapped),
      close: () => token.release(),
    };
  } catch (error) {
    token.release();
    throw error;
  }
}
