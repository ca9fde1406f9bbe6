import { exportCaKeyPem, generateCaKey, importCaKeyPem, type CaKey, type CaKeyAlgorithm } from '../keys.ts';
import { MusterError } from '../../core/errors.ts';

/** Opens (or with `create`, generates) a key held in an HSM by its label. */
export type HsmKeyOpener = (label: string, algorithm: CaKeyAlgorithm, create: boolean) => Promise<CaKey>;

/**
 * Where CA keys live: software keys are stored encrypted under the passphrase; with an HSM, the root and issuing keys
 * stay on the token and only their labels are stored. The OCSP responder key is always software (it signs only when
 * a status changes, and is renewed every few months).
 */
export interface KeyCustody {
  readonly passphrase: string;
  readonly hsm?: { readonly open: HsmKeyOpener; readonly labels: { readonly root: string; readonly issuing: string } };
}

export interface HeldKey {
  readonly key: CaKey;
  readonly keyPem: string | null;
  readonly hsmLabel: string | null;
}

/** A new key for a CA role: on the HSM when one is configured (root, issuing), else software, encrypted (OCSP responder, TLS CA). */
export async function newKey(custody: KeyCustody, role: 'root' | 'issuing' | 'ocsp' | 'tls', algorithm: CaKeyAlgorithm): Promise<HeldKey> {
  if (custody.hsm && (role === 'root' || role === 'issuing')) {
    const label = custody.hsm.labels[role];
    return { key: await custody.hsm.open(label, algorithm, true), keyPem: null, hsmLabel: label };
  }
  const key = await generateCaKey(role === 'ocsp' ? 'ecdsa-p256' : algorithm);
  return { key, keyPem: await exportCaKeyPem(key, custody.passphrase), hsmLabel: null };
}

/** The key a stored row names. */
export async function heldKey(custody: KeyCustody, row: { keyPem: string | null; hsmLabel: string | null; role: string }, algorithm: CaKeyAlgorithm): Promise<CaKey> {
  if (row.keyPem !== null) return importCaKeyPem(row.keyPem, custody.passphrase);
  if (!custody.hsm || row.hsmLabel === null) {
    throw new MusterError('MUSTER_ERR_PKI_HSM', `the ${row.role} CA key is in an HSM (label ${row.hsmLabel}), but pki.hsm is not configured`, [
      { key: 'pki.hsm', message: 'required: the CA keys are on a token' },
    ]);
  }
  return custody.hsm.open(row.hsmLabel, algorithm, false);
}
