/**
 * Distinguished names per RFC 4514. Servers answer with their own escaping (slapd writes `+` as `\2B`),
 * so the connector never compares DN strings as sent: it parses them and builds ids in one form of its own.
 */

export interface Rdn {
  readonly type: string;
  readonly value: string;
}

const SPECIAL = new Set(['"', '+', ',', ';', '<', '>', '\\', '=', '\0']);
const NEEDS_ESCAPE = /["+,;<>\\=\0]|^[# ]| $/;
const PLAIN_RUN = /[^,+\\]*/y;
const HEX_PAIR = /^[0-9a-fA-F]{2}$/;

function hex(char: string): string {
  return [...Buffer.from(char, 'utf8')].map((byte) => `\\${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/** Escapes an attribute value for use in a DN (RFC 4514 section 2.4). */
export function escapeDnValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  const chars = [...value];
  return chars
    .map((char, i) => {
      if (SPECIAL.has(char)) return hex(char);
      if (i === 0 && (char === '#' || char === ' ')) return hex(char);
      if (i === chars.length - 1 && char === ' ') return hex(char);
      return char;
    })
    .join('');
}

/** Splits a DN into its RDNs, unescaping values; a multi-valued RDN keeps only its first pair. */
export function parseDn(dn: string): Rdn[] {
  const rdns: Rdn[] = [];
  let i = 0;
  while (i < dn.length) {
    const equals = dn.indexOf('=', i);
    if (equals < 0) throw new SyntaxError(`not a DN: ${dn}`);
    const type = dn.slice(i, equals).trim();
    const { value, end } = readValue(dn, equals + 1);
    rdns.push({ type, value });
    i = skipRestOfRdn(dn, end) + 1;
  }
  return rdns;
}

/** Reads one value up to an unescaped `,` or `+`; `end` is that separator's index (or the length). */
function readValue(dn: string, start: number): { value: string; end: number } {
  let i = start;
  while (dn[i] === ' ') i++;
  let value = '';
  let escapedUpTo = 0;
  while (i < dn.length && dn[i] !== ',' && dn[i] !== '+') {
    if (dn[i] !== '\\') {
      PLAIN_RUN.lastIndex = i;
      PLAIN_RUN.exec(dn);
      value += dn.slice(i, PLAIN_RUN.lastIndex);
      i = PLAIN_RUN.lastIndex;
    } else if (HEX_PAIR.test(dn.slice(i + 1, i + 3))) {
      // consecutive hex escapes are the bytes of one UTF-8 sequence
      const bytes: number[] = [];
      for (; dn[i] === '\\' && HEX_PAIR.test(dn.slice(i + 1, i + 3)); i += 3) bytes.push(Number.parseInt(dn.slice(i + 1, i + 3), 16));
      value += Buffer.from(bytes).toString('utf8');
      escapedUpTo = value.length;
    } else {
      value += dn[i + 1] ?? '';
      i += 2;
      escapedUpTo = value.length;
    }
  }
  // unescaped trailing spaces are not part of the value
  const significant = Math.max(escapedUpTo, value.replace(/ +$/, '').length);
  return { value: value.slice(0, significant), end: i };
}

function skipRestOfRdn(dn: string, from: number): number {
  let i = from;
  while (i < dn.length && dn[i] !== ',') {
    if (dn[i] === '\\') i++;
    i++;
  }
  return i;
}

/** Writes RDNs back as a DN in this module's own escaping. */
export function formatDn(rdns: readonly Rdn[]): string {
  return rdns.map((rdn) => `${rdn.type}=${escapeDnValue(rdn.value)}`).join(',');
}

function normalizeRdns(rdns: readonly Rdn[]): string {
  return formatDn(rdns.map((rdn) => ({ type: rdn.type.toLowerCase(), value: rdn.value.toLowerCase() })));
}

/** A comparable form: attribute types and values lower-cased (the names used here all match case-insensitively). */
export function normalizeDn(dn: string): string {
  return normalizeRdns(parseDn(dn));
}

/** The value of the first RDN when `dn` sits directly below the parent (given normalized), else null. */
export function childValue(dn: string, normalizedParent: string): string | null {
  let rdns: Rdn[];
  try {
    rdns = parseDn(dn);
  } catch {
    return null;
  }
  const [first, ...rest] = rdns;
  if (!first || rest.length === 0) return null;
  return normalizeRdns(rest) === normalizedParent ? first.value : null;
}
