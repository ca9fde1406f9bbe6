import { generateKeyPairSync } from 'node:crypto';
import { isIP } from 'node:net';
import { keyIdentifier, type CertificateAuthority } from './ca.ts';
import { randomSerial, signCertificate } from './der.ts';
import { subjectName, withCommonName } from './names.ts';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  type X509Certificate,
} from './x509.ts';

const DAY_MS = 86_400_000;
const VALIDITY_DAYS = 30;

/**
 * A TLS server certificate for the given host names (DNS names and IP addresses), issued by `tlsCa` (muster's TLS
 * issuing CA, never the PIV issuing CA) with a fresh P-256 key that never leaves the process.
 */
export async function issueTlsServerCertificate(
  tlsCa: CertificateAuthority,
  chain: readonly X509Certificate[],
  hostnames: readonly string[],
  now: Date,
): Promise<{ key: string; cert: string; certificate: X509Certificate; chain: string[] }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const names = hostnames.map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }));
  const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
  const notBefore = new Date(now.getTime() - 60_000);
  const certificate = await signCertificate(
    {
      serial: randomSerial(),
      issuer: subjectName(tlsCa.certificate),
      subject: withCommonName(tlsCa.name, hostnames[0] ?? 'localhost'),
      notBefore,
      notAfter: new Date(notBefore.getTime() + VALIDITY_DAYS * DAY_MS),
      spki,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
        new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
        new SubjectAlternativeNameExtension(names),
        new SubjectKeyIdentifierExtension(await keyIdentifier(spki)),
        new AuthorityKeyIdentifierExtension(tlsCa.keyId),
      ],
    },
    tlsCa.key,
  );
  return { key: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, cert: certificate.toString('pem'), certificate, chain: chain.map((c) => c.toString('pem')) };
}
