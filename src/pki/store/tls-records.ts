import type { Queryable } from '../../store/store.ts';
import type { X509Certificate } from '../x509.ts';

export type TlsCertificateSource = 'issued' | 'configured';

/** Records a TLS server certificate the mutual-TLS listener serves (a configured one once, however often it starts). */
export async function recordTlsCertificate(db: Queryable, certificate: X509Certificate, source: TlsCertificateSource, hostnames: readonly string[], now: Date): Promise<void> {
  await db.db
    .insertInto('tls_certificates')
    .values({
      issuer: certificate.issuer,
      serial: certificate.serialNumber.toLowerCase(),
      source,
      subject: certificate.subject,
      hostnames: JSON.stringify(hostnames),
      not_before: certificate.notBefore,
      not_after: certificate.notAfter,
      der: Buffer.from(certificate.rawData),
      recorded_at: now,
    })
    .onConflict((conflict) => conflict.doNothing())
    .execute();
}
