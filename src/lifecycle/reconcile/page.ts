import type { AuditDraft } from '../../audit/chain.ts';
import type { RemoteAccount } from '../../connectors/accounts/port.ts';
import { queueProvisioning } from '../access/write.ts';
import { type Verdict, correlate, linkedVerdict } from './correlate.ts';
import { type RunContext, accountAudit, findingFor, isPrivileged } from './context.ts';
import type { KeySet } from './key-set.ts';
import { type Candidates, isUuid, loadCandidates, loadRows } from './lookup.ts';
import { type Drifting, type Removals, planMemberships, removeMemberships } from './memberships.ts';
import { type OrphanOutcome, settleOrphans } from './orphans.ts';
import { type Finding, insertFindings, saveCounts } from './runs.ts';
import { type LinkWrite, type MissingWrite, clearDrift, flagDrift, forgetMemberships, heldOf, linkAccounts, markDrift, queueRecompute, upsertOrphans } from './writes.ts';

const NO_CANDIDATES: Candidates = { ids: new Set(), byKey: new Map(), held: new Map() };

/** What one page changes, written in one transaction. */
interface PageWrites {
  readonly links: LinkWrite[];
  /** Rows to re-read and re-assert (enabled against the record). */
  readonly drift: string[];
  /** Rows whose memberships drift, kept as they are. */
  readonly marked: string[];
  /** Memberships gone from the target, for the next operation to add again. */
  readonly missing: MissingWrite[];
  readonly settled: string[];
  readonly provisioning: [string, string, string][];
  readonly recompute: string[];
  readonly findings: Finding[];
  readonly audit: AuditDraft[];
}

/** Correlates one page of the listing and records what it found. Keys listed twice count once. */
export async function reconcilePage(run: RunContext, page: readonly RemoteAccount[], seen: KeySet): Promise<void> {
  const fresh = page.filter((a) => seen.add(a.key));
  if (fresh.length === 0) return;
  run.counts.accounts += fresh.length;
  const verdicts = await judge(run, fresh);
  const orphans = await settleOrphans(
    run,
    verdicts.filter((v): v is [RemoteAccount, Verdict & { situation: 'unmatched' }] => v[1].situation === 'unmatched'),
  );
  const removals = await removeMemberships(
    run,
    verdicts.filter((v): v is [RemoteAccount, Verdict & { situation: 'linked' }] & Drifting => v[1].situation === 'linked' && v[1].memberships.added.length > 0),
  );
  const writes: PageWrites = { links: [], drift: [], marked: [], missing: [], settled: [], provisioning: [], recompute: [], findings: [...orphans.findings], audit: [...orphans.audit] };
  for (const [account, verdict] of verdicts) plan(run, account, verdict, writes, removals);
  await record(run, writes, orphans);
  const added = verdicts.filter(([, v]) => (v.situation === 'unmatched' || v.situation === 'unlinked') && v.row === null).length;
  await run.statistics.added(run.deps.store, added);
}

/** A verdict for every account: rows first, then candidates for the accounts no identity's row holds. */
async function judge(run: RunContext, accounts: readonly RemoteAccount[]): Promise<[RemoteAccount, Verdict][]> {
  const { store } = run.deps;
  const rows = await loadRows(
    store,
    run.rule.name,
    accounts.map((a) => a.key),
  );
  const open = accounts.filter((a) => !rows.get(a.key)?.identityId);
  const found =
    open.length === 0
      ? NO_CANDIDATES
      : await loadCandidates(
          store,
          run.rule,
          open.map((a) => a.key),
          [...new Set(open.map((a) => a.correlationId).filter(isUuid))],
        );
  const linking = new Set<string>();
  return accounts.map((account) => {
    const row = rows.get(account.key) ?? null;
    if (row?.identityId) return [account, linkedVerdict(account, row, run.connector.capabilities.groups)];
    const verdict = correlate(account, row, found, linking);
    if (verdict.situation === 'unlinked') linking.add(verdict.identityId);
    return [account, verdict];
  });
}

function plan(run: RunContext, account: RemoteAccount, verdict: Verdict, w: PageWrites, removals: Removals): void {
  if (verdict.situation === 'linked') planLinked(run, account, verdict, w, removals);
  else if (verdict.situation === 'unlinked') planLink(run, account, verdict.identityId, w);
  else if (verdict.situation === 'disputed') {
    run.counts.disputed++;
    w.findings.push(findingFor(run, account, 'disputed', { candidates: verdict.candidates, action: `left alone: ${verdict.why}` }));
  }
}

