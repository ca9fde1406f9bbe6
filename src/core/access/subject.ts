import type { IdentityKind } from '../identity/kinds.ts';
import type { IdentityStatus } from '../identity/status.ts';
import { BEHAVE_PREFIX } from './policy.ts';

/** What access policies look at: one identity's attributes, status, vetting and training. */
export interface AccessSubject {
  readonly id: string;
  readonly kind: IdentityKind;
  readonly status: IdentityStatus;
  /** Attribute name → value (no provenance). */
  readonly attributes: Readonly<Record<string, string>>;
  readonly trust: { readonly eligibility: string; readonly status: string } | null;
  /** Course → status and expiry date (ISO day, or null). */
  readonly behave: Readonly<Record<string, { readonly status: string; readonly expires: string | null }>>;
}

/** Training status as a policy sees it on `today`: `expired` past its expiry, `missing` with no record. */
export function trainingStatus(subject: AccessSubject, course: string, today: string): string {
  const record = subject.behave[course];
  if (!record) return 'missing';
  if (record.expires !== null && record.expires < today) return 'expired';
  return record.status;
}

/** The values of one attribute for a clause: list attributes (affiliations) give several. */
export function subjectValues(subject: AccessSubject, attribute: string, today: string): readonly string[] {
  if (attribute === 'kind') return [subject.kind];
  if (attribute === 'trust.eligibility') return [subject.trust?.eligibility ?? 'none'];
  if (attribute === 'trust.status') return [subject.trust?.status ?? 'none'];
  if (attribute.startsWith(BEHAVE_PREFIX)) return [trainingStatus(subject, attribute.slice(BEHAVE_PREFIX.length), today)];
  const value = subject.attributes[attribute];
  if (value === undefined || value === '') return [];
  return attribute === 'affiliations'
    ? value
        .split(';')
        .map((v) => v.trim())
        .filter(Boolean)
    : [value];
}
