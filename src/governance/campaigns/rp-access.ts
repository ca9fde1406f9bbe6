import { sql } from 'kysely';
import type { AuditWriter } from '../../audit/writer.ts';
import { ChangeSet } from '../../mur/change-set.ts';
import type { Queryable, Tx } from '../../store/store.ts';
import { endGrant } from '../requests/grant-writes.ts';
import type { RequestRow } from '../requests/request-repository.ts';
import { REVOCATION_COLUMNS, REVOKING, revocationOfItem } from './campaign-repository.ts';

/**
 * Access to one relying party of a trust agreement, as a certification campaign reviews it. A revocation is an
 * `access_revocations` row (target `agreement:<id>`, entitlement the client id) that the OP's sign-in and the
 * provisioning to RPs honour until it is lifted; the `rp.access-ended` event it commits ends the sessions at that
 * RP and tells it (shared signals, and its provisioning API when the agreement provisions).
 */

export const RP_ACCESS_ENDED = 'rp.access-ended';
export const RP_ACCESS_RESTORED = 'rp.access-restored';
export const AGREEMENT_TARGET_PREFIX = 'agreement:';

/** The revocation target of an agreement's relying parties. */
export const agreementTarget = (agreementId: string): string => `${AGREEMENT_TARGET_PREFIX}${agreementId}`;

/** Why an access to the RP ends: the campaign that revoked it, or the subscriber who withdrew consent. */
export type RpAccessCause =
  | { readonly kind: 'campaign'; readonly campaignId: string; readonly campaignName: string; readonly itemId: string; readonly outcome: string }
  | { readonly kind: 'consent-withdrawn' };

export interface RpAccessEnd {
  readonly identityId: string;
  readonly agreementId: string;
  readonly clientId: string;
  readonly cause: RpAccessCause;
}

export interface Acted {
  readonly actor: string;
  readonly now: Date;
  readonly correlationId: string;
  readonly audit: AuditWriter;
}

/** The live revocation of the identity's access to the RP, if any: its reason. One read of a unique index. */
export async function rpAccessRevocation({ db }: Queryable, identityId: string, agreementId: string, clientId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('access_revocations')
    .select('reason')
    .where('identity_id', '=', identityId)
    .where('target', '=', agreementTarget(agreementId))
    .where('entitlement', '=', clientId)
    .where('lifted_at', 'is', null)
    .executeTakeFirst();
  return row?.reason;
}

interface RevokedRp {
  readonly identity_id: string;
  readonly target: string;
  readonly entitlement: string;
  readonly item_id: string | null;
  readonly outcome: string;
}

/**
 * Records a revocation for each revoking RP item of the campaign (or only `itemId`), then ends each access: the
 * runtime consent forgotten, a granted `rp` request for the agreement ended, and an `rp.access-ended` event naming
 * the campaign. An access revoked already is left alone. Answers how many accesses ended.
 */
export async function revokeRelyingParties(tx: Tx, campaign: { id: string; name: string }, by: Acted, itemId?: string): Promise<number> {
  const rows = await insertRevocations(tx, campaign, by.now, itemId);
  const ends = rows.map(
    (r): RpAccessEnd => ({
      identityId: r.identity_id,
      agreementId: r.target.slice(AGREEMENT_TARGET_PREFIX.length),
      clientId: r.entitlement,
      cause: { kind: 'campaign', campaignId: campaign.id, campaignName: campaign.name, itemId: r.item_id ?? '', outcome: r.outcome },
    }),
  );
  await endRpAccess(tx, ends, by);
  return ends.length;
}

async function insertRevocations({ db }: Queryable, campaign: { id: string; name: string }, now: Date, itemId?: string): Promise<RevokedRp[]> {
  let items = db.selectFrom('campaign_items').where('campaign_id', '=', campaign.id).where('kind', '=', 'rp').select(revocationOfItem(campaign.name, now));
  items = itemId ? items.where('id', '=', itemId) : items.where('outcome', 'in', REVOKING);
  const inserted = await db
    .insertInto('access_revocations')
    .columns(REVOCATION_COLUMNS)
    .expression(items)
    .onConflict((oc) => oc.columns(['identity_id', 'target', 'entitlement']).where('lifted_at', 'is', null).doNothing())
    .returning(['identity_id', 'target', 'entitlement', 'item_id'])
    .execute();
  if (inserted.length === 0) return [];
  const outcomes = await db
    .selectFrom('campaign_items')
    .select(['id', sql<string>`coalesce(outcome, decision)`.as('outcome')])
    .where(
      'id',
      'in',
      inserted.flatMap((r) => (r.item_id ? [r.item_id] : [])),
    )
    .execute();
  const outcomeOf = new Map(outcomes.map((o) => [o.id, o.outcome]));
  return inserted.map((r) => ({ ...r, outcome: outcomeOf.get(r.item_id ?? '') ?? 'revoked' }));
}

