// The bench CA: root, issuing CA, a delegated OCSP responder and N serials "issued" by the issuing CA, written as the
// files `openssl ocsp -index` needs (index.txt, issuing.pem, resp.pem, resp.key) plus root.pem for verifying answers.
import { createPrivateKey } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.ts';
import { createCaHierarchy, type CaHierarchy } from '../../src/pki/ca.ts';
import { randomSerial, toHex } from '../../src/pki/der.ts';
import { createIssuer } from '../../src/pki/issue.ts';
import { generateCaKey, type SoftwareCaKey } from '../../src/pki/keys.ts';
import type { OcspSigner } from '../../src/pki/ocsp-signing.ts';
import { Pkcs10CertificateRequestGenerator } from '../../src/pki/x509.ts';

/** One in this many serials is revoked (an 'R' line in index.txt). */
export const REVOKED_EVERY = 100;
export const REVOKED_AT = new Date('2026-01-02T03:04:05Z');
const NOT_AFTER = '300101000000Z';

export interface BenchPki {
  readonly ca: CaHierarchy;
  readonly signer: OcspSigner;
  /** Uppercase hex, as OpenSSL's index.txt and BN_bn2hex spell them. */
  readonly serials: readonly string[];
}

export const isRevokedIndex = (i: number): boolean => i % REVOKED_EVERY === REVOKED_EVERY - 1;

async function delegatedResponder(ca: CaHierarchy): Promise<{ signer: OcspSigner; key: SoftwareCaKey }> {
  const urls = { caIssuers: 'http://127.0.0.1/issuing.p7c', ocsp: 'http://127.0.0.1', crl: 'http://127.0.0.1/issuing.crl' };
  const key = await generateCaKey('ecdsa-p256');
  const csr = await Pkcs10CertificateRequestGenerator.create({ name: 'CN=OCSP', keys: { privateKey: key.privateKey, publicKey: key.publicKey }, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
  const issued = await createIssuer({ ca: ca.issuing, clock: systemClock, urls }).issue('ocsp-responder', {
    csr: csr.toString('pem'),
    subject: 'CN=Bench OCSP Responder,OU=muster,O=U.S. Government,C=US',
  });
  return { signer: { certificate: issued.certificate, key }, key };
}

/** YYMMDDHHMMSSZ, the UTCTime text of index.txt. */
function utcTime(date: Date): string {
  return date.toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, '$1$2$3$4$5$6Z');
}

/** OpenSSL's CA database: status, expiry, revocation[,reason], serial, file, subject (unique per line). */
export function indexTxt(serials: readonly string[]): string {
  const revoked = `${utcTime(REVOKED_AT)},keyCompromise`;
  return (
    serials
      .map((serial, i) => {
        const subject = `/C=US/O=U.S. Government/OU=muster/CN=Bench Person ${i + 1}`;
        return isRevokedIndex(i) ? `R\t${NOT_AFTER}\t${revoked}\t${serial}\tunknown\t${subject}` : `V\t${NOT_AFTER}\t\t${serial}\tunknown\t${subject}`;
      })
      .join('\n') + '\n'
  );
}

/** The unencrypted PKCS#8 PEM of a software key, for OpenSSL's -rkey / -CAkey / private_key. */
export async function privateKeyPem(key: SoftwareCaKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key.privateKey));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }) as string;
}

export async function createBenchPki(dir: string, count: number): Promise<BenchPki> {
  const ca = await createCaHierarchy(
    { rootName: 'CN=Bench Root CA,OU=muster,O=U.S. Government,C=US', issuingName: 'CN=Bench Issuing CA,OU=muster,O=U.S. Government,C=US', keyAlgorithm: 'ecdsa-p256' },
    systemClock,
  );
  const { signer, key } = await delegatedResponder(ca);
  const serials = Array.from({ length: count }, () => toHex(randomSerial()).toUpperCase());
  await writeFile(join(dir, 'root.pem'), ca.root.certificate.toString('pem'));
  await writeFile(join(dir, 'issuing.pem'), ca.issuing.certificate.toString('pem'));
  await writeFile(join(dir, 'resp.pem'), signer.certificate.toString('pem'));
  await writeFile(join(dir, 'resp.key'), await privateKeyPem(key), { mode: 0o600 });
  await writeFile(join(dir, 'index.txt'), indexTxt(serials));
  await writeFile(join(dir, 'serials.txt'), serials.join('\n') + '\n');
  return { ca, signer, serials };
}
