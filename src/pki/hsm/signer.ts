import { createHash, type webcrypto } from 'node:crypto';
import type { PrivateKey, Session } from 'graphene-pk11';
import { AsnEcSignatureFormatter } from '../x509.ts';
import type { HsmSpec } from './algorithms.ts';
import { hsmError, reason } from './errors.ts';

function signOnToken(session: Session, key: PrivateKey, mechanism: string, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    try {
      session.createSign(mechanism, key).once(input, (error, signature) => (error ? reject(error) : resolve(signature)));
    } catch (cause) {
      reject(cause);
    }
  });
}

async function signEc(session: Session, key: PrivateKey, spec: HsmSpec & { kind: 'ec' }, data: Uint8Array): Promise<Uint8Array> {
  const digest = createHash(spec.digest).update(data).digest();
  const raw = await signOnToken(session, key, 'ECDSA', digest);
  const der = new AsnEcSignatureFormatter().toAsnSignature(spec.webCrypto as webcrypto.Algorithm, raw);
  if (!der) throw new Error(`the token returned a ${raw.length}-byte ECDSA signature, not r||s for ${spec.algorithm}`);
  return new Uint8Array(der);
}

async function signRsa(session: Session, key: PrivateKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await signOnToken(session, key, 'SHA256_RSA_PKCS', Buffer.from(data)));
}

/** One signature value as X.509 carries it: DER ECDSA-Sig-Value (CKM_ECDSA over a Node digest) or PKCS#1 v1.5 (CKM_SHA256_RSA_PKCS). */
export async function signWithToken(session: Session, key: PrivateKey, spec: HsmSpec, data: Uint8Array, label: string): Promise<Uint8Array> {
  try {
    return spec.kind === 'ec' ? await signEc(session, key, spec, data) : await signRsa(session, key, data);
  } catch (cause) {
    throw hsmError('keyLabel', `signing with the PKCS#11 key "${label}" failed: ${reason(cause)}`, cause);
  }
}

/** Runs tasks one after another: a PKCS#11 session has one signing operation at a time. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;
  #idle: (() => void) | undefined;

  /** Number of tasks queued or running. */
  get pending(): number {
    return this.#pending;
  }

  /** Queues a task after every earlier one. */
  run<T>(task: () => Promise<T>): Promise<T> {
    this.#pending += 1;
    const result = this.#tail.then(task);
    this.#tail = result
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => this.#settle());
    return result;
  }

  /** Calls `callback` once nothing is queued or running (at once when idle). */
  whenIdle(callback: () => void): void {
    if (this.#pending === 0) callback();
    else this.#idle = callback;
  }

  #settle(): void {
    this.#pending -= 1;
    if (this.#pending === 0 && this.#idle) {
      const callback = this.#idle;
      this.#idle = undefined;
      callback();
    }
  }
}
