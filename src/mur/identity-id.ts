import { randomUUID } from 'node:crypto';

/**
 * A new identity id: a UUIDv7 (RFC 9562 §5.7), unique and never reused. Its time-ordered prefix
 * keeps the primary-key index append-mostly, which matters when a million identities arrive at
 * once. It says when the record was made, never who the person is. The random bits come from
 * randomUUID's cached entropy: the v4 layout already has the RFC 9562 variant, so only the
 * 48-bit time and the version nibble are written over it.
 */
export function newIdentityId(millis: number = Date.now()): string {
  const time = millis.toString(16).padStart(12, '0');
  const random = randomUUID();
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