/**
 * Counts a linked account. One enabled against the record is flagged and queued to be re-read and
 * re-asserted; memberships changed in the target are handled per `membershipAction` (planMemberships).
 * Drift is audited when first seen.
 */
function planLinked(run: RunContext, account: RemoteAccount, verdict: Verdict & { situation: 'linked' }, w: PageWrites, removals: Removals): void {
  run.counts.linked++;
  const { row, memberships } = verdict;
  const identityId = row.identityId as string;
  if (!verdict.drift && !verdict.mappings && memberships.added.length + memberships.missing.length === 0) {
    if (row.drift) w.settled.push(row.id);
    return;
  }
  run.counts.drift++;
  const groups = planMemberships(run, account, row, memberships, removals);
  w.audit.push(...groups.audit);
  const actions = groups.action ? [groups.action] : [];
  if (verdict.drift) {
    w.drift.push(row.id);
    w.provisioning.push([run.rule.name, identityId, 'reconciliation: enabled in the target against the record']);
    if (verdict.recompute) w.recompute.push(identityId);
    actions.unshift(verdict.recompute ? 'drift flagged; access recompute and provisioning queued' : 'drift flagged; provisioning queued to disable it');
  } else if (verdict.mappings) {
    // muster's record of what it mapped is forgotten: the operation re-reads the account and maps the good cards again
    w.drift.push(row.id);
    w.provisioning.push([run.rule.name, identityId, 'reconciliation: certificate mappings changed in the target']);
    actions.push('certificate mappings changed in the target; provisioning queued to map the good cards again');
  } else if (memberships.missing.length > 0) {
    w.missing.push({ rowId: row.id, groups: memberships.missing });
    w.provisioning.push([run.rule.name, identityId, 'reconciliation: memberships removed in the target against the record']);
  } else if (groups.remaining.length > 0) w.marked.push(row.id);
  else if (row.drift) w.settled.push(row.id);
  w.findings.push(findingFor(run, account, 'linked', { identityId, drift: true, action: actions.join('; ') }));
  if (row.drift || !verdict.drift) return;
  const why = `account '${account.key}' is enabled in the target; the record says ${row.status}, the identity is ${row.identityStatus}`;
  w.audit.push(accountAudit(run, 'reconciliation.drift', identityId, why, { account: account.key, remote_id: account.id, status: row.status, identity_status: row.identityStatus }));
}

/** Links an account to its identity and asks the policies whether it stays. */
function planLink(run: RunContext, account: RemoteAccount, identityId: string, w: PageWrites): void {
  run.counts.unlinked++;
  w.links.push({ identityId, key: account.key, privileged: isPrivileged(run, account.groups), remoteId: account.id, held: heldOf(account) });
  w.recompute.push(identityId);
  w.findings.push(findingFor(run, account, 'unlinked', { identityId, action: 'linked to the identity; access recompute queued' }));
  const how = account.correlationId === identityId ? 'its correlation value' : 'its key';
  w.audit.push(
    accountAudit(run, 'reconciliation.linked', identityId, `account '${account.key}' linked by ${how}`, {
      account: account.key,
      remote_id: account.id,
      enabled: account.enabled,
      groups: account.groups,
    }),
  );
}

async function record(run: RunContext, w: PageWrites, orphans: OrphanOutcome): Promise<void> {
  const { store, audit, clock } = run.deps;
  const now = clock.now();
  await store.transaction(async (tx) => {
    await upsertOrphans(tx, run.rule.name, orphans.rows, now);
    await linkAccounts(tx, run.rule.name, w.links, now);
    await flagDrift(tx, w.drift, now);
    await markDrift(tx, w.marked, now);
    await forgetMemberships(tx, w.missing, now);
    await clearDrift(tx, w.settled, now);
    await queueProvisioning(tx, w.provisioning, now);
    await queueRecompute(tx, run.runId, w.recompute, now);
    await insertFindings(tx, w.findings);
    await audit.append(tx, w.audit, run.correlationId);
    await saveCounts(tx, run.runId, run.counts);
  });
}
