import { type ExpressionBuilder, sql } from 'kysely';
import { UUID_PATTERN } from '../../core/ids.ts';
import type { Database } from '../../store/database.ts';
import type { Queryable } from '../../store/store.ts';

export interface CampaignRow {
  readonly id: string;
  readonly name: string;
  readonly scope: string;
  readonly reviewers: string;
  readonly unanswered: string;
  readonly status: string;
  readonly due_at: Date;
  readonly remind_every_days: number;
  readonly reminded_at: Date | null;
  readonly created_by: string;
  readonly reason: string;
  readonly created_at: Date;
  readonly closed_at: Date | null;
}

export interface NewCampaign {
  readonly id: string;
  readonly name: string;
  readonly scope: string;
  readonly reviewers: 'manager' | 'owner';
  readonly unanswered: 'revoke' | 'escalate';
  readonly dueAt: Date;
  readonly remindEveryDays: number;
  readonly createdBy: string;
  readonly reason: string;
  readonly now: Date;
}

export async function insertCampaign({ db }: Queryable, c: NewCampaign): Promise<void> {
  await db
    .insertInto('campaigns')
    .values({
      id: c.id,
      name: c.name,
      scope: c.scope,
      reviewers: c.reviewers,
      unanswered: c.unanswered,
      status: 'open',
      due_at: c.dueAt,
      remind_every_days: c.remindEveryDays,
      created_by: c.createdBy,
      reason: c.reason,
      created_at: c.now,
    })
    .execute();
}

/** What a campaign reviews: the privileged entitlements and operator roles, every entitlement of one target, or the active Derived PIV credentials. */
export type ItemScope =
  | { readonly kind: 'privileged' }
  | { readonly kind: 'target'; readonly target: string }
  | { readonly kind: 'derived-credentials' }
  | { readonly kind: 'agreement'; readonly agreement: string };

/** The Derived PIV credential types (SP 800-157r1): PKI certificates and FIDO2 authenticators. */
export const DERIVED_TYPES = ['derived_piv_pki', 'derived_piv_fido2'];

/** Who reviews: the identity's manager (the identity whose employee_id its `manager` names), or the target's owner. */
export interface ReviewerRule {
  readonly reviewers: 'manager' | 'owner';
  readonly owners: Readonly<Record<string, string>>;
}

const LIVE = ['active', 'leave', 'suspended', 'pending'];

/** The newest enabled catalogue item granting this entitlement (group of a target) or operator role, as `c`. */
function catalogueItem(kind: 'entitlement' | 'role' | 'rp') {
  const match =
    kind === 'role'
      ? sql`c.kind = 'role' and c.document->>'role' = r.role`
      : kind === 'rp'
        ? sql`c.kind = 'rp' and c.document->>'agreement' = f.agreement_id`
        : sql`c.kind = 'group' and c.document->>'target' = e.target and c.document->>'group' = e.entitlement`;
  return sql`from catalogue_items c where c.enabled and ${match} and c.version = (select max(v.version) from catalogue_items v where v.name = c.name)`;
}

/** Whether the catalogue marks the entitlement privileged (beside the policies' own flag). */
const CATALOGUE_PRIVILEGED = sql<boolean>`exists (select 1 ${catalogueItem('entitlement')} and (c.document->>'privileged')::boolean)`;

function reviewerOf(rule: ReviewerRule, kind: 'entitlement' | 'role' | 'credential' | 'rp') {
  return (eb: ExpressionBuilder<Database & { i: Database['identities'] }, 'i'>) => {
    if (rule.reviewers === 'manager') {
      // the `manager` attribute names the manager by employee id or by identity id, as the approvals read it (managerOf):
      // each look-up on its own index, never a scan of the identities per item
      const named = sql<string>`i.attributes->'manager'->>'v'`;
      const byEmployeeId = eb.selectFrom('identities as m').select('m.id').where(sql<boolean>`m.attributes->'employee_id'->>'v' = ${named}`).where('m.id', '<>', eb.ref('i.id')).limit(1);
      const asIdentityId = sql<string | null>`(case when ${named} ~* ${UUID_PATTERN.source} then (${named})::uuid end)`;
      const byIdentityId = eb.selectFrom('identities as m').select('m.id').where('m.id', '=', asIdentityId).where('m.id', '<>', eb.ref('i.id'));
      return sql<string | null>`coalesce((${byEmployeeId}), (${byIdentityId}))`;
    }
    // The owner: the first owner of the catalogue item that offers the access, else governance.campaigns.owners.
    const fromCatalogue = kind === 'credential' ? sql`null::uuid` : sql<string | null>`(select (c.document->'owners'->>0)::uuid ${catalogueItem(kind)} order by c.name limit 1)`;
    const cases = Object.entries(rule.owners);
    const key = kind === 'role' ? sql`'muster'` : kind === 'credential' ? sql`'derived-credentials'` : kind === 'rp' ? sql`'agreement:' || f.agreement_id` : sql.ref('e.target');
    const fromConfig =
      cases.length === 0
        ? sql`null::uuid`
        : sql`(case ${sql.join(
            cases.map(([t, id]) => sql`when ${key} = ${t} then ${id}::uuid`),
            sql` `,
          )} end)`;
    return sql<string | null>`coalesce(${fromCatalogue}, ${fromConfig})`;
  };
}