function reasonOf(cause: RpAccessCause): string {
  return cause.kind === 'campaign' ? `certification campaign ${cause.campaignName} (${cause.campaignId}): ${cause.outcome}` : 'the subscriber withdrew their consent';
}

/**
 * Ends each identity's access to one relying party, in the caller's transaction: its runtime consent forgotten, a
 * granted `rp` request for the agreement ended once every RP of the agreement is revoked (the grant covers them all), and an
 * `rp.access-ended` event (audited, naming the cause) whose jobs end the sessions at that RP, tell it by shared
 * signals and bring its account at the RP's provisioning API in line.
 */
export async function endRpAccess(tx: Tx, ends: readonly RpAccessEnd[], by: Acted): Promise<void> {
  if (ends.length === 0) return;
  const changes = new ChangeSet();
  for (const end of ends) {
    const consent = await tx.db.deleteFrom('federation_consents').where('identity_id', '=', end.identityId).where('client_id', '=', end.clientId).returning('attributes').executeTakeFirst();
    const grants = end.cause.kind === 'campaign' ? await endRpGrants(tx, end, by) : [];
    const campaign = end.cause.kind === 'campaign' ? { campaign_id: end.cause.campaignId, item_id: end.cause.itemId, outcome: end.cause.outcome } : {};
    const payload = {
      client_id: end.clientId,
      agreement_id: end.agreementId,
      cause: end.cause.kind,
      ...campaign,
      consent_withdrawn: consent !== undefined,
      released: consent ? (consent.attributes as { name: string }[]).map((a) => a.name) : null,
      grants_ended: grants,
      reason: reasonOf(end.cause),
    };
    const action = end.cause.kind === 'campaign' ? RP_ACCESS_ENDED : 'oidc.consent.withdrawn';
    changes.events.push({ type: RP_ACCESS_ENDED, identityId: end.identityId, payload, audit: { actor: by.actor, action, target: end.identityId, reason: payload.reason, data: payload } });
  }
  await changes.commit(tx, { now: by.now, correlationId: by.correlationId, audit: by.audit });
}

/**
 * Whether a relying party of the agreement is still open to the identity: registered under it by the agreement, with no
 * live revocation of the identity's access there. A grant covers every RP of its agreement, so it stands while one is.
 */
async function someRpStillOpen({ db }: Queryable, identityId: string, agreementId: string): Promise<boolean> {
  const open = await db
    .selectFrom('federation_clients as c')
    .select('c.client_id')
    .where('c.agreement_id', '=', agreementId)
    .where('c.registration', '=', 'agreement')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('access_revocations as r')
            .select('r.id')
            .whereRef('r.entitlement', '=', 'c.client_id')
            .where('r.identity_id', '=', identityId)
            .where('r.target', '=', agreementTarget(agreementId))
            .where('r.lifted_at', 'is', null),
        ),
      ),
    )
    .executeTakeFirst();
  return open !== undefined;
}

/** Ends the granted `rp` requests of the identity for the agreement once no RP of it is left open; answers their ids. */
async function endRpGrants(tx: Tx, end: RpAccessEnd, by: Acted): Promise<string[]> {
  if (await someRpStillOpen(tx, end.identityId, end.agreementId)) return [];
  const rows: RequestRow[] = await tx.db
    .selectFrom('access_requests')
    .selectAll()
    .where('beneficiary_id', '=', end.identityId)
    .where('kind', '=', 'rp')
    .where('entitlement', '=', end.agreementId)
    .where('status', '=', 'granted')
    .forUpdate()
    .execute();
  const why = reasonOf(end.cause);
  for (const row of rows) await endGrant(tx, row, { status: 'ended', ended_at: by.now, end_reason: why }, why, by);
  return rows.map((r) => r.id);
}

/** A lifted revocation of access to an RP: the `rp.access-restored` event tells the RP and pushes its account again. */
export async function restoreRpAccess(tx: Tx, restored: { identityId: string; agreementId: string; clientId: string; reason: string }, by: Acted): Promise<void> {
  const changes = new ChangeSet();
  const payload = { client_id: restored.clientId, agreement_id: restored.agreementId, reason: restored.reason };
  changes.events.push({
    type: RP_ACCESS_RESTORED,
    identityId: restored.identityId,
    payload,
    audit: { actor: by.actor, action: RP_ACCESS_RESTORED, target: restored.identityId, reason: restored.reason, data: payload },
  });
  await changes.commit(tx, { now: by.now, correlationId: by.correlationId, audit: by.audit });
}
