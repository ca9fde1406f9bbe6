import { generateKeyPairSync } from 'node:crypto';
import { isIP } from 'node:net';
import type { CertificateAuthority } from '../../pki/ca.ts';
import { randomSerial, signCertificate } from '../../pki/der.ts';
import { subjectName } from '../../pki/names.ts';
import {
  AuthorityKeyIdentifierExtension, BasicConstraintsExtension, ExtendedKeyUsage, ExtendedKeyUsageExtension, KeyUsageFlags, KeyUsagesExtension,
  SubjectAlternativeNameExtension,
} from '../../pki/x509.ts';

const DAY_MS = 86_400_000;
const VALIDITY_DAYS = 30;

export interface TlsServerCredentials {
  readonly key: string;
  readonly cert: string;
  /** The CA certificates: the chain sent after the server certificate and the trust anchors for client certificates. */
  readonly ca: string[];
  readonly notAfter: Date;
}

/**
 * A TLS server certificate for the mutual-TLS listener, issued by muster's issuing CA for the configured host names
 * (DNS names and IP addresses), with a fresh P-256 key that never leaves the process. Made at every start.
 */
export async function issueTlsServerCertificate(issuing: CertificateAuthority, root: CertificateAuthority, hostnames: readonly string[], now: Date): Promise<TlsServerCredentials> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const notAfter = new Date(now.getTime() + VALIDITY_DAYS * DAY_MS);
  const names = hostnames.map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }));
  const certificate = await signCertificate({
    serial: randomSerial(),
    issuer: subjectName(issuing.certificate),
    subject: `CN=${hostnames[0] ?? 'localhost'}`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    spki: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
    extensions: [
      new BasicConstraintsExtension(false, undefined, true),
      new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
      new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
      new SubjectAlternativeNameExtension(names),
      new AuthorityKeyIdentifierExtension(issuing.keyId),
    ],
  }, issuing.key);
  return {
    key: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    cert: certificate.toString('pem'),
    ca: [issuing.certificate.toString('pem'), root.certificate.toString('pem')],
    notAfter,
  };
}
