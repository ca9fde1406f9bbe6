import type { HeldEntitlement, PolicyDocument } from '../../core/access/policy.ts';
import { type SeparationRule, separationRules } from '../../core/access/sod.ts';
import type { Queryable } from '../../store/store.ts';

/** The separation-of-duties policies in force: the newest version of each name, when it is enabled and of that kind. */
export async function separationPolicies({ db }: Queryable): Promise<SeparationRule[]> {
  const rows = await db
    .selectFrom('policies as p')
    .select(['p.name', 'p.version', 'p.document'])
    .where('p.kind', '=', 'separation')
    .where('p.enabled', '=', true)
    .where(({ eb, selectFrom }) =>
      eb(
        'p.version',
        '=',
        selectFrom('policies as q')
          .select(({ fn }) => fn.max('q.version').as('v'))
          .whereRef('q.name', '=', 'p.name'),
      ),
    )
    .orderBy('p.name')
    .execute();
  return separationRules(rows.map((r) => ({ name: r.name, version: Number(r.version), document: r.document as unknown as PolicyDocument })));
}

/** What identities hold of the entitlements the rules name: groups of targets (active or held back) and operator roles. */
export async function holdingsOf({ db }: Queryable, rules: readonly SeparationRule[], identityId?: string): Promise<Map<string, HeldEntitlement[]>> {
  const items = rules.flatMap((r) => r.document.sides.flat());
  const groups = items.filter((h): h is { target: string; group: string } => 'target' in h);
  const roles = items.filter((h): h is { role: string } => 'role' in h).map((h) => h.role);
  const out = new Map<string, HeldEntitlement[]>();
  const add = (id: string, h: HeldEntitlement) => out.set(id, [...(out.get(id) ?? []), h]);
  if (groups.length > 0) {
    let query = db
      .selectFrom('entitlements')
      .select(['identity_id', 'target', 'entitlement'])
      .where(({ eb, refTuple, tuple }) =>
        eb(
          refTuple('target', 'entitlement'),
          'in',
          groups.map((g) => tuple(g.target, g.group)),
        ),
      );
    if (identityId) query = query.where('identity_id', '=', identityId);
    for (const r of await query.execute()) add(r.identity_id, { target: r.target, group: r.entitlement });
  }
  if (groups.length > 0)
    for (const r of await seenInTargets({ db } as Queryable, [...new Set(groups.map((g) => g.target))], identityId)) {
      for (const group of r.groups as string[]) if (groups.some((g) => g.target === r.target && g.group === group)) add(r.identity_id as string, { target: r.target, group });
    }
  if (roles.length > 0) {
    let query = db.selectFrom('operator_roles').select(['identity_id', 'role']).where('role', 'in', roles).where('revoked_at', 'is', null);
    if (identityId) query = query.where('identity_id', '=', identityId);
    for (const r of await query.execute()) add(r.identity_id, { role: r.role });
  }
  return out;
}

/**
 * The groups reconciliation saw an identity's enabled account hold in each target at its latest finished run, where
 * the account drifted from muster's record (a membership granted directly in the target) or was just linked.
 */
function seenInTargets({ db }: Queryable, targets: readonly string[], identityId?: string) {
  let query = db
    .with('latest', (q) =>
      q
        .selectFrom('reconciliation_runs')
        .distinctOn('target')
        .select(['id', 'target'])
        .where('status', '=', 'done')
        .where('target', 'in', targets)
        .orderBy('target')
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc'),
    )
    .selectFrom('latest as l')
    .innerJoin('reconciliation_findings as f', 'f.run_id', 'l.id')
    .select(['f.identity_id', 'f.target', 'f.groups'])
    .where('f.identity_id', 'is not', null)
    .where('f.enabled', '=', true)
    .where((eb) => eb.or([eb('f.drift', '=', true), eb('f.situation', '=', 'unlinked')]));
  if (identityId) query = query.where('f.identity_id', '=', identityId);
  return query.execute();
}

export interface ExceptionRow {
  readonly id: string;
  readonly identity_id: string;
  readonly policy: string;
  readonly approver: string;
  readonly compensating_control: string;
  readonly expires_at: Date;
}

/** The unexpired exceptions, of one identity or of all. */
export function standingExceptions({ db }: Queryable, now: Date, identityId?: string): Promise<ExceptionRow[]> {
  let query = db.selectFrom('sod_exceptions').select(['id', 'identity_id', 'policy', 'approver', 'compensating_control', 'expires_at']).where('revoked_at', 'is', null).where('expires_at', '>', now);
  if (identityId) query = query.where('identity_id', '=', identityId);
  return query.orderBy('expires_at').execute();
}

export interface NewException {
  readonly id: string;
  readonly identityId: string;
  readonly policy: string;
  readonly approver: string;
  readonly control: string;
  readonly reason: string;
  readonly grantedAt: Date;
  readonly expiresAt: Date;
}

export async function insertException({ db }: Queryable, e: NewException): Promise<void> {
  await db
    .insertInto('sod_exceptions')
    .values({ id: e.id, identity_id: e.identityId, policy: e.policy, approver: e.approver, compensating_control: e.control, reason: e.reason, granted_at: e.grantedAt, expires_at: e.expiresAt })
    .execute();
}

export function identityStatus({ db }: Queryable, id: string) {
  return db.selectFrom('identities').select(['id', 'status']).where('id', '=', id).executeTakeFirst();
}

/** The violations recorded open (not resolved), by identity and policy. */
export async function openViolations({ db }: Queryable): Promise<Set<string>> {
  const rows = await db.selectFrom('sod_violations').select(['identity_id', 'policy']).where('resolved_at', 'is', null).execute();
  return new Set(rows.map((r) => `${r.identity_id} ${r.policy}`));
}

/** Records the conflicts seen now: new ones (or seen again after resolving) get `first_seen`; those not seen any more are resolved. */
export async function recordViolations({ db }: Queryable, seen: readonly { identityId: string; policy: string }[], now: Date): Promise<void> {
  if (seen.length > 0) {
    await db
      .insertInto('sod_violations')
      .values(seen.map((s) => ({ identity_id: s.identityId, policy: s.policy, first_seen: now, last_seen: now })))
      .onConflict((oc) =>
        oc.columns(['identity_id', 'policy']).doUpdateSet(({ eb, ref }) => ({
          last_seen: now,
          first_seen: eb.case().when(ref('sod_violations.resolved_at'), 'is not', null).then(now).else(ref('sod_violations.first_seen')).end(),
          resolved_at: null,
        })),
      )
      .execute();
  }
  await db.updateTable('sod_violations').set({ resolved_at: now }).where('resolved_at', 'is', null).where('last_seen', '<', now).execute();
}

/** A domain event of the detective scan (`sod.violation`), on the scan's correlation id. */
export async function insertViolationEvents({ db }: Queryable, events: readonly { identityId: string; payload: Record<string, unknown> }[], correlationId: string, now: Date): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('events')
    .values(events.map((e) => ({ type: 'sod.violation', identity_id: e.identityId, payload: JSON.stringify(e.payload), correlation_id: correlationId, occurred_at: now })))
    .execute();
}
