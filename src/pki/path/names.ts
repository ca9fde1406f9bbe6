import type { AttributeValue, Name } from '@peculiar/asn1-x509';
import { hex } from './parsed.ts';

/** RFC 5280 §7.1 (simplified RFC 4518): string values compare case-insensitively with whitespace folded. */
function valueKey(value: AttributeValue): string {
  const text = value.printableString ?? value.utf8String ?? value.teletexString ?? value.bmpString ?? value.universalString ?? value.ia5String;
  if (text !== undefined) return `s:${text.trim().replace(/\s+/g, ' ').toLowerCase()}`;
  return `b:${hex(value.anyValue ?? new ArrayBuffer(0))}`;
}

/** One comparable key per RDN; attributes inside an RDN are a set, so they are sorted. */
export function rdnKeys(name: Name): string[] {
  return name.map((rdn) =>
    rdn
      .map((atv) => `${atv.type}=${valueKey(atv.value)}`)
      .sort()
      .join('+'),
  );
}

export function namesEqual(a: Name, b: Name): boolean {
  const ka = rdnKeys(a);
  const kb = rdnKeys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/** True when `name` lies in the DN subtree rooted at `base`. */
export function dnWithin(name: Name, base: Name): boolean {
  const kn = rdnKeys(name);
  const kb = rdnKeys(base);
  return kb.length <= kn.length && kb.every((k, i) => k === kn[i]);
}

export const EMAIL_ADDRESS_OID = '1.2.840.113549.1.9.1';

/** emailAddress attributes of a subject DN, which name constraints treat as rfc822Names. */
export function emailAttributes(name: Name): string[] {
  return name.flatMap((rdn) => rdn.filter((atv) => atv.type === EMAIL_ADDRESS_OID).map((atv) => atv.value.ia5String ?? atv.value.toString()));
}