/** Makes the items of a campaign in the database (one statement per kind); answers how many. */
export async function insertItems(q: Queryable, campaignId: string, scope: ItemScope, rule: ReviewerRule): Promise<number> {
  await planForBulk(q);
  const n =
    scope.kind === 'derived-credentials'
      ? await insertCredentialItems(q, campaignId, rule)
      : scope.kind === 'agreement'
        ? await insertRelyingPartyItems(q, campaignId, scope.agreement, rule)
        : await insertAccessItems(q, campaignId, scope, rule);
  // Nobody reviews their own access: such an item is left unassigned (escalated at the due date).
  await q.db.updateTable('campaign_items').set({ reviewer_id: null }).where('campaign_id', '=', campaignId).whereRef('reviewer_id', '=', 'identity_id').execute();
  return n;
}

/**
 * The item statements read every entitlement (or credential) with its holder once: hash joins, whatever the
 * statistics say after a large import (a nested loop over stale row counts grows with the square of the
 * population), and no JIT compilation, which costs seconds and saves nothing here. For this transaction only.
 */
async function planForBulk({ db }: Queryable): Promise<void> {
  await sql`select set_config('enable_nestloop', 'off', true), set_config('jit', 'off', true)`.execute(db);
}

/** One item per active Derived PIV credential: kind credential, target its type, entitlement its id. */
async function insertCredentialItems({ db }: Queryable, campaignId: string, rule: ReviewerRule): Promise<number> {
  const r = await db
    .insertInto('campaign_items')
    .columns(['id', 'campaign_id', 'identity_id', 'kind', 'target', 'entitlement', 'privileged', 'reviewer_id'])
    .expression((eb) =>
      eb
        .selectFrom('credentials as k')
        .innerJoin('identities as i', 'i.id', 'k.identity_id')
        .where('k.type', 'in', DERIVED_TYPES)
        .where('k.status', '=', 'active')
        .where('i.status', 'in', LIVE)
        .select((x) => [
          sql<string>`gen_random_uuid()`.as('id'),
          sql<string>`${campaignId}::uuid`.as('campaign_id'),
          'k.identity_id',
          sql<string>`'credential'`.as('kind'),
          'k.type',
          sql<string>`k.id::text`.as('entitlement'),
          sql<boolean>`false`.as('privileged'),
          reviewerOf(rule, 'credential')(x as never).as('reviewer_id'),
        ]),
    )
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0);
}

/** The attributes the newest version of a trust agreement releases, by name; undefined when there is no such agreement. */
export async function agreementAttributes({ db }: Queryable, agreementId: string): Promise<string[] | undefined> {
  const row = await db.selectFrom('trust_agreements').select('document').where('id', '=', agreementId).orderBy('version', 'desc').limit(1).executeTakeFirst();
  if (!row) return undefined;
  return ((row.document as { attributes?: { name: string }[] }).attributes ?? []).map((a) => a.name).sort();
}

/**
 * One item per identity and relying party of the agreement that knows it (signed in there, or had an account pushed),
 * unless that access is revoked already: kind rp, target `agreement:<id>`, entitlement the client id. `detail` shows
 * what the RP received: the attributes released (those consented to, else the agreement's), the consent, the first
 * and last sign-in, the account pushed and its state.
 */
