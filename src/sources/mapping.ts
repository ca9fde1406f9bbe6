import type { IncomingIdentity } from '../core/identity/record.ts';
import type { IdentityStatus } from '../core/identity/status.ts';
import type { IdentityKind } from '../core/identity/kinds.ts';
import type { SourceKind } from './fields.ts';
import type { SourceRecord } from './validate.ts';

/** Columns that are not attributes of the identity record. */
const NOT_ATTRIBUTES: Readonly<Record<SourceKind, ReadonlySet<string>>> = {
  hr: new Set(['status']),
  npe: new Set(['status', 'kind', 'sponsor', 'expires', 'npe_id']),
  vetting: new Set(),
  training: new Set(),
};

/**
 * Turns an HR or NPE-registry record into what it says about an identity. `sponsorId` is the
 * resolved identity id of the NPE's sponsor (resolved by the caller from the sponsor's employee id).
 */
export function toIncoming(kind: SourceKind, record: SourceRecord, sponsorId?: string | null): IncomingIdentity {
  const v = record.values;
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(v)) if (!NOT_ATTRIBUTES[kind].has(name)) attributes[name] = value;
  const status = v.status as IdentityStatus | undefined;
  if (kind === 'npe') {
    attributes.npe_id = record.key;
    attributes.user_type = 'non_person';
    return { kind: v.kind as IdentityKind, status: status === undefined ? undefined : status, attributes, sponsorId, expiresAt: v.expires || null };
  }
  if (attributes.full_name === '' || (attributes.full_name === undefined && (v.given_name || v.family_name))) {
    attributes.full_name = [v.given_name, v.family_name].filter(Boolean).join(' ');
  }
  return { kind: 'person', status, attributes };
}
