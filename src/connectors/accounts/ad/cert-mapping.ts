/**
 * The strong certificate mapping of a PIV card for Windows logon (KB5014754): an `altSecurityIdentities` value
 * `X509:<I>{issuer}<SR>{serial}`, where the issuer is written as Windows prints it — the RDNs in the order the
 * certificate encodes them (root first, the reverse of an LDAP DN), joined by commas — and the serial number is
 * the hex of its encoded bytes in reversed order.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, type Name } from '@peculiar/asn1-x509';

/** The attribute names Windows prints (CertNameToStr); others print as OID.<dotted>. */
const NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'S',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'T',
  '2.5.4.42': 'G',
  '2.5.4.43': 'I',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'E',
};

export const STRONG_MAPPING_PREFIX = 'X509:<I>';

/** A value with a separator or surrounding spaces goes in double quotes, inner quotes doubled. */
function windowsValue(value: string): string {
  if (!/[,+=";<>#\r\n]|^\s|\s$/.test(value)) return value;
  return `"${value.replaceAll('"', '""')}"`;
}

export function windowsIssuer(name: Name): string {
  const parts: string[] = [];
  for (const rdn of name) {
    for (const attribute of rdn) parts.push(`${NAMES[attribute.type] ?? `OID.${attribute.type}`}=${windowsValue(attribute.value.toString())}`);
  }
  return parts.join(',');
}

function der(certificate: Uint8Array | string): Uint8Array {
  if (typeof certificate !== 'string') return certificate;
  return Buffer.from(certificate.replace(/-----[^-]+-----|\s/g, ''), 'base64');
}

/** The altSecurityIdentities value that maps this certificate (DER bytes or PEM) strongly to its account. */
export function strongMapping(certificate: Uint8Array | string): string {
  const tbs = AsnConvert.parse(der(certificate), Certificate).tbsCertificate;
  const serial = Buffer.from(tbs.serialNumber).reverse().toString('hex').toUpperCase();
  return `${STRONG_MAPPING_PREFIX}${windowsIssuer(tbs.issuer)}<SR>${serial}`;
}

/** Whether an altSecurityIdentities value is an issuer-and-serial mapping (the kind muster writes). */
export function isStrongMapping(value: string): boolean {
  return value.startsWith(STRONG_MAPPING_PREFIX) && value.includes('<SR>');
}
