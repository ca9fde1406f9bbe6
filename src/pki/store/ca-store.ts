import type { Clock } from '../../core/clock.ts';
import type { Queryable, Store, Tx } from '../../store/store.ts';
import { createCaHierarchy, keyIdentifier, type CaHierarchy, type CaPointers, type CertificateAuthority } from '../ca.ts';
import { caKeyAlgorithmOfSpki, type CaKeyAlgorithm } from '../keys.ts';
import type { OcspSigner } from '../ocsp-signing.ts';
import { subjectDn } from '../names.ts';
import { X509Certificate } from '../x509.ts';
import { readCaRows, writeCaRow, type CaRow } from './ca-rows.ts';
import { heldKey, newKey, type KeyCustody } from './key-custody.ts';
import { adoptImportedCa, offlineKey, type CaImport } from './import.ts';
import { issueResponder, responderNeedsRenewal } from './responder.ts';

/** The CA muster runs: root, issuing CA and the delegated OCSP responder. */
export interface CaMaterial extends CaHierarchy {
  readonly responder: OcspSigner;
}

export interface CaStoreOptions {
  readonly clock: Clock;
  readonly rootName: string;
  readonly issuingName: string;
  readonly algorithm: CaKeyAlgorithm;
  readonly custody: KeyCustody;
  /** An existing CA to adopt on first start instead of creating one. */
  readonly import?: CaImport;
  /** The root certificate and root CRL URLs, written into the issuing CA certificate when it is created. */
  readonly issuingPointers?: CaPointers;
  /** Subject of the TLS issuing CA (made on first use); default: the issuing CA's name with CN=TLS Issuing CA. */
  readonly tlsName?: string;
}

const CA_LOCK = "pg_advisory_xact_lock(hashtext('muster.ca'))";

/** Takes the CA lock for the rest of the transaction: one process at a time makes or changes a CA. */
export async function takeCaLock(tx: Queryable): Promise<void> {
  await tx.query(`SELECT ${CA_LOCK}`);
}

/**
 * The CA from the store: created on first start (or adopted from PEM files), loaded on every later one. The OCSP
 * responder certificate is issued, or renewed when it nears its end, in the same step. Processes starting together
 * take turns under an advisory lock, so there is only ever one CA.
 */
export async function loadOrCreateCa(store: Store, options: CaStoreOptions): Promise<CaMaterial> {
  return store.transaction(async (tx) => {
    await takeCaLock(tx);
    const rows = await readCaRows(tx);
    const hierarchy = rows.has('root') && rows.has('issuing') ? await loadHierarchy(rows, options) : await createHierarchy(tx, options);
    const responder = await loadResponder(tx, rows.get('ocsp'), hierarchy, options);
    return { ...hierarchy, responder };
  });
}

/** Renews the OCSP responder certificate when it is near its end; returns the signer to use from now on. */
export async function renewResponderIfDue(store: Store, ca: CaMaterial, options: CaStoreOptions): Promise<OcspSigner> {
  if (!responderNeedsRenewal(ca.responder.certificate, ca.issuing, options.clock.now())) return ca.responder;
  return store.transaction(async (tx) => {
    await takeCaLock(tx);
    return loadResponder(tx, (await readCaRows(tx)).get('ocsp'), ca, options);
  });
}

async function authority(row: CaRow, options: CaStoreOptions): Promise<CertificateAuthority> {
  const certificate = new X509Certificate(row.certificate.slice());
  const spki = new Uint8Array(certificate.publicKey.rawData);
  const offline = row.role === 'root' && row.keyPem === null && row.hsmLabel === null;
  const key = offline ? await offlineKey(certificate) : await heldKey(options.custody, row, caKeyAlgorithmOfSpki(spki));
  return { name: row.name, key, certificate, keyId: await keyIdentifier(spki) };
}

async function loadHierarchy(rows: Map<string, CaRow>, options: CaStoreOptions): Promise<CaHierarchy> {
  return { root: await authority(rows.get('root') as CaRow, options), issuing: await authority(rows.get('issuing') as CaRow, options) };
}

async function createHierarchy(tx: Tx, options: CaStoreOptions): Promise<CaHierarchy> {
  const now = options.clock.now();
  if (options.import) return adoptImportedCa(tx, options.import, options.custody, now);
  const root = await newKey(options.custody, 'root', options.algorithm);
  const issuing = await newKey(options.custody, 'issuing', options.algorithm);
  const hierarchy = await createCaHierarchy(
    { rootName: options.rootName, issuingName: options.issuingName, rootKey: root.key, issuingKey: issuing.key, ...(options.issuingPointers ? { issuingPointers: options.issuingPointers } : {}) },
    options.clock,
  );
  await writeCaRow(tx, { role: 'root', name: options.rootName, certificate: new Uint8Array(hierarchy.root.certificate.rawData), keyPem: root.keyPem, hsmLabel: root.hsmLabel }, now);
  await writeCaRow(tx, { role: 'issuing', name: options.issuingName, certificate: new Uint8Array(hierarchy.issuing.certificate.rawData), keyPem: issuing.keyPem, hsmLabel: issuing.hsmLabel }, now);
  return hierarchy;
}

async function loadResponder(tx: Tx, row: CaRow | undefined, hierarchy: CaHierarchy, options: CaStoreOptions): Promise<OcspSigner> {
  if (row) {
    const certificate = new X509Certificate(row.certificate.slice());
    if (!responderNeedsRenewal(certificate, hierarchy.issuing, options.clock.now())) {
      return { certificate, key: await heldKey(options.custody, row, caKeyAlgorithmOfSpki(new Uint8Array(certificate.publicKey.rawData))) };
    }
  }
  const held = await newKey(options.custody, 'ocsp', 'ecdsa-p256');
  const signer = await issueResponder(hierarchy.issuing, held.key, options.clock);
  const name = subjectDn(signer.certificate);
  await writeCaRow(tx, { role: 'ocsp', name, certificate: new Uint8Array(signer.certificate.rawData), keyPem: held.keyPem, hsmLabel: held.hsmLabel }, options.clock.now());
  return signer;
}