async function insertRelyingPartyItems({ db }: Queryable, campaignId: string, agreementId: string, rule: ReviewerRule): Promise<number> {
  const released = JSON.stringify((await agreementAttributes({ db } as Queryable, agreementId)) ?? []);
  const r = await db
    .insertInto('campaign_items')
    .columns(['id', 'campaign_id', 'identity_id', 'kind', 'target', 'entitlement', 'privileged', 'reviewer_id', 'detail'])
    .expression((eb) =>
      eb
        .selectFrom('federation_rp_subjects as s')
        .innerJoin('federation_clients as f', 'f.client_id', 's.client_id')
        .innerJoin('identities as i', 'i.id', 's.identity_id')
        .leftJoin('federation_consents as k', (j) => j.onRef('k.identity_id', '=', 's.identity_id').onRef('k.client_id', '=', 's.client_id'))
        .leftJoin('rp_provisioning as p', (j) => j.onRef('p.identity_id', '=', 's.identity_id').onRef('p.client_id', '=', 's.client_id'))
        .where('f.agreement_id', '=', agreementId)
        .where('i.status', 'in', LIVE)
        .where(sql<boolean>`(s.first_used_at is not null or s.provisioned_at is not null)`)
        .where(
          sql<boolean>`not exists (select 1 from access_revocations v where v.identity_id = s.identity_id and v.target = 'agreement:' || f.agreement_id and v.entitlement = s.client_id and v.lifted_at is null)`,
        )
        .select((x) => [
          sql<string>`gen_random_uuid()`.as('id'),
          sql<string>`${campaignId}::uuid`.as('campaign_id'),
          's.identity_id',
          sql<string>`'rp'`.as('kind'),
          sql<string>`'agreement:' || f.agreement_id`.as('target'),
          's.client_id',
          sql<boolean>`false`.as('privileged'),
          reviewerOf(rule, 'rp')(x as never).as('reviewer_id'),
          sql<string>`jsonb_build_object(
            'released', coalesce((select jsonb_agg(a->>'name' order by a->>'name') from jsonb_array_elements(k.attributes) a), ${released}::jsonb),
            'consentedAt', k.granted_at,
            'firstSignIn', s.first_used_at,
            'lastSignIn', s.last_used_at,
            'provisionedAt', s.provisioned_at,
            'account', p.state)`.as('detail'),
        ]),
    )
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0);
}

async function insertAccessItems({ db }: Queryable, campaignId: string, scope: Extract<ItemScope, { kind: 'privileged' | 'target' }>, rule: ReviewerRule): Promise<number> {
  const entitlements = await db
    .insertInto('campaign_items')
    .columns(['id', 'campaign_id', 'identity_id', 'kind', 'target', 'entitlement', 'privileged', 'reviewer_id'])
    .expression((eb) => {
      let q = eb
        .selectFrom('entitlements as e')
        .innerJoin('identities as i', 'i.id', 'e.identity_id')
        .where('i.status', 'in', LIVE)
        .select((x) => [
          sql<string>`gen_random_uuid()`.as('id'),
          sql<string>`${campaignId}::uuid`.as('campaign_id'),
          'e.identity_id',
          sql<string>`'entitlement'`.as('kind'),
          'e.target',
          'e.entitlement',
          sql<boolean>`e.privileged or ${CATALOGUE_PRIVILEGED}`.as('privileged'),
          reviewerOf(rule, 'entitlement')(x as never).as('reviewer_id'),
        ]);
      q = scope.kind === 'privileged' ? q.where(sql<boolean>`e.privileged or ${CATALOGUE_PRIVILEGED}`) : q.where('e.target', '=', scope.target);
      return q;
    })
    .executeTakeFirst();
  let roles = 0;
  if (scope.kind === 'privileged') {
    const r = await db
      .insertInto('campaign_items')
      .columns(['id', 'campaign_id', 'identity_id', 'kind', 'target', 'entitlement', 'privileged', 'reviewer_id'])
      .expression((eb) =>
        eb
          .selectFrom('operator_roles as r')
          .innerJoin('identities as i', 'i.id', 'r.identity_id')
          .where('r.revoked_at', 'is', null)
          .where('i.status', 'in', LIVE)
          .select((x) => [
            sql<string>`gen_random_uuid()`.as('id'),
            sql<string>`${campaignId}::uuid`.as('campaign_id'),
            'r.identity_id',
            sql<string>`'role'`.as('kind'),
            sql<string>`'muster'`.as('target'),
            'r.role',
            sql<boolean>`true`.as('privileged'),
            reviewerOf(rule, 'role')(x as never).as('reviewer_id'),
          ]),
      )
      .executeTakeFirst();
    roles = Number(r.numInsertedOrUpdatedRows ?? 0);
  }
  return Number(entitlements.numInsertedOrUpdatedRows ?? 0) + roles;
}

