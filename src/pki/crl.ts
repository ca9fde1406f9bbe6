import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import type { Clock } from '../core/clock.ts';
import { MusterError } from '../core/errors.ts';
import type { CertificateAuthority } from './ca.ts';
import { signatureAlgorithm, signCertList, toAsnExtensions } from './der.ts';
import { subjectName } from './names.ts';
import { OID } from './oids.ts';
import { AuthorityKeyIdentifierExtension, Extension, PemConverter, type X509Crl } from './x509.ts';

export const MAX_NEXT_UPDATE_HOURS = 48;
const HOUR_MS = 3_600_000;

export type RevocationReason = 'unspecified' | 'keyCompromise' | 'cACompromise' | 'affiliationChanged' | 'superseded' | 'cessationOfOperation' | 'certificateHold' | 'privilegeWithdrawn';
/** The CRLReason codes of RFC 5280 §5.3.1, for CRL entries and OCSP answers alike. */
export const REASON_CODES: Record<RevocationReason, number> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
};

export interface RevokedEntry {
  /** Hex serial number. */
  readonly serial: string;
  readonly revokedAt: Date;
  readonly reason: RevocationReason;
}

export interface CrlOptions {
  readonly ca: CertificateAuthority;
  readonly clock: Clock;
  /** Monotonic CRL number (a safe integer). */
  readonly crlNumber: number;
  readonly nextUpdateHours?: number;
  readonly revoked: readonly RevokedEntry[];
}

/** Reason code omitted when unspecified (FPKI CRL profile). */
function entry(revoked: RevokedEntry): asn.RevokedCertificate {
  const code = REASON_CODES[revoked.reason];
  const extensions = code === 0 ? undefined : [new asn.Extension({ extnID: OID.extCrlReason, critical: false, extnValue: new OctetString(AsnConvert.serialize(new asn.CRLReason(code))) })];
  return new asn.RevokedCertificate({ userCertificate: new Uint8Array(Buffer.from(revoked.serial, 'hex')).buffer, revocationDate: new asn.Time(revoked.revokedAt), crlEntryExtensions: extensions });
}

/** A v2 CRL with cRLNumber and AKI, signed by the CA; nextUpdate at most 48 hours after thisUpdate. */
export async function createCrl(options: CrlOptions): Promise<X509Crl> {
  const hours = options.nextUpdateHours ?? 24;
  if (!(hours > 0 && hours <= MAX_NEXT_UPDATE_HOURS)) {
    throw new MusterError('MUSTER_ERR_PKI_PROFILE', `CRL nextUpdate must be within ${MAX_NEXT_UPDATE_HOURS} hours of thisUpdate`, [
      { field: 'nextUpdateHours', value: String(hours), message: 'must be > 0 and <= 48' },
    ]);
  }
  const thisUpdate = options.clock.now();
  const crlNumber = new Extension(OID.extCrlNumber, false, AsnConvert.serialize(new asn.CRLNumber(options.crlNumber)));
  const tbs = new asn.TBSCertList({
    version: asn.Version.v2,
    signature: signatureAlgorithm(options.ca.key),
    issuer: subjectName(options.ca.certificate),
    thisUpdate: new asn.Time(thisUpdate),
    nextUpdate: new asn.Time(new Date(thisUpdate.getTime() + hours * HOUR_MS)),
    revokedCertificates: options.revoked.length > 0 ? options.revoked.map(entry) : undefined,
    crlExtensions: toAsnExtensions([new AuthorityKeyIdentifierExtension(options.ca.keyId), crlNumber]),
  });
  return signCertList(tbs, options.ca.key);
}

/** PEM with the RFC 7468 label `X509 CRL` (the library writes `CRL`, which OpenSSL does not read). */
export function crlPem(crl: X509Crl): string {
  return `${PemConverter.encode(crl.rawData, 'X509 CRL')}\n`;
}
