import { hash } from 'node:crypto';
import type { SourceRecord } from './validate.ts';

/** A fingerprint of a record's values (SHA-1, one shot): equal digests mean nothing to re-apply. */
export function recordDigest(record: SourceRecord): string {
  let text = '';
  for (const name in record.values) text += `${name}\u001f${record.values[name]}\u001e`;
  return hash('sha1', text, 'base64url');
}
