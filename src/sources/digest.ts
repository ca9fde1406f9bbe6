import { createHash } from 'node:crypto';
import type { SourceRecord } from './validate.ts';

/** A short fingerprint of a record's values: equal digests mean nothing to re-apply. */
export function recordDigest(record: SourceRecord): string {
  const hash = createHash('sha1');
  for (const [name, value] of Object.entries(record.values)) hash.update(`${name}\u001f${value}\u001e`);
  return hash.digest('base64url');
}
