import { isMusterError } from '../core/errors.ts';
import { readCsr } from '../pki/csr.ts';
import { keyFacts, keyLifetimeWeakness } from '../pki/key-strength.ts';
import type { Tx } from '../store/store.ts';
import { serialCertifying } from './certificate-repository.ts';
import type { Refusal } from './prerequisites.ts';

/** A CSR of a request, by the request field it came in. */
export interface NamedCsr {
  readonly field: string;
  readonly csr: string | Uint8Array;
}

type KeyOutcome = { readonly keys: ReadonlyMap<string, Uint8Array>; readonly refusal: null } | { readonly refusal: Refusal };

async function readNamed(named: NamedCsr, validUntil: Date | undefined): Promise<Uint8Array | Refusal> {
  let spki: Uint8Array;
  try {
    spki = (await readCsr(named.csr, named.field)).spki;
  } catch (error) {
    if (!isMusterError(error, 'MUSTER_ERR_PKI_CSR')) throw error;
    return { rule: 'csr', field: named.field, code: 'MUSTER_ERR_PKI_CSR', message: error.message };
  }
  const tooSmall = validUntil ? keyLifetimeWeakness(keyFacts(spki), validUntil) : undefined;
  return tooSmall ? { rule: 'csr', field: named.field, code: 'MUSTER_ERR_PKI_CSR', message: `the CSR key is refused: ${tooSmall}` } : spki;
}

/**
 * The serial of a certificate that already certifies this key (the SPKI appears verbatim in its DER), for an identity
 * other than `exceptIdentity` when given; undefined when none does.
 */
export async function certifiedKey(tx: Tx, spki: Uint8Array, exceptIdentity?: string): Promise<string | undefined> {
  return serialCertifying(tx, spki, exceptIdentity ?? '');
}

/**
 * Reads each CSR (key strength, signature algorithm) and refuses a key that two of them share (a PIV Authentication
 * key must not be the Card Authentication key), a key in `taken` (another certificate of the same card), or a key
 * already certified for another identity, or too small for a certificate valid until `validUntil`. Returns the
 * public keys by field.
 */
export async function cardKeyRefusal(tx: Tx, identityId: string, csrs: readonly NamedCsr[], taken: readonly Uint8Array[] = [], validUntil?: Date): Promise<KeyOutcome> {
  const keys = new Map<string, Uint8Array>();
  for (const named of csrs) {
    const spki = await readNamed(named, validUntil);
    if (!(spki instanceof Uint8Array)) return { refusal: spki };
    const twin = [...keys.entries()].find(([, other]) => Buffer.from(other).equals(spki))?.[0];
    if (twin || taken.some((t) => Buffer.from(t).equals(spki))) {
      return {
        refusal: {
          rule: 'key-reuse',
          field: named.field,
          message: `${named.field} carries the same key as ${twin ?? 'another certificate of this card'}; each PIV key is distinct (FIPS 201-3 §4.2.2)`,
        },
      };
    }
    const serial = await certifiedKey(tx, spki, identityId);
    if (serial) return { refusal: { rule: 'key-reuse', field: named.field, message: `the key of ${named.field} is already certified for another identity (certificate ${serial})` } };
    keys.set(named.field, spki);
  }
  return { keys, refusal: null };
}
