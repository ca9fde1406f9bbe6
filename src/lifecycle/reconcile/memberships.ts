import type { AuditDraft } from '../../audit/chain.ts';
import type { RemoteAccount } from '../../connectors/accounts/port.ts';
import { type RunContext, accountAudit } from './context.ts';
import type { MembershipDrift } from './correlate.ts';
import { eachInLanes } from './lanes.ts';
import type { AccountRow } from './lookup.ts';

/** A linked account whose memberships differ from the record. */
export type Drifting = readonly [RemoteAccount, { readonly row: AccountRow; readonly memberships: MembershipDrift }];

/** What became of each membership added in the target: removed (null) or the target's refusal, by remote id and group. */
export type Removals = ReadonlyMap<string, ReadonlyMap<string, string | null>>;

/** Under the remove policy, removes from the target every membership a linked account holds there without a grant. */
export async function removeMemberships(run: RunContext, drifting: readonly Drifting[]): Promise<Removals> {
  const out = new Map<string, Map<string, string | null>>();
  if (run.membershipAction !== 'remove') return out;
  const pairs = drifting.flatMap(([account, { memberships }]) => memberships.added.map((group) => [account.id, group] as const));
  const failures = await eachInLanes(pairs, run.concurrency, ([id, group]) => run.connector.removeMember(group, id));
  pairs.forEach(([id, group], i) => {
    if (!out.has(id)) out.set(id, new Map());
    out.get(id)?.set(group, failures.get(i) ?? null);
  });
  return out;
}

/** What the record keeps of one linked account's membership drift. */
export interface MembershipPlan {
  /** Memberships still in the target without a grant (reported, or the removal refused). */
  readonly remaining: readonly string[];
  /** The finding's action text, '' when nothing drifts. */
  readonly action: string;
  readonly audit: AuditDraft[];
}

/**
 * Counts, describes and audits one account's membership drift. A removal is audited every time; a
 * membership left in place, or missing, only when the account was not drifting already (once per episode).
 */
export function planMemberships(run: RunContext, account: RemoteAccount, row: AccountRow, drift: MembershipDrift, removals: Removals): MembershipPlan {
  const identityId = row.identityId as string;
  const outcome = removals.get(account.id) ?? new Map<string, string | null>();
  const removed = drift.added.filter((g) => outcome.get(g) === null);
  const refused = drift.added.filter((g) => typeof outcome.get(g) === 'string');
  const reported = drift.added.filter((g) => !outcome.has(g));
  run.counts.memberships += drift.added.length + drift.missing.length;
  run.counts.membershipsRemoved += removed.length;
  run.counts.failed += refused.length;
  const about = (group: string) => ({ account: account.key, remote_id: account.id, group, privileged: run.privileged.has(group) });
  const audit = removed.map((group) =>
    accountAudit(run, 'reconciliation.membership-removed', identityId, `'${account.key}' removed from '${group}': a membership made in the target, not granted`, about(group)),
  );
  if (!row.drift) {
    for (const group of [...reported, ...refused])
      audit.push(accountAudit(run, 'reconciliation.membership-drift', identityId, `'${account.key}' is a member of '${group}' in the target without a grant`, { ...about(group), change: 'added' }));
    for (const group of drift.missing)
      audit.push(
        accountAudit(run, 'reconciliation.membership-drift', identityId, `'${account.key}' was removed from '${group}' in the target against its grant`, { ...about(group), change: 'removed' }),
      );
  }
  const parts: string[] = [];
  if (removed.length > 0) parts.push(`${removed.join(', ')}: member in the target, not granted: removed`);
  if (reported.length > 0) parts.push(`${reported.join(', ')}: member in the target, not granted: reported`);
  for (const group of refused) parts.push(`${group}: member in the target, not granted: removal refused: ${outcome.get(group)}`);
  if (drift.missing.length > 0) parts.push(`${drift.missing.join(', ')}: granted, missing in the target: provisioning queued to add again`);
  return { remaining: [...reported, ...refused], action: parts.join('; '), audit };
}
