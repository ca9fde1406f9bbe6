// A few DER encodings (X.690 §10), enough to assemble an OCSP response from parts encoded once.

/** Tag, definite length and contents. */
export function tlv(tag: number, ...contents: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const part of contents) size += part.byteLength;
  const length = size < 0x80 ? [size] : size < 0x100 ? [0x81, size] : size < 0x10000 ? [0x82, size >> 8, size & 0xff] : [0x83, size >> 16, (size >> 8) & 0xff, size & 0xff];
  const out = new Uint8Array(1 + length.length + size);
  out[0] = tag;
  out.set(length, 1);
  let at = 1 + length.length;
  for (const part of contents) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** GeneralizedTime YYYYMMDDHHMMSSZ: whole seconds, no fraction (RFC 5280 §4.1.2.5.2). */
export function generalizedTime(epochMs: number): Uint8Array {
  const d = new Date(epochMs);
  const text = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  return tlv(0x18, Buffer.from(text, 'latin1'));
}

/** An OBJECT IDENTIFIER from its dotted text. */
export function objectIdentifier(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const bytes: number[] = [(arcs[0] as number) * 40 + (arcs[1] as number)];
  for (const arc of arcs.slice(2)) {
    const base128 = [arc & 0x7f];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) base128.unshift((rest & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, new Uint8Array(bytes));
}
