import { MusterError } from '../core/errors.ts';

/** FASC-N fields (SP 800-73-4 / PACS TIG layout as summarised in STANDARDS.md §3.2). */
export interface FascnFields {
  readonly agencyCode: string;
  readonly systemCode: string;
  readonly credentialNumber: string;
  readonly credentialSeries?: string;
  readonly individualCredentialIssue?: string;
  readonly personIdentifier?: string;
  readonly organizationalCategory?: string;
  readonly organizationalIdentifier?: string;
  readonly personOrganizationAssociation?: string;
}

const SS = 0xb;
const FS = 0xd;
const ES = 0xf;
const FIELDS: readonly [keyof FascnFields, number, string][] = [
  ['agencyCode', 4, ''],
  ['systemCode', 4, ''],
  ['credentialNumber', 6, ''],
  ['credentialSeries', 1, '0'],
  ['individualCredentialIssue', 1, '1'],
  ['personIdentifier', 10, '0000000000'],
  ['organizationalCategory', 1, '1'],
  ['organizationalIdentifier', 4, '0000'],
  ['personOrganizationAssociation', 1, '1'],
];

function digits(fields: FascnFields, [name, length, fallback]: (typeof FIELDS)[number]): number[] {
  const value = fields[name] ?? fallback;
  if (!new RegExp(`^[0-9]{${length}}$`).test(value)) {
    throw new MusterError('MUSTER_ERR_VALIDATION', `FASC-N ${name} must be ${length} digits`, [{ field: name, message: `must be ${length} digits` }]);
  }
  return [...value].map(Number);
}

/** The 39 characters before the LRC: SS, fields with FS between the first six, ES. */
function characters(fields: FascnFields): number[] {
  const [a, s, c, cs, ici, pi, oc, oi, poa] = FIELDS.map((f) => digits(fields, f)) as number[][];
  return [SS, ...a!, FS, ...s!, FS, ...c!, FS, ...cs!, FS, ...ici!, FS, ...pi!, ...oc!, ...oi!, ...poa!, ES];
}

/** 5 bits: 4 data bits least significant first, then an odd-parity bit. */
function fiveBits(value: number): number[] {
  const data = [0, 1, 2, 3].map((i) => (value >> i) & 1);
  const ones = data.reduce((n, b) => n + b, 0);
  return [...data, ones % 2 === 0 ? 1 : 0];
}

/** Encodes the FASC-N as 40 five-bit characters (incl. LRC = XOR of all data nibbles) packed MSB first into 25 bytes. */
export function encodeFascn(fields: FascnFields): Uint8Array {
  const chars = characters(fields);
  const lrc = chars.reduce((x, c) => x ^ c, 0);
  const bits = [...chars, lrc].flatMap(fiveBits);
  const out = new Uint8Array(25);
  bits.forEach((bit, i) => {
    out[i >> 3]! |= bit << (7 - (i & 7));
  });
  return out;
}
