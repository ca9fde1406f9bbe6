import type { AttributeValue } from '../core/identity/record.ts';

/** How attributes are stored: each value points into the identity's provenance list, which holds each (source, record, time) once. */
export interface StoredAttributes {
  readonly attributes: Record<string, { v: string; p: number }>;
  readonly provenance: { s: string; r: string; t: string }[];
}

export function encodeAttributes(values: Readonly<Record<string, AttributeValue>>): StoredAttributes {
  const attributes: Record<string, { v: string; p: number }> = {};
  const provenance: { s: string; r: string; t: string }[] = [];
  const index = new Map<string, number>();
  for (const name in values) {
    const a = values[name] as AttributeValue;
    const key = `${a.s}\u001f${a.r}\u001f${a.t}`;
    let p = index.get(key);
    if (p === undefined) {
      p = provenance.push({ s: a.s, r: a.r, t: a.t }) - 1;
      index.set(key, p);
    }
    attributes[name] = { v: a.v, p };
  }
  return { attributes, provenance };
}

export function decodeAttributes(attributes: unknown, provenance: unknown): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  if (!attributes || typeof attributes !== 'object') return out;
  const list = Array.isArray(provenance) ? (provenance as { s: string; r: string; t: string }[]) : [];
  for (const [name, stored] of Object.entries(attributes as Record<string, { v: string; p: number }>)) {
    const from = list[stored.p] ?? { s: '', r: '', t: '' };
    out[name] = { v: stored.v, s: from.s, r: from.r, t: from.t };
  }
  return out;
}

/**
 * The stored form as JSON text, for COPY into the jsonb columns: what `encodeAttributes` gives, written out directly
 * instead of built as objects and stringified (a first import encodes a million of them).
 */
export function encodeAttributesText(values: Readonly<Record<string, AttributeValue>>): { readonly attributes: string; readonly provenance: string } {
  // gathered in lists and joined once: a flat string, where one grown by appending is a tree to be flattened (copied) when sent
  const attributes: string[] = ['{'];
  const provenance: string[] = ['['];
  const index = new Map<string, number>();
  let last: AttributeValue | undefined;
  let p = -1;
  for (const name in values) {
    const a = values[name] as AttributeValue;
    if (!last || a.s !== last.s || a.r !== last.r || a.t !== last.t) {
      const key = `${a.s}\u001f${a.r}\u001f${a.t}`;
      const known = index.get(key);
      if (known === undefined) {
        p = index.size;
        index.set(key, p);
        provenance.push(p === 0 ? '' : ',', `{"s":${JSON.stringify(a.s)},"r":${JSON.stringify(a.r)},"t":${JSON.stringify(a.t)}}`);
      } else p = known;
      last = a;
    }
    attributes.push(attributes.length === 1 ? '' : ',', `${JSON.stringify(name)}:{"v":${JSON.stringify(a.v)},"p":${p}}`);
  }
  attributes.push('}');
  provenance.push(']');
  return { attributes: attributes.join(''), provenance: provenance.join('') };
}