export function campaignById({ db }: Queryable, id: string): Promise<CampaignRow | undefined> {
  return db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listCampaigns({ db }: Queryable): Promise<CampaignRow[]> {
  return db.selectFrom('campaigns').selectAll().orderBy('created_at', 'desc').limit(1000).execute();
}

export function dueCampaigns({ db }: Queryable, now: Date): Promise<CampaignRow[]> {
  return db.selectFrom('campaigns').selectAll().where('status', '=', 'open').where('due_at', '<=', now).orderBy('due_at').execute();
}

export function openCampaigns({ db }: Queryable): Promise<CampaignRow[]> {
  return db.selectFrom('campaigns').selectAll().where('status', '=', 'open').orderBy('due_at').execute();
}

export interface ItemRow {
  readonly id: string;
  readonly campaign_id: string;
  readonly identity_id: string;
  readonly kind: string;
  readonly target: string;
  readonly entitlement: string;
  readonly privileged: boolean;
  readonly reviewer_id: string | null;
  readonly decision: string | null;
  readonly comment: string | null;
  readonly decided_by: string | null;
  readonly decided_at: Date | null;
  readonly outcome: string | null;
  readonly closed_at: Date | null;
  /** What an item of a relying party shows (attributes released, consent, sign-ins, account); null for the others. */
  readonly detail: unknown;
}

export interface WorklistFilter {
  readonly reviewerId?: string | undefined;
  readonly campaignId?: string | undefined;
  /** Only the escalated items still undecided. */
  readonly escalated?: boolean | undefined;
  /** Items still to decide (default), or all. */
  readonly all?: boolean | undefined;
  readonly limit: number;
}

export function worklist({ db }: Queryable, f: WorklistFilter): Promise<ItemRow[]> {
  let q = db.selectFrom('campaign_items').selectAll();
  if (f.reviewerId) q = q.where('reviewer_id', '=', f.reviewerId);
  if (f.campaignId) q = q.where('campaign_id', '=', f.campaignId);
  if (f.escalated) q = q.where('outcome', '=', 'escalated').where('decision', 'is', null);
  else if (!f.all) q = q.where('outcome', 'is', null).where('decision', 'is', null);
  return q.orderBy('campaign_id').orderBy('identity_id').orderBy('target').orderBy('entitlement').limit(f.limit).execute();
}

export function itemById({ db }: Queryable, id: string): Promise<ItemRow | undefined> {
  return db.selectFrom('campaign_items').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function recordDecision({ db }: Queryable, id: string, decision: 'keep' | 'revoke', comment: string, by: string, now: Date): Promise<void> {
  await db.updateTable('campaign_items').set({ decision, comment, decided_by: by, decided_at: now }).where('id', '=', id).execute();
}

export interface ReviewerProgress {
  readonly reviewer_id: string | null;
  readonly items: number;
  readonly decided: number;
  readonly kept: number;
  readonly revoked: number;
}

export function progressOf({ db }: Queryable, campaignId: string): Promise<ReviewerProgress[]> {
  return db
    .selectFrom('campaign_items')
    .select([
      'reviewer_id',
      sql<number>`count(*)::int`.as('items'),
      sql<number>`count(decision)::int`.as('decided'),
      sql<number>`count(*) filter (where decision = 'keep')::int`.as('kept'),
      sql<number>`count(*) filter (where decision = 'revoke')::int`.as('revoked'),
    ])
    .where('campaign_id', '=', campaignId)
    .groupBy('reviewer_id')
    .orderBy('reviewer_id')
    .execute();
}

/** Reviewers with items left in an open campaign, with their address on record. */
export function reviewersToRemind({ db }: Queryable, campaignId: string) {
  return db
    .selectFrom('campaign_items as c')
    .innerJoin('identities as r', 'r.id', 'c.reviewer_id')
    .select(['c.reviewer_id as reviewer_id', sql<string | null>`r.attributes->'email'->>'v'`.as('email'), sql<number>`count(*)::int`.as('left')])
    .where('c.campaign_id', '=', campaignId)
    .where('c.decision', 'is', null)
    .where('c.outcome', 'is', null)
    .groupBy(['c.reviewer_id', sql`r.attributes->'email'->>'v'`])
    .execute();
}

export async function markReminded({ db }: Queryable, campaignId: string, now: Date): Promise<void> {
  await db.updateTable('campaigns').set({ reminded_at: now }).where('id', '=', campaignId).execute();
}

/**
 * Settles the items of a campaign at its due date: decided items get their outcome (kept, revoked), undecided
 * ones follow the rule (revoked-unanswered or escalated). Answers the counts.
 */
export async function settleItems({ db }: Queryable, campaignId: string, unanswered: 'revoke' | 'escalate', now: Date): Promise<Record<string, number>> {
  await db
    .updateTable('campaign_items')
    .set({
      outcome: sql`case when decision = 'keep' then 'kept' when decision = 'revoke' then 'revoked' when ${unanswered} = 'revoke' then 'revoked-unanswered' else 'escalated' end`,
      closed_at: sql`case when decision is null and ${unanswered} = 'escalate' then null else ${now}::timestamptz end`,
    })
    .where('campaign_id', '=', campaignId)
    .where('outcome', 'is', null)
    .execute();
  const rows = await db
    .selectFrom('campaign_items')
    .select(['outcome', sql<number>`count(*)::int`.as('n')])
    .where('campaign_id', '=', campaignId)
    .groupBy('outcome')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.outcome ?? 'open', r.n]));
}

