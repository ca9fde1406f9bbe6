import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries the signature, both ways: requests to the ITSM and its closing callback. */
export const SIGNATURE_HEADER = 'x-muster-signature';

const PREFIX = 'sha256=';

/** `sha256=<hex HMAC-SHA-256 of the exact body bytes>` with the target's shared secret. */
export function signBody(secret: string, body: string | Uint8Array): string {
  return `${PREFIX}${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** True when the header is the body's signature; compared in constant time. */
export function signatureMatches(secret: string, body: string | Uint8Array, header: string | undefined | null): boolean {
  if (typeof header !== 'string') return false;
  const given = Buffer.from(header.trim().toLowerCase(), 'utf8');
  const expected = Buffer.from(signBody(secret, body), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
