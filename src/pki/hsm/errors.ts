import { MusterError } from '../../core/errors.ts';

/** The option a PKCS#11 failure is about; details carry it as `pki.hsm.<field>`. */
export type HsmField = 'module' | 'tokenLabel' | 'pin' | 'keyLabel' | 'algorithm';

/** A MUSTER_ERR_PKI_HSM error naming the option that was wrong. Callers never pass the PIN in `message`. */
export function hsmError(field: HsmField, message: string, cause?: unknown): MusterError {
  const options = cause === undefined ? undefined : { cause };
  return new MusterError('MUSTER_ERR_PKI_HSM', message, [{ key: `pki.hsm.${field}`, message }], options);
}

/** The CKR_* name of a PKCS#11 failure (e.g. CKR_PIN_INCORRECT), or undefined for anything else. */
export function pkcs11Code(error: unknown): string | undefined {
  const text = error instanceof Error ? error.message : String(error);
  return /\b(CKR_[A-Z0-9_]+)/.exec(text)?.[1];
}

/** A short reason for a message: the CKR_* name when there is one. */
export function reason(error: unknown): string {
  return pkcs11Code(error) ?? (error instanceof Error ? error.message : String(error));
}
