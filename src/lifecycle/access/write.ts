import type { AuditDraft } from '../../audit/chain.ts';
import type { AuditWriter } from '../../audit/writer.ts';
import type { HeldEntitlement } from '../../core/access/policy.ts';
import { describeHeld, heldKey } from '../../core/access/sod.ts';
import type { Tx } from '../../store/store.ts';
import { LIFECYCLE_ACTOR } from '../change.ts';
import { recordOpEvents } from '../provision/op-events.ts';
import type { AccessPlan } from './plan.ts';
import { REQUEST_PREFIX } from './requested-grants.ts';

export interface WriteContext {
  readonly now: Date;
  readonly audit: AuditWriter;
  /** The request (correlation id) and domain events whose jobs recomputed each identity. */
  readonly threadOf: (identityId: string) => Thread;
}

/** What caused a change: the request's correlation id and the domain events, oldest first. */
export interface Thread {
  readonly correlationId: string;
  readonly eventIds: readonly number[];
}

/**
 * Records the planned access (accounts, entitlements), queues one provisioning operation per
 * changed target, and audits each change: `access.changed`, and `privilege.removed` listing
 * every entitlement taken away with the reason.
 */
export async function writeAccess(tx: Tx, plans: readonly AccessPlan[], ctx: WriteContext): Promise<void> {
  if (plans.length === 0) return;
  await upsertAccounts(tx, plans, ctx.now);
  await writeEntitlements(tx, plans, ctx.now);
  await queueOperations(tx, plans, ctx);
  const byCorrelation = new Map<string, AuditDraft[]>();
  for (const plan of plans) {
    const thread = ctx.threadOf(plan.identityId);
    const drafts = auditOf(plan).map((d) => withThread(d, thread.eventIds));
    byCorrelation.set(thread.correlationId, [...(byCorrelation.get(thread.correlationId) ?? []), ...drafts]);
  }
  for (const [correlationId, drafts] of byCorrelation) await ctx.audit.append(tx, drafts, correlationId);
}

function accountRows(plan: AccessPlan): unknown[][] {
  const rows: unknown[][] = [];
  const had = new Map(plan.current.accounts.map((a) => [a.target, a]));
  const privileged = new Set(plan.desired.entitlements.filter((e) => e.privileged && e.status === 'active').map((e) => e.target));
  for (const want of plan.desired.accounts) {
    const existing = had.get(want.target);
    had.delete(want.target);
    if (!existing && want.state !== 'enabled') continue;
    rows.push([plan.identityId, want.target, want.key, want.state, privileged.has(want.target), JSON.stringify(want.fields)]);
  }
  for (const rest of had.values()) if (rest.status === 'enabled') rows.push([plan.identityId, rest.target, rest.key, 'disabled', false, JSON.stringify(rest.fields)]);
  return rows;
}

/**
 * Inserts or updates each identity's account in a target. A new account key (a new employee number or email)
 * renames the row, unless another row of the target holds that key: then the row keeps its key and the
 * conflict shows at reconciliation. What the target was last synced under is kept in `synced.key`, so that
 * provisioning renames the account there instead of making a second one.
 */
async function upsertAccounts(tx: Tx, plans: readonly AccessPlan[], now: Date): Promise<void> {
  const rows = plans.flatMap(accountRows);
  if (rows.length === 0) return;
  const col = (i: number) => rows.map((r) => r[i]);
  await tx.query(
    `INSERT INTO accounts (id, identity_id, target, account_ref, status, privileged, fields, details, desired_version, created_at, updated_at, disabled_at)
     SELECT gen_random_uuid(), u.i, u.t, u.k, u.s, u.p, u.f::jsonb, '{}'::jsonb, 1, $7, $7, CASE WHEN u.s = 'disabled' THEN $7::timestamptz END
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[]) AS u(i, t, k, s, p, f)
     ON CONFLICT (identity_id, target) WHERE identity_id IS NOT NULL DO UPDATE SET
       status = EXCLUDED.status, privileged = EXCLUDED.privileged, fields = EXCLUDED.fields,
       account_ref = CASE WHEN EXISTS (SELECT 1 FROM accounts o WHERE o.target = EXCLUDED.target AND o.account_ref = EXCLUDED.account_ref AND o.id <> accounts.id)
         THEN accounts.account_ref ELSE EXCLUDED.account_ref END,
       synced = CASE WHEN accounts.synced IS NULL OR accounts.synced ? 'key' THEN accounts.synced ELSE accounts.synced || jsonb_build_object('key', accounts.account_ref) END,
       desired_version = accounts.desired_version + 1, updated_at = EXCLUDED.updated_at, archived_at = NULL,
       disabled_at = CASE WHEN EXCLUDED.status = 'enabled' THEN NULL WHEN accounts.status = 'enabled' THEN EXCLUDED.updated_at ELSE accounts.disabled_at END`,
    [col(0), col(1), col(2), col(3), col(4), col(5), now],
  );
}

