import type { AuditDraft } from '../../audit/chain.ts';
import type { RemoteAccount } from '../../connectors/accounts/port.ts';
import { type RunContext, accountAudit, findingFor, isPrivileged, orphanSubject } from './context.ts';
import { eachInLanes } from './lanes.ts';
import type { AccountRow } from './lookup.ts';
import type { Finding } from './runs.ts';
import { type HeldState, type OrphanWrite, heldOf } from './writes.ts';

export interface OrphanOutcome {
  readonly rows: OrphanWrite[];
  readonly findings: Finding[];
  readonly audit: AuditDraft[];
}

type Orphan = readonly [RemoteAccount, { readonly row: AccountRow | null }];

/**
 * Decides each orphan's record and, when the configured action is `disable`, disables the enabled
 * ones in the target at once (up to `concurrency` calls in flight). A refusal leaves that orphan
 * enabled and says so in its finding; the run carries on.
 */
export async function settleOrphans(run: RunContext, orphans: readonly Orphan[]): Promise<OrphanOutcome> {
  const out: OrphanOutcome = { rows: [], findings: [], audit: [] };
  if (orphans.length === 0) return out;
  const toDisable = run.orphanAction === 'disable' ? orphans.filter(([a]) => a.enabled).map(([a]) => a) : [];
  const failures = await disableAll(run, toDisable);
  for (const [account, { row }] of orphans) settleOne(run, account, row, failures.get(account.id), out);
  return out;
}

/** One orphan: its record, its finding, and the audit entry when it was disabled. */
function settleOne(run: RunContext, account: RemoteAccount, row: AccountRow | null, failure: string | undefined, out: OrphanOutcome): void {
  const privileged = isPrivileged(run, account.groups);
  const tried = run.orphanAction === 'disable' && account.enabled;
  const disabled = tried && failure === undefined;
  const enabled = account.enabled && !disabled;
  // an archived orphan stays archived while it stays disabled; one enabled again is live again
  const status = enabled ? 'orphan' : row?.status === 'archived' && !tried ? 'archived' : 'disabled';
  const write: OrphanWrite = { key: account.key, status, privileged, remoteId: account.id, held: { ...heldOf(account), enabled } };
  if (!unchanged(row, write)) out.rows.push(write);
  out.findings.push({ ...findingFor(run, account, 'unmatched', { action: orphanAction(tried, failure) }), enabled });
  count(run, privileged, tried, failure);
  if (!disabled) return;
  const reason = `orphan account '${account.key}' disabled in the target`;
  out.audit.push(
    accountAudit(run, 'reconciliation.orphan-disabled', orphanSubject(run.rule.name, account.key), reason, { account: account.key, remote_id: account.id, privileged, groups: account.groups }),
  );
}

function count(run: RunContext, privileged: boolean, tried: boolean, failure: string | undefined): void {
  run.counts.unmatched++;
  if (privileged) run.counts.privileged++;
  if (tried && failure === undefined) run.counts.disabled++;
  if (failure !== undefined) run.counts.failed++;
}

/** True when the record already says exactly this (most orphans, run after run): no write needed. */
function unchanged(row: AccountRow | null, write: OrphanWrite): boolean {
  if (!row || row.identityId !== null || row.situation !== 'unmatched') return false;
  if (row.status !== write.status || row.remoteId !== write.remoteId || row.privileged !== write.privileged) return false;
  const was = row.synced as Partial<HeldState> | null;
  return was?.enabled === write.held.enabled && sameList(was.groups, write.held.groups) && sameFields(was.fields, write.held.fields);
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameFields(a: Record<string, unknown> | undefined, b: Record<string, unknown>): boolean {
  if (a === undefined) return false;
  const keys = Object.keys(b);
  return Object.keys(a).length === keys.length && keys.every((k) => a[k] === b[k]);
}

function orphanAction(tried: boolean, failure: string | undefined): string {
  if (!tried) return 'reported';
  return failure === undefined ? 'disabled in the target' : `disable refused: ${failure}`;
}

/** Disables the accounts; the error message of each one the target refused, by remote id. */
async function disableAll(run: RunContext, accounts: readonly RemoteAccount[]): Promise<Map<string, string>> {
  const failures = await eachInLanes(accounts, run.concurrency, (account) => run.connector.disableAccount(account.id));
  return new Map([...failures].map(([index, message]) => [(accounts[index] as RemoteAccount).id, message]));
}
