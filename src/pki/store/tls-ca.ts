import { MusterError } from '../../core/errors.ts';
import type { Store } from '../../store/store.ts';
import { createSubordinateCa, keyIdentifier, type CaHierarchy, type CertificateAuthority } from '../ca.ts';
import { caKeyAlgorithmOfSpki } from '../keys.ts';
import { withCommonName } from '../names.ts';
import { X509Certificate } from '../x509.ts';
import { readCaRows, writeCaRow } from './ca-rows.ts';
import { takeCaLock, type CaStoreOptions } from './ca-store.ts';
import { heldKey, newKey } from './key-custody.ts';

/** The TLS CA's subject: the issuing CA's name with its common name replaced. */
export function tlsCaName(issuingName: string): string {
  return withCommonName(issuingName, 'TLS Issuing CA');
}

function rootOffline(): MusterError {
  return new MusterError('MUSTER_ERR_PKI_KEY', "the root CA key is offline, so muster cannot make its TLS CA: configure the listener's certificate and key", [
    { key: 'federation.mtls.certificateFile', message: 'required when the root CA key is offline (an adopted CA)' },
  ]);
}

/**
 * The TLS issuing CA: a subordinate of the root beside the PIV issuing CA, asserting no PIV policy, that issues the
 * mutual-TLS listener's server certificates. Created on first use under the CA lock, loaded afterwards.
 */
export async function loadOrCreateTlsCa(store: Store, hierarchy: CaHierarchy, options: CaStoreOptions): Promise<CertificateAuthority> {
  return store.transaction(async (tx) => {
    await takeCaLock(tx);
    const row = (await readCaRows(tx)).get('tls');
    if (row) {
      const certificate = new X509Certificate(row.certificate.slice());
      const spki = new Uint8Array(certificate.publicKey.rawData);
      return { name: row.name, certificate, key: await heldKey(options.custody, row, caKeyAlgorithmOfSpki(spki)), keyId: await keyIdentifier(spki) };
    }
    if (hierarchy.root.key.offline) throw rootOffline();
    const held = await newKey(options.custody, 'tls', options.algorithm);
    const name = options.tlsName ?? tlsCaName(options.issuingName);
    const tlsCa = await createSubordinateCa(hierarchy.root, { name, key: held.key, policies: [], pointers: options.issuingPointers }, options.clock);
    await writeCaRow(tx, { role: 'tls', name, certificate: new Uint8Array(tlsCa.certificate.rawData), keyPem: held.keyPem, hsmLabel: held.hsmLabel }, options.clock.now());
    return tlsCa;
  });
}
