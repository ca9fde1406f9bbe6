import { KeyUsage, KeyUsageFlags } from '@peculiar/asn1-x509';
import { namesEqual } from './names.ts';
import { getExtension, hex, type ParsedCert, type ParsedCrl } from './parsed.ts';

/** CRL extensions we understand; a CRL with any other critical extension (IDP, delta indicator…) is not used. */
const KNOWN_CRL_EXTENSIONS = new Set(['2.5.29.20', '2.5.29.35']);
/** CRL entry extensions we understand (reasonCode, invalidityDate). */
const KNOWN_ENTRY_EXTENSIONS = new Set(['2.5.29.21', '2.5.29.24']);
const REMOVE_FROM_CRL = 8;
const DELTA_CRL_INDICATOR = '2.5.29.27';

function unsupportedCrl(crl: ParsedCrl): boolean {
  if ([...crl.exts.values()].some((e) => e.critical && !KNOWN_CRL_EXTENSIONS.has(e.extnID))) return true;
  const entries = crl.tbs.revokedCertificates ?? [];
  return entries.some((r) => (r.crlEntryExtensions ?? []).some((e) => e.critical && !KNOWN_ENTRY_EXTENSIONS.has(e.extnID)));
}

function isCurrent(crl: ParsedCrl, time: Date): boolean {
  const next = crl.crl.nextUpdate;
  return crl.crl.thisUpdate <= time && (next === undefined || next >= time);
}

function maySignCrls(signer: ParsedCert): boolean {
  const ku = getExtension(signer, '2.5.29.15', KeyUsage);
  return ku === undefined || (ku.toNumber() & KeyUsageFlags.cRLSign) !== 0;
}

async function signedBy(crl: ParsedCrl, signers: readonly ParsedCert[]): Promise<boolean> {
  for (const signer of signers) {
    if (!namesEqual(signer.tbs.subject, crl.tbs.issuer) || !maySignCrls(signer)) continue;
    if (await crl.crl.verify({ publicKey: signer.cert }).catch(() => false)) return true;
  }
  return false;
}

function revokedIn(crl: ParsedCrl, cert: ParsedCert): boolean {
  const serial = hex(cert.tbs.serialNumber);
  const entry = (crl.tbs.revokedCertificates ?? []).find((r) => hex(r.userCertificate) === serial);
  if (!entry) return false;
  const reason = entry.crlEntryExtensions?.find((e) => e.extnID === '2.5.29.21');
  return !(reason && new Uint8Array(reason.extnValue.buffer).at(-1) === REMOVE_FROM_CRL);
}

/**
 * RFC 5280 §6.3, restricted to complete CRLs issued directly by the certificate's issuer: a CRL counts
 * when its issuer name matches, it is signed by a certificate of that name already in the validated
 * path (so key rollover works), it is current and has no critical extension we do not process. CRLs
 * with such extensions (issuingDistributionPoint partitions…) are skipped: a full-scope complete CRL lists
 * every revocation they could. A signed delta CRL fails closed, since it may hold newer revocations.
 * No usable CRL fails closed.
 */
export async function checkRevocation(cert: ParsedCert, crls: readonly ParsedCrl[], signers: readonly ParsedCert[], time: Date): Promise<string | undefined> {
  let usable = 0;
  for (const crl of crls) {
    if (!namesEqual(crl.tbs.issuer, cert.tbs.issuer) || !(await signedBy(crl, signers))) continue;
    if (crl.exts.has(DELTA_CRL_INDICATOR)) return 'delta CRLs are not supported';
    if (unsupportedCrl(crl) || !isCurrent(crl, time)) continue;
    if (revokedIn(crl, cert)) return 'certificate is revoked';
    usable++;
  }
  return usable > 0 ? undefined : 'no CRL';
}
