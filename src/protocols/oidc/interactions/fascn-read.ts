import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { SubjectAlternativeName } from '@peculiar/asn1-x509';
import { OID } from '../../../pki/oids.ts';
import type { X509Certificate } from '../../../pki/x509.ts';

/** The FASC-N of a PIV certificate: its 25 bytes as hex, and the SP 800-87 agency code it starts with. */
export interface CertificateFascn {
  readonly hex: string;
  readonly agencyCode: string;
}

const SS = 0xb;

/** The 40 five-bit characters (4 data bits least significant first, then odd parity), or undefined when a parity bit is wrong. */
function characters(bytes: Uint8Array): number[] | undefined {
  const bit = (i: number) => ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
  const out: number[] = [];
  for (let c = 0; c < 40; c++) {
    const bits = [0, 1, 2, 3, 4].map((k) => bit(c * 5 + k));
    if (bits.reduce((n, b) => n + b, 0) % 2 !== 1) return undefined;
    out.push(bits[0]! | (bits[1]! << 1) | (bits[2]! << 2) | (bits[3]! << 3));
  }
  return out;
}

/** Reads a 25-byte FASC-N: start sentinel, parity of every character and the LRC checked; the agency code returned. */
export function decodeFascn(bytes: Uint8Array): CertificateFascn | undefined {
  if (bytes.byteLength !== 25) return undefined;
  const chars = characters(bytes);
  if (!chars || chars[0] !== SS) return undefined;
  const lrc = chars.slice(0, 39).reduce((x, c) => x ^ c, 0);
  if (lrc !== chars[39]) return undefined;
  const agency = chars.slice(1, 5);
  if (agency.some((d) => d > 9)) return undefined;
  return { hex: Buffer.from(bytes).toString('hex'), agencyCode: agency.join('') };
}

/** The FASC-N in the certificate's subjectAltName (pivFASC-N otherName), if it holds a well-formed one. */
export function fascnOf(certificate: X509Certificate): CertificateFascn | undefined {
  const extension = certificate.extensions.find((e) => e.type === OID.extSubjectAltName);
  if (!extension) return undefined;
  try {
    const names = AsnConvert.parse(extension.value, SubjectAlternativeName);
    const other = names.find((n) => n.otherName?.typeId === OID.pivFascn)?.otherName;
    return other ? decodeFascn(new Uint8Array(AsnConvert.parse(other.value, OctetString).buffer)) : undefined;
  } catch {
    return undefined;
  }
}