/** The columns of an `access_revocations` row a campaign item makes, in the order of `revocationOfItem`. */
export const REVOCATION_COLUMNS = ['id', 'identity_id', 'target', 'entitlement', 'campaign_id', 'item_id', 'reason', 'revoked_by', 'revoked_at'] as const;

/** The revocation a campaign item makes, as a selection from `campaign_items` (the reason names the campaign and the decision). */
export function revocationOfItem(campaignName: string, now: Date) {
  return [
    sql<string>`gen_random_uuid()`.as('id'),
    'identity_id',
    'target',
    'entitlement',
    'campaign_id',
    'id as item_id',
    sql<string>`'campaign ' || ${campaignName} || ' (' || campaign_id || '): ' || coalesce(outcome, decision) || coalesce(' by ' || decided_by, '')`.as('reason'),
    sql<string>`'campaign:' || campaign_id`.as('revoked_by'),
    sql<Date>`${now}::timestamptz`.as('revoked_at'),
  ] as const;
}

/** Outcomes that take access away. */
export const REVOKING = ['revoked', 'revoked-unanswered'];

/**
 * Records a revocation for each revoking entitlement item of the campaign (or only `itemId`), and queues the
 * recompute of each identity concerned, in two statements. Answers the identities.
 */
export async function revokeEntitlements({ db }: Queryable, campaignId: string, campaignName: string, now: Date, itemId?: string): Promise<number> {
  const items = (eb: ExpressionBuilder<Database, 'campaign_items'>) => {
    const base = eb.and([eb('campaign_items.campaign_id', '=', campaignId), eb('campaign_items.kind', '=', 'entitlement')]);
    return itemId ? eb.and([base, eb('campaign_items.id', '=', itemId)]) : eb.and([base, eb('campaign_items.outcome', 'in', REVOKING)]);
  };
  await db
    .insertInto('access_revocations')
    .columns(REVOCATION_COLUMNS)
    .expression((eb) => eb.selectFrom('campaign_items').where(items).select(revocationOfItem(campaignName, now)))
    .onConflict((oc) => oc.columns(['identity_id', 'target', 'entitlement']).where('lifted_at', 'is', null).doNothing())
    .execute();
  const queued = await db
    .insertInto('jobs')
    .columns(['kind', 'idempotency_key', 'payload', 'run_after', 'created_at', 'updated_at'])
    .expression((eb) =>
      eb
        .selectFrom('campaign_items')
        .where(items)
        .select([
          sql<string>`'access.recompute'`.as('kind'),
          sql<string>`'access.recompute:campaign:' || campaign_id || ':' || ${itemId ?? 'close'} || ':' || identity_id`.as('idempotency_key'),
          sql<string>`jsonb_build_object('identityId', identity_id, 'type', 'campaign.revoked')`.as('payload'),
          sql<Date>`${now}::timestamptz`.as('run_after'),
          sql<Date>`${now}::timestamptz`.as('created_at'),
          sql<Date>`${now}::timestamptz`.as('updated_at'),
        ])
        .distinct(),
    )
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .executeTakeFirst();
  return Number(queued.numInsertedOrUpdatedRows ?? 0);
}

