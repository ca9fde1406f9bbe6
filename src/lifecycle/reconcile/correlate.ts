import type { RemoteAccount } from '../../connectors/accounts/port.ts';
import { type AccountRow, type Candidates, isUuid } from './lookup.ts';

export type OrphanAction = 'report' | 'disable';

/** What reconciliation does with a membership a linked account holds in the target that muster did not grant. */
export type MembershipAction = 'report' | 'remove';

/** Memberships in which a linked account differs from muster's record. */
export interface MembershipDrift {
  /** Held in the target, neither granted nor made by muster: added there directly. */
  readonly added: readonly string[];
  /** Granted and made by muster, gone from the target: removed there directly. */
  readonly missing: readonly string[];
}

const NO_DRIFT: MembershipDrift = { added: [], missing: [] };

/** What reconciliation makes of one account the target listed. */
export type Verdict =
  | {
      readonly situation: 'linked';
      readonly row: AccountRow;
      readonly drift: boolean;
      readonly recompute: boolean;
      readonly memberships: MembershipDrift;
      /** The certificate mappings muster wrote were changed in the target. */
      readonly mappings: boolean;
    }
  | { readonly situation: 'unlinked'; readonly identityId: string; readonly row: AccountRow | null }
  | { readonly situation: 'disputed'; readonly candidates: readonly string[]; readonly why: string }
  | { readonly situation: 'unmatched'; readonly row: AccountRow | null };

/** Statuses whose accounts muster keeps enabled: only an active identity's. */
const ENABLED_FOR = 'active';

/**
 * A linked account drifts when the target holds it enabled while muster's record says it should
 * not be: the record is disabled or archived, or its identity is no longer active. When the
 * record itself still says enabled, the identity's access has to be recomputed first. Memberships
 * drift too (see membershipDrift) when the target's groups are compared (`groups`).
 */
export function linkedVerdict(account: RemoteAccount, row: AccountRow, groups = false): Verdict {
  const wrong = row.status !== 'enabled' || row.identityStatus !== ENABLED_FOR;
  const drift = account.enabled && wrong;
  return { situation: 'linked', row, drift, recompute: drift && row.status === 'enabled', memberships: groups ? membershipDrift(account, row) : NO_DRIFT, mappings: mappingDrift(account, row) };
}

/**
 * The certificate mappings (a directory's smart card logon) changed in the target behind muster's back: the values
 * the target holds differ from those muster last wrote. Unknown, so no drift, where either side is not recorded.
 */
export function mappingDrift(account: RemoteAccount, row: AccountRow): boolean {
  const written = (row.synced as { mappings?: unknown } | null)?.mappings;
  if (!Array.isArray(written) || account.certificateMappings === undefined) return false;
  const held = [...account.certificateMappings].sort();
  const made = [...(written as string[])].sort();
  return held.length !== made.length || held.some((value, i) => value !== made[i]);
}

/**
 * The memberships changed in the target behind muster's back: measured against what muster last left
 * there (`synced.groups`) and what the identity is granted, so that a change provisioning has queued or
 * is making is no drift. Nothing is known of an account whose synced state the record does not hold.
 */
export function membershipDrift(account: RemoteAccount, row: AccountRow): MembershipDrift {
  const synced = (row.synced as { groups?: unknown } | null)?.groups;
  if (!Array.isArray(synced)) return NO_DRIFT;
  const made = new Set(synced as string[]);
  const granted = new Set(row.granted);
  const held = new Set(account.groups);
  return {
    added: [...held].filter((g) => !made.has(g) && !granted.has(g)).sort(),
    missing: [...made].filter((g) => granted.has(g) && !held.has(g)).sort(),
  };
}

/**
 * Correlates an account the record does not hold (or holds as an orphan): by its correlation
 * value (an identity id) and by its key. One identity named by both, or by the only one present,
 * links it; different or several identities make a dispute for a person to settle.
 */
export function correlate(account: RemoteAccount, row: AccountRow | null, found: Candidates, linking: ReadonlySet<string>): Verdict {
  const byId = isUuid(account.correlationId) && found.ids.has(account.correlationId) ? account.correlationId : null;
  const byKey = found.byKey.get(account.key) ?? [];
  if (byId === null && byKey.length === 0) return { situation: 'unmatched', row };
  if (byId !== null && byKey.some((id) => id !== byId)) {
    return { situation: 'disputed', candidates: [...new Set([byId, ...byKey])], why: 'the correlation value and the key name different identities' };
  }
  if (byId === null && byKey.length > 1) return { situation: 'disputed', candidates: byKey, why: `the key matches ${byKey.length} identities` };
  const identityId = byId ?? (byKey[0] as string);
  const held = found.held.get(identityId);
  if (held !== undefined || linking.has(identityId)) {
    return { situation: 'disputed', candidates: [identityId], why: `the identity already holds account '${held ?? 'another in this listing'}' in the target` };
  }
  return { situation: 'unlinked', identityId, row };
}
