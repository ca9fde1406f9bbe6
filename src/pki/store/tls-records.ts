import type { Queryable } from '../../store/store.ts';
import type { X509Certificate } from '../x509.ts';

export type TlsCertificateSource = 'issued' | 'configured';

/** Records a TLS server certificate the mutual-TLS listener serves (a configured one once, however often it starts). */
export async function recordTlsCertificate(db: Queryable, certificate: X509Certificate, source: TlsCertificateSource, hostnames: readonly string[], now: Date): Promise<void> {
  await db.query(
    `INSERT INTO tls_certificates (issuer, serial, source, subject, hostnames, not_before, not_after, der, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, decode($8, 'hex'), $9) ON CONFLICT DO NOTHING`,
    [certificate.issuer, certificate.serialNumber.toLowerCase(), source, certificate.subject, JSON.stringify(hostnames), certificate.notBefore, certificate.notAfter,
      Buffer.from(certificate.rawData).toString('hex'), now],
  );
}