/** Ends the operator roles the campaign revoked (or the one of `itemId`); answers the roles ended. */
export async function revokeRoles({ db }: Queryable, campaignId: string, now: Date, itemId?: string) {
  let items = db.selectFrom('campaign_items').select(['identity_id', 'entitlement', 'outcome', 'decision']).where('campaign_id', '=', campaignId).where('kind', '=', 'role');
  items = itemId ? items.where('id', '=', itemId) : items.where('outcome', 'in', REVOKING);
  const rows = await items.execute();
  const ended: { identity_id: string; role: string }[] = [];
  for (const r of rows) {
    const done = await db
      .updateTable('operator_roles')
      .set({ revoked_at: now, revoked_by: `campaign:${campaignId}`, revoke_reason: `certification campaign: ${r.outcome ?? r.decision}` })
      .where('identity_id', '=', r.identity_id)
      .where('role', '=', r.entitlement)
      .where('revoked_at', 'is', null)
      .returning(['identity_id', 'role'])
      .execute();
    ended.push(...done);
  }
  return ended;
}

export async function closeCampaignRow({ db }: Queryable, id: string, now: Date): Promise<void> {
  await db.updateTable('campaigns').set({ status: 'closed', closed_at: now }).where('id', '=', id).execute();
}

export async function closeItem({ db }: Queryable, id: string, outcome: string, now: Date): Promise<void> {
  await db.updateTable('campaign_items').set({ outcome, closed_at: now }).where('id', '=', id).execute();
}

/** The operators holding a role, with their address on record. */
export function roleHolders({ db }: Queryable, role: string) {
  return db
    .selectFrom('operator_roles as r')
    .innerJoin('identities as i', 'i.id', 'r.identity_id')
    .select(['r.identity_id', sql<string | null>`i.attributes->'email'->>'v'`.as('email')])
    .where('r.role', '=', role)
    .where('r.revoked_at', 'is', null)
    .execute();
}

/** The campaign's audit entries (target `campaign:<id>`), in chain order, and the newest entry of the chain. */
export async function campaignAudit({ db }: Queryable, campaignId: string) {
  const entries = await db.selectFrom('audit_log').select(['seq', 'at', 'actor', 'action', 'hash']).where('target', '=', `campaign:${campaignId}`).orderBy('seq').execute();
  const head = await db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return { entries, head };
}

export function allItems({ db }: Queryable, campaignId: string): Promise<ItemRow[]> {
  return db.selectFrom('campaign_items').selectAll().where('campaign_id', '=', campaignId).orderBy('identity_id').orderBy('kind').orderBy('target').orderBy('entitlement').execute();
}

/** The Derived PIV credentials the campaign revoked (or the one of `itemId`). */
export async function revokedCredentials({ db }: Queryable, campaignId: string, itemId?: string): Promise<string[]> {
  let q = db.selectFrom('campaign_items').select('entitlement').where('campaign_id', '=', campaignId).where('kind', '=', 'credential');
  q = itemId ? q.where('id', '=', itemId) : q.where('outcome', 'in', REVOKING);
  return (await q.execute()).map((r) => r.entitlement);
}

/** Lifts the live revocation of one entitlement and queues the identity's recompute; answers whether there was one. */
export async function liftRevocation({ db }: Queryable, r: { identityId: string; target: string; entitlement: string; by: string; reason: string; now: Date }): Promise<boolean> {
  const lifted = await db
    .updateTable('access_revocations')
    .set({ lifted_by: r.by, lifted_at: r.now, lift_reason: r.reason })
    .where('identity_id', '=', r.identityId)
    .where('target', '=', r.target)
    .where('entitlement', '=', r.entitlement)
    .where('lifted_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  if (!lifted) return false;
  await db
    .insertInto('jobs')
    .values({
      kind: 'access.recompute',
      idempotency_key: `access.recompute:restored:${lifted.id}`,
      payload: JSON.stringify({ identityId: r.identityId, type: 'access.restored' }),
      run_after: r.now,
      created_at: r.now,
      updated_at: r.now,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .execute();
  return true;
}
