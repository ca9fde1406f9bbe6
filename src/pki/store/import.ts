import { readFile } from 'node:fs/promises';
import { MusterError } from '../../core/errors.ts';
import type { Tx } from '../../store/store.ts';
import { keyIdentifier, type CaHierarchy, type CertificateAuthority } from '../ca.ts';
import { caKeyAlgorithmOfSpki, exportCaKeyPem, importCaKeyPem, type CaKey } from '../keys.ts';
import { subjectDn } from '../names.ts';
import { OID } from '../oids.ts';
import { X509Certificate } from '../x509.ts';
import { writeCaRow } from './ca-rows.ts';
import type { KeyCustody } from './key-custody.ts';

/** PEM files of an existing CA: the root certificate (its key stays offline), the issuing CA certificate and key. */
export interface CaImport {
  readonly rootCertificate: string;
  readonly issuingCertificate: string;
  readonly issuingKey: string;
  readonly keyPassphrase: string;
}

function refuse(key: string, message: string, cause?: unknown): MusterError {
  return new MusterError('MUSTER_ERR_PKI_KEY', `cannot adopt the CA in pki.import: ${message}`, [{ key: `pki.import.${key}`, message }], cause ? { cause } : undefined);
}

async function certificateFile(key: string, file: string): Promise<X509Certificate> {
  try {
    return new X509Certificate(await readFile(file, 'utf8'));
  } catch (cause) {
    throw refuse(key, `${file} is not a readable PEM certificate`, cause);
  }
}

/** A root whose key is offline: it can be named and chained to, never sign. */
export async function offlineKey(certificate: X509Certificate): Promise<CaKey> {
  const spki = new Uint8Array(certificate.publicKey.rawData);
  const algorithm = caKeyAlgorithmOfSpki(spki);
  const publicKey = await certificate.publicKey.export();
  const sign = async (): Promise<Uint8Array> => {
    throw new MusterError(
      'MUSTER_ERR_PKI_KEY',
      'the root CA key is offline (adopted, or taken off with muster ca root remove): the root signs nothing, no issuing CA certificate and no root CRL, until muster ca root import FILE',
      [{ field: 'root', message: 'offline' }],
    );
  };
  return { algorithm, signatureOid: algorithm.startsWith('rsa') ? OID.sha256WithRsa : algorithm === 'ecdsa-p256' ? OID.ecdsaWithSha256 : OID.ecdsaWithSha384, spki, publicKey, offline: true, sign };
}

async function checkPair(root: X509Certificate, issuing: X509Certificate, key: CaKey): Promise<void> {
  if (!(await issuing.verify({ publicKey: root.publicKey, signatureOnly: true }))) throw refuse('issuingCertificate', 'the issuing CA certificate is not signed by the root');
  if (Buffer.compare(Buffer.from(issuing.publicKey.rawData), Buffer.from(key.spki)) !== 0) throw refuse('issuingKey', 'the key does not belong to the issuing CA certificate');
}

/** Adopts an existing CA on first start: checks the files belong together, stores the key re-encrypted under muster's passphrase. */
export async function adoptImportedCa(tx: Tx, files: CaImport, custody: KeyCustody, now: Date): Promise<CaHierarchy> {
  const rootCert = await certificateFile('rootCertificate', files.rootCertificate);
  const issuingCert = await certificateFile('issuingCertificate', files.issuingCertificate);
  const key = await importCaKeyPem(
    await readFile(files.issuingKey, 'utf8').catch((cause: unknown) => {
      throw refuse('issuingKey', `${files.issuingKey} cannot be read`, cause);
    }),
    files.keyPassphrase,
  );
  await checkPair(rootCert, issuingCert, key);
  const authority = async (certificate: X509Certificate, caKey: CaKey): Promise<CertificateAuthority> => ({
    name: subjectDn(certificate),
    key: caKey,
    certificate,
    keyId: await keyIdentifier(new Uint8Array(certificate.publicKey.rawData)),
  });
  const root = await authority(rootCert, await offlineKey(rootCert));
  const issuing = await authority(issuingCert, key);
  await writeCaRow(tx, { role: 'root', name: root.name, certificate: new Uint8Array(rootCert.rawData), keyPem: null, hsmLabel: null }, now);
  await writeCaRow(tx, { role: 'issuing', name: issuing.name, certificate: new Uint8Array(issuingCert.rawData), keyPem: await exportCaKeyPem(key, custody.passphrase), hsmLabel: null }, now);
  return { root, issuing };
}
