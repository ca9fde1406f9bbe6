import type { AuditDraft } from '../../audit/chain.ts';
import type { AuditWriter } from '../../audit/writer.ts';
import type { TargetRule } from '../../core/access/evaluate.ts';
import type { Clock } from '../../core/clock.ts';
import type { Connector, RemoteAccount } from '../../connectors/accounts/port.ts';
import type { Store } from '../../store/store.ts';
import type { MembershipAction, OrphanAction } from './correlate.ts';
import type { AccountStatistics } from './statistics.ts';
import type { Finding, RunCounts, Situation } from './runs.ts';

export interface ReconcileDeps {
  readonly store: Store;
  readonly audit: AuditWriter;
  readonly clock: Clock;
}

/** Everything one run needs while it streams the target. */
export interface RunContext {
  readonly deps: ReconcileDeps;
  readonly connector: Connector;
  readonly runId: string;
  readonly startedAt: Date;
  readonly rule: TargetRule;
  readonly orphanAction: OrphanAction;
  readonly membershipAction: MembershipAction;
  readonly actor: string;
  readonly correlationId: string;
  /** Groups of the target that an active policy marks privileged. */
  readonly privileged: ReadonlySet<string>;
  /** Calls to the target in flight at once (disabling orphans, removing memberships). */
  readonly concurrency: number;
  readonly counts: RunCounts;
  readonly statistics: AccountStatistics;
}

export function isPrivileged(run: RunContext, groups: readonly string[]): boolean {
  return groups.some((g) => run.privileged.has(g));
}

/** A finding about a listed account. */
export function findingFor(
  run: RunContext,
  account: RemoteAccount,
  situation: Situation,
  extra: { identityId?: string | null; candidates?: readonly string[]; drift?: boolean; action: string },
): Finding {
  return {
    runId: run.runId,
    target: run.rule.name,
    accountRef: account.key,
    remoteId: account.id,
    situation,
    identityId: extra.identityId ?? null,
    candidates: extra.candidates ?? [],
    enabled: account.enabled,
    privileged: isPrivileged(run, account.groups),
    drift: extra.drift ?? false,
    groups: [...account.groups],
    action: extra.action,
  };
}

/** An audit entry about one account of the target. */
export function accountAudit(run: RunContext, action: string, subject: string, reason: string, data: Record<string, unknown>): AuditDraft {
  return { actor: run.actor, action, target: subject, reason: `${run.rule.name}: ${reason}`, data: { run: run.runId, target: run.rule.name, ...data } };
}

/** The audit subject of an account no identity owns. */
export function orphanSubject(target: string, key: string): string {
  return `account:${target}/${key}`;
}