async function writeEntitlements(tx: Tx, plans: readonly AccessPlan[], now: Date): Promise<void> {
  const removed = plans.flatMap((p) => p.change.removed.map((r) => [p.identityId, r.target, r.group]));
  if (removed.length > 0) {
    await tx.query('DELETE FROM entitlements WHERE (identity_id, target, entitlement) IN (SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]))', [
      removed.map((r) => r[0]),
      removed.map((r) => r[1]),
      removed.map((r) => r[2]),
    ]);
  }
  const rows = plans.flatMap((p) => p.desired.entitlements.map((e) => [p.identityId, e.target, e.group, e.privileged, e.status, JSON.stringify(e.policies), entitlementReason(e.policies)]));
  if (rows.length === 0) return;
  const col = (i: number) => rows.map((r) => r[i]);
  await tx.query(
    `INSERT INTO entitlements (id, identity_id, target, entitlement, entitlement_type, reason, granted_at, privileged, status, policies)
     SELECT gen_random_uuid(), u.i, u.t, u.g, 'group', u.r, $8, u.p, u.s, u.pol::jsonb
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::boolean[], $5::text[], $6::text[], $7::text[]) AS u(i, t, g, p, s, pol, r)
     ON CONFLICT (identity_id, target, entitlement) DO UPDATE SET privileged = EXCLUDED.privileged, status = EXCLUDED.status, policies = EXCLUDED.policies, reason = EXCLUDED.reason`,
    [col(0), col(1), col(2), col(3), col(4), col(5), col(6), now],
  );
}

/** `request:<id>` for access granted by request alone, else the policies that grant it. */
function entitlementReason(policies: readonly string[]): string {
  return policies.every((p) => p.startsWith(REQUEST_PREFIX)) ? policies.join(', ') : `granted by ${policies.join(', ')}`;
}

async function queueOperations(tx: Tx, plans: readonly AccessPlan[], ctx: WriteContext): Promise<void> {
  const rows = plans.flatMap((p) =>
    p.change.targets.map((t): ProvisioningRequest => {
      const reason = p.change.accounts.find((a) => a.target === t)?.reason ?? p.change.removed[0]?.reason ?? 'access changed';
      return [t, p.identityId, reason, ctx.threadOf(p.identityId).eventIds];
    }),
  );
  await queueProvisioning(tx, rows, ctx.now);
}

/** One account to bring in line, why, and the domain events that ask for it (oldest first). */
export type ProvisioningRequest = readonly [target: string, identityId: string, reason: string, eventIds?: readonly number[]];

/**
 * Asks each (target, identity) to be brought in line; folds into an operation already pending for it.
 * A new operation keeps its first event; the pending one, new or folded into, carries every event.
 */
export async function queueProvisioning(tx: Tx, rows: readonly ProvisioningRequest[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO provisioning_ops (target, identity_id, reason, status, run_after, created_at, updated_at, event_id)
     SELECT u.t, u.i, u.r, 'pending', $4, $4, $4, u.e FROM unnest($1::text[], $2::uuid[], $3::text[], $5::bigint[]) AS u(t, i, r, e)
     ON CONFLICT (target, identity_id) WHERE status = 'pending' DO NOTHING`,
    [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), now, rows.map((r) => r[3]?.[0] ?? null)],
  );
  await recordOpEvents(
    tx,
    rows.flatMap(([target, identityId, , eventIds]) => (eventIds ?? []).map((eventId) => ({ target, identityId, eventId }))),
  );
}

/** The entry names the newest event that asked for the change, and every one when there were several. */
function withThread(draft: AuditDraft, eventIds: readonly number[]): AuditDraft {
  const newest = eventIds.at(-1);
  if (newest === undefined) return draft;
  return { ...draft, data: { ...draft.data, event_id: newest, ...(eventIds.length > 1 ? { event_ids: eventIds } : {}) } };
}

function auditOf(plan: AccessPlan): AuditDraft[] {
  const { change, identityId } = plan;
  const drafts: AuditDraft[] = [];
  const brief = (list: readonly { target: string; group: string; reason: string }[]) => list.map((e) => ({ target: e.target, entitlement: e.group, reason: e.reason }));
  if (change.accounts.length + change.granted.length + change.suspended.length + change.resumed.length > 0) {
    drafts.push({
      actor: LIFECYCLE_ACTOR,
      action: 'access.changed',
      target: identityId,
      reason:
        change.accounts
          .map((a) => `${a.action} ${a.target}`)
          .concat(change.granted.map((g) => `grant ${g.target}/${g.group}`))
          .join('; ') || 'entitlements held back or resumed',
      data: {
        accounts: change.accounts.map((a) => ({ target: a.target, key: a.key, action: a.action, changed: a.changedFields, reason: a.reason })),
        granted: brief(change.granted),
        suspended: brief(change.suspended),
        resumed: brief(change.resumed),
      },
    });
  }
  if (change.removed.length > 0) {
    drafts.push({
      actor: LIFECYCLE_ACTOR,
      action: 'privilege.removed',
      target: identityId,
      reason: `${change.removed.length} entitlement(s) removed: ${change.removed.map((r) => `${r.target}/${r.group}`).join(', ')}`,
      data: {
        removed: change.removed.map((r) => ({
          target: r.target,
          entitlement: r.group,
          privileged: r.privileged,
          policies: r.policies,
          reason: r.reason,
          ...(r.campaign ? { campaign: r.campaign } : {}),
        })),
      },
    });
  }
  if (plan.refused.length > 0) drafts.push(refusalOf(plan));
  return drafts;
}

/** Grants separation of duties refused: one entry naming each grant, its policy and both sides. */
function refusalOf(plan: AccessPlan): AuditDraft {
  const side = (list: readonly HeldEntitlement[]) => list.map(heldKey);
  return {
    actor: LIFECYCLE_ACTOR,
    action: 'sod.refused',
    target: plan.identityId,
    reason: `MUSTER_ERR_SOD: ${plan.refused.map((r) => `${r.target}/${r.group} refused by ${r.conflict.policy} (${describeHeld(r.conflict.sides[0])} against ${describeHeld(r.conflict.sides[1])})`).join('; ')}`,
    data: {
      code: 'MUSTER_ERR_SOD',
      refused: plan.refused.map((r) => ({ target: r.target, entitlement: r.group, policy: r.conflict.policy, sides: [side(r.conflict.sides[0]), side(r.conflict.sides[1])] })),
    },
  };
}
